// FaultyIo: an Io for tests that forwards to the real file system but fails chosen
// calls, so each failure path of a delivery can be shown to keep the message.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "mailsift/sys/io.h"

namespace mailsift::testing {

enum class Op {
  kOpen, kRead, kWrite, kFsync, kClose, kFtruncate, kFstat, kStat, kLstat, kLink,
  kRename, kUnlink, kMkdir, kFcntlLock, kListDirectory,
  kCopyFileRange, kSendfile, kMadvise,  // fd calls match the destination's path
};

struct Fault {
  Op op;
  int err;                    // errno the failing call sets
  int nth = 1;                // fail the nth matching call (1-based) ...
  bool sticky = false;        // ... and, when set, every matching call after it
  std::string path_contains;  // match only calls whose path contains this (fd calls: path
                              // the fd was opened with); empty matches every call
  // For kWrite: let this many bytes through in total (to matching paths) before
  // failing (a disk filling up in the middle of a message). Bytes that
  // copy_file_range and sendfile put into the file count too, and they fail the same
  // way: the disk is full however the bytes arrive.
  size_t bytes_before_failure = 0;
  // Match only a path equal to path_contains (a directory, not the files in it).
  bool whole_path = false;
};

// A fault on the nth matching call of op, for paths containing path_contains.
inline Fault fault_on(Op op, int err, std::string path_contains = {}, int nth = 1) {
  Fault f;
  f.op = op;
  f.err = err;
  f.nth = nth;
  f.path_contains = std::move(path_contains);
  return f;
}

class FaultyIo final : public sys::Io {
 public:
  explicit FaultyIo(sys::Io& inner = sys::real_io()) : inner_(inner) {}

  void add(Fault fault) {
    const std::lock_guard lock(mutex_);
    faults_.push_back({std::move(fault), 0, 0});
  }
  // How many times a fault fired.
  int fired() const;
  // Each call to sleep_for advances the fake clock instead of sleeping.
  void use_fake_time(time_t start) {
    const std::lock_guard lock(mutex_);
    fake_time_ = start;
  }
  std::chrono::milliseconds slept() const {
    const std::lock_guard lock(mutex_);
    return slept_;
  }

  int open(const char* path, int flags, mode_t mode) override;
  ssize_t read(int fd, void* buf, size_t count) override;
  ssize_t pread(int fd, void* buf, size_t count, off_t offset) override;  // faults: kRead
  ssize_t write(int fd, const void* buf, size_t count) override;
  ssize_t copy_file_range(int in_fd, off_t* in_offset, int out_fd, size_t count) override;
  ssize_t sendfile(int out_fd, int in_fd, off_t* in_offset, size_t count) override;
  int madvise(void* addr, size_t length, int advice) override;  // path: always empty
  ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) override;  // as kWrite
  int fsync(int fd) override;
  int close(int fd) override;
  int ftruncate(int fd, off_t length) override;
  int fstat(int fd, struct stat* st) override;
  int stat(const char* path, struct stat* st) override;
  int lstat(const char* path, struct stat* st) override;
  int link(const char* from, const char* to) override;
  int rename(const char* from, const char* to) override;
  int unlink(const char* path) override;
  int mkdir(const char* path, mode_t mode) override;
  int fcntl_lock(int fd, int cmd, struct flock* lock) override;
  int list_directory(const char* path, std::vector<std::string>* names) override;
  time_t now() override;
  void sleep_for(std::chrono::milliseconds duration) override;

 private:
  struct Armed {
    Fault fault;
    int calls;
    int fired;
    size_t passed = 0;  // bytes let through (bytes_before_failure)
  };
  static bool matches(const Fault& fault, const std::string& path);
  // True when a fault fires for this call; errno is then set.
  bool trips(Op op, const std::string& path);
  std::string path_of(int fd) const;
  // The kWrite faults with bytes_before_failure for path: shortens *count to what
  // they let through and collects them in *filling; false (errno set) when one is
  // already exhausted.
  bool fill(const std::string& path, size_t* count, std::vector<Armed*>* filling);
  void filled(const std::vector<Armed*>& filling, ssize_t n);
  // A call that puts up to count bytes into out_fd (write, copy_file_range,
  // sendfile): counted against the disk-filling faults, failed by op's faults;
  // transfer(count) makes the real call.
  template <class Transfer>
  ssize_t counted(Op op, int out_fd, size_t count, Transfer transfer);

  sys::Io& inner_;
  // Guards what follows: calls come from two threads while a filter runs (sys/io.h).
  // Never held across a call of inner_ (a write to a full pipe blocks).
  mutable std::mutex mutex_;
  std::vector<Armed> faults_;
  // The files opened through this Io, with the inode each descriptor was opened on:
  // code that closes a descriptor with ::close (a spooled body, a pipe) leaves its
  // entry behind, and a later descriptor with the same number is then told apart.
  struct OpenFile {
    int fd;
    std::string path;
    dev_t dev;
    ino_t ino;
  };
  std::vector<OpenFile> fd_paths_;
  time_t fake_time_ = 0;
  std::chrono::milliseconds slept_{0};
};

}  // namespace mailsift::testing
