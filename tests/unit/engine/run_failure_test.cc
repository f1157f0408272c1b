// Each failure injected into each backend, through a whole run: no partial message
// is visible, an mbox keeps its old length, the exit code is 75 (so the MTA keeps
// the message and retries), and the log names the step that failed.
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
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + fallback, "TIMEOUT=3", "LOCKSLEEP=1"};
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

struct FaultCase {
  const char* name;
  const char* folder;  // relative to the temp dir; "/" maildir, "/." MH
  Fault fault;
  const char* logged;  // the step the log must name
};

// Keeps test names readable in ctest's listing.
[[maybe_unused]] void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }

class BackendFault : public ::testing::TestWithParam<FaultCase> {};

TEST_P(BackendFault, KeepsTheMessageAndRequeues) {
  const FaultCase& c = GetParam();
  TempDir dir;
  const std::string folder = dir / c.folder;
  const bool is_mbox = std::string(c.folder).find('/') == std::string::npos;
  const std::string old_contents = "From old@example.org  Sat Nov 28 14:00:00 2026\nold\n\n";
  if (is_mbox) testing::write_file(folder, old_contents);
  FaultyIo io;
  Fault fault = c.fault;
  if (!fault.path_contains.empty()) fault.path_contains = dir.path() + "/" + fault.path_contains;
  io.add(fault);
  const RunResult r = run_with(io, dir, folder);
  EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired; log:\n" << r.log;
  EXPECT_EQ(r.code, 75) << c.name << "; log:\n" << r.log;
  EXPECT_NE(r.log.find(c.logged), std::string::npos)
      << c.name << ": log does not name \"" << c.logged << "\":\n" << r.log;
  if (is_mbox) {
    EXPECT_EQ(testing::read_file(folder), old_contents) << c.name << ": mbox changed";
  } else {
    const std::string base = std::string(c.folder);
    if (base.back() == '/') {
      EXPECT_TRUE(testing::list_dir(folder + "new").empty()) << c.name << ": message in new/";
      EXPECT_TRUE(testing::list_dir(folder + "tmp").empty()) << c.name << ": tmp/ not cleaned";
    } else {
      const std::string d = folder.substr(0, folder.size() - 1);
      for (const auto& name : testing::list_dir(d))
        ADD_FAILURE() << c.name << ": left a file in the MH folder: " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, BackendFault,
    ::testing::Values(
        FaultCase{"mbox open", "mbox", {Op::kOpen, EACCES, 1, true, "mbox"}, "open"},
        FaultCase{"mbox disk full midway", "mbox",
                  {Op::kWrite, ENOSPC, 1, false, "mbox", 40}, "write"},
        FaultCase{"mbox fsync", "mbox", {Op::kFsync, EIO, 1, true, "mbox"}, "fsync"},
        FaultCase{"mbox lock", "mbox", {Op::kFcntlLock, EAGAIN, 1, true, "mbox"}, "lock"},
        FaultCase{"maildir open", "md/", {Op::kOpen, EDQUOT, 1, true, "md/tmp"}, "open"},
        FaultCase{"maildir disk full", "md/", {Op::kWrite, ENOSPC, 1, true, "md/tmp"}, "write"},
        FaultCase{"maildir fsync", "md/", {Op::kFsync, EIO, 1, true, "md/tmp"}, "fsync"},
        FaultCase{"maildir link", "md/", {Op::kLink, EIO, 1, true, "md/new"}, "link"},
        FaultCase{"maildir directory fsync", "md/", {Op::kFsync, EIO, 1, true, "md/new"},
                  "fsync"},
        FaultCase{"mh disk full", "mh/.", {Op::kWrite, ENOSPC, 1, true, "mh"}, "write"},
        FaultCase{"mh link", "mh/.", {Op::kLink, EIO, 1, true, "mh"}, "link"}),
    [](const ::testing::TestParamInfo<FaultCase>& param_info) {
      std::string n = param_info.param.name;
      for (auto& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

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
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + (dir / "bad")};
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
