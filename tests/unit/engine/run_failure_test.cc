// Whole runs that fail: DEFAULT and ORGMAIL, procmail's exit codes, a read error.
// (Every backend with every failing step: fault_matrix_test.cc.)
#include "mailsift/engine/run.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "faulty_io.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

const char kMessage[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: fault injection\n"
    "\n"
    "line one\n"
    "From the body\n";

struct RunResult {
  int code;
  std::string log;
};

// Runs mailsift in-process with the given Io, DEFAULT and extra assignments.
RunResult run_with(sys::Io& io, const TempDir& dir, const std::string& fallback,
                   std::vector<std::string> extra = {}) {
  const std::string input = dir / "input.eml";
  testing::write_file(input, kMessage);
  const std::string log_path = dir / "stderr.log";
  const int in = ::open(input.c_str(), O_RDONLY);
  const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  Invocation inv;
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + fallback, "TIMEOUT=3", "LOCKSLEEP=1",
                     "MAILSIFT_JOURNAL=" + (dir / "journal")};
  for (auto& e : extra) inv.assignments.push_back(e);
  inv.rcfiles = {"/dev/null"};
  RunContext ctx;
  ctx.io = &io;
  ctx.stdin_fd = in;
  ctx.stderr_fd = err;
  const char* env[] = {"TZ=UTC", nullptr};
  ctx.environ = env;
  const int code = run(inv, ctx);
  ::close(in);
  ::close(err);
  return {code, testing::read_file(log_path)};
}

// Each backend x each step: fault_matrix_test.cc.

TEST(RunFailure, DefaultFailsThenOrgmailStores) {
  TempDir dir;
  FaultyIo io;
  io.add({Op::kOpen, EACCES, 1, true, dir / "bad"});
  const RunResult r =
      run_with(io, dir, dir / "bad", {"ORGMAIL=" + (dir / "orgmail")});
  EXPECT_EQ(r.code, 0) << r.log;
  EXPECT_NE(testing::read_file(dir / "orgmail").find("Subject: fault injection"),
            std::string::npos);
  EXPECT_NE(r.log.find("bad"), std::string::npos) << r.log;
}

TEST(RunFailure, UnwritableDefaultWithoutOrgmailRequeues) {
  TempDir dir;
  FaultyIo io;
  io.add({Op::kOpen, EACCES, 1, true, dir / "bad"});
  const RunResult r = run_with(io, dir, dir / "bad");
  EXPECT_EQ(r.code, 75) << r.log;
  EXPECT_FALSE(testing::exists(dir / "bad"));
}

TEST(RunFailure, ProcmailExitCodesOption) {
  TempDir dir;
  FaultyIo io;
  io.add({Op::kOpen, EACCES, 1, true, dir / "bad"});
  testing::write_file(dir / "input.eml", kMessage);
  const int in = ::open((dir / "input.eml").c_str(), O_RDONLY);
  const int err = ::open((dir / "err").c_str(), O_WRONLY | O_CREAT, 0600);
  Invocation inv;
  inv.procmail_exit_codes = true;
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + (dir / "bad"),
                     "MAILSIFT_JOURNAL=" + (dir / "journal")};
  inv.rcfiles = {"/dev/null"};
  RunContext ctx;
  ctx.io = &io;
  ctx.stdin_fd = in;
  ctx.stderr_fd = err;
  EXPECT_EQ(run(inv, ctx), 73);
  ::close(in);
  ::close(err);
}

TEST(RunFailure, ReadErrorRequeuesWithoutDelivering) {
  TempDir dir;
  FaultyIo io;
  io.add({Op::kRead, EIO, 1, true, ""});
  const RunResult r = run_with(io, dir, dir / "mbox");
  EXPECT_EQ(r.code, 75) << r.log;
  EXPECT_FALSE(testing::exists(dir / "mbox"));
  EXPECT_NE(r.log.find("read"), std::string::npos) << r.log;
}

}  // namespace
}  // namespace mailsift::engine
