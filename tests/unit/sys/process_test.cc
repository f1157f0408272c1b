#include "mailsift/sys/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/sys/io.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using Clock = std::chrono::steady_clock;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

const std::vector<std::string> kPlainEnvironment = {"PATH=/usr/bin:/bin"};

ProgramSpec shell(const std::string& script) {
  ProgramSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.environment = kPlainEnvironment;
  return spec;
}

ProgramSpec capturing(ProgramSpec spec) {
  spec.capture_output = true;
  return spec;
}

InputWriter text_writer(const std::string& text) {
  return [&text](int fd) {
    return write_all(real_io(), fd, text.data(), text.size()) == 0 ? 0 : errno;
  };
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// True once pid is gone or a zombie (its parent may not reap it at once), waiting
// up to a second for the signal to take effect.
bool process_ended(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty()) return true;
    const std::size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z') {
      return true;
    }
    ::usleep(10000);
  }
  return false;
}

TEST(RunProgram, ReportsExitStatus) {
  struct Case {
    const char* name;
    std::string script;
    int want;
  };
  const Case cases[] = {
      {"exit 0", "exit 0", 0},
      {"exit 3", "exit 3", 3},
      {"exit 255", "exit 255", 255},
      {"last command's status", "true; false", 1},
  };
  for (const Case& c : cases) {
    const ProgramOutcome got = run_program(shell(c.script), nullptr);
    EXPECT_TRUE(got.started) << c.name;
    EXPECT_EQ(got.exit_status, c.want) << c.name << ": got " << got.exit_status << ", want "
                                        << c.want;
    EXPECT_EQ(got.signal, 0) << c.name;
    EXPECT_EQ(got.procmail_code(), c.want) << c.name;
    EXPECT_EQ(got.succeeded(), c.want == 0) << c.name;
  }
}

TEST(RunProgram, ReportsTheSignalThatKilledIt) {
  struct Case {
    const char* name;
    std::string script;
    int want;
  };
  const Case cases[] = {
      {"SIGKILL", "kill -KILL $$", SIGKILL},
      {"SIGTERM", "kill -TERM $$", SIGTERM},
      {"SIGSEGV", "kill -SEGV $$", SIGSEGV},
  };
  for (const Case& c : cases) {
    const ProgramOutcome got = run_program(shell(c.script), nullptr);
    EXPECT_EQ(got.signal, c.want) << c.name << ": got signal " << got.signal;
    EXPECT_EQ(got.procmail_code(), -c.want) << c.name;
    EXPECT_FALSE(got.succeeded()) << c.name;
    EXPECT_FALSE(got.timed_out) << c.name;
  }
}

TEST(RunProgram, TimeoutKillsTheWholeProcessGroup) {
  // The background sleep is a grandchild: it must die with its parent.
  ProgramSpec spec = capturing(shell("sleep 100 & echo $!; sleep 100"));
  spec.timeout_seconds = 1;
  const Clock::time_point start = Clock::now();
  const ProgramOutcome got = run_program(spec, nullptr);
  const double took = seconds_since(start);
  EXPECT_TRUE(got.timed_out);
  EXPECT_EQ(got.signal, SIGTERM);
  EXPECT_EQ(got.procmail_code(), -SIGTERM);
  EXPECT_FALSE(got.succeeded());
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 1.9) << "waited " << took << " s";
  const pid_t grandchild = static_cast<pid_t>(std::stol(got.output));
  EXPECT_TRUE(process_ended(grandchild)) << "grandchild " << grandchild << " still runs";
}

TEST(RunProgram, TimeoutSendsSigtermToDescendants) {
  // The background subshell says so when it gets SIGTERM (its sleeps get it too).
  TempDir dir;
  const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(err, 0);
  ProgramSpec spec =
      shell("(trap 'echo got-term >&2; exit 0' TERM; while :; do sleep 0.05; done) & sleep 100");
  spec.stderr_fd = err;
  spec.timeout_seconds = 1;
  const ProgramOutcome got = run_program(spec, nullptr);
  ::close(err);
  EXPECT_TRUE(got.timed_out);
  const auto said = [&] { return read_file(dir / "stderr").find("got-term") != std::string::npos; };
  for (int i = 0; i < 100 && !said(); ++i) ::usleep(10000);
  EXPECT_TRUE(said()) << "stderr: " << read_file(dir / "stderr");
}

TEST(RunProgram, TimeoutUsesSigkillWhenSigtermIsIgnored) {
  ProgramSpec spec = shell("trap '' TERM; sleep 100 & sleep 100");
  spec.timeout_seconds = 1;
  const Clock::time_point start = Clock::now();
  const ProgramOutcome got = run_program(spec, nullptr);
  const double took = seconds_since(start);
  EXPECT_TRUE(got.timed_out);
  EXPECT_EQ(got.signal, SIGKILL) << "got signal " << got.signal;
  EXPECT_GE(took, 1.4);
  EXPECT_LT(took, 1.9) << "waited " << took << " s";
}

TEST(RunProgram, TimeoutBoundsAnOutputHeldOpenByADescendant) {
  // The shell exits at once; its background child keeps the captured stdout open.
  ProgramSpec spec = capturing(shell("echo early; sleep 100 &"));
  spec.timeout_seconds = 1;
  const Clock::time_point start = Clock::now();
  const ProgramOutcome got = run_program(spec, nullptr);
  const double took = seconds_since(start);
  EXPECT_TRUE(got.timed_out);
  EXPECT_EQ(got.exit_status, 0);
  EXPECT_EQ(got.output, "early\n");
  EXPECT_LT(took, 1.9) << "waited " << took << " s";
}

TEST(RunProgram, WaitsForOutputOfADescendantWithoutTimeout) {
  const ProgramOutcome got = run_program(capturing(shell("echo early; (sleep 0.2; echo late) &")),
                                         nullptr);
  EXPECT_EQ(got.output, "early\nlate\n");
  EXPECT_TRUE(got.succeeded());
}

TEST(RunProgram, TimeoutNotReachedIsNoTimeout) {
  ProgramSpec spec = capturing(shell("echo hi"));
  spec.timeout_seconds = 5;
  const ProgramOutcome got = run_program(spec, nullptr);
  EXPECT_FALSE(got.timed_out);
  EXPECT_TRUE(got.succeeded());
  EXPECT_EQ(got.output, "hi\n");
}

TEST(RunProgram, ProgramNotReadingItsInputGivesEpipe) {
  // SIGPIPE is at its default (fatal) disposition in this test process: if it were
  // raised and not absorbed, the test binary would die here.
  ASSERT_EQ(::signal(SIGPIPE, SIG_DFL), SIG_DFL);
  const std::string input(1u << 20, 'x');  // more than a pipe holds
  const ProgramOutcome got = run_program(shell("exit 0"), text_writer(input));
  EXPECT_EQ(got.input_errno, EPIPE) << "got errno " << got.input_errno;
  EXPECT_EQ(got.exit_status, 0);
  sigset_t pending;
  ::sigemptyset(&pending);
  ::sigpending(&pending);
  EXPECT_EQ(::sigismember(&pending, SIGPIPE), 0) << "a SIGPIPE was left pending";
}

TEST(RunProgram, LargeInputEchoedBackDoesNotDeadlock) {
  std::string input;
  for (int i = 0; input.size() < (6u << 20); ++i) input += "line " + std::to_string(i) + "\n";
  const ProgramOutcome got = run_program(capturing(shell("cat")), text_writer(input));
  EXPECT_TRUE(got.succeeded());
  EXPECT_EQ(got.input_errno, 0);
  EXPECT_EQ(got.output.size(), input.size());
  EXPECT_TRUE(got.output == input) << "the output differs from the input";
}

// The limit holds whether the output is kept in outcome.output or handed to a sink
// piece by piece (a filter's new message, sys::OutputSink).
TEST(RunProgram, CaptureHonoursTheOutputLimit) {
  struct Case {
    const char* name;
    std::size_t limit;
    std::size_t want_size;
    bool want_truncated;
  };
  const Case cases[] = {
      {"unlimited", 0, 200000, false},
      {"below the output", 1000, 1000, true},
      {"exactly the output", 200000, 200000, false},
      {"above the output", 300000, 200000, false},
  };
  for (const bool to_sink : {false, true}) {
    for (const Case& c : cases) {
      const std::string name = std::string(c.name) + (to_sink ? ", to a sink" : "");
      ProgramSpec spec = capturing(shell("yes | head -c 200000"));
      spec.output_limit = c.limit;
      std::string sunk;
      if (to_sink) {
        spec.output_sink = [&sunk](std::string_view piece) {
          sunk.append(piece);
          return 0;
        };
      }
      const ProgramOutcome got = run_program(spec, nullptr);
      const std::string& output = to_sink ? sunk : got.output;
      if (to_sink) {
        EXPECT_TRUE(got.output.empty()) << name << ": kept as well as handed on";
      }
      EXPECT_EQ(output.size(), c.want_size) << name;
      EXPECT_EQ(got.output_truncated, c.want_truncated) << name;
      EXPECT_EQ(output.substr(0, 4), "y\ny\n") << name;
      // The rest is read and dropped: the program is not killed by SIGPIPE.
      EXPECT_TRUE(got.succeeded()) << name << ": code " << got.procmail_code();
    }
  }
}

TEST(RunProgram, EnvironmentIsExactlyTheGivenOne) {
  struct Case {
    const char* name;
    std::vector<std::string> environment;
    std::string want;
  };
  const Case cases[] = {
      {"empty", {}, ""},
      {"three", {"A=1", "B=two words", "EMPTY="}, "A=1\nB=two words\nEMPTY=\n"},
  };
  for (const Case& c : cases) {
    ProgramSpec spec;
    spec.argv = {"/usr/bin/env"};
    spec.environment = c.environment;
    spec.capture_output = true;
    const ProgramOutcome got = run_program(spec, nullptr);
    EXPECT_EQ(got.output, c.want) << c.name;
  }
}

TEST(RunProgram, SearchesThePathOfTheGivenEnvironment) {
  TempDir dir;
  write_file(dir / "mailsift-probe", "#!/bin/sh\necho found \"$@\"\n");
  ASSERT_EQ(::chmod((dir / "mailsift-probe").c_str(), 0755), 0);
  ProgramSpec spec;
  spec.argv = {"mailsift-probe", "a b"};
  spec.environment = {"PATH=/nonexistent:" + dir.path()};
  spec.capture_output = true;
  const ProgramOutcome got = run_program(spec, nullptr);
  EXPECT_EQ(got.output, "found a b\n");
  EXPECT_TRUE(got.succeeded());
}

TEST(RunProgram, IgnoresMailsiftsOwnPath) {
  // "env" is in this process's PATH but not in the child's.
  TempDir dir;
  ProgramSpec spec;
  spec.argv = {"env"};
  spec.environment = {"PATH=" + dir.path()};
  spec.capture_output = true;
  const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(err, 0);
  spec.stderr_fd = err;
  const ProgramOutcome got = run_program(spec, nullptr);
  ::close(err);
  EXPECT_EQ(got.output, "");
  EXPECT_NE(got.exit_status, 0);
  // The fallback "/bin/sh env" could not open a script called "env".
  EXPECT_NE(read_file(dir / "stderr").find("env"), std::string::npos) << read_file(dir / "stderr");
}

TEST(RunProgram, RunsAScriptWithoutInterpreterLineThroughTheShell) {
  struct Case {
    const char* name;
    mode_t mode;
    bool by_path;  // found through PATH rather than named with a slash
  };
  const Case cases[] = {
      {"executable, ENOEXEC", 0755, false},
      {"not executable, EACCES", 0644, false},
      {"executable, through PATH", 0755, true},
  };
  for (const Case& c : cases) {
    TempDir dir;
    write_file(dir / "noshebang", "echo ran \"$@\"\n");
    ASSERT_EQ(::chmod((dir / "noshebang").c_str(), c.mode), 0);
    ProgramSpec spec;
    spec.argv = {c.by_path ? "noshebang" : dir / "noshebang", "a", "b"};
    spec.environment = {"PATH=" + dir.path() + ":/usr/bin:/bin"};
    spec.capture_output = true;
    const ProgramOutcome got = run_program(spec, nullptr);
    EXPECT_EQ(got.output, "ran a b\n") << c.name;
    EXPECT_TRUE(got.succeeded()) << c.name << ": code " << got.procmail_code();
  }
}

TEST(RunProgram, MissingProgramFallsBackToTheShell) {
  TempDir dir;
  ProgramSpec spec = capturing(shell(""));
  spec.argv = {"/nonexistent/mailsift-none", "x"};
  const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(err, 0);
  spec.stderr_fd = err;
  const ProgramOutcome got = run_program(spec, nullptr);
  ::close(err);
  EXPECT_TRUE(got.started);
  EXPECT_NE(got.exit_status, 0);
  EXPECT_NE(got.exit_status, 69) << "/bin/sh ran and reported the missing script itself";
  EXPECT_NE(read_file(dir / "stderr").find("mailsift-none"), std::string::npos)
      << read_file(dir / "stderr");
}

TEST(RunProgram, Exits69WhenNothingCanBeExecuted) {
  // An argument longer than the kernel takes (E2BIG) defeats the shell fallback too.
  TempDir dir;
  ProgramSpec spec = shell("");
  spec.argv = {"/nonexistent/prog", std::string(200000, 'x')};
  const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(err, 0);
  spec.stderr_fd = err;
  const ProgramOutcome got = run_program(spec, nullptr);
  ::close(err);
  EXPECT_TRUE(got.started);
  EXPECT_EQ(got.exit_status, 69);
  EXPECT_EQ(read_file(dir / "stderr"), "Failed to execute \"/nonexistent/prog\"\n");
}

TEST(RunProgram, ChildInheritsNoOtherDescriptors) {
  // Descriptors without close-on-exec, like a lock or log file opened carelessly.
  const int plain = ::open("/dev/null", O_RDONLY);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_GE(plain, 0);
  TempDir dir;
  const int err = ::open((dir / "stderr").c_str(), O_WRONLY | O_CREAT, 0600);
  ProgramSpec spec = capturing(shell("ls /proc/$$/fd; :"));
  spec.stderr_fd = err;
  const std::string input = "x";
  const ProgramOutcome got = run_program(spec, text_writer(input));
  ::close(plain);
  ::close(fds[0]);
  ::close(fds[1]);
  ::close(err);
  EXPECT_EQ(got.output, "0\n1\n2\n");
  EXPECT_TRUE(got.succeeded());
}

TEST(RunProgram, StdoutAndStderrGoWhereTold) {
  TempDir dir;
  const int out = ::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  const int err = ::open((dir / "err").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(out, 0);
  ASSERT_GE(err, 0);
  ProgramSpec spec = shell("echo to-out; echo to-err >&2");
  spec.stdout_fd = out;
  spec.stderr_fd = err;
  const ProgramOutcome got = run_program(spec, nullptr);
  ::close(out);
  ::close(err);
  EXPECT_TRUE(got.succeeded());
  EXPECT_EQ(read_file(dir / "out"), "to-out\n");
  EXPECT_EQ(read_file(dir / "err"), "to-err\n");
  EXPECT_EQ(got.output, "");
}

TEST(RunProgram, StdoutAndStderrMayBeTheSameDescriptor) {
  TempDir dir;
  const int log = ::open((dir / "log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ASSERT_GE(log, 0);
  ProgramSpec spec = shell("echo one; echo two >&2");
  spec.stdout_fd = log;
  spec.stderr_fd = log;
  run_program(spec, nullptr);
  ::close(log);
  EXPECT_EQ(read_file(dir / "log"), "one\ntwo\n");
}

TEST(RunProgram, InputReachesTheProgram) {
  const std::string input = "hello\nworld\n";
  const ProgramOutcome got = run_program(capturing(shell("tr a-z A-Z")), text_writer(input));
  EXPECT_EQ(got.output, "HELLO\nWORLD\n");
  EXPECT_EQ(got.input_errno, 0);
}

TEST(RunProgram, WithoutInputTheProgramReadsEndOfFile) {
  const ProgramOutcome got = run_program(capturing(shell("wc -c")), nullptr);
  EXPECT_EQ(got.output, "0\n");
  EXPECT_TRUE(got.succeeded());
}

TEST(RunProgram, ReportsTheWritersError) {
  const InputWriter failing = [](int fd) {
    const char partial[] = "part";
    if (write_all(real_io(), fd, partial, 4) != 0) return errno;
    return EIO;
  };
  const ProgramOutcome got = run_program(capturing(shell("cat")), failing);
  EXPECT_EQ(got.input_errno, EIO);
  EXPECT_EQ(got.output, "part");
  EXPECT_TRUE(got.succeeded());
}

TEST(RunProgram, ChildRunsInItsOwnProcessGroup) {
  // Fields 1 and 5 of /proc/PID/stat: the pid and the process group.
  const ProgramOutcome got =
      run_program(capturing(shell("set -- $(cat /proc/$$/stat); echo $1 $5")), nullptr);
  const std::size_t blank = got.output.find(' ');
  ASSERT_NE(blank, std::string::npos) << got.output;
  EXPECT_EQ(got.output.substr(0, blank) + "\n", got.output.substr(blank + 1));
  EXPECT_NE(got.output.substr(0, blank), std::to_string(::getpgrp()));
}

TEST(RunProgram, ChildStartsWithDefaultSignals) {
  // Ignored and blocked signals survive exec; the child must not inherit mailsift's.
  const auto old_handler = ::signal(SIGUSR1, SIG_IGN);
  sigset_t block, old_mask;
  ::sigemptyset(&block);
  ::sigaddset(&block, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);
  // grep itself, not through a shell that might reset them.
  ProgramSpec spec = capturing(shell(""));
  spec.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  const ProgramOutcome got = run_program(spec, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ::signal(SIGUSR1, old_handler);
  EXPECT_EQ(got.output, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(RunProgram, NoProgramIsNotStarted) {
  ProgramSpec spec;
  const ProgramOutcome got = run_program(spec, nullptr);
  EXPECT_FALSE(got.started);
  EXPECT_FALSE(got.status.ok());
  EXPECT_FALSE(got.succeeded());
}

TEST(ForkClone, TheCopyRunsAndIsWaitedFor) {
  const pid_t pid = fork_clone();
  if (pid == 0) ::_exit(7);
  ASSERT_GT(pid, 0);
  EXPECT_EQ(wait_for_clone(pid), 7);

  const pid_t killed = fork_clone();
  if (killed == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_GT(killed, 0);
  ::kill(killed, SIGKILL);
  EXPECT_EQ(wait_for_clone(killed), -1);
}

}  // namespace
}  // namespace mailsift::sys
