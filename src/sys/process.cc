// The one file that forks and execs (DESIGN.md). run_program's shape:
//
//   writer thread --P1--> this thread (relay) --P2--> child stdin
//                         this thread <--P3-- child stdout (when captured)
//
// The caller's InputWriter writes blocking to P1 in a thread of its own; this thread
// polls P1, P2 (non-blocking), P3 and a pidfd of the child. Because this thread
// always drains P1 until the writer is done, the writer can never hang: whatever
// becomes of the child (it exits without reading, it is killed, a grandchild that
// left the process group keeps its stdin open), the writer finishes and is joined.
// Writing to P2 is the only write that can raise SIGPIPE; it happens in this thread
// with SIGPIPE blocked, and a SIGPIPE it raised is consumed before the mask is
// restored, so mailsift never dies of SIGPIPE whatever its disposition is.
#include "mailsift/sys/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string_view>
#include <thread>
#include <utility>

#include "mailsift/limits.h"

namespace mailsift::sys {

namespace {

// The process groups of the programs run() is running now, for the handler that
// end_programs_on_sigterm() installs (lock-free atomics: safe in a signal handler).
constexpr std::size_t kTrackedGroups = 32;
std::atomic<pid_t> running_groups[kTrackedGroups];

// While a program runs, its group is listed.
class TrackedGroup {
 public:
  explicit TrackedGroup(pid_t group) {
    for (auto& slot : running_groups) {
      pid_t empty = 0;
      if (slot.compare_exchange_strong(empty, group)) {
        slot_ = &slot;
        return;
      }
    }
  }
  ~TrackedGroup() {
    if (slot_ != nullptr) slot_->store(0);
  }
  TrackedGroup(const TrackedGroup&) = delete;
  TrackedGroup& operator=(const TrackedGroup&) = delete;

 private:
  std::atomic<pid_t>* slot_ = nullptr;
};

extern "C" void end_programs_and_exit(int) {
  for (auto& slot : running_groups) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
  ::_exit(75);
}

}  // namespace

void end_programs_on_sigterm() {
  struct sigaction action = {};
  action.sa_handler = end_programs_and_exit;
  ::sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
}

int wait_for_clone(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

int run_in_child(const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) ::_exit(fn());
  return wait_for_clone(pid);
}

int run_in_child(const std::function<int()>& fn, unsigned timeout_seconds) {
  if (timeout_seconds == 0) return run_in_child(fn);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::setpgid(0, 0);
    ::_exit(fn());
  }
  ::setpgid(pid, pid);  // either side may get there first
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  // A pidfd becomes readable when the child ends: no polling delay for the common case.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd child{pidfd, POLLIN, 0};
    int ready;
    do {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      ready = ::poll(&child, 1, static_cast<int>(std::max<long>(0, left.count())));
    } while (ready < 0 && errno == EINTR);
    ::close(pidfd);
    if (ready == 0) ::kill(-pid, SIGKILL);
    const int code = wait_for_clone(pid);
    return ready == 0 ? -1 : code;
  }
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= end) {
      ::kill(-pid, SIGKILL);
      wait_for_clone(pid);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Coprocess start_coprocess(const std::function<int(int fd)>& fn,
                          const std::vector<int>& close_in_child) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) return {};
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    errno = saved;
    return {};
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::close(ends[0]);
    for (const int fd : close_in_child) ::close(fd);
    ::_exit(fn(ends[1]));
  }
  ::setpgid(pid, pid);  // either side may get there first
  ::close(ends[1]);
  return Coprocess{pid, ends[0]};
}

int end_coprocess(Coprocess* child, bool kill) {
  if (child->pid < 0) return -1;
  if (kill) {
    // SIGTERM first, so that it can end the programs it runs, which lead process
    // groups of their own (end_programs_on_sigterm); SIGKILL after the grace period.
    ::kill(-child->pid, SIGTERM);
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child->pid, 0));
    if (pidfd >= 0) {
      pollfd ended{pidfd, POLLIN, 0};
      while (::poll(&ended, 1, static_cast<int>(limits::kKillGraceMilliseconds)) < 0 &&
             errno == EINTR) {
      }
      ::close(pidfd);
    }
    ::kill(-child->pid, SIGKILL);
  }
  if (child->fd >= 0) ::close(child->fd);
  child->fd = -1;
  const int status = wait_for_clone(child->pid);
  child->pid = -1;
  return status;
}

pid_t fork_clone() { return ::fork(); }

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kShell = "/bin/sh";
// execvp's search path when the environment has no PATH (glibc's default).
constexpr std::string_view kDefaultPath = "/bin:/usr/bin";
// The child's exit status when nothing could be executed (EX_UNAVAILABLE, procmail's).
constexpr int kExecFailedStatus = 69;

// Everything the child needs, built before fork: between fork and exec the child
// only makes async-signal-safe calls, so it must not allocate.
class ExecPlan {
 public:
  explicit ExecPlan(const ProgramSpec& spec) : strings_(spec.argv) {
    const std::string& program = spec.argv.front();
    failure_ = "Failed to execute \"" + program + "\"\n";
    if (program.find('/') != std::string::npos) {
      candidates_.push_back(program);
    } else {
      // PATH as the child's environment has it (the first PATH=, as getenv finds it).
      std::string_view path = kDefaultPath;
      for (const std::string& entry : spec.environment) {
        if (entry.compare(0, 5, "PATH=") == 0) {
          path = std::string_view(entry).substr(5);
          break;
        }
      }
      for (;;) {
        const std::size_t colon = path.find(':');
        const std::string_view dir = path.substr(0, colon);
        // An empty element is the current directory, as for execvp.
        candidates_.push_back(dir.empty() ? program : std::string(dir) + "/" + program);
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
      }
    }
    shell_ = kShell;
    for (std::string& arg : strings_) argv_.push_back(arg.data());
    argv_.push_back(nullptr);
    environment_ = spec.environment;
    for (std::string& entry : environment_) envp_.push_back(entry.data());
    envp_.push_back(nullptr);
    // "/bin/sh <script> argv[1]...": slot 1 is filled in by the child.
    shell_argv_.push_back(shell_.data());
    shell_argv_.push_back(strings_.front().data());
    for (std::size_t i = 1; i < strings_.size(); ++i) shell_argv_.push_back(strings_[i].data());
    shell_argv_.push_back(nullptr);
  }

  // Runs in the child. execvp's rules with our own PATH: each candidate in turn;
  // a file the kernel cannot execute (ENOEXEC: a script without "#!") is run by
  // /bin/sh; a search goes on past files that are missing or not executable. When
  // every attempt failed, procmail's fallback: "/bin/sh argv[0] argv[1]...",
  // argv[0] exactly as given (so "exit 3" becomes sh's "cannot open exit").
  [[noreturn]] void exec() {
    for (std::string& candidate : candidates_) {
      ::execve(candidate.c_str(), argv_.data(), envp_.data());
      const int err = errno;
      if (err == ENOEXEC) {
        shell_argv_[1] = candidate.data();
        ::execve(shell_.c_str(), shell_argv_.data(), envp_.data());
      }
      if (err != ENOENT && err != EACCES && err != ENOTDIR && err != ESTALE && err != ENODEV &&
          err != ETIMEDOUT && err != ELOOP && err != ENAMETOOLONG && err != ENOEXEC) {
        break;
      }
    }
    shell_argv_[1] = strings_.front().data();
    ::execve(shell_.c_str(), shell_argv_.data(), envp_.data());
    fail();
  }

  [[noreturn]] void fail() const {
    ssize_t ignored = ::write(STDERR_FILENO, failure_.data(), failure_.size());
    (void)ignored;
    ::_exit(kExecFailedStatus);
  }

 private:
  std::vector<std::string> strings_;
  std::vector<std::string> environment_;
  std::vector<std::string> candidates_;
  std::string shell_;
  std::string failure_;
  std::vector<char*> argv_;
  std::vector<char*> envp_;
  std::vector<char*> shell_argv_;
};

// Closes every descriptor from `first` up: close_range where the kernel has it,
// else one by one up to the descriptor limit.
void close_from(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0u, 0) == 0) return;
  struct rlimit limit = {};
  rlim_t top = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    top = limit.rlim_cur;
  }
  for (rlim_t fd = static_cast<rlim_t>(first); fd < top; ++fd) ::close(static_cast<int>(fd));
}

// The child, from fork to exec. `sources[i]` becomes descriptor i (-1: keep what
// is inherited); everything else is closed, signal handlers and the mask are reset.
[[noreturn]] void start_child(ExecPlan& plan, const int (&sources)[3]) {
  ::setpgid(0, 0);
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  ::sigemptyset(&default_action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &default_action, nullptr);
  }
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // First copy every source above 2, so that a source that is itself 0, 1 or 2 is
  // not overwritten before it is used; then put the copies in place.
  // A stdout or stderr the caller gave that is not open is left as inherited.
  int high[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) {
    if (sources[i] < 0) continue;
    high[i] = ::fcntl(sources[i], F_DUPFD, 3);
    if (high[i] < 0 && (i == 0 || errno != EBADF)) plan.fail();
  }
  for (int i = 0; i < 3; ++i) {
    if (high[i] >= 0 && ::dup2(high[i], i) < 0) plan.fail();
  }
  close_from(3);
  plan.exec();
}

// A descriptor closed when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end->reset(fds[0]);
  write_end->reset(fds[1]);
  return true;
}

bool set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// Blocks SIGPIPE in this thread while it lives; a SIGPIPE raised meanwhile (and not
// pending before) is taken off before the old mask comes back.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    ::sigemptyset(&pipe_);
    ::sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    ::sigemptyset(&pending);
    ::sigpending(&pending);
    was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    if (!was_pending_) {
      const struct timespec now = {0, 0};
      while (::sigtimedwait(&pipe_, nullptr, &now) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// A descriptor that becomes readable when the process ends (Linux 5.3), or -1.
int open_pidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    const int result = static_cast<int>(fd);
    ::fcntl(result, F_SETFD, FD_CLOEXEC);
    return result;
  }
#else
  (void)pid;
#endif
  return -1;
}

// One run of a started child: the poll loop described at the top of this file.
class Supervisor {
 public:
  Supervisor(const ProgramSpec& spec, pid_t pid, ProgramOutcome* outcome)
      : spec_(spec), pid_(pid), outcome_(outcome), started_at_(Clock::now()) {
    pidfd_.reset(open_pidfd(pid));
  }

  // The descriptors this side keeps: the writer's output (P1 read end, or -1 when
  // there is no input), the child's stdin (P2 write end) and stdout (P3 read end, or
  // -1 when not captured).
  void attach(int from_writer, int to_child, int from_child) {
    from_writer_.reset(from_writer);
    to_child_.reset(to_child);
    from_child_.reset(from_child);
    if (!from_writer_.open()) to_child_.reset();  // no input: the child reads EOF
  }

  void run() {
    buffer_.resize(std::max(limits::kReadChunk, limits::kWriteChunk));
    while (!finished()) {
      struct pollfd fds[4];
      nfds_t count = 0;
      int writer_slot = -1, child_in_slot = -1, child_out_slot = -1, pid_slot = -1;
      if (from_writer_.open() && pending_.empty()) {
        writer_slot = static_cast<int>(count);
        fds[count++] = {from_writer_.get(), POLLIN, 0};
      }
      if (to_child_.open() && !pending_.empty() && !reaped_) {
        child_in_slot = static_cast<int>(count);
        fds[count++] = {to_child_.get(), POLLOUT, 0};
      }
      if (from_child_.open()) {
        child_out_slot = static_cast<int>(count);
        fds[count++] = {from_child_.get(), POLLIN, 0};
      }
      if (!reaped_ && pidfd_.open()) {
        pid_slot = static_cast<int>(count);
        fds[count++] = {pidfd_.get(), POLLIN, 0};
      }
      const int ready = ::poll(fds, count, poll_timeout_ms());
      if (ready < 0 && errno != EINTR) {
        // Cannot wait for events: fall back to short sleeps (never expected).
        ::usleep(10000);
      }
      const auto fired = [&](int slot) { return ready > 0 && slot >= 0 && fds[slot].revents != 0; };
      if (fired(writer_slot)) read_from_writer();
      if (fired(child_in_slot)) feed_child();
      if (fired(child_out_slot)) read_from_child();
      if (!reaped_ && (!pidfd_.open() || fired(pid_slot))) try_reap();
      check_time();
    }
  }

  // The error of the relay to the child (0 when all input reached its stdin).
  int relay_errno() const { return relay_errno_; }

  // Gives up on the child (an exception escaped the loop): kills the group, reaps.
  void abandon() {
    if (!reaped_) {
      ::killpg(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      reaped_ = true;
    }
    from_writer_.reset();  // a writer still writing gets EPIPE and ends
    to_child_.reset();
    from_child_.reset();
  }

 private:
  bool finished() const {
    return reaped_ && !from_writer_.open() && !to_child_.open() && !from_child_.open() &&
           !waiting_for_group_;
  }

  int poll_timeout_ms() {
    const Clock::time_point now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    if (spec_.timeout_seconds > 0 && kill_stage_ == 0) {
      next = std::min(next, started_at_ + std::chrono::seconds(spec_.timeout_seconds));
    }
    if (kill_stage_ == 1) next = std::min(next, kill_at_);
    if ((!reaped_ && !pidfd_.open()) || waiting_for_group_) {
      // Nothing to wait on: look again soon, less often the longer it takes.
      next = std::min(next, now + backoff_);
      backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(50));
    }
    if (next == Clock::time_point::max()) return -1;
    if (next <= now) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, 60000));
  }

  void read_from_writer() {
    const ssize_t n = ::read(from_writer_.get(), buffer_.data(), limits::kWriteChunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {  // the writer is done (a read error cannot happen on our own pipe)
      from_writer_.reset();
      if (pending_.empty()) to_child_.reset();
      return;
    }
    if (!to_child_.open()) return;  // the child is no longer fed: drop the data
    pending_.assign(buffer_.data(), static_cast<std::size_t>(n));
    pending_offset_ = 0;
    feed_child();
  }

  // Writes what is pending to the child's stdin without blocking.
  void feed_child() {
    while (pending_offset_ < pending_.size()) {
      const ssize_t n = ::write(to_child_.get(), pending_.data() + pending_offset_,
                                pending_.size() - pending_offset_);
      if (n >= 0) {
        pending_offset_ += static_cast<std::size_t>(n);
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN && !reaped_) return;
      // EAGAIN once the child is gone: only a stray descendant still holds the pipe
      // and it is not reading. The program did not take all of its input.
      stop_feeding(errno == EAGAIN ? EPIPE : errno);
      return;
    }
    pending_.clear();
    pending_offset_ = 0;
    if (!from_writer_.open()) to_child_.reset();  // all input delivered: EOF
  }

  void stop_feeding(int err) {
    if (to_child_.open() && relay_errno_ == 0) relay_errno_ = err;
    to_child_.reset();
    pending_.clear();
    pending_offset_ = 0;
  }

  void read_from_child() {
    const ssize_t n = ::read(from_child_.get(), buffer_.data(), limits::kReadChunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      from_child_.reset();
      return;
    }
    std::size_t take = static_cast<std::size_t>(n);
    if (spec_.output_limit > 0) {
      const std::size_t room = spec_.output_limit - std::min(spec_.output_limit, output_taken_);
      if (take > room) {
        take = room;
        outcome_->output_truncated = true;
      }
    }
    output_taken_ += take;
    if (!spec_.output_sink) {
      outcome_->output.append(buffer_.data(), take);
      return;
    }
    // A sink that failed gets nothing more; the output is still drained, so that
    // the child is not stopped by a full pipe.
    if (take == 0 || outcome_->output_errno != 0) return;
    const int err = spec_.output_sink(std::string_view(buffer_.data(), take));
    if (err != 0) outcome_->output_errno = err;
  }

  void try_reap() {
    int status = 0;
    pid_t got;
    do {
      got = ::waitpid(pid_, &status, WNOHANG);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return;
    reaped_ = true;
    pidfd_.reset();
    if (got < 0) {
      // Someone else reaped it (SIGCHLD ignored?): the status is lost.
      outcome_->status = Status::error(Step::kWait, errno, spec_.argv.front(), "waitpid");
    } else if (WIFEXITED(status)) {
      outcome_->exit_status = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      outcome_->signal = WTERMSIG(status);
    }
    // Input the pipe cannot take now will never be read by the program.
    if (to_child_.open() && !pending_.empty()) feed_child();
    if (kill_stage_ > 0) after_kill();
  }

  // TIMEOUT ran out and the child is gone: stop reading and feeding, and wait (up
  // to the grace period) only while the rest of its process group lives.
  void after_kill() {
    stop_feeding(EPIPE);
    from_child_.reset();
    waiting_for_group_ = kill_stage_ == 1 && ::killpg(pid_, 0) == 0;
  }

  void check_time() {
    if (spec_.timeout_seconds == 0) return;
    const Clock::time_point now = Clock::now();
    if (kill_stage_ == 0) {
      // After the child exited only a captured stdout still held open by its
      // descendants keeps us waiting; TIMEOUT bounds that too.
      const bool waiting = !reaped_ || from_child_.open();
      if (waiting && now >= started_at_ + std::chrono::seconds(spec_.timeout_seconds)) {
        outcome_->timed_out = true;
        ::killpg(pid_, SIGTERM);
        kill_stage_ = 1;
        kill_at_ = now + std::chrono::milliseconds(limits::kKillGraceMilliseconds);
        backoff_ = std::chrono::milliseconds(1);
        if (reaped_) after_kill();
      }
      return;
    }
    if (kill_stage_ == 1) {
      if (waiting_for_group_ && ::killpg(pid_, 0) != 0) waiting_for_group_ = false;
      if (now >= kill_at_) {
        ::killpg(pid_, SIGKILL);
        kill_stage_ = 2;
        waiting_for_group_ = false;
        if (reaped_) after_kill();
      }
    }
  }

  const ProgramSpec& spec_;
  pid_t pid_;
  ProgramOutcome* outcome_;
  Clock::time_point started_at_;
  Fd pidfd_;
  Fd from_writer_;
  Fd to_child_;
  Fd from_child_;
  std::string buffer_;
  std::string pending_;  // read from the writer, not yet taken by the child
  std::size_t pending_offset_ = 0;
  std::size_t output_taken_ = 0;  // of the child's output: bytes kept or handed on
  int relay_errno_ = 0;
  bool reaped_ = false;
  int kill_stage_ = 0;  // 0: none, 1: SIGTERM sent, 2: SIGKILL sent
  bool waiting_for_group_ = false;
  Clock::time_point kill_at_;
  std::chrono::milliseconds backoff_{1};
};

// Forks with every signal blocked, so that no handler of mailsift's runs in the
// child before start_child has reset them.
pid_t fork_quietly() {
  sigset_t all, old;
  ::sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid != 0) ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

ProgramOutcome run(const ProgramSpec& spec, const InputWriter& input) {
  ProgramOutcome outcome;
  const std::string name = spec.argv.empty() ? std::string() : spec.argv.front();
  if (spec.argv.empty()) {
    outcome.status = Status::error(Step::kSpawn, EINVAL, name, "no program given");
    return outcome;
  }
  ExecPlan plan(spec);
  Fd writer_read, writer_write, stdin_read, stdin_write, stdout_read, stdout_write;
  if ((input && !make_pipe(&writer_read, &writer_write)) || !make_pipe(&stdin_read, &stdin_write) ||
      (spec.capture_output && !make_pipe(&stdout_read, &stdout_write)) ||
      !set_nonblocking(stdin_write.get()) ||
      (spec.capture_output && !set_nonblocking(stdout_read.get()))) {
    outcome.status = Status::error(Step::kSpawn, errno, name, "creating a pipe");
    return outcome;
  }

  SigpipeBlocked sigpipe_blocked;  // before the writer thread starts: it inherits it
  const int sources[3] = {stdin_read.get(),
                          spec.capture_output ? stdout_write.get() : spec.stdout_fd,
                          spec.stderr_fd};
  const pid_t pid = fork_quietly();
  if (pid == 0) start_child(plan, sources);
  if (pid < 0) {
    outcome.status = Status::error(Step::kSpawn, errno, name, "fork");
    return outcome;
  }
  ::setpgid(pid, pid);  // also here, so the group exists before any killpg
  const TrackedGroup tracked(pid);
  outcome.started = true;
  stdin_read.reset();
  stdout_write.reset();

  Supervisor supervisor(spec, pid, &outcome);
  supervisor.attach(writer_read.release(), stdin_write.release(), stdout_read.release());
  int writer_errno = 0;
  std::thread writer;
  try {
    if (input) {
      writer = std::thread([&input, &writer_errno, fd = writer_write.get()] {
        try {
          writer_errno = input(fd);
        } catch (...) {
          writer_errno = EIO;
        }
        ::close(fd);  // the end of the input
      });
      writer_write.release();
    }
    supervisor.run();
  } catch (const std::exception& e) {
    // No thread or no memory: the child is killed; a writer still writing gets
    // EPIPE once the supervisor has closed its end, and ends.
    supervisor.abandon();
    if (writer.joinable()) writer.join();
    outcome.status = Status::error(Step::kSpawn, 0, name, e.what());
    return outcome;
  }
  if (writer.joinable()) writer.join();
  outcome.input_errno = writer_errno != 0 ? writer_errno : supervisor.relay_errno();
  return outcome;
}

}  // namespace

ProgramOutcome run_program(const ProgramSpec& spec, const InputWriter& input) {
  try {
    return run(spec, input);
  } catch (const std::exception&) {
    ProgramOutcome outcome;
    outcome.status = Status::error(Step::kSpawn, ENOMEM,
                                   spec.argv.empty() ? std::string() : spec.argv.front(),
                                   "out of memory");
    return outcome;
  }
}

}  // namespace mailsift::sys
