// ProgramSpec::output_sink: a captured output handed on piece by piece as it comes
// (a filter's output spooled as the new message) instead of being collected.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "mailsift/sys/io.h"
#include "mailsift/sys/process.h"

namespace mailsift::sys {
namespace {

ProgramSpec capturing_shell(const std::string& script) {
  ProgramSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.environment = {"PATH=/usr/bin:/bin"};
  spec.capture_output = true;
  return spec;
}

std::string lines_of(std::size_t size) {
  std::string text;
  for (int i = 0; text.size() < size; ++i) text += "line " + std::to_string(i) + "\n";
  return text;
}

// The output of cat comes back while its input is still being written (6 MiB do not
// fit in the pipes), all of it, in order, and none of it in ProgramOutcome::output.
TEST(OutputSink, TakesTheOutputAsItComes) {
  const std::string input = lines_of(6u << 20);
  std::atomic<bool> input_done{false};
  std::string got;
  bool before_input_done = false;
  ProgramSpec spec = capturing_shell("cat");
  spec.output_sink = [&](std::string_view piece) {
    if (!input_done.load()) before_input_done = true;
    got.append(piece);
    return 0;
  };
  const ProgramOutcome outcome = run_program(spec, [&](int fd) {
    const int err = write_all(real_io(), fd, input.data(), input.size()) == 0 ? 0 : errno;
    input_done.store(true);
    return err;
  });
  EXPECT_TRUE(outcome.succeeded()) << "code " << outcome.procmail_code();
  EXPECT_EQ(outcome.input_errno, 0);
  EXPECT_EQ(outcome.output_errno, 0);
  EXPECT_TRUE(outcome.output.empty()) << "got " << outcome.output.size() << " bytes in output";
  EXPECT_EQ(got.size(), input.size());
  EXPECT_TRUE(got == input) << "the output handed on differs from the input";
  EXPECT_TRUE(before_input_done) << "the sink was called only after the input was written";
}

// The output limit with a sink: RunProgram.CaptureHonoursTheOutputLimit (process_test).

// A sink that cannot take more (its spool file is full) gets nothing after it said
// so; the rest of the output is read and dropped, so that the program still ends as
// it would (not blocked on a full pipe, not killed by SIGPIPE).
TEST(OutputSink, ARefusingSinkIsNotCalledAgain) {
  std::size_t taken = 0;
  int calls_after_refusal = 0;
  bool refused = false;
  ProgramSpec spec = capturing_shell("yes | head -c 2000000");
  spec.output_sink = [&](std::string_view piece) {
    if (refused) ++calls_after_refusal;
    if (taken + piece.size() > 100000) {
      refused = true;
      return ENOSPC;
    }
    taken += piece.size();
    return 0;
  };
  const ProgramOutcome outcome = run_program(spec, nullptr);
  EXPECT_TRUE(refused);
  EXPECT_EQ(calls_after_refusal, 0);
  EXPECT_EQ(outcome.output_errno, ENOSPC);
  EXPECT_LE(taken, 100000u);
  EXPECT_FALSE(outcome.output_truncated);
  EXPECT_TRUE(outcome.succeeded()) << "code " << outcome.procmail_code();
}

// Without capture_output the sink is never called: the output goes to stdout_fd.
TEST(OutputSink, UnusedWithoutCapture) {
  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(null_fd, 0);
  int calls = 0;
  ProgramSpec spec = capturing_shell("echo hello");
  spec.capture_output = false;
  spec.stdout_fd = null_fd;
  spec.output_sink = [&calls](std::string_view) {
    ++calls;
    return 0;
  };
  const ProgramOutcome outcome = run_program(spec, nullptr);
  ::close(null_fd);
  EXPECT_TRUE(outcome.succeeded());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(outcome.output_errno, 0);
}

}  // namespace
}  // namespace mailsift::sys
