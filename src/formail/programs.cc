#include "mailsift/formail/programs.h"
#include "mailsift/formail/streams.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace mailsift::formail {
namespace {

constexpr int kMaxFilenoWidth = 25;


[[noreturn]] void run_program(const std::vector<std::string>& command) {
  std::signal(SIGPIPE, SIG_DFL);
  std::vector<char*> argv;
  for (const std::string& word : command) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  // Not a program: perhaps a shell script without "#!".
  std::vector<char*> shell{const_cast<char*>("/bin/sh")};
  shell.insert(shell.end(), argv.begin(), argv.end());
  ::execv(shell[0], shell.data());
  write_error("formail: Failed to execute \"" + command[0] + "\"\n");
  ::_exit(69);
}

}  // namespace

int program_status(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -WTERMSIG(wait_status);
}

Programs::Programs(std::vector<std::string> command, long child_limit)
    : command_(std::move(command)), child_limit_(child_limit) {}

void Programs::read_fileno() {
  const char* value = std::getenv("FILENO");
  std::string text = value != nullptr ? value : "000";
  int width = static_cast<int>(std::min<std::size_t>(text.size(), kMaxFilenoWidth));
  char* end = nullptr;
  fileno_next_ = std::strtol(text.c_str(), &end, 10);
  if (fileno_next_ < 0) --width;
  fileno_width_ = *end != '\0' ? -1 : width;
}

int Programs::start(int output_fd, int* status) {
  if (command_.empty()) return ::fcntl(output_fd, F_DUPFD_CLOEXEC, 3);
  if (fileno_width_ >= 0) {
    const long value = fileno_next_++;
    std::string digits = std::to_string(value < 0 ? -static_cast<unsigned long>(value)
                                                  : static_cast<unsigned long>(value));
    const int width = fileno_width_;
    if (static_cast<int>(digits.size()) < width)
      digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    ::setenv("FILENO", ((value < 0 ? "-" : "") + digits).c_str(), 1);
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    write_error("formail: File table full\n");
    std::exit(71);
  }
  int wait_status = 0;
  while (running_ > 0 && ::waitpid(-1, &wait_status, WNOHANG) > 0) {
    if (WIFSTOPPED(wait_status)) continue;
    --running_;
    if (program_status(wait_status) != 0) *status = program_status(wait_status);
  }
  pid_t child;
  for (;;) {
    if (child_limit_ > 0 && running_ >= child_limit_) {
      const std::optional<int> done = wait_any();
      if (!done) running_ = 0;
      else if (*done != 0) *status = *done;
      continue;
    }
    child = ::fork();
    if (child >= 0 || running_ == 0) break;
    const std::optional<int> done = wait_any();  // too many processes: wait for one
    if (!done) running_ = 0;
    else if (*done != 0) *status = *done;
  }
  if (child == 0) {
    ::dup2(pipe_fds[0], 0);
    ::dup2(output_fd, 1);
    run_program(command_);
  }
  ::close(pipe_fds[0]);
  if (child < 0) {
    write_error("formail: Can't fork\n");
    std::exit(71);
  }
  ++running_;
  last_ = child;
  return pipe_fds[1];
}

std::optional<int> Programs::wait_last() { return wait_for(last_); }

std::optional<int> Programs::wait_any() { return wait_for(-1); }

// Waits for the program `pid` (-1: any); nullopt when there is none to wait for.
std::optional<int> Programs::wait_for(pid_t pid) {
  int wait_status = 0;
  for (;;) {
    if (::waitpid(pid, &wait_status, 0) < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (!WIFSTOPPED(wait_status)) break;
  }
  if (running_ > 0) --running_;
  return program_status(wait_status);
}

}  // namespace mailsift::formail
