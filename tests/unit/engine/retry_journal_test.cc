// The delivery journal (engine/retry_journal.h): after a run that stored the
// message in one folder and then failed (exit 75), the mail server's retry stores
// it exactly once in every folder. Every folder kind as the first and as the second
// destination, with a failure injected into each step of the second; then a clean
// retry. And the journal's own failures: never a lost message.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "faulty_io.h"
#include "forwarding_io.h"
#include "mailsift/engine/retry_journal.h"
#include "mailsift/engine/run.h"
#include "mailsift/state/journal.h"
#include "mailsift/state/pending_append.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

const char kMessage[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Message-ID: <retry@example.org>\n"
    "Subject: retried\n"
    "\n"
    "line one\n";
const char kFromLine[] = "From sender@example.org  Sat Nov 28 14:58:20 2026";

enum class Kind { kMaildir, kMbox, kMh, kDirectory };
const char* kind_name(Kind k) {
  switch (k) {
    case Kind::kMaildir: return "maildir";
    case Kind::kMbox: return "mbox";
    case Kind::kMh: return "MH";
    case Kind::kDirectory: return "directory";
  }
  return "?";
}

// The folder as an rcfile names it (directory folders must exist beforehand).
std::string folder_name(const TempDir& dir, Kind kind, const std::string& base) {
  switch (kind) {
    case Kind::kMaildir: return base + "/";
    case Kind::kMbox: return base;
    case Kind::kMh: return base + "/.";
    case Kind::kDirectory:
      ::mkdir((dir / base).c_str(), 0700);
      return base;
  }
  return base;
}

// Copies of the message in the folder.
int copies(const TempDir& dir, Kind kind, const std::string& base) {
  const std::string path = dir / base;
  if (kind == Kind::kMbox) {
    const std::string text = testing::read_file(path);
    int n = 0;
    for (std::size_t at = text.find(kFromLine); at != std::string::npos;
         at = text.find(kFromLine, at + 1))
      ++n;
    return n;
  }
  std::vector<std::string> names;
  if (kind == Kind::kMaildir) {
    for (const char* sub : {"/new", "/cur"})
      for (const auto& n : testing::list_dir(path + sub)) names.push_back(n);
  } else {
    for (const auto& n : testing::list_dir(path))
      if (n[0] != '_') names.push_back(n);  // not a temporary file
  }
  int n = 0;
  for (const auto& name : names) {
    const std::string file = path + (kind == Kind::kMaildir ? "/new/" : "/") + name;
    const std::string cur = path + "/cur/" + name;
    const std::string text = testing::read_file(testing::exists(file) ? file : cur);
    if (text.find("Message-ID: <retry@example.org>") != std::string::npos) ++n;
  }
  return n;
}

// The run journals in the directory (not the prune marker, mbox records or a
// maildir delivery's staged copies, RUN.KEYHASH.NAME).
std::vector<std::string> journal_files(const std::string& directory) {
  std::vector<std::string> out;
  for (const auto& name : testing::list_dir(directory))
    if (name != "pruned" && name.rfind("mbox-", 0) != 0 && name.find('.') == std::string::npos)
      out.push_back(name);
  return out;
}

// The staged copies in the directory.
std::vector<std::string> staged_copies(const std::string& directory) {
  std::vector<std::string> out;
  for (const auto& name : testing::list_dir(directory))
    if (name.find('.') != std::string::npos) out.push_back(name);
  return out;
}

struct Result {
  int code;
  std::string log;
};

// One run: the message on stdin; DEFAULT in a directory that does not exist and no
// ORGMAIL, so that a failed recipe means exit 75.
Result run_rules(sys::Io& io, const TempDir& dir, const std::string& rules,
                 std::vector<std::string> extra = {}, bool by_hand = false) {
  testing::write_file(dir / "input.eml", kMessage);
  testing::write_file(dir / "rc", rules);
  const int in = ::open((dir / "input.eml").c_str(), O_RDONLY | O_CLOEXEC);
  const int err =
      ::open((dir / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  Invocation inv;
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + (dir / "missing/default"), "TIMEOUT=3",
                     "LOCKSLEEP=1", "MAILDIR=" + dir.path(), "HOME=" + dir.path()};
  // As Postfix local(8) runs it: the journal is on by default.
  for (auto& e : extra) inv.assignments.push_back(std::move(e));
  inv.rcfiles = {dir / "rc"};
  RunContext ctx;
  ctx.io = &io;
  ctx.stdin_fd = in;
  ctx.stderr_fd = err;
  const char* env[] = {"TZ=UTC", "PATH=/usr/bin:/bin", "RECIPIENT=user@example.org",
                       "SENDER=sender@example.org", nullptr};
  const char* hand_env[] = {"TZ=UTC", "PATH=/usr/bin:/bin", nullptr};
  ctx.environ = by_hand ? hand_env : env;
  const int code = run(inv, ctx);
  ::close(in);
  ::close(err);
  return {code, testing::read_file(dir / "stderr.log")};
}

std::string two_folder_rules(const std::string& first, const std::string& second) {
  return ":0 c\n" + first + "\n:0\n" + second + "\n";
}

struct Step {
  Op op;
  int nth;
};
// Every call a folder delivery makes that can fail; those a kind does not make do
// not fire (and the case is then skipped).
constexpr Step kSteps[] = {
    {Op::kMkdir, 1}, {Op::kOpen, 1},  {Op::kFcntlLock, 1}, {Op::kFstat, 1},
    {Op::kWrite, 1}, {Op::kFsync, 1}, {Op::kFsync, 2},     {Op::kClose, 1},
    {Op::kLink, 1},  {Op::kListDirectory, 1},
};

TEST(RetryJournal, EveryKindAndStepOfTheSecondFolderThenACleanRetry) {
  const Kind kinds[] = {Kind::kMaildir, Kind::kMbox, Kind::kMh, Kind::kDirectory};
  int exercised = 0;
  for (const Kind a : kinds) {
    for (const Kind b : kinds) {
      for (const Step& step : kSteps) {
        TempDir dir;
        const std::string rules =
            two_folder_rules(folder_name(dir, a, "first"), folder_name(dir, b, "second"));
        FaultyIo failing;
        auto fault = testing::fault_on(step.op, EIO, "second", step.nth);
        failing.add(fault);
        const Result first = run_rules(failing, dir, rules);
        const std::string what = std::string(kind_name(a)) + " then " + kind_name(b) +
                                 ", fault on call " + std::to_string(step.nth) + " of op " +
                                 std::to_string(static_cast<int>(step.op));
        if (failing.fired() == 0) {
          EXPECT_EQ(first.code, 0) << what << "\n" << first.log;
          continue;
        }
        if (first.code == 0) {
          // The failure did not fail the delivery (a step that is only worth a
          // warning): nothing to retry, and nothing stored twice.
          EXPECT_EQ(copies(dir, b, "second"), 1) << what << "\n" << first.log;
          continue;
        }
        ++exercised;
        ASSERT_EQ(first.code, 75) << what << "\n" << first.log;
        ASSERT_EQ(copies(dir, a, "first"), 1) << what << "\n" << first.log;
        ASSERT_EQ(copies(dir, b, "second"), 0) << what << "\n" << first.log;
        EXPECT_NE(first.log.find("skip that copy (delivery journal)"), std::string::npos)
            << what << "\n" << first.log;

        const Result retry = run_rules(sys::real_io(), dir, rules);
        EXPECT_EQ(retry.code, 0) << what << "\n" << retry.log;
        EXPECT_EQ(copies(dir, a, "first"), 1) << what << "\n" << retry.log;
        EXPECT_EQ(copies(dir, b, "second"), 1) << what << "\n" << retry.log;
        EXPECT_NE(retry.log.find("an earlier attempt stored the message"), std::string::npos)
            << what << "\n" << retry.log;
        // The journal stays for a retry of the retry (a kill after its last delivery).
        EXPECT_EQ(journal_files(dir / ".mailsift/journal").size(), 1u) << what;
      }
    }
  }
  // Each kind fails in several steps; this guards against a matrix that silently
  // stopped failing anything.
  EXPECT_GE(exercised, 4 * 4 * 3);
}

// The journal outlives a successful run: a run killed after its last delivery
// looks failed to the mail server, which retries. So the very same bytes again are
// a retry and store nothing more; MAILSIFT_JOURNAL=no delivers them again, as
// procmail would.
TEST(RetryJournal, TheSameMessageAgainIsTakenForARetry) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second");
  for (int i = 0; i < 2; ++i) {
    const Result r = run_rules(sys::real_io(), dir, rules);
    ASSERT_EQ(r.code, 0) << r.log;
  }
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1);
  EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1);
  const Result off = run_rules(sys::real_io(), dir, rules, {"MAILSIFT_JOURNAL=no"});
  ASSERT_EQ(off.code, 0) << off.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 2);
  EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 2);
}

// Run by hand (no -d, no RECIPIENT from a mail server) the journal is off unless
// asked for: a saved message run twice is stored twice, as procmail stores it.
TEST(RetryJournal, ByHandItIsOffUnlessAskedFor) {
  TempDir dir;
  const std::string rules = ":0\nfirst/\n";
  for (int i = 0; i < 2; ++i) ASSERT_EQ(run_rules(sys::real_io(), dir, rules, {}, true).code, 0);
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 2);
  EXPECT_FALSE(testing::exists(dir / ".mailsift"));
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(run_rules(sys::real_io(), dir, rules, {"MAILSIFT_JOURNAL=yes"}, true).code, 0);
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 3);
  EXPECT_EQ(journal_files(dir / ".mailsift/journal").size(), 1u);
}

// Records older than the mail servers' retries go, at most once an hour.
TEST(RetryJournal, OldRecordsArePruned) {
  TempDir dir;
  const std::string journal_dir = dir / ".mailsift/journal";
  ASSERT_EQ(state::make_state_directory(sys::real_io(), journal_dir), 0);
  testing::write_file(journal_dir + "/0dd", "mailsift-journal 1\n");
  testing::write_file(journal_dir + "/ecce", "mailsift-journal 1\n");
  const struct timespec eight_days[2] = {{::time(nullptr) - 8 * 86400, 0},
                                         {::time(nullptr) - 8 * 86400, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (journal_dir + "/0dd").c_str(), eight_days, 0), 0);
  const Result r = run_rules(sys::real_io(), dir, ":0\nfirst/\n");
  ASSERT_EQ(r.code, 0) << r.log;
  EXPECT_FALSE(testing::exists(journal_dir + "/0dd"));
  EXPECT_TRUE(testing::exists(journal_dir + "/ecce"));
  EXPECT_TRUE(testing::exists(journal_dir + "/pruned"));
  // Within the hour nothing is looked at again.
  testing::write_file(journal_dir + "/0dd", "mailsift-journal 1\n");
  ASSERT_EQ(::utimensat(AT_FDCWD, (journal_dir + "/0dd").c_str(), eight_days, 0), 0);
  ASSERT_EQ(run_rules(sys::real_io(), dir, ":0\nsecond/\n").code, 0);
  EXPECT_TRUE(testing::exists(journal_dir + "/0dd"));
}

// A staged copy goes with the prune after it is kJournalStagedCopySeconds old; the
// message stays in its folder.
TEST(RetryJournal, StagedCopiesGoWithThePrune) {
  TempDir dir;
  const std::string journal_dir = dir / ".mailsift/journal";
  ASSERT_EQ(run_rules(sys::real_io(), dir, ":0\nfirst/\n").code, 0);
  const auto staged = staged_copies(journal_dir);
  ASSERT_EQ(staged.size(), 1u);
  const time_t now = ::time(nullptr);
  const struct timespec eleven_minutes[2] = {{now - 11 * 60, 0}, {now - 11 * 60, 0}};
  const struct timespec two_hours[2] = {{now - 7200, 0}, {now - 7200, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (journal_dir + "/" + staged[0]).c_str(), eleven_minutes, 0), 0);
  ASSERT_EQ(::utimensat(AT_FDCWD, (journal_dir + "/pruned").c_str(), two_hours, 0), 0);
  // The next delivery (to another folder) prunes: the old copy goes.
  const Result r = run_rules(sys::real_io(), dir, ":0\nsecond/\n",
                             {"MAILSIFT_JOURNAL=" + journal_dir, "VERBOSE=yes"});
  ASSERT_EQ(r.code, 0) << r.log;
  EXPECT_FALSE(testing::exists(journal_dir + "/" + staged[0])) << r.log;
  EXPECT_NE(r.log.find("staged copies no longer needed"), std::string::npos) << r.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1);
}

// A message deleted to make room in a full mailbox: its staged copy still holds
// its space, so a delivery that finds the mailbox full removes it at once, not at
// the next hourly prune.
TEST(RetryJournal, AFullMailboxFreesTheStagedCopiesOfDeletedMessages) {
  TempDir dir;
  const std::string journal_dir = dir / ".mailsift/journal";
  ASSERT_EQ(run_rules(sys::real_io(), dir, ":0\nfirst/\n").code, 0);
  const auto staged = staged_copies(journal_dir);
  ASSERT_EQ(staged.size(), 1u);
  for (const auto& name : testing::list_dir(dir / "first/new"))
    ASSERT_EQ(::unlink((dir / "first/new/" + name).c_str()), 0);
  ASSERT_TRUE(testing::exists(journal_dir + "/pruned"));  // no prune for an hour

  FaultyIo full;
  auto fault = testing::fault_on(Op::kWrite, EDQUOT, "tmp/");
  fault.sticky = true;
  full.add(fault);
  const Result r = run_rules(full, dir, ":0\nsecond/\n");
  ASSERT_EQ(r.code, 75) << r.log;
  EXPECT_FALSE(testing::exists(journal_dir + "/" + staged[0])) << r.log;
}

// A run that stored nothing keeps no journal, even when it ends in 75.
TEST(RetryJournal, ATempFailureThatStoredNothingLeavesNoJournal) {
  TempDir dir;
  const Result r = run_rules(sys::real_io(), dir, ":0\nmissing-dir/sub/\n");
  ASSERT_EQ(r.code, 75) << r.log;
  EXPECT_TRUE(journal_files(dir / ".mailsift/journal").empty());
}

// A first attempt that stored the first folder and failed the second (exit 75),
// then lost its done record: only the intent is left, as after a kill right after
// the link.
void stored_first_then_lost_its_done_record(const TempDir& dir, const std::string& rules) {
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kLink, EIO, "second"));
  ASSERT_EQ(run_rules(failing, dir, rules).code, 75);
  const std::string journal_dir = dir / ".mailsift/journal";
  const auto journals = journal_files(journal_dir);
  ASSERT_EQ(journals.size(), 1u);
  const std::string journal = journal_dir + "/" + journals[0];
  const std::string text = testing::read_file(journal);
  testing::write_file(journal, text.substr(0, text.find("\ndone ") + 1));
}

// The first folder's one message, moved from new/ to cur/ with a flag, as a mail
// reader that has shown it leaves it.
void seen_by_a_mail_reader(const TempDir& dir) {
  const auto fresh = testing::list_dir(dir / "first/new");
  ASSERT_EQ(fresh.size(), 1u);
  ASSERT_EQ(::rename((dir / "first/new/" + fresh[0]).c_str(),
                     (dir / "first/cur/" + fresh[0] + ":2,S").c_str()),
            0);
}

// The copy a mail reader has seen (moved from new/ to cur/ with flags) still
// counts: the retry finds it by the intent record's name and inode.
TEST(RetryJournal, AMaildirCopyMovedToCurIsFound) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second/");
  ASSERT_NO_FATAL_FAILURE(stored_first_then_lost_its_done_record(dir, rules));
  ASSERT_NO_FATAL_FAILURE(seen_by_a_mail_reader(dir));

  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "second"), 1) << retry.log;
}

// A copy found by its intent counts only once its folder is synced (the earlier
// attempt may have died before syncing it): when that sync fails, the retry stores
// the message again rather than count a copy a power cut could take away.
TEST(RetryJournal, AFoundCopyCountsOnlyOnceItsFolderIsSynced) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second/");
  ASSERT_NO_FATAL_FAILURE(stored_first_then_lost_its_done_record(dir, rules));
  FaultyIo unsyncable;
  unsyncable.add(testing::fault_on(Op::kFsync, EIO, "first/new"));
  const Result retry = run_rules(unsyncable, dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(unsyncable.fired(), 1) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 2) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "second"), 1) << retry.log;
}

// A maildir delivery's intent is its staged copy: the file linked into the
// journal's directory just before its link into new/, whose sync commits both.
// So the journal itself is never synced for a maildir.
TEST(RetryJournal, AMaildirIntentIsAStagedCopyNotASyncOfTheJournal) {
  TempDir dir;
  FaultyIo watching;
  watching.add(testing::fault_on(Op::kFsync, EIO, ".mailsift/journal"));
  const Result r = run_rules(watching, dir, ":0\nfirst/\n");
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(watching.fired(), 0) << r.log;
  EXPECT_EQ(r.log.find("Delivery journal"), std::string::npos) << r.log;
  const std::string journal_dir = dir / ".mailsift/journal";
  const auto staged = staged_copies(journal_dir);
  const auto stored = testing::list_dir(dir / "first/new");
  ASSERT_EQ(staged.size(), 1u);
  ASSERT_EQ(stored.size(), 1u);
  // RUN.KEYHASH.NAME, the very file in new/.
  const auto journals = journal_files(journal_dir);
  ASSERT_EQ(journals.size(), 1u);
  EXPECT_EQ(staged[0].rfind(journals[0] + ".", 0), 0u) << staged[0];
  EXPECT_EQ(staged[0].substr(staged[0].size() - stored[0].size()), stored[0]);
  struct stat a {}, b {};
  ASSERT_EQ(::stat((journal_dir + "/" + staged[0]).c_str(), &a), 0);
  ASSERT_EQ(::stat((dir / "first/new/" + stored[0]).c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

// Where the journal's directory cannot hold a link to the file (another file
// system: EXDEV), the intent record is synced before the link instead.
TEST(RetryJournal, WithoutAStagedCopyTheIntentIsSynced) {
  TempDir dir;
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kLink, EXDEV, ".mailsift/journal"));
  auto sync = testing::fault_on(Op::kFsync, EIO, ".mailsift/journal");
  failing.add(sync);
  const Result r = run_rules(failing, dir, ":0\nfirst/\n");
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(failing.fired(), 2) << r.log;  // the link, then the sync it fell back to
  EXPECT_NE(r.log.find("not written"), std::string::npos) << r.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << r.log;
  EXPECT_TRUE(staged_copies(dir / ".mailsift/journal").empty());
}

// The order of a maildir delivery's journal: nothing before the file's sync (on
// ext4 without a journal that sync would write the journal's directory too);
// between it and the link into new/, the staged copy and the journal's file with
// the intent line; after the sync of new/, which commits the names with the link,
// the done line.
TEST(RetryJournal, TheIntentComesBetweenTheFilesSyncAndTheLink) {
  struct Watching : testing::ForwardingIo {
    std::string journal_dir;
    std::vector<std::vector<std::string>> at_sync;  // the directory at each fsync
    std::vector<std::string> at_link;               // the directory at the link into new/
    std::string lines_at_link;                      // and the journal's lines
    std::vector<std::string> listed() const {
      return testing::exists(journal_dir) ? testing::list_dir(journal_dir)
                                          : std::vector<std::string>{};
    }
    int fsync(int fd) override {
      at_sync.push_back(listed());
      return ForwardingIo::fsync(fd);
    }
    int link(const char* from, const char* to) override {
      if (std::string(to).find("/new/") != std::string::npos) {
        at_link = listed();
        for (const auto& name : journal_files(journal_dir))
          lines_at_link += testing::read_file(journal_dir + "/" + name);
      }
      return ForwardingIo::link(from, to);
    }
  };
  TempDir dir;
  Watching io;
  io.journal_dir = dir / ".mailsift/journal";
  for (const char* sub : {"first", "first/new", "first/cur", "first/tmp"})
    ASSERT_EQ(::mkdir((dir / sub).c_str(), 0700), 0);  // no syncs for making them
  const Result r = run_rules(io, dir, ":0\nfirst/\n");
  ASSERT_EQ(r.code, 0) << r.log;
  ASSERT_EQ(io.at_sync.size(), 2u) << r.log;  // the file, then new/
  EXPECT_TRUE(io.at_sync[0].empty());
  ASSERT_EQ(io.at_link.size(), 2u);
  EXPECT_EQ(io.at_sync[1], io.at_link);
  EXPECT_EQ(staged_copies(io.journal_dir).size(), 1u);
  EXPECT_NE(io.lines_at_link.find("\nintent "), std::string::npos) << io.lines_at_link;
  EXPECT_EQ(io.lines_at_link.find("\ndone "), std::string::npos) << io.lines_at_link;
  const auto journals = journal_files(io.journal_dir);
  ASSERT_EQ(journals.size(), 1u);
  EXPECT_NE(testing::read_file(io.journal_dir + "/" + journals[0]).find("\ndone "),
            std::string::npos);

  // A file whose sync fails leaves no staged copy behind (nor a journal: the run
  // stored nothing).
  TempDir other;
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kFsync, EIO, "first/tmp"));
  const Result failed = run_rules(failing, other, ":0\nfirst/\n");
  ASSERT_EQ(failing.fired(), 1) << failed.log;
  ASSERT_EQ(failed.code, 75) << failed.log;
  EXPECT_TRUE(staged_copies(other / ".mailsift/journal").empty()) << failed.log;
}

// After a power cut the records, which are not synced, may be gone while the
// staged copy and the folder's file are there: the staged copy settles it.
TEST(RetryJournal, AStagedCopyStandsInForLostRecords) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second/");
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kLink, EIO, "second/new"));
  ASSERT_EQ(run_rules(failing, dir, rules).code, 75);
  const std::string journal_dir = dir / ".mailsift/journal";
  const auto journals = journal_files(journal_dir);
  ASSERT_EQ(journals.size(), 1u);
  // The first folder's; the second's was alone (its file never reached new/), and
  // the prune of that first run removed it.
  ASSERT_EQ(staged_copies(journal_dir).size(), 1u);
  testing::write_file(journal_dir + "/" + journals[0], "");
  // And a mail reader has seen it meanwhile.
  ASSERT_NO_FATAL_FAILURE(seen_by_a_mail_reader(dir));

  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "second"), 1) << retry.log;
  EXPECT_NE(retry.log.find("an earlier attempt stored the message"), std::string::npos)
      << retry.log;
}

// A first run that stored the message; *journal: the one journal it kept.
void delivered_once(const TempDir& dir, const std::string& rules, std::string* journal) {
  ASSERT_EQ(run_rules(sys::real_io(), dir, rules).code, 0);
  const std::string journal_dir = dir / ".mailsift/journal";
  const auto journals = journal_files(journal_dir);
  ASSERT_EQ(journals.size(), 1u);
  *journal = journal_dir + "/" + journals[0];
}

// An older attempt's intent line survived and the last attempt's did not (a power
// cut took it; the older one had been written out): the staged copy of the last
// attempt still settles it.
TEST(RetryJournal, AnOlderIntentDoesNotHideTheStagedCopy) {
  TempDir dir;
  const std::string rules = ":0\nfirst/\n";
  std::string path;
  ASSERT_NO_FATAL_FAILURE(delivered_once(dir, rules, &path));
  const std::string journal_dir = dir / ".mailsift/journal";
  const std::string text = testing::read_file(path);
  // "intent KEY TARGET INODE": the same key, a file that is not there.
  const std::size_t intent = text.find("\nintent ");
  ASSERT_NE(intent, std::string::npos) << text;
  const std::size_t key_end = text.find(' ', intent + 8);
  ASSERT_NE(key_end, std::string::npos) << text;
  testing::write_file(path, text.substr(0, key_end) + " " + (dir / "first/new/1.M1P1.gone") +
                                " 1\n");
  ASSERT_EQ(staged_copies(journal_dir).size(), 1u);

  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << retry.log;
  EXPECT_NE(retry.log.find("an earlier attempt stored the message"), std::string::npos)
      << retry.log;
}

// A staged copy whose file never reached new/ (a kill between the sync and the
// link) proves nothing: the retry stores the message.
TEST(RetryJournal, AStagedCopyAloneIsNoCopyInTheFolder) {
  TempDir dir;
  const std::string rules = ":0\nfirst/\n";
  std::string path;
  ASSERT_NO_FATAL_FAILURE(delivered_once(dir, rules, &path));
  testing::write_file(path, "");
  for (const auto& name : testing::list_dir(dir / "first/new"))
    ASSERT_EQ(::unlink((dir / "first/new/" + name).c_str()), 0);

  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << retry.log;
}

// A journal that cannot be written: the message is delivered all the same.
TEST(RetryJournal, AnUnwritableJournalIsLoggedAndTheMessageDelivered) {
  for (const Op op : {Op::kMkdir, Op::kOpen, Op::kWrite, Op::kFsync}) {
    TempDir dir;
    FaultyIo failing;
    auto fault = testing::fault_on(op, ENOSPC, ".mailsift/journal");
    fault.sticky = true;
    failing.add(fault);
    const Result r = run_rules(failing, dir, two_folder_rules("first/", "second"));
    EXPECT_EQ(r.code, 0) << r.log;
    EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << r.log;
    EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1) << r.log;
    // Written: "delivering without it"; unreadable to begin with (the open that
    // looks for an earlier attempt's): "delivering as if this were the first".
    EXPECT_NE(r.log.find("Delivery journal"), std::string::npos) << r.log;
    EXPECT_NE(r.log.find("delivering "), std::string::npos) << r.log;
  }
  // The staged copy made, then the journal's file not (the open after the one that
  // looked for an earlier attempt's): the run keeps no journal, nor the copy.
  TempDir dir;
  FaultyIo failing;
  auto fault = testing::fault_on(Op::kOpen, EACCES, ".mailsift/journal", 2);
  fault.sticky = true;
  failing.add(fault);
  const Result r = run_rules(failing, dir, two_folder_rules("first/", "second"));
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_EQ(failing.fired(), 1) << r.log;
  EXPECT_NE(r.log.find("delivering without it"), std::string::npos) << r.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << r.log;
  EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1) << r.log;
  EXPECT_TRUE(staged_copies(dir / ".mailsift/journal").empty());
  EXPECT_TRUE(journal_files(dir / ".mailsift/journal").empty());
}

// A journal that cannot be read, or holds garbage, never makes a folder count as
// stored: at worst a second copy, never none.
TEST(RetryJournal, ACorruptJournalNeverSkipsAFolder) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second");
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kOpen, EIO, "second"));
  ASSERT_EQ(run_rules(failing, dir, rules).code, 75);
  const auto journals = journal_files(dir / ".mailsift/journal");
  ASSERT_EQ(journals.size(), 1u);
  const std::string journal = dir / (".mailsift/journal/" + journals[0]);
  testing::write_file(journal, "mailsift-journal 1\ndone\nintent x\ngarbage %ZZ\n\x01\x02\n");
  // Without the staged copy, which would prove the first copy (AStagedCopyStandsIn...).
  for (const auto& name : staged_copies(dir / ".mailsift/journal"))
    ASSERT_EQ(::unlink((dir / (".mailsift/journal/" + name)).c_str()), 0);
  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 2) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1) << retry.log;
  EXPECT_NE(retry.log.find("did not parse"), std::string::npos) << retry.log;

  // Unreadable: delivered as a first attempt.
  TempDir other;
  FaultyIo second_fails;
  second_fails.add(testing::fault_on(Op::kOpen, EIO, "second"));
  ASSERT_EQ(run_rules(second_fails, other, rules).code, 75);
  FaultyIo unreadable;
  unreadable.add(testing::fault_on(Op::kRead, EIO, ".mailsift/journal/"));
  const Result blind = run_rules(unreadable, other, rules);
  EXPECT_EQ(blind.code, 0) << blind.log;
  EXPECT_EQ(copies(other, Kind::kMaildir, "first"), 2) << blind.log;
  EXPECT_EQ(copies(other, Kind::kMbox, "second"), 1) << blind.log;
  EXPECT_NE(blind.log.find("Delivery journal unreadable"), std::string::npos) << blind.log;
}

// MAILSIFT_JOURNAL=no: no journal, procmail's behaviour (the retry stores the copy
// again).
TEST(RetryJournal, SwitchedOffTheRetryStoresTheCopyAgain) {
  TempDir dir;
  const std::string rules = two_folder_rules("first/", "second");
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kOpen, EIO, "second"));
  ASSERT_EQ(run_rules(failing, dir, rules, {"MAILSIFT_JOURNAL=no"}).code, 75);
  const Result retry = run_rules(sys::real_io(), dir, rules, {"MAILSIFT_JOURNAL=no"});
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 2);
  EXPECT_FALSE(testing::exists(dir / ".mailsift"));
}

// The journal names the message as received: a filter whose output differs at
// each attempt (here it adds its own process id) does not make the retry a new
// message.
TEST(RetryJournal, AFilterDoesNotChangeTheMessagesIdentity) {
  TempDir dir;
  const std::string rules = ":0 fw\n| (echo \"X-Filtered-By: $$\"; cat)\n" +
                            two_folder_rules("first/", "second");
  FaultyIo failing;
  failing.add(testing::fault_on(Op::kOpen, EIO, "second"));
  ASSERT_EQ(run_rules(failing, dir, rules).code, 75);
  ASSERT_EQ(copies(dir, Kind::kMaildir, "first"), 1);
  const Result retry = run_rules(sys::real_io(), dir, rules);
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMaildir, "first"), 1) << retry.log;
  EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1) << retry.log;
}

// Forwards are run again by a retry (what a program did cannot be checked) unless
// MAILSIFT_JOURNAL_FORWARDS=yes records them once $SENDMAIL exits 0.
TEST(RetryJournal, ForwardsAreJournaledOnlyWhenAsked) {
  for (const bool asked : {false, true}) {
    TempDir dir;
    const std::string sendmail = dir / "sendmail";
    testing::write_file(sendmail, "#!/bin/sh\necho sent >> " + (dir / "sent") + "\ncat > /dev/null\n");
    ASSERT_EQ(::chmod(sendmail.c_str(), 0755), 0);
    const std::string rules = "SENDMAIL=" + sendmail + "\n:0 c\n! someone@example.org\n:0\nsecond\n";
    std::vector<std::string> extra;
    if (asked) extra.push_back("MAILSIFT_JOURNAL_FORWARDS=yes");
    FaultyIo failing;
    failing.add(testing::fault_on(Op::kOpen, EIO, "second"));
    ASSERT_EQ(run_rules(failing, dir, rules, extra).code, 75);
    const Result retry = run_rules(sys::real_io(), dir, rules, extra);
    EXPECT_EQ(retry.code, 0) << retry.log;
    EXPECT_EQ(testing::read_file(dir / "sent"), asked ? "sent\n" : "sent\nsent\n") << retry.log;
    EXPECT_EQ(copies(dir, Kind::kMbox, "second"), 1) << retry.log;
  }
}

// ---------------------------------------------------------------------------
// settle_mbox: what the next delivery into an mbox does with the record of an
// append that never finished.

struct SettleCase {
  const char* name;
  std::string tail;      // what the unfinished append left after the old contents
  off_t length;          // the length its record announced
  bool same_file;        // the record names this mbox's inode
  bool ours;             // the record names the journal and key of this delivery
  std::string want_mbox_tail;
  deliver::CommitHooks::Unfinished want;
  bool want_done_recorded;  // in the other run's journal
};

TEST(RetryJournal, SettlingAnUnfinishedMboxAppend) {
  const std::string old = "From old@example.org  Sat Nov 28 14:00:00 2026\n\nold\n\n";
  const std::string whole = std::string(kFromLine) + "\nSubject: x\n\nbody\n\n";
  using U = deliver::CommitHooks::Unfinished;
  const SettleCase cases[] = {
      {"torn: cut back", whole.substr(0, 20), static_cast<off_t>(whole.size()), true, false, "",
       U::kNone, false},
      {"nothing written", "", static_cast<off_t>(whole.size()), true, false, "", U::kNone, false},
      {"whole, another run's: recorded as done for it", whole, static_cast<off_t>(whole.size()),
       true, false, whole, U::kNone, true},
      {"whole, this very delivery's", whole, static_cast<off_t>(whole.size()), true, true, whole,
       U::kOursComplete, false},
      {"more appended after it: left alone", whole + whole, static_cast<off_t>(whole.size()),
       true, false, whole + whole, U::kNone, false},
      {"another file now: left alone", whole.substr(0, 20), static_cast<off_t>(whole.size()),
       false, false, whole.substr(0, 20), U::kNone, false},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const std::string mbox = dir / "mbox";
    testing::write_file(mbox, old + c.tail);
    const std::string journal_dir = dir / "journal";
    ASSERT_EQ(state::make_state_directory(sys::real_io(), journal_dir), 0);
    // The run that was cut off, with a journal of its own.
    state::RunJournal other(sys::real_io(), journal_dir, "other");
    ASSERT_TRUE(other.ensure_created().ok());
    Log log(sys::real_io(), -1);
    RetryJournal journal(sys::real_io(), log, "this", true);
    ASSERT_TRUE(journal.ready(journal_dir, dir.path()));
    journal.begin("key-of-this-delivery");
    ASSERT_TRUE(journal.settle_mbox(sys::real_io(), -1, mbox, {}) ==
                deliver::CommitHooks::Unfinished::kNone);  // no record: nothing to do

    struct stat st {};
    ASSERT_EQ(::stat(mbox.c_str(), &st), 0);
    state::PendingAppend pending;
    pending.device = st.st_dev;
    pending.inode = c.same_file ? st.st_ino : st.st_ino + 1;
    pending.offset = static_cast<off_t>(old.size());
    pending.length = c.length;
    pending.journal = c.ours ? journal_dir + "/this" : other.path();
    pending.key = c.ours ? "key-of-this-delivery" : "key-of-the-other";
    if (c.ours) {
      ASSERT_TRUE(state::RunJournal(sys::real_io(), journal_dir, "this").ensure_created().ok());
    }
    const std::string record = state::pending_append_path(journal_dir, mbox);
    ASSERT_TRUE(state::write_pending_append(sys::real_io(), journal_dir, record, pending).ok());

    const int fd = ::open(mbox.c_str(), O_RDWR | O_APPEND);
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(journal.settle_mbox(sys::real_io(), fd, mbox, st) == c.want) << c.name;
    ::close(fd);
    EXPECT_EQ(testing::read_file(mbox), old + c.want_mbox_tail) << c.name;
    EXPECT_FALSE(testing::exists(record)) << c.name << ": the record is settled";
    const bool done = testing::read_file(other.path()).find("done key-of-the-other") !=
                      std::string::npos;
    EXPECT_EQ(done, c.want_done_recorded) << c.name;
  }
}

// A whole message a killed delivery left counts only once it is synced: the
// killed delivery may have died before its fsync. When that sync fails nothing is
// counted and the record stays for the next delivery.
TEST(RetryJournal, AWholeMboxAppendCountsOnlyOnceSynced) {
  TempDir dir;
  const std::string mbox = dir / "mbox";
  const std::string whole = std::string(kFromLine) + "\nSubject: x\n\nbody\n\n";
  testing::write_file(mbox, whole);
  const std::string journal_dir = dir / "journal";
  ASSERT_TRUE(state::RunJournal(sys::real_io(), journal_dir, "this").ensure_created().ok());
  struct stat st {};
  ASSERT_EQ(::stat(mbox.c_str(), &st), 0);
  state::PendingAppend pending;
  pending.device = st.st_dev;
  pending.inode = st.st_ino;
  pending.offset = 0;
  pending.length = static_cast<off_t>(whole.size());
  pending.journal = journal_dir + "/this";
  pending.key = "key";
  const std::string record = state::pending_append_path(journal_dir, mbox);
  ASSERT_TRUE(state::write_pending_append(sys::real_io(), journal_dir, record, pending).ok());
  Log log(sys::real_io(), -1);
  RetryJournal journal(sys::real_io(), log, "this", true);
  ASSERT_TRUE(journal.ready(journal_dir, dir.path()));
  journal.begin("key");
  FaultyIo unsyncable;
  unsyncable.add(testing::fault_on(Op::kFsync, EIO, "mbox"));
  const int fd = unsyncable.open(mbox.c_str(), O_RDWR | O_APPEND, 0);  // known by its path
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(journal.settle_mbox(unsyncable, fd, mbox, st) ==
              deliver::CommitHooks::Unfinished::kNone);
  EXPECT_EQ(unsyncable.fired(), 1);
  EXPECT_TRUE(testing::exists(record)) << "the record stays for the next delivery";
  EXPECT_TRUE(journal.settle_mbox(sys::real_io(), fd, mbox, st) ==
              deliver::CommitHooks::Unfinished::kOursComplete);
  unsyncable.close(fd);
  EXPECT_EQ(testing::read_file(mbox), whole);
}

}  // namespace
}  // namespace mailsift::engine
