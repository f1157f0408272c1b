#include "lock_holder.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mailsift::testing {

LockHolder::LockHolder(const std::string& path) {
  int ready[2];
  int done[2];
  if (::pipe(ready) != 0) return;
  if (::pipe(done) != 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(ready[0]);
    ::close(done[1]);
    const int fd = ::open(path.c_str(), O_WRONLY);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    const char ok = fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) _exit(1);
    char c;
    while (::read(done[0], &c, 1) > 0) {
    }
    _exit(0);
  }
  ::close(ready[1]);
  ::close(done[0]);
  done_ = done[1];
  char c = 'n';
  holding_ = pid_ > 0 && ::read(ready[0], &c, 1) == 1 && c == 'y';
  ::close(ready[0]);
}

LockHolder::~LockHolder() {
  if (done_ >= 0) ::close(done_);
  if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
}

}  // namespace mailsift::testing
