// The one place that forks and execs. Everything else asks here to run a function in
// a child, or a program with some bytes on its stdin and, optionally, its stdout
// captured.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/sys/status.h"

namespace mailsift::sys {

// Runs fn in a child process and waits for it. Returns the child's exit status, or
// -1 when it could not be started or was killed by a signal (callers treat that as
// a temporary failure).
int run_in_child(const std::function<int()>& fn);
// The same, bounded: a child still running after timeout_seconds (0: no bound) is
// killed with its process group (it leads one of its own) and -1 returned.
int run_in_child(const std::function<int()>& fn, unsigned timeout_seconds);

// A child that serves requests on its end of a socket pair (SOCK_SEQPACKET): fn(fd)
// runs in it, and what fn returns is its exit status. It leads a process group of
// its own, so that ending it ends whatever it started. close_in_child: descriptors
// of the parent's the child must not keep (another coprocess's end, a client's
// connection). pid -1 when it could not be started (errno set).
struct Coprocess {
  pid_t pid = -1;
  int fd = -1;  // the parent's end
};
Coprocess start_coprocess(const std::function<int(int fd)>& fn,
                          const std::vector<int>& close_in_child);
// Closes the parent's end (a coprocess reading requests then sees their end) and
// reaps it; when `kill` is set, first ends its process group: SIGTERM, and SIGKILL
// limits::kKillGraceMilliseconds later. Returns its exit status,
// or -1 when a signal ended it.
int end_coprocess(Coprocess* child, bool kill);

// From now on SIGTERM ends this process (exit status 75) after it kills, with
// SIGKILL, the process groups of the programs it is running (run_program: each leads
// one of its own, which a SIGTERM to this process's group does not reach). For a
// process whose caller ends it from outside on a timeout (end_coprocess).
void end_programs_on_sigterm();

// Takes a captured output a piece at a time, as it comes (ProgramSpec::output_sink).
// Returns 0, or an errno when it cannot take more.
using OutputSink = std::function<int(std::string_view piece)>;

// A program to run (behaviour §7.8-7.11, §3.2.1).
struct ProgramSpec {
  // argv[0] is looked up in the PATH of `environment` (execvp semantics: never
  // mailsift's own PATH; "/bin:/usr/bin" when the environment has none; an argv[0]
  // with a '/' is not looked up); a file found but not executable by the kernel
  // (ENOEXEC: a script without "#!") is run as "/bin/sh <path> argv[1]...". When
  // every attempt fails (missing, EACCES, ...), the same argv is retried as
  // "/bin/sh argv[0] argv[1]..." as procmail does (so "exit 3" gives sh's "cannot
  // open exit", status 2); if that fails too the child exits 69 and writes
  // `Failed to execute "argv[0]"` to stderr_fd. No shell is used otherwise.
  std::vector<std::string> argv;
  std::vector<std::string> environment;  // "NAME=value", the child's whole environment
  int stderr_fd = 2;                      // where the child's stderr goes (the log);
                                          // -1 or a closed fd: inherit fd 2
  // 0: none. Else, counted from the start: when it runs out while the program runs
  // (or while its descendants still hold a captured stdout open), its whole process
  // group gets SIGTERM, and SIGKILL limits::kKillGraceMilliseconds later if any of
  // it is left; timed_out is set and the output captured so far is kept.
  unsigned timeout_seconds = 0;
  bool capture_output = false;            // read the child's stdout into output
  std::size_t output_limit = 0;           // 0: unlimited; else read at most this much
                                          // (the rest is read and thrown away)
  // When capturing: if set, the output goes to it instead of into
  // ProgramOutcome::output (which stays empty), piece by piece in the calling
  // thread while the input is still being written (see run_program about an Io
  // both use). Once it returns an errno it is not called again: the rest of the
  // output is read and thrown away, and output_errno says why.
  OutputSink output_sink;
  // When not capturing: the fd the child's stdout goes to; -1 inherits mailsift's
  // stdout, as procmail's children do.
  int stdout_fd = -1;
};

// What became of a program run.
struct ProgramOutcome {
  bool started = false;      // fork succeeded (exec failures show as the fallback
                             // shell's status, e.g. 2 or 127, or as 69)
  int exit_status = -1;      // 0..255 when it exited
  int signal = 0;            // the signal that killed it, else 0
  bool timed_out = false;    // killed because TIMEOUT ran out
  int input_errno = 0;       // errno of a failed write of the input (EPIPE when the
                             // program did not read it all), else 0
  std::string output;        // captured stdout (capture_output, without output_sink)
  bool output_truncated = false;  // more than output_limit was written
  int output_errno = 0;      // the errno with which output_sink refused a piece, else 0
  Status status;             // why it could not be started (fork/pipe), else ok
  // 0 exit, not killed, not timed out.
  bool succeeded() const { return started && signal == 0 && !timed_out && exit_status == 0; }
  // procmail's way of naming a failure in "Program failure (n)": the exit status,
  // or minus the signal number.
  int procmail_code() const { return signal != 0 ? -signal : exit_status; }
};

// Writes the program's input to fd (a pipe): returns errno of a failed write or 0.
// It may be called from a thread other than the caller's.
using InputWriter = std::function<int(int fd)>;

// Starts spec.argv in its own process group with `input` writing to its stdin (in
// parallel with reading its stdout, so neither side blocks on a full pipe), waits
// for it to end (bounded by timeout_seconds), and reports. Never throws.
// - input runs in a thread of its own, writing (blocking) to a pipe that this
//   thread relays to the child's stdin; a null input gives the child an empty
//   stdin. input may use an Io that the calling thread does not touch meanwhile;
//   when spec.output_sink uses the same Io, that Io must be safe for use from two
//   threads at once (sys/io.h).
// - input_errno: the writer's own error, else EPIPE (or the write's errno) when the
//   program ended, or closed its stdin, before taking all of the input. SIGPIPE is
//   never raised in mailsift (blocked during the call, a pending one consumed).
// - The child: own process group, signal dispositions default and mask empty,
//   environment exactly spec.environment, cwd and umask inherited, every
//   descriptor but 0, 1, 2 closed. It is never left running: the call waits for it
//   (and, when capturing, for end of file on its stdout, which a background
//   descendant may hold open: only TIMEOUT bounds that).
// - Children are reaped here by pid: nothing else may reap with waitpid(-1) or
//   ignore SIGCHLD, or the status is lost (status then says kWait).
ProgramOutcome run_program(const ProgramSpec& spec, const InputWriter& input);

// A copy of this process that goes on from here ("c" on a nested block): returns 0
// in the copy, the copy's pid in this process, -1 when no copy could be made.
pid_t fork_clone();

// Waits for a copy made by fork_clone: its exit status, or -1 when it was killed.
int wait_for_clone(pid_t pid);

}  // namespace mailsift::sys
