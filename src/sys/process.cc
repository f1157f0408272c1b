#include "mailsift/sys/process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace mailsift::sys {

int run_in_child(const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) ::_exit(fn());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

}  // namespace mailsift::sys
