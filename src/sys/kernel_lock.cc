#include "mailsift/sys/kernel_lock.h"

#include <cerrno>
#include <chrono>
#include <string>

namespace mailsift::sys {
namespace {

struct flock whole_file(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // to the end of the file, however far it grows
  return lock;
}

}  // namespace

// Non-blocking attempts (F_SETLK) rather than F_SETLKW as procmail uses: a holder
// that never lets go must end in a temporary failure after give_up_after_seconds,
// not in a delivery process hanging until the MTA kills it.
Status kernel_lock(Io& io, int fd, const std::string& path, const LockPolicy& policy) {
  const time_t start = io.now();
  for (;;) {
    struct flock lock = whole_file(F_WRLCK);
    if (io.fcntl_lock(fd, F_SETLK, &lock) == 0) return Status::ok_status();
    if (errno == EINTR) continue;
    // EACCES and EAGAIN both mean "held by another process" (POSIX allows either).
    if (errno != EAGAIN && errno != EACCES) {
      return Status::error(Step::kLock, errno, path, "kernel lock");
    }
    const time_t waited = io.now() - start;
    if (waited >= static_cast<time_t>(policy.give_up_after_seconds)) {
      return Status::error(Step::kLock, EAGAIN, path,
                           "kernel lock still held by another process after " +
                               std::to_string(waited) + " seconds");
    }
    io.sleep_for(std::chrono::seconds(1));
  }
}

Status kernel_unlock(Io& io, int fd, const std::string& path) {
  struct flock lock = whole_file(F_UNLCK);
  if (io.fcntl_lock(fd, F_SETLK, &lock) != 0) {
    return Status::error(Step::kLock, errno, path, "kernel unlock");
  }
  return Status::ok_status();
}

}  // namespace mailsift::sys
