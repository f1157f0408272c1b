#include "mailsift/deliver/directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

// The internal helpers shared by the directory-type folders.
#include "../../../src/deliver/directory_store.h"
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

const std::string kMessage = "From a@b  Mon Jan  1 00:00:00 2001\nSubject: x\n\nFrom body\nend\n";

using testing::parse;

DeliveryOptions options() {
  DeliveryOptions o;
  o.hostname = "testhost";
  return o;
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return "[" + out + "]";
}

TEST(ProcmailBase64, Table) {
  struct Case {
    unsigned long long value;
    std::string want;
  };
  const Case cases[] = {
      {0, "A"},        {1, "B"},         {25, "Z"},       {26, "a"},       {51, "z"},
      {52, "0"},       {61, "9"},        {62, "-"},       {63, "_"},       {64, "AB"},
      {65, "BB"},      {4095, "__"},     {4096, "AAB"},
      // Seen from /usr/bin/procmail: inode 10952829 was stored as "msg.9Byp".
      {10952829, "9Byp"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(store::procmail_base64(c.value), c.want) << "value " << c.value;
  }
}

TEST(Directory, NamesTheFileAfterItsInode) {
  TempDir dir;
  const std::string path = dir / "d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  DeliveryReport report;
  const Status st =
      DirectoryFolder(path).deliver(sys::real_io(), parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(report.stored.size(), 1u);
  const std::string stored = report.stored[0];
  EXPECT_EQ(stored, path + "/msg." + store::procmail_base64(inode_of(stored)));
  // From_ kept, no quoting; the data already ends in "\n" but not "\n\n": one added.
  EXPECT_EQ(testing::read_file(stored), kMessage + "\n");
  EXPECT_EQ(report.bytes_written, kMessage.size() + 1);
  EXPECT_EQ(testing::list_dir(path).size(), 1u) << join(testing::list_dir(path));
}

TEST(Directory, MsgprefixAndRaw) {
  TempDir dir;
  const std::string path = dir / "d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  DeliveryOptions o = options();
  o.msgprefix = "mail-";
  o.raw = true;
  DeliveryReport report;
  ASSERT_TRUE(DirectoryFolder(path).deliver(sys::real_io(), parse(kMessage), o, &report).ok());
  ASSERT_EQ(report.stored.size(), 1u);
  EXPECT_EQ(report.stored[0].rfind(path + "/mail-", 0), 0u) << report.stored[0];
  EXPECT_EQ(testing::read_file(report.stored[0]), kMessage);
}

TEST(Directory, ManyDeliveriesHaveUniqueNames) {
  TempDir dir;
  const std::string path = dir / "d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  std::set<std::string> names;
  constexpr int kDeliveries = 20;
  for (int i = 0; i < kDeliveries; ++i) {
    DeliveryReport report;
    ASSERT_TRUE(
        DirectoryFolder(path).deliver(sys::real_io(), parse(kMessage), options(), &report).ok());
    ASSERT_EQ(report.stored.size(), 1u);
    EXPECT_TRUE(names.insert(report.stored[0]).second) << "name used twice: " << report.stored[0];
  }
  EXPECT_EQ(testing::list_dir(path).size(), static_cast<std::size_t>(kDeliveries));
}

TEST(Directory, TakenNameMeansANewFile) {
  TempDir dir;
  const std::string path = dir / "d";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  FaultyIo io;
  io.add(testing::fault_on(Op::kLink, EEXIST, "/d/msg."));
  DeliveryReport report;
  const Status st = DirectoryFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.fired(), 1);
  // Only the final file is left; both temporary files are gone.
  EXPECT_EQ(testing::list_dir(path).size(), 1u) << join(testing::list_dir(path));
  ASSERT_EQ(report.stored.size(), 1u);
  EXPECT_EQ(testing::read_file(report.stored[0]), kMessage + "\n");
}

TEST(Directory, FailuresLeaveTheDirectoryEmpty) {
  struct Case {
    const char* name;
    Fault fault;
    sys::Step want_step;
  };
  const Case cases[] = {
      {"open", testing::fault_on(Op::kOpen, EACCES, "/d/_"), sys::Step::kOpen},
      {"write", testing::fault_on(Op::kWrite, ENOSPC, "/d/_"), sys::Step::kWrite},
      {"fsync", testing::fault_on(Op::kFsync, EIO, "/d/_"), sys::Step::kFsync},
      {"close", testing::fault_on(Op::kClose, EIO, "/d/_"), sys::Step::kClose},
      {"link", testing::fault_on(Op::kLink, EIO, "/d/msg."), sys::Step::kLink},
      {"directory fsync", testing::fault_on(Op::kFsync, EIO, "/d", 2), sys::Step::kFsync},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir / "d";
    ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
    FaultyIo io;
    io.add(c.fault);
    DeliveryReport report;
    const Status st = DirectoryFolder(path).deliver(io, parse(kMessage), options(), &report);
    EXPECT_GE(io.fired(), 1) << c.name << ": fault never fired";
    EXPECT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.step(), c.want_step) << c.name << ": " << st.message();
    EXPECT_TRUE(testing::list_dir(path).empty())
        << c.name << ": directory holds " << join(testing::list_dir(path));
    EXPECT_TRUE(report.stored.empty()) << c.name;
  }
}

TEST(Directory, LinkExistingUsesTheSameInodeName) {
  TempDir dir;
  const std::string stored = dir / "stored";
  testing::write_file(stored, "X: 1\n\nbody\n");
  std::string created;
  // The folder does not exist yet: a secondary directory is created.
  const Status st =
      DirectoryFolder(dir / "d").link_existing(sys::real_io(), stored, options(), &created);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(created, dir / "d/msg." + store::procmail_base64(inode_of(stored)));
  EXPECT_EQ(inode_of(created), inode_of(stored));
}

TEST(Directory, LinkExistingIntoAFileFails) {
  TempDir dir;
  const std::string stored = dir / "stored";
  testing::write_file(stored, "X: 1\n\nbody\n");
  testing::write_file(dir / "f", "a file");
  std::string created;
  const Status st =
      DirectoryFolder(dir / "f").link_existing(sys::real_io(), stored, options(), &created);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.err(), ENOTDIR) << st.message();
  EXPECT_EQ(testing::read_file(dir / "f"), "a file");
}

}  // namespace
}  // namespace mailsift::deliver
