#include "mailsift/state/journal.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <ctime>
#include <string>
#include <vector>

#include "faulty_io.h"
#include "forwarding_io.h"
#include "mailsift/state/pending_append.h"
#include "temp_dir.h"

namespace mailsift::state {
namespace {

using testing::TempDir;

TEST(JournalFields, EscapeTable) {
  struct Case {
    std::string field;
    std::string escaped;
  };
  const Case cases[] = {
      {"/home/u/Mail/inbox", "/home/u/Mail/inbox"},
      {"a b", "a%20b"},
      {"100%", "100%25"},
      {"two\nlines", "two%0Alines"},
      {std::string("nul\0x", 5), "nul%00x"},
      {"\x7f\x80\xff", "%7F\x80\xff"},
      {"", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(escape_field(c.field), c.escaped);
    std::string back;
    ASSERT_TRUE(unescape_field(c.escaped, &back)) << c.escaped;
    EXPECT_EQ(back, c.field);
  }
  std::string out;
  for (const char* bad : {"%", "%4", "%GG", "a b", "tab\there"})
    EXPECT_FALSE(unescape_field(bad, &out)) << bad;
}

TEST(RunJournal, NoJournalIsTheCommonCaseAndNoError) {
  TempDir dir;
  testing::FaultyIo io;
  RunJournal journal(io, dir / "state/journal", "abc");
  std::size_t skipped = 1;
  ASSERT_TRUE(journal.load(&skipped).ok());
  EXPECT_FALSE(journal.found());
  EXPECT_EQ(skipped, 0u);
  EXPECT_EQ(journal.find("k"), nullptr);
  EXPECT_FALSE(testing::exists(dir / "state")) << "reading makes nothing";
}

TEST(RunJournal, RecordsSurviveAndAreReadBack) {
  TempDir dir;
  {
    RunJournal journal(sys::real_io(), dir / "state/journal", "abc");
    std::size_t skipped = 0;
    ASSERT_TRUE(journal.load(&skipped).ok());
    ASSERT_TRUE(journal.record_intent("/m/inbox\n/m/copy#0", "/m/inbox/new/1.x", 42).ok());
    ASSERT_TRUE(journal.record_done("/m/inbox\n/m/copy#0", {"/m/inbox/new/1.x", "/m/copy/new/2 y"}).ok());
    ASSERT_TRUE(journal.record_intent("c1//m/other#0", "/m/other/7", 9).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir / "state/journal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir / "state/journal/abc").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  RunJournal again(sys::real_io(), dir / "state/journal", "abc");
  std::size_t skipped = 0;
  ASSERT_TRUE(again.load(&skipped).ok());
  EXPECT_TRUE(again.found());
  EXPECT_EQ(skipped, 0u);
  const JournalEntry* done = again.find("/m/inbox\n/m/copy#0");
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(done->done);
  EXPECT_EQ(done->stored, (std::vector<std::string>{"/m/inbox/new/1.x", "/m/copy/new/2 y"}));
  const JournalEntry* intent = again.find("c1//m/other#0");
  ASSERT_NE(intent, nullptr);
  EXPECT_FALSE(intent->done);
  EXPECT_EQ(intent->target, "/m/other/7");
  EXPECT_EQ(intent->inode, 9u);
  EXPECT_TRUE(again.any_done_on_disk());
  again.remove();
  EXPECT_FALSE(testing::exists(dir / "state/journal/abc"));
}

// What does not parse is skipped and counted; it never makes a destination done.
TEST(RunJournal, ATornOrCorruptFileYieldsOnlyWhatParses) {
  TempDir dir;
  ASSERT_EQ(make_state_directory(sys::real_io(), dir / "j"), 0);
  testing::write_file(dir / "j/x",
                      "mailsift-journal 1\n"
                      "done good /a/b\n"
                      "done\n"                      // no key
                      "intent k2 /t notanumber\n"   // bad inode
                      "done bad%zz /a\n"            // bad escape
                      "future k3 x\n"               // unknown record
                      "done torn /a/b");            // no newline: still whole words
  RunJournal journal(sys::real_io(), dir / "j", "x");
  std::size_t skipped = 0;
  ASSERT_TRUE(journal.load(&skipped).ok());
  EXPECT_EQ(skipped, 4u);
  ASSERT_NE(journal.find("good"), nullptr);
  EXPECT_TRUE(journal.find("good")->done);
  EXPECT_EQ(journal.find("k2"), nullptr);
  EXPECT_EQ(journal.find("bad"), nullptr);
}

// The intent must be on disk before the folder can hold the message: a failed
// fsync is reported, not ignored.
TEST(RunJournal, IntentIsSyncedAndItsFailureReported) {
  TempDir dir;
  testing::FaultyIo io;
  io.add(testing::fault_on(testing::Op::kFsync, EIO, "/j/x"));
  RunJournal journal(io, dir / "j", "x");
  const sys::Status status = journal.record_intent("k", "/t", 1);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(io.fired(), 1);
  // A done record is not synced: the same fault is not met again.
  testing::FaultyIo io2;
  io2.add(testing::fault_on(testing::Op::kFsync, EIO, "/j/y"));
  RunJournal other(io2, dir / "j", "y");
  ASSERT_TRUE(other.ensure_created().ok());
  EXPECT_TRUE(other.record_done("k", {"/t"}).ok());
  EXPECT_EQ(io2.fired(), 0);
}

TEST(PendingAppend, WrittenReadAndRemoved) {
  TempDir dir;
  const std::string path = pending_append_path(dir / "j", "/var/mail/u");
  EXPECT_NE(path, pending_append_path(dir / "j", "/var/mail/v"));
  PendingAppend none;
  EXPECT_EQ(read_pending_append(sys::real_io(), path, &none), 0);
  PendingAppend p;
  p.device = 2049;
  p.inode = 1234567;
  p.offset = 5000;
  p.length = 812;
  p.journal = dir / "j/run one";
  p.key = "/var/mail/u#0";
  ASSERT_TRUE(write_pending_append(sys::real_io(), dir / "j", path, p).ok());
  PendingAppend got;
  ASSERT_EQ(read_pending_append(sys::real_io(), path, &got), 1);
  EXPECT_EQ(got.device, p.device);
  EXPECT_EQ(got.inode, p.inode);
  EXPECT_EQ(got.offset, p.offset);
  EXPECT_EQ(got.length, p.length);
  EXPECT_EQ(got.journal, p.journal);
  EXPECT_EQ(got.key, p.key);
  ASSERT_EQ(remove_pending_append(sys::real_io(), path), 0);
  EXPECT_EQ(read_pending_append(sys::real_io(), path, &got), 0);

  testing::write_file(path, "mailsift-pending-append 1 1 2 -5 3 j k\n");
  EXPECT_EQ(read_pending_append(sys::real_io(), path, &got), -1);
  EXPECT_EQ(errno, EINVAL);
}

TEST(PendingAppend, AFailedWriteLeavesNoRecord) {
  TempDir dir;
  testing::FaultyIo io;
  io.add(testing::fault_on(testing::Op::kFsync, EIO, "mbox-"));
  const std::string path = pending_append_path(dir / "j", "/m");
  EXPECT_FALSE(write_pending_append(io, dir / "j", path, PendingAppend{}).ok());
  EXPECT_FALSE(testing::exists(path));
}

TEST(Prune, RemovesOnlyOldJournalFilesWithinItsBudget) {
  TempDir dir;
  const time_t now = ::time(nullptr);
  // Journals, mbox records and staged copies; a file of another name (the journal's
  // directory may be set to one that holds mail) and a directory.
  const std::vector<std::string> old_names = {"a0", "a1", "mbox-a2", "a3", "a4.00000000000000ff.x",
                                              "a5"};
  for (const auto& name : old_names) testing::write_file(dir / name, "x");
  testing::write_file(dir / "b0", "x");
  testing::write_file(dir / "inbox", "an mbox");
  ::mkdir((dir / "c0").c_str(), 0700);
  const struct timespec old[2] = {{now - 100, 0}, {now - 100, 0}};
  for (const auto& name : old_names)
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir / name).c_str(), old, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "inbox").c_str(), old, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "c0").c_str(), old, 0), 0);
  const std::size_t first = prune_old_files(sys::real_io(), dir.path(), now, 50, 3, 0);
  EXPECT_LE(first, 3u);
  // Starting further on each time, later calls reach the rest.
  std::size_t total = first;
  for (std::size_t round = 1; round < 10 && total < 6; ++round)
    total += prune_old_files(sys::real_io(), dir.path(), now, 50, 3, round * 2);
  EXPECT_EQ(total, 6u);
  EXPECT_TRUE(testing::exists(dir / "b0"));
  EXPECT_TRUE(testing::exists(dir / "inbox"));
  EXPECT_TRUE(testing::exists(dir / "c0"));
}

TEST(RunJournal, StagedCopiesAreFoundByKeyAndGoWithTheJournal) {
  TempDir dir;
  const std::string journal_dir = dir / "j";
  testing::write_file(dir / "msg", "the message");
  RunJournal journal(sys::real_io(), journal_dir, "0123abcd");
  ASSERT_TRUE(journal.ensure_created().ok());
  ASSERT_TRUE(journal.stage_copy(dir / "msg", "/m/first/#0", "1.M1P1.host").ok());
  ASSERT_TRUE(journal.stage_copy(dir / "msg", "/m/first/#1", "2.M2P2.host").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "msg").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);
  const auto first = journal.staged_copies("/m/first/#0");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].first, "1.M1P1.host");
  EXPECT_EQ(first[0].second, st.st_ino);
  EXPECT_EQ(journal.staged_copies("/m/first/#1").size(), 1u);
  EXPECT_TRUE(journal.staged_copies("/m/other/#0").empty());
  // The same name, taken twice: the link fails and says so.
  EXPECT_FALSE(journal.stage_copy(dir / "msg", "/m/first/#0", "1.M1P1.host").ok());
  // A run that stored nothing takes its staged copies along.
  RunJournal other(sys::real_io(), journal_dir, "ffff0000");
  ASSERT_TRUE(other.ensure_created().ok());
  ASSERT_TRUE(other.stage_copy(dir / "msg", "/m/first/#0", "3.M3P3.host").ok());
  journal.remove();
  EXPECT_EQ(testing::list_dir(journal_dir).size(), 2u);  // the other run's file and copy
  ASSERT_EQ(::stat((dir / "msg").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
}

// A maildir delivery's first act in the journal may be its staged copy: the
// directory (and its parent) is made for it. The file's first line goes with its
// first record, in one write.
TEST(RunJournal, TheFirstWritesMakeWhatIsMissing) {
  struct CountingWrites : testing::ForwardingIo {
    int writes = 0;
    ssize_t write(int fd, const void* b, size_t n) override {
      ++writes;
      return ForwardingIo::write(fd, b, n);
    }
  };
  TempDir dir;
  testing::write_file(dir / "msg", "the message");
  CountingWrites io;
  RunJournal journal(io, dir / "state/journal", "0123abcd");
  ASSERT_TRUE(journal.stage_copy(dir / "msg", "/m/first/#0", "1.M1P1.host").ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "state/journal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(journal.staged_copies("/m/first/#0").size(), 1u);
  EXPECT_FALSE(testing::exists(dir / "state/journal/0123abcd"));
  ASSERT_TRUE(journal.stage_intent("/m/first/#0", "/m/first/new/1.M1P1.host", 7).ok());
  EXPECT_EQ(io.writes, 1);
  ASSERT_TRUE(journal.record_done("/m/first/#0", {"/m/first/new/1.M1P1.host"}).ok());
  EXPECT_EQ(io.writes, 2);
  EXPECT_EQ(testing::read_file(dir / "state/journal/0123abcd"),
            "mailsift-journal 1\n"
            "intent /m/first/#0 /m/first/new/1.M1P1.host 7\n"
            "done /m/first/#0 /m/first/new/1.M1P1.host\n");
}

TEST(Prune, StagedCopyNames) {
  EXPECT_TRUE(is_staged_copy_name("0123abcd.00000000000000aa.1.M1P1.host"));
  EXPECT_FALSE(is_staged_copy_name("0123abcd"));                  // a run's journal
  EXPECT_FALSE(is_staged_copy_name("mbox-0123abcd"));             // an mbox record
  EXPECT_FALSE(is_staged_copy_name("pruned"));
  EXPECT_FALSE(is_staged_copy_name("lists.debian"));              // a journal dir set to $MAILDIR
  EXPECT_FALSE(is_staged_copy_name("0123abcd.00000000000000aa."));  // no name
  EXPECT_FALSE(is_staged_copy_name("0123abcd.00000000000000a.x"));   // 15 digits
  EXPECT_FALSE(is_staged_copy_name("0123abcX.00000000000000aa.x"));
  EXPECT_FALSE(is_staged_copy_name(".00000000000000aa.x"));
}

TEST(Prune, StagedCopiesGoOnceOldOrAlone) {
  TempDir dir;
  const time_t now = ::time(nullptr);
  const struct timespec old[2] = {{now - 100, 0}, {now - 100, 0}};
  // Each staged copy a second name of a file "in new/" (or the only name).
  testing::write_file(dir / "old-message", "x");
  testing::write_file(dir / "young-message", "x");
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "old-message").c_str(), old, 0), 0);
  const std::string old_linked = "aa01.00000000000000aa.old";
  const std::string young_linked = "aa01.00000000000000aa.young";
  const std::string young_alone = "aa02.00000000000000bb.alone";
  ASSERT_EQ(::link((dir / "old-message").c_str(), (dir / old_linked).c_str()), 0);
  ASSERT_EQ(::link((dir / "young-message").c_str(), (dir / young_linked).c_str()), 0);
  testing::write_file(dir / young_alone, "x");
  testing::write_file(dir / "aa01", "mailsift-journal 1\n");
  testing::write_file(dir / "lists.debian", "an mbox, in a journal directory set to $MAILDIR");
  testing::write_file(dir / "pruned", "");
  for (const char* name : {"aa01", "lists.debian", "pruned"})
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir / name).c_str(), old, 0), 0);

  const std::vector<std::string> names = testing::list_dir(dir.path());
  EXPECT_EQ(settle_staged_copies(sys::real_io(), dir.path(), names, now, 50, 100, 0), 2u);
  EXPECT_FALSE(testing::exists(dir / old_linked));
  EXPECT_FALSE(testing::exists(dir / young_alone));
  EXPECT_TRUE(testing::exists(dir / young_linked));
  // Journals, records, the marker and other files are never taken for staged copies.
  EXPECT_TRUE(testing::exists(dir / "aa01"));
  EXPECT_TRUE(testing::exists(dir / "lists.debian"));
  EXPECT_TRUE(testing::exists(dir / "pruned"));
  EXPECT_TRUE(testing::exists(dir / "old-message"));
}

}  // namespace
}  // namespace mailsift::state
