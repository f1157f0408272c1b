#include "mailsift/deliver/mh.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "mailsift/message/reader.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using message::Message;
using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;
using Status = sys::Status;

const std::string kMessage = "From a@b  Mon Jan  1 00:00:00 2001\nSubject: x\n\nFrom body\nend";

using testing::parse;

DeliveryOptions options() {
  DeliveryOptions o;
  o.hostname = "testhost";
  return o;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return "[" + out + "]";
}

TEST(Mh, NumberingTable) {
  struct Case {
    const char* name;
    std::vector<std::string> existing;
    std::string want;
  };
  const Case cases[] = {
      {"empty folder", {}, "1"},
      {"gaps do not matter, 8x is no number", {"1", "2", "10", "8x"}, "11"},
      {"leading zeros", {"007"}, "8"},
      {"other names ignored", {".mh_sequences", "_tmp", "x1", "1x", "-3"}, "1"},
      {"large number", {"99999"}, "100000"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir / "mh";
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    for (const auto& name : c.existing) testing::write_file(path + "/" + name, "old");
    DeliveryReport report;
    const Status st = MhFolder(path).deliver(sys::real_io(), parse(kMessage), options(), &report);
    ASSERT_TRUE(st.ok()) << c.name << ": " << st.message();
    EXPECT_EQ(report.stored, std::vector<std::string>{path + "/" + c.want})
        << c.name << ": got " << join(report.stored) << ", want " << c.want;
    EXPECT_EQ(testing::list_dir(path).size(), c.existing.size() + 1)
        << c.name << ": folder holds " << join(testing::list_dir(path));
  }
}

TEST(Mh, CreatesTheFolderAndKeepsTheFromLine) {
  TempDir dir;
  const std::string path = dir / "mh";
  MhFolder folder(path);
  EXPECT_EQ(folder.describe(), path + "/.");
  DeliveryReport report;
  ASSERT_TRUE(folder.deliver(sys::real_io(), parse(kMessage), options(), &report).ok());
  // From_ kept, no ">From" quoting, one newline added (procmail's MH bytes).
  EXPECT_EQ(testing::read_file(path + "/1"), kMessage + "\n");
  EXPECT_EQ(report.bytes_written, kMessage.size() + 1);
  EXPECT_EQ(testing::list_dir(path), std::vector<std::string>{"1"});

  DeliveryReport second;
  ASSERT_TRUE(folder.deliver(sys::real_io(), parse(kMessage), options(), &second).ok());
  EXPECT_EQ(second.stored, std::vector<std::string>{path + "/2"});
}

TEST(Mh, TakenNumberCountsUp) {
  TempDir dir;
  const std::string path = dir / "mh";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  testing::write_file(path + "/3", "old");
  FaultyIo io;
  io.add(testing::fault_on(Op::kLink, EEXIST, "/mh/4"));  // someone else took 4 meanwhile
  DeliveryReport report;
  const Status st = MhFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(report.stored, std::vector<std::string>{path + "/5"});
  EXPECT_EQ(testing::list_dir(path), (std::vector<std::string>{"3", "5"}));
}

TEST(Mh, FailuresLeaveTheFolderAsItWas) {
  struct Case {
    const char* name;
    Fault fault;
    sys::Step want_step;
  };
  const Case cases[] = {
      {"open", testing::fault_on(Op::kOpen, EACCES, "/mh/_"), sys::Step::kOpen},
      {"write", testing::fault_on(Op::kWrite, ENOSPC, "/mh/_"), sys::Step::kWrite},
      {"fsync", testing::fault_on(Op::kFsync, EIO, "/mh/_"), sys::Step::kFsync},
      {"close", testing::fault_on(Op::kClose, EIO, "/mh/_"), sys::Step::kClose},
      {"link", testing::fault_on(Op::kLink, EIO, "/mh/"), sys::Step::kLink},
      {"scan", testing::fault_on(Op::kListDirectory, EIO, "mh"), sys::Step::kRead},
      {"directory fsync", testing::fault_on(Op::kFsync, EIO, "/mh", 2), sys::Step::kFsync},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir / "mh";
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    testing::write_file(path + "/1", "old");
    FaultyIo io;
    io.add(c.fault);
    DeliveryReport report;
    const Status st = MhFolder(path).deliver(io, parse(kMessage), options(), &report);
    EXPECT_GE(io.fired(), 1) << c.name << ": fault never fired";
    EXPECT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.step(), c.want_step) << c.name << ": " << st.message();
    EXPECT_EQ(testing::list_dir(path), std::vector<std::string>{"1"})
        << c.name << ": folder holds " << join(testing::list_dir(path));
    EXPECT_TRUE(report.stored.empty()) << c.name;
  }
}

TEST(Mh, FolderFsyncFailureRemovesTheNumberedFile) {
  TempDir dir;
  const std::string path = dir / "mh";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  FaultyIo io;
  io.add(testing::fault_on(Op::kFsync, EIO, "/mh", 2));  // 1: the file, 2: the folder
  DeliveryReport report;
  const Status st = MhFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.path(), path) << st.message();
  EXPECT_NE(st.aftermath().find("removed again"), std::string::npos) << st.message();
  EXPECT_TRUE(testing::list_dir(path).empty()) << join(testing::list_dir(path));
}

TEST(Mh, PathThatIsAFileFails) {
  TempDir dir;
  testing::write_file(dir / "mh", "x");
  DeliveryReport report;
  const Status st = MhFolder(dir / "mh").deliver(sys::real_io(), parse(kMessage), options(), &report);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.err(), ENOTDIR) << st.message();
}

TEST(Mh, LinkExistingTakesTheNextNumber) {
  TempDir dir;
  const std::string path = dir / "mh";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  testing::write_file(path + "/41", "old");
  const std::string stored = dir / "stored";
  testing::write_file(stored, "X: 1\n\nbody\n");
  std::string created;
  const Status st = MhFolder(path).link_existing(sys::real_io(), stored, options(), &created);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(created, path + "/42");
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(::stat(stored.c_str(), &a), 0);
  ASSERT_EQ(::stat(created.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

}  // namespace
}  // namespace mailsift::deliver
