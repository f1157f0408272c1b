#include "mailsift/sys/dotlock.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <utility>

#include "mailsift/limits.h"
#include "mailsift/sys/unique_name.h"

namespace mailsift::sys {
namespace {

// A lock file larger than this is not a lock procmail (or any mail tool) wrote, so
// it is never removed as stale (procmail's rule, behaviour §7.12).
constexpr off_t kMaxStaleLockSize = 16;

// Errors on which creating the lock may succeed later (procmail retries them too);
// any other error fails at once, since waiting would only delay the same failure.
bool transient(int err) {
  return err == ENOSPC || err == EIO || err == EDQUOT || err == EINTR;
}

// A name for the temporary file, unique across hosts (hostname), processes (pid)
// and attempts within one process (counter).
std::string temp_name(const std::string& directory, const std::string& hostname, time_t now) {
  static unsigned long counter = 0;
  ++counter;
  std::string name = directory + "/_lock." + std::to_string(::getpid()) + "." +
                     std::to_string(now) + "." + std::to_string(counter) + "." +
                     (hostname.empty() ? std::string("localhost") : escape_hostname(hostname));
  return name;
}

enum class Attempt { kLocked, kBusy, kRetry, kFailed };

// One attempt: a fresh temporary file linked to the lock name. Linking (unlike
// O_EXCL on the lock name itself) is atomic on NFS too; when link() reports an
// error, the temp file's link count tells whether it happened anyway (a lost NFS
// reply). *fs_time gets the temp file's mtime: the file server's clock, so a lock's
// age is judged without trusting this host's clock.
Attempt try_once(Io& io, const std::string& lock_path, const std::string& hostname,
                 time_t* fs_time, int* err) {
  const std::string temp = temp_name(dirname_of(lock_path), hostname, io.now());
  const int fd = io.open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0444);
  if (fd < 0) {
    *err = errno;
    // EEXIST: a leftover temp file of ours (pid reuse); just take a new name.
    if (errno == EEXIST || transient(errno)) return Attempt::kRetry;
    return Attempt::kFailed;
  }
  struct stat st {};
  const bool wrote = write_all(io, fd, "0", 1) == 0;
  *err = errno;
  if (io.fstat(fd, &st) == 0) {
    *fs_time = st.st_mtime;
  } else {
    *fs_time = io.now();
  }
  if (io.close(fd) != 0 && wrote) *err = errno;
  if (!wrote) {
    io.unlink(temp.c_str());
    return transient(*err) ? Attempt::kRetry : Attempt::kFailed;
  }

  Attempt result = Attempt::kLocked;
  if (io.link(temp.c_str(), lock_path.c_str()) != 0) {
    *err = errno;
    struct stat after {};
    const bool linked_anyway = io.lstat(temp.c_str(), &after) == 0 && after.st_nlink == 2;
    if (!linked_anyway) {
      result = *err == EEXIST ? Attempt::kBusy
               : transient(*err) ? Attempt::kRetry
                                 : Attempt::kFailed;
    }
  }
  io.unlink(temp.c_str());
  return result;
}

}  // namespace

LockPolicy::LockPolicy()
    : sleep_seconds(limits::kDefaultLockSleepSeconds),
      stale_after_seconds(limits::kDefaultLockTimeoutSeconds),
      suspend_seconds(limits::kDefaultSuspendSeconds),
      give_up_after_seconds(limits::kDefaultTimeoutSeconds) {}

Dotlock::Dotlock(Dotlock&& other) noexcept
    : io_(std::exchange(other.io_, nullptr)),
      path_(std::move(other.path_)),
      forced_(other.forced_) {}

Dotlock& Dotlock::operator=(Dotlock&& other) noexcept {
  if (this == &other) return *this;
  release();
  io_ = std::exchange(other.io_, nullptr);
  path_ = std::move(other.path_);
  forced_ = other.forced_;
  return *this;
}

Dotlock::~Dotlock() { release(); }

Status Dotlock::release() {
  if (io_ == nullptr) return Status::ok_status();
  Io* io = std::exchange(io_, nullptr);
  if (io->unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return Status::error(Step::kUnlink, errno, path_, "could not remove the lock");
  }
  return Status::ok_status();
}

Status Dotlock::acquire(Io& io, const std::string& lock_path, const LockPolicy& policy,
                        const std::string& hostname, Dotlock* out) {
  out->release();
  out->forced_ = false;
  const time_t start = io.now();
  // Waits are at least a second, so a policy of 0 cannot spin (and a fake clock in
  // tests always moves on).
  const unsigned sleep_seconds = std::max(policy.sleep_seconds, 1u);
  bool forced = false;
  int vanished = 0;
  for (;;) {
    time_t fs_time = 0;
    int err = 0;
    const Attempt attempt = try_once(io, lock_path, hostname, &fs_time, &err);
    if (attempt == Attempt::kLocked) {
      out->io_ = &io;
      out->path_ = lock_path;
      out->forced_ = forced;
      return Status::ok_status();
    }
    if (attempt == Attempt::kFailed) {
      return Status::error(Step::kLock, err, lock_path, "cannot create the lock file");
    }

    unsigned pause = sleep_seconds;
    bool just_forced = false;
    if (attempt == Attempt::kBusy) {
      struct stat st {};
      if (io.lstat(lock_path.c_str(), &st) != 0) {
        // Released meanwhile: try again at once (a few times; then wait as usual,
        // so that a file system that keeps saying both "exists" and "missing"
        // cannot make this spin).
        if (errno == ENOENT && ++vanished <= 3) continue;
      } else if (policy.stale_after_seconds > 0 && st.st_size <= kMaxStaleLockSize &&
                 fs_time - st.st_mtime > static_cast<time_t>(policy.stale_after_seconds)) {
        // A lock older than LOCKTIMEOUT is taken to be left by a crashed process and
        // removed ("Forcing lock"); the pause lets a slow holder notice. The next
        // attempt is made even when the wait has run out meanwhile.
        if (io.unlink(lock_path.c_str()) == 0 || errno == ENOENT) {
          forced = true;
          just_forced = true;
          pause = policy.suspend_seconds;
        }
      }
    }

    const time_t waited = io.now() - start;
    const time_t limit = static_cast<time_t>(policy.give_up_after_seconds);
    if (waited >= limit && !just_forced) {
      if (attempt == Attempt::kBusy) {
        return Status::error(Step::kLock, EEXIST, lock_path,
                             "still held after " + std::to_string(waited) + " seconds");
      }
      return Status::error(Step::kLock, err, lock_path,
                           "cannot create the lock file (tried for " +
                               std::to_string(waited) + " seconds)");
    }
    const time_t remaining = waited >= limit ? 0 : limit - waited;
    if (static_cast<time_t>(pause) > remaining) pause = static_cast<unsigned>(remaining);
    if (pause > 0) io.sleep_for(std::chrono::seconds(pause));
  }
}

}  // namespace mailsift::sys
