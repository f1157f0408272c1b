// The fault matrix: every step of every backend, and every way a program can fail,
// each injected into a whole run (engine::run, as the binary runs it). For each case
// the table says what must come of it: the exit code, the state of the folder (no
// partial message visible; an mbox back at its old length) and the words of the log
// that name the failed step.
//
// File-system faults go through testing::FaultyIo (the sys::Io seam); program faults
// are real children that exit non-zero, kill themselves with a signal, or hang past
// TIMEOUT. At the end the binary prints "faults injected: N": the number of distinct
// faults that fired (a row whose fault never fires fails, so N is what was proved).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "mailsift/engine/run.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

// ---------------------------------------------------------------------------
// Counting what was injected.

std::set<std::string>& fired_faults() {
  static std::set<std::string> names;
  return names;
}

class FaultCount : public ::testing::Environment {
 public:
  void TearDown() override {
    if (fired_faults().empty()) return;
    int file_system = 0;
    for (const auto& name : fired_faults()) file_system += name.rfind("fs: ", 0) == 0 ? 1 : 0;
    std::printf("faults injected: %zu (file system: %d, programs: %zu)\n",
                fired_faults().size(), file_system,
                fired_faults().size() - static_cast<std::size_t>(file_system));
  }
};
const auto* const kFaultCount = ::testing::AddGlobalTestEnvironment(new FaultCount);

// ---------------------------------------------------------------------------
// The message, and what each kind of folder must hold when it stored it.

const char kMessage[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: fault injection\n"
    "\n"
    "line one\n"
    "From the body\n";

// mbox: ">From" quoting and a blank line after the message.
const char kInMbox[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: fault injection\n"
    "\n"
    "line one\n"
    ">From the body\n"
    "\n";
// maildir: no From_ line, nothing added.
const char kInMaildir[] =
    "From: sender@example.org\n"
    "Subject: fault injection\n"
    "\n"
    "line one\n"
    "From the body\n";
// MH and directory folders: the From_ line kept, a blank line added, no quoting.
const char kInFile[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: fault injection\n"
    "\n"
    "line one\n"
    "From the body\n"
    "\n";

const char kOldMbox[] = "From old@example.org  Sat Nov 28 14:00:00 2026\nSubject: old\n\nold\n\n";
// The logs name the length an mbox is cut back to.
static_assert(sizeof(kOldMbox) - 1 == 66);

struct RunResult {
  int code;
  std::string log;
  std::chrono::milliseconds took;
};

// One run of mailsift in this process: the message on stdin, DEFAULT=fallback, no
// ORGMAIL (so a failed DEFAULT means exit 75), the given rcfile (or none).
RunResult run_once(sys::Io& io, const TempDir& dir, const std::string& fallback,
                   const std::string& rcfile_text = {},
                   std::vector<std::string> assignments = {}) {
  const std::string input = dir / "input.eml";
  testing::write_file(input, kMessage);
  const std::string log_path = dir / "stderr.log";
  std::string rcfile = "/dev/null";
  if (!rcfile_text.empty()) {
    rcfile = dir / "rc";
    testing::write_file(rcfile, rcfile_text);
  }
  const int in = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  Invocation inv;
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + fallback, "TIMEOUT=3", "LOCKSLEEP=1",
                     "MAILDIR=" + dir.path(), "LOGABSTRACT=yes", "HOME=" + dir.path()};
  for (auto& a : assignments) inv.assignments.push_back(std::move(a));
  inv.rcfiles = {rcfile};
  RunContext ctx;
  ctx.io = &io;
  ctx.stdin_fd = in;
  ctx.stderr_fd = err;
  const char* env[] = {"TZ=UTC", "PATH=/usr/bin:/bin", nullptr};
  ctx.environ = env;
  const auto start = std::chrono::steady_clock::now();
  const int code = run(inv, ctx);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  ::close(in);
  ::close(err);
  return {code, testing::read_file(log_path), took};
}

// ---------------------------------------------------------------------------
// File-system faults: backend x step.

enum class Backend { kMbox, kMaildir, kMh, kDirectory };

// Where the temp dir's backends live (DEFAULT names one of them).
std::string folder_name(Backend b) {
  switch (b) {
    case Backend::kMbox: return "mbox";
    case Backend::kMaildir: return "md/";
    case Backend::kMh: return "mh/.";
    case Backend::kDirectory: return "dir";
  }
  return {};
}

enum class State {
  kUntouched,   // as before the run: an mbox at its old length, no message file
                // and no temporary file left in a directory-type folder
  kStored,      // the message stored exactly once (and nothing else)
  kPartialTail, // mbox only: the old contents, then a partial message that could
                // not be cut off (documented: the truncate-back failed)
  kWhole,       // the whole message stored although the run failed (documented:
                // the failure came after the data was complete and could not be
                // undone; the retry will store it again)
};

// A fault on `op` for paths containing `where` (relative to the temp dir; empty:
// any path). sticky: every matching call from the nth on fails.
Fault on(Op op, int err, std::string where, int nth = 1, bool sticky = true) {
  Fault f;
  f.op = op;
  f.err = err;
  f.nth = nth;
  f.sticky = sticky;
  f.path_contains = std::move(where);
  return f;
}
// A fault on exactly the path `where` (a directory rather than the files in it);
// "" is the temp dir itself.
Fault on_exactly(Op op, int err, std::string where, int nth = 1) {
  Fault f = on(op, err, std::move(where), nth, false);
  f.whole_path = true;
  return f;
}
// A write that lets `bytes` through to paths containing `where`, then fails.
Fault disk_full_after(std::size_t bytes, std::string where, int err = ENOSPC) {
  Fault f = on(Op::kWrite, err, std::move(where));
  f.bytes_before_failure = bytes;
  return f;
}

struct FsCase {
  const char* name;
  Backend backend;
  std::vector<Fault> faults;
  int want_exit;
  State want_state;
  std::vector<const char*> want_log;  // each must appear in the log
  int want_leftovers = 0;             // temporary files left behind (only when stored)
  bool fake_time = false;             // lock waits: a fake clock, so they take no time
  bool never_called = false;          // the call is never made: the fault must not fire
};

[[maybe_unused]] void PrintTo(const FsCase& c, std::ostream* os) { *os << c.name; }

// Regular files in a directory whose names pass `keep`.
std::vector<std::string> files_in(const std::string& dir, bool (*keep)(const std::string&)) {
  std::vector<std::string> out;
  for (const auto& name : testing::list_dir(dir))
    if (keep(name)) out.push_back(name);
  return out;
}
bool temp_name(const std::string& name) { return !name.empty() && name[0] == '_'; }
bool message_name(const std::string& name) { return !temp_name(name); }

// Checks the folder against the wanted state; returns the failures as text.
std::string check_folder(const FsCase& c, const TempDir& dir) {
  std::string problems;
  const auto complain = [&](const std::string& what) { problems += "  " + what + "\n"; };
  switch (c.backend) {
    case Backend::kMbox: {
      const std::string got = testing::read_file(dir / "mbox");
      const std::string old = kOldMbox;
      std::string want;
      if (c.want_state == State::kUntouched) want = old;
      if (c.want_state == State::kStored || c.want_state == State::kWhole) want = old + kInMbox;
      if (c.want_state == State::kPartialTail) {
        const std::string whole = old + kInMbox;
        if (got.size() <= old.size() || got.size() >= whole.size() ||
            whole.compare(0, got.size(), got) != 0)
          complain("mbox should be the old contents and a partial message; got [" + got + "]");
      } else if (got != want) {
        complain("mbox: got [" + got + "], wanted [" + want + "]");
      }
      if (testing::exists(dir / "mbox.lock")) complain("mbox.lock left behind");
      break;
    }
    case Backend::kMaildir: {
      const auto fresh = testing::list_dir(dir / "md/new");
      const auto seen = testing::list_dir(dir / "md/cur");
      const auto temps = testing::list_dir(dir / "md/tmp");
      const bool stored = c.want_state == State::kStored || c.want_state == State::kWhole;
      if (!seen.empty()) complain("a file in cur/");
      if (fresh.size() != (stored ? 1u : 0u))
        complain("new/ has " + std::to_string(fresh.size()) + " files, wanted " +
                 (stored ? "1" : "0"));
      for (const auto& name : fresh)
        if (testing::read_file(dir / ("md/new/" + name)) != kInMaildir)
          complain("new/" + name + " is not the whole message");
      if (temps.size() != static_cast<std::size_t>(c.want_leftovers))
        complain("tmp/ has " + std::to_string(temps.size()) + " files, wanted " +
                 std::to_string(c.want_leftovers));
      break;
    }
    case Backend::kMh:
    case Backend::kDirectory: {
      const std::string folder = dir / (c.backend == Backend::kMh ? "mh" : "dir");
      const bool stored = c.want_state == State::kStored || c.want_state == State::kWhole;
      const auto messages = files_in(folder, message_name);
      const auto temps = files_in(folder, temp_name);
      if (messages.size() != (stored ? 1u : 0u))
        complain(std::to_string(messages.size()) + " message files, wanted " +
                 (stored ? "1" : "0"));
      for (const auto& name : messages) {
        if (testing::read_file(folder + "/" + name) != kInFile)
          complain(name + " is not the whole message");
        if (c.backend == Backend::kMh && name != "1") complain("MH file named " + name);
        if (c.backend == Backend::kDirectory && name.rfind("msg.", 0) != 0)
          complain("directory file named " + name);
      }
      if (temps.size() != static_cast<std::size_t>(c.want_leftovers))
        complain(std::to_string(temps.size()) + " temporary files, wanted " +
                 std::to_string(c.want_leftovers));
      break;
    }
  }
  return problems;
}

class FileSystemFault : public ::testing::TestWithParam<FsCase> {};

TEST_P(FileSystemFault, OutcomeAsDocumented) {
  const FsCase& c = GetParam();
  TempDir dir;
  if (c.backend == Backend::kMbox) testing::write_file(dir / "mbox", kOldMbox);
  if (c.backend == Backend::kDirectory) ::mkdir((dir / "dir").c_str(), 0700);
  FaultyIo io;
  if (c.fake_time) io.use_fake_time(1700000000);
  for (Fault fault : c.faults) {
    if (!fault.path_contains.empty() || fault.whole_path)
      fault.path_contains = fault.path_contains.empty() ? dir.path()
                                                        : dir / fault.path_contains;
    io.add(fault);
  }
  const RunResult r = run_once(io, dir, dir / folder_name(c.backend));
  const int fired = io.fired();
  if (c.never_called) {
    EXPECT_EQ(fired, 0) << c.name << ": the call was made; log:\n" << r.log;
  } else {
    EXPECT_GE(fired, 1) << c.name << ": the fault never fired; log:\n" << r.log;
    if (fired >= 1) fired_faults().insert(std::string("fs: ") + c.name);
  }
  EXPECT_EQ(r.code, c.want_exit) << c.name << ": exit; log:\n" << r.log;
  const std::string problems = check_folder(c, dir);
  EXPECT_TRUE(problems.empty()) << c.name << ": folder state:\n" << problems << "log:\n" << r.log;
  for (const char* fragment : c.want_log)
    EXPECT_NE(r.log.find(fragment), std::string::npos)
        << c.name << ": log does not say \"" << fragment << "\":\n" << r.log;
  // The abstract says where the message went.
  const std::string folder = c.want_exit == 0 ? "Folder: " + (dir / "") : "**Requeued**";
  EXPECT_NE(r.log.find(folder), std::string::npos) << c.name << ":\n" << r.log;
}

// The steps, in the order each backend takes them. Faults name paths relative to
// the temp dir: "mbox", "mbox.lock", "_lock." (the dotlock's temporary file),
// "md/tmp/", "md/new", "mh/_" (MH temporary file), "dir/_", ...
const FsCase kFsCases[] = {
    // --- mbox (as $DEFAULT: dotlock mbox.lock, then the kernel lock) ---
    {"mbox dotlock not permitted", Backend::kMbox, {on(Op::kOpen, EACCES, "_lock.")}, 0,
     State::kStored, {"using the kernel lock only"}},
    {"mbox dotlock held by another", Backend::kMbox, {on(Op::kLink, EEXIST, "mbox.lock")}, 75,
     State::kUntouched, {"Lock failure", "still held after"}, 0, true},
    {"mbox dotlock disk full", Backend::kMbox, {on(Op::kOpen, ENOSPC, "_lock.")}, 75,
     State::kUntouched, {"Lock failure", "cannot create the lock file"}, 0, true},
    {"mbox open", Backend::kMbox, {on(Op::kOpen, EACCES, "mbox", 1, true)}, 75,
     State::kUntouched, {"open \"", "Permission denied"}},
    {"mbox kernel lock held", Backend::kMbox, {on(Op::kFcntlLock, EAGAIN, "mbox")}, 75,
     State::kUntouched, {"lock \"", "kernel lock still held"}, 0, true},
    {"mbox kernel lock error", Backend::kMbox, {on(Op::kFcntlLock, ENOLCK, "mbox")}, 75,
     State::kUntouched, {"lock \"", "kernel lock"}},
    {"mbox fstat", Backend::kMbox, {on(Op::kFstat, EIO, "mbox")}, 75, State::kUntouched,
     {"stat \""}},
    {"mbox first write", Backend::kMbox, {on(Op::kWrite, EIO, "mbox")}, 75, State::kUntouched,
     {"write \"", "Input/output error; truncated back to 66 bytes"}},
    {"mbox disk full midway", Backend::kMbox, {disk_full_after(40, "mbox")}, 75,
     State::kUntouched, {"write \"", "No space left on device; truncated back to 66 bytes"}},
    {"mbox quota midway", Backend::kMbox, {disk_full_after(100, "mbox", EDQUOT)}, 75,
     State::kUntouched, {"write \"", "Disk quota exceeded; truncated back to 66 bytes"}},
    {"mbox fsync", Backend::kMbox, {on(Op::kFsync, EIO, "mbox", 1, false)}, 75,
     State::kUntouched, {"fsync \"", "Input/output error; truncated back to 66 bytes"}},
    {"mbox close", Backend::kMbox, {on(Op::kClose, EIO, "mbox", 1, false)}, 75,
     State::kUntouched, {"close \"", "Input/output error; truncated back to 66 bytes"}},
    {"mbox truncate-back fails", Backend::kMbox,
     {disk_full_after(40, "mbox"), on(Op::kFtruncate, EPERM, "mbox")}, 75, State::kPartialTail,
     {"write \"",
      "No space left on device; could not truncate back to 66 bytes: Operation not permitted"}},
    {"mbox fsync after truncate-back fails", Backend::kMbox,
     {disk_full_after(40, "mbox"), on(Op::kFsync, EIO, "mbox")}, 75, State::kUntouched,
     {"write \"", "No space left on device; truncated back to 66 bytes, but fsync after "
                  "truncating failed: Input/output error"}},
    {"mbox close fails, reopen fails", Backend::kMbox,
     {on(Op::kClose, EIO, "mbox", 1, false), on(Op::kOpen, EACCES, "mbox", 2)}, 75,
     State::kWhole, {"close \"", "Input/output error; could not reopen to truncate"}},
    {"mbox: its last byte cannot be read (torn-tail check)", Backend::kMbox,
     {on(Op::kRead, EIO, "mbox")}, 0, State::kStored, {}},
    {"mbox rename never used", Backend::kMbox, {on(Op::kRename, EIO, "")}, 0, State::kStored, {}, 0, false, true},

    // --- maildir (md/: created, tmp/ file, link into new/, fsync new/) ---
    {"maildir mkdir", Backend::kMaildir, {on(Op::kMkdir, EACCES, "md")}, 75, State::kUntouched,
     {"mkdir \"", "Permission denied"}},
    {"maildir mkdir tmp/ (disk full)", Backend::kMaildir, {on(Op::kMkdir, ENOSPC, "md/tmp")}, 75,
     State::kUntouched, {"mkdir \"", "md/tmp"}},
    {"maildir fsync of the parent after mkdir", Backend::kMaildir,
     {on_exactly(Op::kFsync, EIO, "")}, 75, State::kUntouched,
     {"fsync \"", "syncing the directory after creating \"", "md\" in it: Input/output error"}},
    {"maildir open", Backend::kMaildir, {on(Op::kOpen, EDQUOT, "md/tmp/")}, 75,
     State::kUntouched, {"open \"", "quota"}},
    {"maildir first write", Backend::kMaildir, {on(Op::kWrite, EIO, "md/tmp/")}, 75,
     State::kUntouched, {"write \""}},
    {"maildir disk full midway", Backend::kMaildir, {disk_full_after(30, "md/tmp/")}, 75,
     State::kUntouched, {"write \"", "No space left on device"}},
    {"maildir fstat", Backend::kMaildir, {on(Op::kFstat, EIO, "md/tmp/")}, 75, State::kUntouched,
     {"stat \""}},
    {"maildir fsync", Backend::kMaildir, {on(Op::kFsync, EIO, "md/tmp/")}, 75, State::kUntouched,
     {"fsync \"", "md/tmp/"}},
    {"maildir close", Backend::kMaildir, {on(Op::kClose, EIO, "md/tmp/", 1, false)}, 75,
     State::kUntouched, {"close \""}},
    {"maildir link", Backend::kMaildir, {on(Op::kLink, EIO, "md/new/")}, 75, State::kUntouched,
     {"link \""}},
    {"maildir link: every name taken", Backend::kMaildir, {on(Op::kLink, EEXIST, "md/new/")}, 75,
     State::kUntouched, {"link \"", "no free name in new/"}},
    {"maildir unlink of tmp/ fails", Backend::kMaildir, {on(Op::kUnlink, EIO, "md/tmp/")}, 0,
     State::kStored, {"Couldn't remove temporary file"}, 1},
    {"maildir fsync of new/", Backend::kMaildir, {on_exactly(Op::kFsync, EIO, "md/new")}, 75,
     State::kUntouched, {"md/new\": syncing the directory: Input/output error; \"",
                         "removed again, as it was not durable"}},
    {"maildir fsync of new/, undo fails", Backend::kMaildir,
     {on_exactly(Op::kFsync, EIO, "md/new"), on(Op::kUnlink, EIO, "md/new/")}, 75, State::kWhole,
     {"syncing the directory: Input/output error; \"",
      "could not be removed again (Input/output error), a retry may duplicate it"}},
    {"maildir rename never used", Backend::kMaildir, {on(Op::kRename, EIO, "")}, 0,
     State::kStored, {}, 0, false, true},

    // --- MH (mh/.: temporary file in the folder, link to the next number) ---
    {"mh mkdir", Backend::kMh, {on(Op::kMkdir, EACCES, "mh")}, 75, State::kUntouched,
     {"mkdir \""}},
    {"mh fsync of the parent after mkdir", Backend::kMh, {on_exactly(Op::kFsync, EIO, "")}, 75,
     State::kUntouched,
     {"fsync \"", "syncing the directory after creating \"", "mh\" in it: Input/output error"}},
    {"mh open", Backend::kMh, {on(Op::kOpen, EDQUOT, "mh/_")}, 75, State::kUntouched,
     {"open \""}},
    {"mh disk full midway", Backend::kMh, {disk_full_after(30, "mh/_")}, 75, State::kUntouched,
     {"write \"", "No space left on device"}},
    {"mh fsync", Backend::kMh, {on(Op::kFsync, EIO, "mh/_")}, 75, State::kUntouched,
     {"fsync \"", "mh/_"}},
    {"mh close", Backend::kMh, {on(Op::kClose, EIO, "mh/_", 1, false)}, 75, State::kUntouched,
     {"close \""}},
    {"mh reading the folder", Backend::kMh, {on_exactly(Op::kListDirectory, EIO, "mh")}, 75,
     State::kUntouched, {"read \"", "reading the folder"}},
    {"mh link", Backend::kMh, {on(Op::kLink, EIO, "mh/1")}, 75, State::kUntouched, {"link \""}},
    {"mh link: every number taken", Backend::kMh, {on(Op::kLink, EEXIST, "mh/")}, 75,
     State::kUntouched, {"link \"", "no free message number"}},
    {"mh unlink of the temporary file fails", Backend::kMh, {on(Op::kUnlink, EIO, "mh/_")}, 0,
     State::kStored, {"Couldn't remove temporary file"}, 1},
    {"mh fsync of the folder", Backend::kMh, {on_exactly(Op::kFsync, EIO, "mh")}, 75,
     State::kUntouched, {"mh\": syncing the directory: Input/output error; \"", "removed again"}},
    {"mh rename never used", Backend::kMh, {on(Op::kRename, EIO, "")}, 0, State::kStored, {}, 0, false, true},

    // --- directory folder (dir: temporary file, link to msg.<inode>) ---
    {"directory open", Backend::kDirectory, {on(Op::kOpen, EACCES, "dir/_")}, 75,
     State::kUntouched, {"open \""}},
    {"directory disk full midway", Backend::kDirectory, {disk_full_after(30, "dir/_")}, 75,
     State::kUntouched, {"write \"", "No space left on device"}},
    {"directory fstat", Backend::kDirectory, {on(Op::kFstat, EIO, "dir/_")}, 75,
     State::kUntouched, {"stat \""}},
    {"directory fsync", Backend::kDirectory, {on(Op::kFsync, EIO, "dir/_")}, 75,
     State::kUntouched, {"fsync \"", "dir/_"}},
    {"directory close", Backend::kDirectory, {on(Op::kClose, EIO, "dir/_", 1, false)}, 75,
     State::kUntouched, {"close \""}},
    {"directory link", Backend::kDirectory, {on(Op::kLink, EIO, "dir/msg.")}, 75,
     State::kUntouched, {"link \""}},
    {"directory link: name taken every time", Backend::kDirectory,
     {on(Op::kLink, EEXIST, "dir/msg.")}, 75, State::kUntouched, {"link \""}},
    {"directory unlink of the temporary file fails", Backend::kDirectory,
     {on(Op::kUnlink, EIO, "dir/_")}, 0, State::kStored, {"Couldn't remove temporary file"}, 1},
    {"directory fsync of the folder", Backend::kDirectory,
     {on_exactly(Op::kFsync, EIO, "dir")}, 75, State::kUntouched,
     {"dir\": syncing the directory: Input/output error; \"", "removed again"}},
    {"directory rename never used", Backend::kDirectory, {on(Op::kRename, EIO, "")}, 0,
     State::kStored, {}, 0, false, true},
};

std::string test_name(const char* name) {
  std::string n = name;
  for (auto& ch : n)
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Matrix, FileSystemFault, ::testing::ValuesIn(kFsCases),
                         [](const ::testing::TestParamInfo<FsCase>& param_info) {
                           return test_name(param_info.param.name);
                         });

// When even the truncate-back fails (an append-only file, an I/O error), the
// partial message stays at the end of the mbox, the run exits 75, and the log says
// the file could not be cut back. The MTA's retry takes the lock, finds the
// journal's record of the unfinished append, and cuts the torn tail off before it
// appends the whole message: one copy, no fragment.
TEST(FaultFollowUp, TruncateBackFailsThenTheRetryCutsTheTornTail) {
  TempDir dir;
  const std::string mbox = dir / "mbox";
  testing::write_file(mbox, kOldMbox);
  FaultyIo failing;
  failing.add(disk_full_after(40, mbox));
  failing.add(on(Op::kFtruncate, EPERM, mbox));
  const RunResult first = run_once(failing, dir, mbox, {}, {"MAILSIFT_JOURNAL=yes"});
  ASSERT_EQ(first.code, 75) << first.log;
  EXPECT_NE(first.log.find("could not truncate back to"), std::string::npos) << first.log;
  const std::string torn = testing::read_file(mbox);
  ASSERT_EQ(torn, std::string(kOldMbox) + std::string(kInMbox).substr(0, 40));

  const RunResult retry = run_once(sys::real_io(), dir, mbox, {}, {"MAILSIFT_JOURNAL=yes"});
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(testing::read_file(mbox), std::string(kOldMbox) + kInMbox);
  EXPECT_NE(retry.log.find("back to " + std::to_string(std::string(kOldMbox).size()) +
                           " bytes, removing the 40 bytes"),
            std::string::npos)
      << retry.log;
}

// Without the journal (MAILSIFT_JOURNAL=no, or unset in a run by hand) the retry cannot know where the torn
// message began: it ends the torn tail with an empty line before appending, so the
// retried message is whole and starts a line of its own.
TEST(FaultFollowUp, WithoutTheJournalTheRetryEndsTheTornTail) {
  TempDir dir;
  const std::string mbox = dir / "mbox";
  testing::write_file(mbox, kOldMbox);
  FaultyIo failing;
  failing.add(disk_full_after(40, mbox));
  failing.add(on(Op::kFtruncate, EPERM, mbox));
  const RunResult first = run_once(failing, dir, mbox, {}, {"MAILSIFT_JOURNAL=no"});
  ASSERT_EQ(first.code, 75) << first.log;
  const std::string torn = testing::read_file(mbox);
  ASSERT_EQ(torn, std::string(kOldMbox) + std::string(kInMbox).substr(0, 40));

  const RunResult retry = run_once(sys::real_io(), dir, mbox, {}, {"MAILSIFT_JOURNAL=no"});
  EXPECT_EQ(retry.code, 0) << retry.log;
  EXPECT_EQ(testing::read_file(mbox), torn + "\n\n" + kInMbox);
  EXPECT_NE(retry.log.find("ended in the middle of a line"), std::string::npos) << retry.log;
}

// ---------------------------------------------------------------------------
// Program faults: a delivering pipe, a forward, a filter or a capture whose child
// exits non-zero, is killed by a signal, or hangs past TIMEOUT. The outcomes are
// those of mailsiftrc(5), DIFFERENCES FROM PROCMAIL 5 and 6: a delivering program
// counts only on exit 0 (else the message goes on, here to $DEFAULT); a filter that
// is killed, times out, or fails without output never replaces the message; a
// capture without w takes the output whatever the status, a killed one fails.

// Scripts the rcfiles run as "/bin/sh <dir>/<name>" (a file, so that mailsift's own
// expansion of "$$" and quotes in the rcfile does not come into it).
const std::pair<const char*, const char*> kScripts[] = {
    {"exit3", "cat >/dev/null; exit 3\n"},
    {"ok", "cat >/dev/null; exit 0\n"},
    {"kill", "cat >/dev/null; kill -$1 $$\n"},
    {"hang", "cat >/dev/null; exec sleep 30\n"},
    {"new3", "cat >/dev/null\nprintf 'From: filtered@example.org\\nSubject: filtered\\n\\nnew\\n'\n"
             "exit 3\n"},
    {"partial_kill", "printf 'From: partial'; kill -$1 $$\n"},
    {"partial_hang", "printf 'From: partial'; exec sleep 30\n"},
    {"say3", "cat >/dev/null; printf 'captured\\n'; exit 3\n"},
};

// What $DEFAULT (an mbox, absent at the start) must hold afterwards.
enum class Fallback {
  kNothing,   // the program took the message: $DEFAULT never written
  kOriginal,  // the message as it came
  kFiltered,  // the filter's output (the "new3" message)
};

// The output is the whole new message: no From_ line is made up for it.
const char kFilteredInMbox[] =
    "From: filtered@example.org\n"
    "Subject: filtered\n"
    "\n"
    "new\n"
    "\n";

struct ProgramCase {
  const char* name;
  const char* rcfile;  // "@" stands for the temp dir
  int want_exit;
  Fallback want_fallback;
  std::vector<const char*> want_log = {};
  std::vector<const char*> unwanted_log = {};  // must not appear
  bool fault = true;                      // false: a control case, no failure injected
  bool broken_default = false;            // $DEFAULT cannot be written either
};

[[maybe_unused]] void PrintTo(const ProgramCase& c, std::ostream* os) { *os << c.name; }

std::string with_dir(std::string text, const std::string& dir) {
  for (std::size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + dir.size()))
    text.replace(at, 1, dir);
  return text;
}

class ProgramFault : public ::testing::TestWithParam<ProgramCase> {};

TEST_P(ProgramFault, OutcomeAsDocumented) {
  const ProgramCase& c = GetParam();
  TempDir dir;
  for (const auto& [name, text] : kScripts) testing::write_file(dir / name, text);
  testing::write_file(dir / "plainfile", "");
  const std::string fallback = c.broken_default ? dir / "plainfile/inbox/" : dir / "mbox";
  const RunResult r = run_once(sys::real_io(), dir, fallback, with_dir(c.rcfile, dir.path()));
  if (c.fault) fired_faults().insert(std::string("program: ") + c.name);
  EXPECT_EQ(r.code, c.want_exit) << c.name << ": exit; log:\n" << r.log;
  // Nothing hangs: TIMEOUT is 1 where a child hangs (SIGTERM, SIGKILL 0.5 s later).
  EXPECT_LT(r.took.count(), 2800) << c.name << ": took " << r.took.count() << " ms";
  std::string want;
  if (c.want_fallback == Fallback::kOriginal) want = kInMbox;
  if (c.want_fallback == Fallback::kFiltered) want = kFilteredInMbox;
  EXPECT_EQ(testing::read_file(dir / "mbox"), want) << c.name << ": $DEFAULT; log:\n" << r.log;
  for (const char* fragment : c.want_log)
    EXPECT_NE(r.log.find(fragment), std::string::npos)
        << c.name << ": log does not say \"" << fragment << "\":\n" << r.log;
  for (const char* fragment : c.unwanted_log)
    EXPECT_EQ(r.log.find(fragment), std::string::npos)
        << c.name << ": log says \"" << fragment << "\":\n" << r.log;
}

const ProgramCase kProgramCases[] = {
    // --- delivering pipes: count only on exit 0 ---
    {"pipe exits 0 (control)", ":0\n| /bin/sh @/ok\n", 0, Fallback::kNothing, {},
     {"Program failure"}, false},
    {"pipe exits 3", ":0\n| /bin/sh @/exit3\n", 0, Fallback::kOriginal,
     {"Program failure (3) of \"/bin/sh\""}},
    {"pipe killed by SIGKILL", ":0\n| /bin/sh @/kill KILL\n", 0, Fallback::kOriginal,
     {"Program failure (-9) of \"/bin/sh\""}},
    {"pipe killed by SIGSEGV", ":0\n| /bin/sh @/kill SEGV\n", 0, Fallback::kOriginal,
     {"Program failure (-11) of \"/bin/sh\""}},
    {"pipe hangs past TIMEOUT", "TIMEOUT=1\n:0\n| /bin/sh @/hang\n", 0, Fallback::kOriginal,
     {"Timeout, terminating \"/bin/sh\"", "Program failure (-15) of \"/bin/sh\""}},
    {"pipe exits 3 with w", ":0 w\n| /bin/sh @/exit3\n", 0, Fallback::kOriginal,
     {"Program failure (3) of \"/bin/sh\""}},
    {"pipe exits 3, $DEFAULT fails too", ":0\n| /bin/sh @/exit3\n", 75, Fallback::kNothing,
     {"Program failure (3)", "**Requeued**"}, {}, true, true},
    {"pipe killed, $DEFAULT fails too", ":0\n| /bin/sh @/kill KILL\n", 75, Fallback::kNothing,
     {"Program failure (-9)", "**Requeued**"}, {}, true, true},
    {"pipe with c exits 3", ":0 c\n| /bin/sh @/exit3\n", 0, Fallback::kOriginal,
     {"Program failure (3)"}},
    // --- forwarding: $SENDMAIL is a delivering program like any other ---
    {"forward: sendmail exits 3",
     "SENDMAIL=/bin/sh\nSENDMAILFLAGS=@/exit3\n:0\n! someone@example.org\n", 0,
     Fallback::kOriginal, {"Program failure (3) of \"/bin/sh\""}},
    {"forward: sendmail killed",
     "SENDMAIL=/bin/sh\nSENDMAILFLAGS=\"@/kill KILL\"\n:0\n! someone@example.org\n", 0,
     Fallback::kOriginal, {"Program failure (-9)"}},

    // --- filters: a failed filter never replaces the message unless it exited
    // non-zero with output and without w (procmail's rule) ---
    {"filter exits 3 without output", ":0 f\n| /bin/sh @/exit3\n", 0, Fallback::kOriginal,
     {"Program failure (3) of \"/bin/sh\": no output", "Rescue of unfiltered data"}},
    {"filter exits 3 with output, no w", ":0 f\n| /bin/sh @/new3\n", 0, Fallback::kFiltered,
     {}, {"Rescue of unfiltered data"}},
    {"filter exits 3 with output, w", ":0 fw\n| /bin/sh @/new3\n", 0, Fallback::kOriginal,
     {"Program failure (3) of \"/bin/sh\"", "Rescue of unfiltered data"}},
    {"filter exits 3 with output, W", ":0 fW\n| /bin/sh @/new3\n", 0, Fallback::kOriginal,
     {"Rescue of unfiltered data"}, {"Program failure"}},
    {"filter killed by SIGKILL after output", ":0 f\n| /bin/sh @/partial_kill KILL\n", 0,
     Fallback::kOriginal, {"Program failure (-9) of \"/bin/sh\"", "Rescue of unfiltered data"}},
    {"filter killed by SIGSEGV after output", ":0 f\n| /bin/sh @/partial_kill SEGV\n", 0,
     Fallback::kOriginal, {"Program failure (-11) of \"/bin/sh\"", "Rescue of unfiltered data"}},
    {"filter hangs past TIMEOUT after output", "TIMEOUT=1\n:0 f\n| /bin/sh @/partial_hang\n", 0,
     Fallback::kOriginal,
     {"Timeout, terminating \"/bin/sh\"", "Program failure (-15)", "Rescue of unfiltered data"}},
    {"filter killed, then the next recipe sees the old message",
     ":0 f\n| /bin/sh @/partial_kill KILL\n:0\n* ^Subject: fault injection\n@/kept\n", 0,
     Fallback::kNothing, {"Rescue of unfiltered data"}},

    // --- captures: without w the status does not matter; with w, or when killed or
    // timed out, the recipe fails ---
    {"capture exits 3", "CAP=old\n:0\nCAP=| /bin/sh @/say3\nLOG=\"[$CAP]\"\n", 0,
     Fallback::kOriginal, {"[captured]"}, {"Program failure"}},
    {"capture exits 3 with w", "CAP=old\n:0 w\nCAP=| /bin/sh @/say3\nLOG=\"[$CAP]\"\n", 0,
     Fallback::kOriginal, {"Program failure (3) of \"/bin/sh\"", "[old]"}, {"[captured]"}},
    {"capture killed by SIGKILL",
     "CAP=old\n:0\nCAP=| /bin/sh @/partial_kill KILL\n:0 e\n{ LOG=\"failed \" }\n"
     "LOG=\"[$CAP]\"\n",
     0, Fallback::kOriginal, {"failed [From: partial]"}},
    {"capture hangs past TIMEOUT",
     "TIMEOUT=1\nCAP=old\n:0\nCAP=| /bin/sh @/partial_hang\n:0 e\n{ LOG=\"failed \" }\n"
     "LOG=\"[$CAP]\"\n",
     0, Fallback::kOriginal, {"Timeout, terminating \"/bin/sh\"", "failed [From: partial]"}},
};

INSTANTIATE_TEST_SUITE_P(Matrix, ProgramFault, ::testing::ValuesIn(kProgramCases),
                         [](const ::testing::TestParamInfo<ProgramCase>& param_info) {
                           return test_name(param_info.param.name);
                         });

}  // namespace
}  // namespace mailsift::engine
