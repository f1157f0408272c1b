// Whole dry runs (engine::run with --dry-run), each in a child process of its own: the
// trace goes to the process's stdout, and run() changes the working directory and
// the umask. A child can also be kept from forking (a seccomp filter), to reach the
// path where a "c" block's clone cannot be made.
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstddef>
#include <string>
#include <vector>

#include "mailsift/engine/run.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::TempDir;

// From here on fork fails in this process with EAGAIN, as when the process table is
// full: clone (and clone3, fork, vfork where they exist) are refused by a seccomp
// filter. False when the kernel does not allow the filter.
bool refuse_fork() {
  std::vector<long> refused = {SYS_clone};
#ifdef SYS_clone3
  refused.push_back(SYS_clone3);
#endif
#ifdef SYS_fork
  refused.push_back(SYS_fork);
#endif
#ifdef SYS_vfork
  refused.push_back(SYS_vfork);
#endif
  auto statement = [](unsigned code, unsigned k) {
    return sock_filter{static_cast<unsigned short>(code), 0, 0, k};
  };
  std::vector<sock_filter> filter;
  const auto number_at = static_cast<unsigned>(offsetof(seccomp_data, nr));
  filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, number_at));
  for (const long nr : refused) {
    // Equal: go on to the next instruction (refuse); else skip it.
    filter.push_back(sock_filter{static_cast<unsigned short>(BPF_JMP | BPF_JEQ | BPF_K), 0, 1,
                                 static_cast<unsigned>(nr)});
    filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EAGAIN & SECCOMP_RET_DATA)));
  }
  filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// The file descriptors open in this process.
int open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

struct DryRun {
  int exit_code = -1;
  std::string trace;  // stdout
  std::string log;    // stderr
  int fds_before = -1;
  int fds_after = -1;  // open in the process after run() returned
  std::string setup_error;
};

// Runs `mailsift --dry-run [--format=json] MAILDIR=dir DEFAULT=dir/default ORGMAIL= rc`
// on message in a child process.
DryRun dry_run(const TempDir& dir, const std::string& rcfile, const std::string& message,
               bool json, bool without_fork = false) {
  testing::write_file(dir / "rc", rcfile);
  testing::write_file(dir / "input.eml", message);
  DryRun result;
  const int in = ::open((dir / "input.eml").c_str(), O_RDONLY | O_CLOEXEC);
  const int out = ::open((dir / "trace").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err = ::open((dir / "log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int report[2];
  if (in < 0 || out < 0 || err < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    result.setup_error = "cannot open the files of the run";
    return result;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(report[0]);
    if (::dup2(out, STDOUT_FILENO) < 0) ::_exit(101);
    if (without_fork && !refuse_fork()) ::_exit(102);
    Invocation inv;
    inv.dry_run = true;
    inv.trace_json = json;
    inv.assignments = {"MAILDIR=" + dir.path(), "DEFAULT=" + (dir / "default"), "ORGMAIL="};
    inv.rcfiles = {dir / "rc"};
    RunContext ctx;
    ctx.stdin_fd = in;
    ctx.stderr_fd = err;
    const char* env[] = {"TZ=UTC", nullptr};
    ctx.environ = env;
    const pid_t self = ::getpid();
    int counts[2];
    counts[0] = open_fds();
    const int code = run(inv, ctx);
    // A "c" block's clone returns from run() too; only this process reports.
    if (::getpid() != self) ::_exit(code);
    counts[1] = open_fds();
    if (::write(report[1], counts, sizeof counts) != static_cast<ssize_t>(sizeof counts))
      ::_exit(103);
    ::_exit(code);
  }
  ::close(report[1]);
  ::close(in);
  ::close(out);
  ::close(err);
  int counts[2] = {-1, -1};
  const bool reported =
      ::read(report[0], counts, sizeof counts) == static_cast<ssize_t>(sizeof counts);
  ::close(report[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
    result.setup_error = "the child did not exit";
    return result;
  }
  result.exit_code = WEXITSTATUS(status);
  if (result.exit_code == 102) result.setup_error = "the kernel refused the seccomp filter";
  if (!reported && result.setup_error.empty())
    result.setup_error =
        "the child sent no fd counts (exit " + std::to_string(result.exit_code) + ")";
  result.fds_before = counts[0];
  result.fds_after = counts[1];
  result.trace = testing::read_file(dir / "trace");
  result.log = testing::read_file(dir / "log");
  return result;
}

const char kMessage[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: ../../escape\n"
    "\n"
    "body\n";

// A "c" block in a dry run opens a pipe for the clone's deliveries before it forks;
// when the fork fails the block runs in this process, and the pipe must not stay
// open.
TEST(DryRun, CloneBlockWithoutForkClosesTheCloneChannel) {
  TempDir dir;
  const DryRun got = dry_run(dir,
                             ":0 c\n"
                             "{\n"
                             "  :0\n"
                             "  clone/\n"
                             "}\n",
                             kMessage, false, /*without_fork=*/true);
  if (got.setup_error == "the kernel refused the seccomp filter") GTEST_SKIP() << got.setup_error;
  ASSERT_EQ(got.setup_error, "") << got.log;
  // The fault fired: the block ran here.
  EXPECT_NE(got.log.find("Couldn't fork for the \"c\" block"), std::string::npos)
      << "got log [" << got.log << "], wanted the fork failure in it";
  EXPECT_NE(got.trace.find("would deliver to clone/ (maildir)"), std::string::npos)
      << "got trace [" << got.trace << "], wanted the block's delivery in it";
  EXPECT_EQ(got.fds_after, got.fds_before)
      << "got " << got.fds_after << " fds open after the run, wanted " << got.fds_before
      << " as before it";
}

// The same block with a clone: the channel is used and closed (the control case).
TEST(DryRun, CloneBlockLeavesNoFdOpen) {
  TempDir dir;
  const DryRun got = dry_run(dir, ":0 c\n{\n  :0\n  clone/\n}\n", kMessage, false);
  ASSERT_EQ(got.setup_error, "") << got.log;
  EXPECT_EQ(got.log.find("Couldn't fork"), std::string::npos) << got.log;
  EXPECT_NE(got.trace.find("would deliver to clone/ (maildir)"), std::string::npos) << got.trace;
  EXPECT_EQ(got.fds_after, got.fds_before)
      << "got " << got.fds_after << " fds open after the run, wanted " << got.fds_before;
}

// A folder the folder guard refuses (its ".." came from the message) is a failure
// in the trace, as a delivery the file system shows would fail is; the message then
// goes on to $DEFAULT.
TEST(DryRun, RefusedFolderIsTracedAsAFailure) {
  const std::string rc =
      ":0\n"
      "* ^Subject: \\/.*\n"
      "$MATCH\n";
  struct Case {
    bool json;
    std::vector<std::string> want;  // each in the trace, in this order
  } const cases[] = {
      {true,
       {"{\"version\":1,\"type\":\"action\"",
        "\"target\":\"../../escape\",\"note\":\"refused: a \\\"..\\\" in it comes from the message",
        "{\"version\":1,\"type\":\"failure\",\"folder\":\"../../escape\",\"error\":\"refused: "
        "a \\\"..\\\" in it comes from the message, not from the rcfile's text\"}\n",
        "\"type\":\"delivery\",\"folder\":\"", "/default\",\"kind\":\"mbox\",\"fallback\":true}"}},
      {false,
       {"would fail to deliver to ../../escape: refused: a \"..\" in it comes from the message, "
        "not from the rcfile's text\n",
        "/default (mbox, the fall-back)\n", "exit status 0\n"}},
  };
  for (const auto& c : cases) {
    TempDir dir;
    const DryRun got = dry_run(dir, rc, kMessage, c.json);
    ASSERT_EQ(got.setup_error, "") << got.log;
    EXPECT_EQ(got.exit_code, 0) << got.log;
    std::size_t at = 0;
    for (const auto& want : c.want) {
      const std::size_t found = got.trace.find(want, at);
      EXPECT_NE(found, std::string::npos)
          << (c.json ? "json" : "text") << ": got trace [" << got.trace << "], wanted [" << want
          << "] in it after byte " << at;
      if (found != std::string::npos) at = found + want.size();
    }
    EXPECT_NE(got.log.find("Refusing folder \"../../escape\""), std::string::npos) << got.log;
    EXPECT_FALSE(testing::exists(dir / "default")) << "a dry run wrote $DEFAULT";
  }
}

}  // namespace
}  // namespace mailsift::engine
