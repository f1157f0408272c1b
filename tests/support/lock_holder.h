// LockHolder: another process holding an fcntl write lock on a whole file, for
// tests of what a delivery does while someone else has the mailbox locked.
#pragma once

#include <sys/types.h>

#include <string>

namespace mailsift::testing {

class LockHolder {
 public:
  // Forks a child that opens `path` for writing and locks all of it; returns once
  // the child has tried. holding() says whether it got the lock.
  explicit LockHolder(const std::string& path);
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;
  ~LockHolder();  // lets the child go and waits for it

  bool holding() const { return holding_; }

 private:
  pid_t pid_ = -1;
  int done_ = -1;
  bool holding_ = false;
};

}  // namespace mailsift::testing
