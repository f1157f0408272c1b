#include "faulty_io.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace mailsift::testing {

int FaultyIo::fired() const {
  const std::lock_guard lock(mutex_);
  int n = 0;
  for (const auto& a : faults_) n += a.fired;
  return n;
}

bool FaultyIo::matches(const Fault& fault, const std::string& path) {
  if (fault.path_contains.empty()) return true;
  if (fault.whole_path) return path == fault.path_contains;
  return path.find(fault.path_contains) != std::string::npos;
}

bool FaultyIo::trips(Op op, const std::string& path) {
  const std::lock_guard lock(mutex_);
  for (auto& a : faults_) {
    if (a.fault.op != op || a.fault.bytes_before_failure != 0) continue;
    if (!matches(a.fault, path)) continue;
    ++a.calls;
    const bool hit = a.calls == a.fault.nth || (a.fault.sticky && a.calls > a.fault.nth);
    if (hit) {
      ++a.fired;
      errno = a.fault.err;
      return true;
    }
  }
  return false;
}

std::string FaultyIo::path_of(int fd) const {
  struct stat st;
  if (::fstat(fd, &st) != 0) return {};
  const std::lock_guard lock(mutex_);
  for (const OpenFile& file : fd_paths_) {
    if (file.fd == fd) return file.dev == st.st_dev && file.ino == st.st_ino ? file.path : "";
  }
  return {};
}

int FaultyIo::open(const char* path, int flags, mode_t mode) {
  if (trips(Op::kOpen, path)) return -1;
  const int fd = inner_.open(path, flags, mode);
  struct stat st;
  if (fd >= 0 && ::fstat(fd, &st) == 0) {
    const std::lock_guard lock(mutex_);
    std::erase_if(fd_paths_, [fd](const OpenFile& file) { return file.fd == fd; });
    fd_paths_.push_back({fd, path, st.st_dev, st.st_ino});
  }
  return fd;
}

ssize_t FaultyIo::read(int fd, void* buf, size_t count) {
  if (trips(Op::kRead, path_of(fd))) return -1;
  return inner_.read(fd, buf, count);
}

ssize_t FaultyIo::pread(int fd, void* buf, size_t count, off_t offset) {
  if (trips(Op::kRead, path_of(fd))) return -1;
  return inner_.pread(fd, buf, count, offset);
}

bool FaultyIo::fill(const std::string& path, size_t* count, std::vector<Armed*>* filling) {
  const std::lock_guard lock(mutex_);
  for (auto& a : faults_) {
    if (a.fault.op != Op::kWrite || a.fault.bytes_before_failure == 0) continue;
    if (!matches(a.fault, path)) continue;
    if (a.passed >= a.fault.bytes_before_failure) {
      ++a.fired;
      errno = a.fault.err;
      return false;
    }
    // Let only part of the buffer through: the disk fills in the middle.
    const size_t room = a.fault.bytes_before_failure - a.passed;
    if (*count > room) *count = room;
    filling->push_back(&a);
  }
  return true;
}

void FaultyIo::filled(const std::vector<Armed*>& filling, ssize_t n) {
  const std::lock_guard lock(mutex_);
  if (n > 0)
    for (Armed* a : filling) a->passed += static_cast<size_t>(n);
}

template <class Transfer>
ssize_t FaultyIo::counted(Op op, int out_fd, size_t count, Transfer transfer) {
  const std::string path = path_of(out_fd);
  std::vector<Armed*> filling;  // the faults these bytes count towards
  if (!fill(path, &count, &filling)) return -1;
  if (trips(op, path)) return -1;
  const ssize_t n = transfer(count);
  filled(filling, n);
  return n;
}

ssize_t FaultyIo::write(int fd, const void* buf, size_t count) {
  return counted(Op::kWrite, fd, count, [&](size_t n) { return inner_.write(fd, buf, n); });
}

ssize_t FaultyIo::pwrite(int fd, const void* buf, size_t count, off_t offset) {
  return counted(Op::kWrite, fd, count,
                 [&](size_t n) { return inner_.pwrite(fd, buf, n, offset); });
}

ssize_t FaultyIo::copy_file_range(int in_fd, off_t* in_offset, int out_fd, size_t count) {
  return counted(Op::kCopyFileRange, out_fd, count, [&](size_t n) {
    return inner_.copy_file_range(in_fd, in_offset, out_fd, n);
  });
}

ssize_t FaultyIo::sendfile(int out_fd, int in_fd, off_t* in_offset, size_t count) {
  return counted(Op::kSendfile, out_fd, count,
                 [&](size_t n) { return inner_.sendfile(out_fd, in_fd, in_offset, n); });
}

int FaultyIo::madvise(void* addr, size_t length, int advice) {
  if (trips(Op::kMadvise, {})) return -1;
  return inner_.madvise(addr, length, advice);
}

int FaultyIo::fsync(int fd) {
  if (trips(Op::kFsync, path_of(fd))) return -1;
  return inner_.fsync(fd);
}

int FaultyIo::close(int fd) {
  const std::string path = path_of(fd);
  {
    const std::lock_guard lock(mutex_);
    std::erase_if(fd_paths_, [fd](const OpenFile& file) { return file.fd == fd; });
  }
  if (trips(Op::kClose, path)) {
    inner_.close(fd);  // the descriptor is gone either way, as with close(2)
    return -1;
  }
  return inner_.close(fd);
}

int FaultyIo::ftruncate(int fd, off_t length) {
  if (trips(Op::kFtruncate, path_of(fd))) return -1;
  return inner_.ftruncate(fd, length);
}

int FaultyIo::fstat(int fd, struct stat* st) {
  if (trips(Op::kFstat, path_of(fd))) return -1;
  return inner_.fstat(fd, st);
}

int FaultyIo::stat(const char* path, struct stat* st) {
  if (trips(Op::kStat, path)) return -1;
  return inner_.stat(path, st);
}

int FaultyIo::lstat(const char* path, struct stat* st) {
  if (trips(Op::kLstat, path)) return -1;
  return inner_.lstat(path, st);
}

int FaultyIo::link(const char* from, const char* to) {
  if (trips(Op::kLink, to)) return -1;
  return inner_.link(from, to);
}

int FaultyIo::rename(const char* from, const char* to) {
  if (trips(Op::kRename, to)) return -1;
  return inner_.rename(from, to);
}

int FaultyIo::unlink(const char* path) {
  if (trips(Op::kUnlink, path)) return -1;
  return inner_.unlink(path);
}

int FaultyIo::mkdir(const char* path, mode_t mode) {
  if (trips(Op::kMkdir, path)) return -1;
  return inner_.mkdir(path, mode);
}

int FaultyIo::fcntl_lock(int fd, int cmd, struct flock* lock) {
  if (trips(Op::kFcntlLock, path_of(fd))) return -1;
  return inner_.fcntl_lock(fd, cmd, lock);
}

int FaultyIo::list_directory(const char* path, std::vector<std::string>* names) {
  if (trips(Op::kListDirectory, path)) return -1;
  return inner_.list_directory(path, names);
}

time_t FaultyIo::now() {
  {
    const std::lock_guard lock(mutex_);
    if (fake_time_ != 0) return fake_time_;
  }
  return inner_.now();
}

void FaultyIo::sleep_for(std::chrono::milliseconds duration) {
  {
    const std::lock_guard lock(mutex_);
    slept_ += duration;
    if (fake_time_ != 0) {
      fake_time_ += static_cast<time_t>(duration.count() / 1000);
      return;
    }
  }
  inner_.sleep_for(duration);
}

}  // namespace mailsift::testing
