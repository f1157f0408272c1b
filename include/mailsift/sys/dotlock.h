// Dotlock: an exclusive lock file "<path>" created as procmail and the Debian mail
// tools create it (a unique temporary file linked to the lock name, which works on
// NFS), removed again when the Dotlock is destroyed.
#pragma once

#include <string>

#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::sys {

// When and how long to wait for a lock (procmailrc(5): LOCKSLEEP, LOCKTIMEOUT,
// SUSPEND; TIMEOUT bounds the whole wait in mailsift).
struct LockPolicy {
  unsigned sleep_seconds;        // between attempts
  unsigned stale_after_seconds;  // a dotlock older than this is removed; 0 = never
  unsigned suspend_seconds;      // pause after removing a stale lock
  unsigned give_up_after_seconds;  // total wait before failing; 0 = one attempt
  LockPolicy();
};

class Dotlock {
 public:
  Dotlock() = default;
  Dotlock(const Dotlock&) = delete;
  Dotlock& operator=(const Dotlock&) = delete;
  Dotlock(Dotlock&& other) noexcept;
  Dotlock& operator=(Dotlock&& other) noexcept;
  ~Dotlock();  // releases

  // Creates lock_path exclusively, waiting per policy. A stale lock (older than
  // stale_after_seconds by the file system's clock, at most 16 bytes, as procmail
  // judges it) is removed. Fails with Step::kLock when the wait runs out (errno
  // EEXIST) or the lock cannot be created at all (the errno of the failing call;
  // ENOSPC, EIO and EDQUOT are retried like a held lock). `hostname` goes into the
  // name of the temporary file. The lock file holds the single byte "0", mode 0444
  // less the process umask, as procmail writes it.
  static Status acquire(Io& io, const std::string& lock_path, const LockPolicy& policy,
                        const std::string& hostname, Dotlock* out);

  bool held() const { return io_ != nullptr; }
  const std::string& path() const { return path_; }
  // True when a stale lock was removed on the way ("Forcing lock" in procmail's
  // log): worth a log line.
  bool forced() const { return forced_; }
  // Removes the lock file now; returns the unlink status.
  Status release();
  // Stops holding the lock without removing the file (a forked copy of the process
  // that must not release its parent's lock).
  void abandon() { io_ = nullptr; }

 private:
  Io* io_ = nullptr;
  std::string path_;
  bool forced_ = false;
};

}  // namespace mailsift::sys
