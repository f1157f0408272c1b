#include "mailsift/deliver/maildir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <regex>
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

const std::string kMessage =
    "From sender@example.org  Mon Jan  1 00:00:00 2001\nSubject: hi\n\nbody\nFrom here\nend";

using testing::parse;

DeliveryOptions options() {
  DeliveryOptions o;
  o.hostname = "testhost";
  return o;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return "[" + out + "]";
}

TEST(Maildir, CreatesTheMaildirAndStoresTheMessageWithoutFromLine) {
  TempDir dir;
  const std::string path = dir / "md";
  MaildirFolder folder(path);
  EXPECT_EQ(folder.describe(), path + "/");
  DeliveryReport report;
  const Status st = folder.deliver(sys::real_io(), parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();

  const auto files = testing::list_dir(path + "/new");
  ASSERT_EQ(files.size(), 1u) << join(files);
  EXPECT_TRUE(std::regex_match(files[0], std::regex(R"([0-9]+\.M[0-9]+P[0-9]+Q[0-9]+\.testhost)")))
      << files[0];
  // No From_ line, no ">From" quoting, no added newline (procmail's maildir bytes).
  const std::string want = "Subject: hi\n\nbody\nFrom here\nend";
  EXPECT_EQ(testing::read_file(path + "/new/" + files[0]), want);
  EXPECT_EQ(report.bytes_written, want.size());
  EXPECT_EQ(report.stored, std::vector<std::string>{path + "/new/" + files[0]});
  EXPECT_TRUE(testing::list_dir(path + "/tmp").empty()) << join(testing::list_dir(path + "/tmp"));
  EXPECT_TRUE(testing::exists(path + "/cur"));
  EXPECT_TRUE(report.warnings.empty()) << join(report.warnings);
}

TEST(Maildir, ModesAsProcmail) {
  // Verified with procmail 3.22: UMASK=022 gives directories 0755 and files 0645,
  // UMASK=027 gives 0750 and 0640.
  struct Case {
    mode_t umask;
    mode_t dir_mode;
    mode_t file_mode;
  };
  const Case cases[] = {{022, 0755, 0645}, {027, 0750, 0640}, {077, 0700, 0600}};
  const mode_t saved = ::umask(0);
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir / "md";
    DeliveryOptions o = options();
    o.umask = c.umask;
    DeliveryReport report;
    ASSERT_TRUE(MaildirFolder(path).deliver(sys::real_io(), parse(kMessage), o, &report).ok());
    for (const char* d : {"", "/new", "/cur", "/tmp"}) {
      EXPECT_EQ(mode_of(path + d), c.dir_mode)
          << "umask " << std::oct << c.umask << " dir md" << d << " got " << mode_of(path + d);
    }
    ASSERT_EQ(report.stored.size(), 1u);
    EXPECT_EQ(mode_of(report.stored[0]), c.file_mode)
        << "umask " << std::oct << c.umask << " got " << mode_of(report.stored[0]);
  }
  ::umask(saved);
}

TEST(Maildir, TwoDeliveriesTwoFiles) {
  TempDir dir;
  MaildirFolder folder(dir / "md");
  DeliveryReport first;
  DeliveryReport second;
  ASSERT_TRUE(folder.deliver(sys::real_io(), parse(kMessage), options(), &first).ok());
  ASSERT_TRUE(folder.deliver(sys::real_io(), parse(kMessage), options(), &second).ok());
  EXPECT_EQ(testing::list_dir(dir / "md/new").size(), 2u);
  EXPECT_NE(first.stored, second.stored);
}

// Each step of the protocol fails in turn: the delivery fails naming the step,
// nothing is visible in new/, and tmp/ is clean.
TEST(Maildir, EveryFailingStepLeavesNothingBehind) {
  struct Case {
    const char* name;
    Fault fault;
    sys::Step want_step;
    int want_err;
  };
  Fault enospc_midway = testing::fault_on(Op::kWrite, ENOSPC, "/tmp/");
  enospc_midway.bytes_before_failure = 7;
  const Case cases[] = {
      {"open", testing::fault_on(Op::kOpen, EACCES, "md/tmp/"), sys::Step::kOpen, EACCES},
      {"write ENOSPC at once", testing::fault_on(Op::kWrite, ENOSPC, "md/tmp/"), sys::Step::kWrite, ENOSPC},
      {"write ENOSPC midway", enospc_midway, sys::Step::kWrite, ENOSPC},
      {"write EDQUOT", testing::fault_on(Op::kWrite, EDQUOT, "md/tmp/"), sys::Step::kWrite, EDQUOT},
      {"fsync", testing::fault_on(Op::kFsync, EIO, "md/tmp/"), sys::Step::kFsync, EIO},
      {"close", testing::fault_on(Op::kClose, EIO, "md/tmp/"), sys::Step::kClose, EIO},
      {"link", testing::fault_on(Op::kLink, EIO, "md/new/"), sys::Step::kLink, EIO},
      {"link EXDEV", testing::fault_on(Op::kLink, EXDEV, "md/new/"), sys::Step::kLink, EXDEV},
      {"directory fsync", testing::fault_on(Op::kFsync, EIO, "md/new"), sys::Step::kFsync, EIO},
      {"mkdir", testing::fault_on(Op::kMkdir, EACCES, "md"), sys::Step::kMkdir, EACCES},
      {"mkdir new/", testing::fault_on(Op::kMkdir, ENOSPC, "md/new"), sys::Step::kMkdir, ENOSPC},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string path = dir / "md";
    FaultyIo io;
    io.add(c.fault);
    DeliveryReport report;
    const Status st = MaildirFolder(path).deliver(io, parse(kMessage), options(), &report);
    EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired";
    EXPECT_FALSE(st.ok()) << c.name << ": delivery succeeded";
    EXPECT_EQ(st.step(), c.want_step)
        << c.name << ": got step " << sys::step_name(st.step()) << " (" << st.message()
        << "), want " << sys::step_name(c.want_step);
    EXPECT_EQ(st.err(), c.want_err) << c.name << ": " << st.message();
    EXPECT_TRUE(testing::list_dir(path + "/new").empty())
        << c.name << ": new/ holds " << join(testing::list_dir(path + "/new"));
    EXPECT_TRUE(testing::list_dir(path + "/tmp").empty())
        << c.name << ": tmp/ holds " << join(testing::list_dir(path + "/tmp"));
    EXPECT_TRUE(report.stored.empty()) << c.name << ": stored " << join(report.stored);
  }
}

// A spooled body is copied into the tmp/ file by the kernel: a copy that fails fails
// the delivery like a failed write, and leaves nothing behind; one the kernel refuses
// is written instead.
TEST(Maildir, SpooledBodyCopyFailureLeavesNothingBehind) {
  std::string body;
  while (body.size() < 3 * limits::kSpoolWindow) body += "From here\nsome text\n";
  const std::string input = kMessage + "\n" + body;
  Fault full = testing::fault_on(Op::kWrite, ENOSPC, "md/tmp/");
  full.bytes_before_failure = 70000;
  Fault refused = testing::fault_on(Op::kCopyFileRange, EXDEV, "md/tmp/");
  refused.sticky = true;
  Fault sendfile_fails = testing::fault_on(Op::kSendfile, EIO, "md/tmp/");
  const struct Case {
    const char* name;
    std::vector<Fault> faults;
    int want_err;  // 0: delivered
  } cases[] = {
      {"copy_file_range ENOSPC", {testing::fault_on(Op::kCopyFileRange, ENOSPC, "md/tmp/")},
       ENOSPC},
      {"copy_file_range EDQUOT", {testing::fault_on(Op::kCopyFileRange, EDQUOT, "md/tmp/")},
       EDQUOT},
      {"disk full midway", {full}, ENOSPC},
      {"refused, then sendfile EIO", {refused, sendfile_fails}, EIO},
      {"refused: sendfile instead", {refused}, 0},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string path = dir / "md";
    const Message m = testing::parse_spooled(input, dir.path());
    ASSERT_TRUE(m.body_spooled()) << c.name;
    FaultyIo io;
    for (const Fault& f : c.faults) io.add(f);
    DeliveryReport report;
    const Status st = MaildirFolder(path).deliver(io, m, options(), &report);
    EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired";
    EXPECT_TRUE(testing::list_dir(path + "/tmp").empty())
        << c.name << ": tmp/ holds " << join(testing::list_dir(path + "/tmp"));
    if (c.want_err == 0) {
      ASSERT_TRUE(st.ok()) << c.name << ": " << st.message();
      const auto names = testing::list_dir(path + "/new");
      ASSERT_EQ(names.size(), 1u) << c.name;
      const std::string want = input.substr(input.find('\n') + 1);  // without From_
      EXPECT_TRUE(testing::read_file(path + "/new/" + names[0]) == want) << c.name;
      continue;
    }
    EXPECT_FALSE(st.ok()) << c.name << ": delivery succeeded";
    EXPECT_EQ(st.step(), sys::Step::kWrite) << c.name << ": " << st.message();
    EXPECT_EQ(st.err(), c.want_err) << c.name << ": " << st.message();
    EXPECT_TRUE(testing::list_dir(path + "/new").empty())
        << c.name << ": new/ holds " << join(testing::list_dir(path + "/new"));
    EXPECT_TRUE(report.stored.empty()) << c.name << ": stored " << join(report.stored);
  }
}

TEST(Maildir, CreatedDirectoriesAreSynced) {
  // mkdir of the maildir is followed by an fsync of its parent; when that fails,
  // nothing is delivered.
  TempDir dir;
  FaultyIo io;
  io.add(testing::fault_on(Op::kFsync, EIO, dir.path()));
  DeliveryReport report;
  const Status st = MaildirFolder(dir / "md").deliver(io, parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(st.step(), sys::Step::kFsync) << st.message();
  EXPECT_EQ(st.path(), dir.path()) << st.message();
  EXPECT_TRUE(report.stored.empty());
}

TEST(Maildir, DirectoryFsyncFailureSaysTheMessageWasRemoved) {
  TempDir dir;
  FaultyIo io;
  io.add(testing::fault_on(Op::kFsync, EIO, "md/new"));
  DeliveryReport report;
  const Status st = MaildirFolder(dir / "md").deliver(io, parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.path(), dir / "md/new");
  EXPECT_NE(st.detail().find("directory"), std::string::npos) << st.message();
  EXPECT_NE(st.aftermath().find("removed again"), std::string::npos) << st.message();
}

TEST(Maildir, LinkEexistIsRetriedWithANewName) {
  TempDir dir;
  const std::string path = dir / "md";
  FaultyIo io;
  io.add(testing::fault_on(Op::kLink, EEXIST, "md/new/"));
  DeliveryReport report;
  const Status st = MaildirFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(testing::list_dir(path + "/new").size(), 1u);
  EXPECT_TRUE(testing::list_dir(path + "/tmp").empty());
  ASSERT_EQ(report.stored.size(), 1u);
  EXPECT_EQ(testing::read_file(report.stored[0]), "Subject: hi\n\nbody\nFrom here\nend");
}

TEST(Maildir, RealNameClashIsRetried) {
  // Every name the link could take already exists once: a clash is never an
  // overwrite, and the retry finds a free name.
  TempDir dir;
  const std::string path = dir / "md";
  DeliveryReport report;
  ASSERT_TRUE(MaildirFolder(path).deliver(sys::real_io(), parse("X: 1\n\nold\n"), options(),
                                          &report).ok());
  FaultyIo io;
  io.add(testing::fault_on(Op::kLink, EEXIST, "md/new/"));
  DeliveryReport second;
  ASSERT_TRUE(MaildirFolder(path).deliver(io, parse(kMessage), options(), &second).ok());
  EXPECT_EQ(testing::read_file(report.stored[0]), "X: 1\n\nold\n");
  EXPECT_EQ(testing::list_dir(path + "/new").size(), 2u);
}

TEST(Maildir, GivesUpAfterTheAttemptLimit) {
  TempDir dir;
  const std::string path = dir / "md";
  FaultyIo io;
  Fault f = testing::fault_on(Op::kLink, EEXIST, "md/new/");
  f.sticky = true;
  io.add(f);
  DeliveryReport report;
  const Status st = MaildirFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kLink) << st.message();
  EXPECT_EQ(st.err(), EEXIST);
  EXPECT_EQ(io.fired(), limits::kUniqueNameAttempts);
  EXPECT_TRUE(testing::list_dir(path + "/new").empty());
  EXPECT_TRUE(testing::list_dir(path + "/tmp").empty());
}

TEST(Maildir, TmpNameClashIsRetried) {
  TempDir dir;
  const std::string path = dir / "md";
  FaultyIo io;
  io.add(testing::fault_on(Op::kOpen, EEXIST, "md/tmp/"));
  DeliveryReport report;
  ASSERT_TRUE(MaildirFolder(path).deliver(io, parse(kMessage), options(), &report).ok());
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(testing::list_dir(path + "/new").size(), 1u);
}

TEST(Maildir, FailedTmpUnlinkIsOnlyAWarning) {
  TempDir dir;
  const std::string path = dir / "md";
  FaultyIo io;
  io.add(testing::fault_on(Op::kUnlink, EIO, "md/tmp/"));
  DeliveryReport report;
  const Status st = MaildirFolder(path).deliver(io, parse(kMessage), options(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(testing::list_dir(path + "/new").size(), 1u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("temporary file"), std::string::npos) << report.warnings[0];
}

TEST(Maildir, PathThatIsAFileFails) {
  TempDir dir;
  testing::write_file(dir / "md", "not a directory");
  DeliveryReport report;
  const Status st =
      MaildirFolder(dir / "md").deliver(sys::real_io(), parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kMkdir);
  EXPECT_EQ(st.err(), ENOTDIR) << st.message();
  EXPECT_EQ(testing::read_file(dir / "md"), "not a directory");
}

TEST(Maildir, MissingParentIsNotCreated) {
  // procmail creates only the maildir itself, not its parents.
  TempDir dir;
  DeliveryReport report;
  const Status st = MaildirFolder(dir / "no/such/md")
                        .deliver(sys::real_io(), parse(kMessage), options(), &report);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kMkdir);
  EXPECT_EQ(st.err(), ENOENT);
  EXPECT_FALSE(testing::exists(dir / "no"));
}

TEST(Maildir, LinkExistingAddsTheSameFileUnderANewName) {
  TempDir dir;
  const std::string stored = dir / "stored";
  testing::write_file(stored, "X: 1\n\nbody\n");
  std::string created;
  const Status st =
      MaildirFolder(dir / "md").link_existing(sys::real_io(), stored, options(), &created);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(created.rfind(dir / "md/new/", 0), 0u) << created;
  struct stat a {};
  struct stat b {};
  ASSERT_EQ(::stat(stored.c_str(), &a), 0);
  ASSERT_EQ(::stat(created.c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_TRUE(testing::exists(dir / "md/cur"));
  EXPECT_TRUE(testing::exists(dir / "md/tmp"));
}

TEST(Maildir, LinkExistingDirectoryFsyncFailureRemovesTheLink) {
  TempDir dir;
  const std::string stored = dir / "stored";
  testing::write_file(stored, "X: 1\n\nbody\n");
  FaultyIo io;
  io.add(testing::fault_on(Op::kFsync, EIO, "md/new"));
  std::string created;
  const Status st = MaildirFolder(dir / "md").link_existing(io, stored, options(), &created);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kFsync);
  EXPECT_TRUE(created.empty()) << created;
  EXPECT_TRUE(testing::list_dir(dir / "md/new").empty());
  EXPECT_EQ(testing::read_file(stored), "X: 1\n\nbody\n");
}

}  // namespace
}  // namespace mailsift::deliver
