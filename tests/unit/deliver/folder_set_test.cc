#include "mailsift/deliver/folder_set.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "mailsift/limits.h"
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

const std::string kMessage = "From a@b  Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n";

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
  for (const auto& n : names) out += (out.empty() ? "" : " | ") + n;
  return "[" + out + "]";
}

TEST(FolderSet, OneFileLinkedIntoEveryFolder) {
  TempDir dir;
  const std::string plain = dir / "plain";
  ASSERT_EQ(::mkdir(plain.c_str(), 0700), 0);
  const std::vector<std::string> names = {dir / "md/", dir / "mh/.", plain, dir / "new-dir"};
  DeliveryReport report;
  const Status st = deliver_to_folders(sys::real_io(), names, parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(report.stored.size(), 4u) << join(report.stored);
  EXPECT_TRUE(report.warnings.empty()) << join(report.warnings);
  EXPECT_EQ(report.stored[0].rfind(dir / "md/new/", 0), 0u) << report.stored[0];
  EXPECT_EQ(report.stored[1], dir / "mh/1");
  EXPECT_EQ(report.stored[2].rfind(plain + "/msg.", 0), 0u) << report.stored[2];
  EXPECT_EQ(report.stored[3].rfind(dir / "new-dir/msg.", 0), 0u) << report.stored[3];
  const ino_t inode = inode_of(report.stored[0]);
  ASSERT_NE(inode, 0u);
  for (const auto& stored : report.stored) {
    EXPECT_EQ(inode_of(stored), inode) << stored << " is not the same file";
    // The first folder's bytes (maildir: no From_ line) are shared by all.
    EXPECT_EQ(testing::read_file(stored), "Subject: x\n\nbody\n") << stored;
  }
  EXPECT_EQ(testing::list_dir(dir / "md/tmp").size(), 0u);
}

TEST(FolderSet, DirectoryFirstKeepsItsBytes) {
  TempDir dir;
  const std::string plain = dir / "plain";
  ASSERT_EQ(::mkdir(plain.c_str(), 0700), 0);
  DeliveryReport report;
  ASSERT_TRUE(deliver_to_folders(sys::real_io(), {plain, dir / "md/"}, parse(kMessage), options(),
                                 &report)
                  .ok());
  ASSERT_EQ(report.stored.size(), 2u) << join(report.stored);
  EXPECT_EQ(testing::read_file(report.stored[1]), kMessage + "\n");
  EXPECT_EQ(inode_of(report.stored[0]), inode_of(report.stored[1]));
}

TEST(FolderSet, MboxFirstSkipsTheOthers) {
  TempDir dir;
  DeliveryReport report;
  const Status st = deliver_to_folders(sys::real_io(), {dir / "mbox", dir / "d", dir / "md/"},
                                       parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(report.stored, std::vector<std::string>{dir / "mbox"});
  EXPECT_EQ(report.warnings,
            (std::vector<std::string>{"Skipped \"" + dir / "d" + " " + dir / "md/" + "\""}));
  EXPECT_FALSE(testing::exists(dir / "d"));
  EXPECT_FALSE(testing::exists(dir / "md"));
}

TEST(FolderSet, DevNullFirstSkipsTheOthers) {
  TempDir dir;
  DeliveryReport report;
  ASSERT_TRUE(deliver_to_folders(sys::real_io(), {"/dev/null", dir / "d"}, parse(kMessage),
                                 options(), &report)
                  .ok());
  EXPECT_EQ(report.stored, std::vector<std::string>{"/dev/null"});
  EXPECT_EQ(report.warnings.size(), 1u) << join(report.warnings);
  EXPECT_FALSE(testing::exists(dir / "d"));
}

TEST(FolderSet, FailedLinksAreWarnings) {
  TempDir dir;
  testing::write_file(dir / "afile", "keep");
  DeliveryReport report;
  const Status st =
      deliver_to_folders(sys::real_io(), {dir / "md/", dir / "afile", "/dev/null", dir / "mh/."},
                         parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(report.stored.size(), 2u) << join(report.stored);
  EXPECT_EQ(report.stored[1], dir / "mh/1");
  ASSERT_EQ(report.warnings.size(), 2u) << join(report.warnings);
  EXPECT_EQ(report.warnings[0].rfind("Couldn't make link to \"" + dir / "afile" + "\"", 0), 0u)
      << report.warnings[0];
  EXPECT_EQ(report.warnings[1].rfind("Couldn't make link to \"/dev/null\"", 0), 0u)
      << report.warnings[1];
  EXPECT_EQ(testing::read_file(dir / "afile"), "keep");
}

TEST(FolderSet, InjectedLinkFailureIsAWarning) {
  TempDir dir;
  FaultyIo io;
  Fault f;
  f.op = Op::kLink;
  f.err = EXDEV;
  f.path_contains = "/mh/";
  io.add(f);
  DeliveryReport report;
  const Status st = deliver_to_folders(io, {dir / "md/", dir / "mh/."}, parse(kMessage), options(),
                                       &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(report.stored.size(), 1u) << join(report.stored);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("Invalid cross-device link"), std::string::npos)
      << report.warnings[0];
  EXPECT_TRUE(testing::list_dir(dir / "mh").empty());
}

TEST(FolderSet, FailedFirstFolderFailsAndLinksNothing) {
  TempDir dir;
  FaultyIo io;
  Fault f;
  f.op = Op::kFsync;
  f.err = EIO;
  f.path_contains = "/md/tmp/";
  io.add(f);
  DeliveryReport report;
  const Status st = deliver_to_folders(io, {dir / "md/", dir / "mh/."}, parse(kMessage), options(),
                                       &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kFsync);
  EXPECT_TRUE(report.stored.empty()) << join(report.stored);
  EXPECT_FALSE(testing::exists(dir / "mh"));
}

std::string kind_names(const std::vector<FolderKind>& kinds) {
  std::string out;
  for (const FolderKind k : kinds)
    out += (out.empty() ? "" : " | ") + std::string(folder_kind_name(k));
  return "[" + out + "]";
}

// The kind of each stored folder comes with it (the dry run's trace names it).
TEST(FolderSet, ReportsTheKindOfEachStoredFolder) {
  struct Case {
    std::vector<std::string> names;  // under the test's directory, except /dev/null
    std::vector<FolderKind> want;
  } const cases[] = {
      {{"mbox"}, {FolderKind::kMbox}},
      {{"/dev/null"}, {FolderKind::kDevNull}},
      {{"existing"}, {FolderKind::kDirectory}},
      {{"md/", "plain", "mh/."}, {FolderKind::kMaildir, FolderKind::kDirectory, FolderKind::kMh}},
      {{"mh/.", "md/"}, {FolderKind::kMh, FolderKind::kMaildir}},
      {{"md/", "/dev/null"}, {FolderKind::kMaildir}},  // no link to /dev/null
  };
  for (const bool predict : {true, false}) {
    for (const auto& c : cases) {
      TempDir dir;
      ASSERT_EQ(::mkdir((dir / "existing").c_str(), 0700), 0);
      std::vector<std::string> names;
      for (const auto& n : c.names) names.push_back(n[0] == '/' ? n : dir / n);
      DeliveryReport report;
      const Status st = predict ? predict_delivery(sys::real_io(), names, &report)
                                : deliver_to_folders(sys::real_io(), names, parse(kMessage),
                                                     options(), &report);
      ASSERT_TRUE(st.ok()) << join(names) << ": " << st.message();
      EXPECT_EQ(report.kinds, c.want)
          << (predict ? "predict_delivery " : "deliver_to_folders ") << join(names) << ": got "
          << kind_names(report.kinds) << ", wanted " << kind_names(c.want);
      EXPECT_EQ(report.kinds.size(), report.stored.size()) << join(report.stored);
    }
  }
}

TEST(FolderSet, RejectsNoFoldersAndTooMany) {
  DeliveryReport report;
  EXPECT_FALSE(deliver_to_folders(sys::real_io(), {}, parse(kMessage), options(), &report).ok());
  const std::vector<std::string> many(limits::kMaxFoldersPerAction + 1, "/dev/null");
  EXPECT_FALSE(deliver_to_folders(sys::real_io(), many, parse(kMessage), options(), &report).ok());
  EXPECT_TRUE(report.stored.empty());
}

}  // namespace
}  // namespace mailsift::deliver
