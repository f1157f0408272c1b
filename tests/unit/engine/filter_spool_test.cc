// A filter's output spooled like stdin (issue 6): whole runs (engine::run) where the
// spool file for the output cannot be created or filled. The filter recipe fails, the
// log says why, the message is kept as it was and goes on (here to $DEFAULT); when
// $DEFAULT fails too, the run ends with 75. Never lost, never half filtered.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cerrno>
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

const char kHead[] =
    "From sender@example.org  Sat Nov 28 14:58:20 2026\n"
    "From: sender@example.org\n"
    "Subject: spool\n"
    "\n";

// The message: a small one (held in memory) or one of 3 MiB (spooled on reading).
std::string message_of(std::size_t body_size) {
  std::string m = kHead;
  for (int i = 0; m.size() < body_size; ++i) m += "line " + std::to_string(i) + " of the body\n";
  return m;
}

// What a maildir holds of a message: no From_ line, nothing added.
std::string in_maildir(const std::string& message) {
  return message.substr(message.find('\n') + 1);
}

// The filter: the message with 2 MB more, so that its output is spooled whatever
// the size of the message.
const char kGrow[] = "cat\nhead -c 2000000 /dev/zero | tr '\\000' x\n";

struct RunResult {
  int code;
  std::string log;
};

// One run in this process: the message on stdin, $TMPDIR = dir/spool, the filter
// (":0 fw" on dir/grow), then nothing: the message goes to $DEFAULT.
RunResult run_filter(sys::Io& io, const TempDir& dir, const std::string& message,
                     const std::string& fallback) {
  testing::write_file(dir / "input.eml", message);
  testing::write_file(dir / "grow", kGrow);
  testing::write_file(dir / "rc", ":0 fw\n| /bin/sh " + (dir / "grow") + "\n");
  const int in = ::open((dir / "input.eml").c_str(), O_RDONLY | O_CLOEXEC);
  const int err =
      ::open((dir / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  Invocation inv;
  inv.assignments = {"ORGMAIL=", "DEFAULT=" + fallback, "TIMEOUT=30", "MAILDIR=" + dir.path(),
                     "MAILSIFT_JOURNAL=" + (dir / "journal")};
  inv.rcfiles = {dir / "rc"};
  RunContext ctx;
  ctx.io = &io;
  ctx.stdin_fd = in;
  ctx.stderr_fd = err;
  const std::string tmpdir = "TMPDIR=" + (dir / "spool");
  const char* env[] = {"TZ=UTC", "PATH=/usr/bin:/bin", tmpdir.c_str(), nullptr};
  ctx.environ = env;
  const int code = run(inv, ctx);
  ::close(in);
  ::close(err);
  return {code, testing::read_file(dir / "stderr.log")};
}

// How many descriptors this process has open: a spool file left open by a failed
// filter would show here (an unlinked one leaves no name to look for).
std::size_t open_descriptors() { return testing::list_dir("/proc/self/fd").size(); }

// The files in the maildir's new/ (their contents).
std::vector<std::string> stored(const std::string& maildir) {
  std::vector<std::string> out;
  for (const auto& name : testing::list_dir(maildir + "/new"))
    out.push_back(testing::read_file(maildir + "/new/" + name));
  return out;
}

// A fault on the spool directory's files: the nth spool file made (the message's
// own, when it is large, is the first).
Fault spool_fault(Op op, int err, const TempDir& dir, int nth = 1) {
  Fault f;
  f.op = op;
  f.err = err;
  f.nth = nth;
  f.path_contains = dir / "spool";
  return f;
}

struct SpoolCase {
  const char* name;
  std::size_t message_size;
  Fault (*fault)(const TempDir& dir);
  std::vector<const char*> want_log;
};

const SpoolCase kCases[] = {
    {"small message, spool file cannot be created", 200,
     [](const TempDir& d) { return spool_fault(Op::kOpen, EACCES, d); },
     {"Couldn't keep the output of \"/bin/sh\" as the message: open \"",
      "creating the spool file: Permission denied", "Rescue of unfiltered data succeeded"}},
    {"small message, no room for the spool file", 200,
     [](const TempDir& d) { return spool_fault(Op::kOpen, ENOSPC, d); },
     {"creating the spool file: No space left on device", "Rescue of unfiltered data"}},
    {"small message, disk full while spooling", 200,
     [](const TempDir& d) {
       Fault f = spool_fault(Op::kWrite, ENOSPC, d);
       f.bytes_before_failure = 1500000;
       return f;
     },
     {"writing the spool file: No space left on device", "Rescue of unfiltered data"}},
    {"spooled message, the filter's spool file cannot be created", 3u << 20,
     [](const TempDir& d) { return spool_fault(Op::kOpen, EMFILE, d, 2); },
     {"creating the spool file: Too many open files", "Rescue of unfiltered data"}},
};

class FilterSpoolFault : public ::testing::TestWithParam<SpoolCase> {};

// The message is delivered to $DEFAULT exactly as it came.
TEST_P(FilterSpoolFault, MessageIsKeptAndDelivered) {
  const SpoolCase& c = GetParam();
  TempDir dir;
  ASSERT_EQ(::mkdir((dir / "spool").c_str(), 0700), 0);
  FaultyIo io;
  io.add(c.fault(dir));
  const std::string message = message_of(c.message_size);
  const std::size_t descriptors = open_descriptors();
  const RunResult r = run_filter(io, dir, message, dir / "md/");
  EXPECT_EQ(open_descriptors(), descriptors) << c.name << ": a descriptor was left open";
  EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired; log:\n" << r.log;
  EXPECT_EQ(r.code, 0) << c.name << ": exit; log:\n" << r.log;
  const auto got = stored(dir / "md");
  ASSERT_EQ(got.size(), 1u) << c.name << ": messages stored; log:\n" << r.log;
  EXPECT_TRUE(got.front() == in_maildir(message))
      << c.name << ": the stored message is not the original (" << got.front().size()
      << " bytes, wanted " << in_maildir(message).size() << ")";
  for (const char* fragment : c.want_log)
    EXPECT_NE(r.log.find(fragment), std::string::npos)
        << c.name << ": log does not say \"" << fragment << "\":\n" << r.log;
  EXPECT_TRUE(testing::list_dir(dir / "spool").empty()) << c.name << ": spool file left";
}

// And when $DEFAULT cannot be written either, the MTA keeps the message (75).
TEST_P(FilterSpoolFault, DefaultFailingTooRequeues) {
  const SpoolCase& c = GetParam();
  TempDir dir;
  ASSERT_EQ(::mkdir((dir / "spool").c_str(), 0700), 0);
  testing::write_file(dir / "plainfile", "");
  FaultyIo io;
  io.add(c.fault(dir));
  const RunResult r = run_filter(io, dir, message_of(c.message_size), dir / "plainfile/md/");
  EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired; log:\n" << r.log;
  EXPECT_EQ(r.code, 75) << c.name << ": exit; log:\n" << r.log;
  EXPECT_NE(r.log.find("Rescue of unfiltered data"), std::string::npos) << c.name << r.log;
  EXPECT_TRUE(testing::list_dir(dir / "spool").empty()) << c.name << ": spool file left";
}

INSTANTIATE_TEST_SUITE_P(Spool, FilterSpoolFault, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<SpoolCase>& param_info) {
                           std::string n = param_info.param.name;
                           for (char& ch : n)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

// The control: the same runs without a fault (through a FaultyIo all the same, whose
// calls then come from two threads) store the filtered message, and no spool file
// is left.
TEST(FilterSpool, WithoutFaultTheOutputIsTheMessage) {
  for (const std::size_t size : {std::size_t{200}, std::size_t{3} << 20}) {
    TempDir dir;
    ASSERT_EQ(::mkdir((dir / "spool").c_str(), 0700), 0);
    FaultyIo io;
    io.add(spool_fault(Op::kRename, EIO, dir));  // never called
    const std::string message = message_of(size);
    const std::size_t descriptors = open_descriptors();
    const RunResult r = run_filter(io, dir, message, dir / "md/");
    EXPECT_EQ(open_descriptors(), descriptors) << size << ": a descriptor was left open";
    EXPECT_EQ(io.fired(), 0);
    EXPECT_EQ(r.code, 0) << r.log;
    const auto got = stored(dir / "md");
    ASSERT_EQ(got.size(), 1u) << r.log;
    // The filter got the message and a newline (it does not end in an empty line).
    const std::string want = in_maildir(message) + "\n" + std::string(2000000, 'x');
    EXPECT_TRUE(got.front() == want) << size << ": got " << got.front().size() << " bytes, wanted "
                                     << want.size();
    EXPECT_EQ(r.log.find("Rescue"), std::string::npos) << r.log;
    EXPECT_TRUE(testing::list_dir(dir / "spool").empty()) << "spool file left";
  }
}

}  // namespace
}  // namespace mailsift::engine
