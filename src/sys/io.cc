#include "mailsift/sys/io.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>

namespace mailsift::sys {
namespace {

class RealIo final : public Io {
 public:
  int open(const char* path, int flags, mode_t mode) override {
    int fd;
    do {
      fd = ::open(path, flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
  }
  ssize_t read(int fd, void* buf, size_t count) override { return ::read(fd, buf, count); }
  ssize_t write(int fd, const void* buf, size_t count) override {
    return ::write(fd, buf, count);
  }
  int fsync(int fd) override { return ::fsync(fd); }
  int close(int fd) override { return ::close(fd); }
  int ftruncate(int fd, off_t length) override { return ::ftruncate(fd, length); }
  int fstat(int fd, struct stat* st) override { return ::fstat(fd, st); }
  int stat(const char* path, struct stat* st) override { return ::stat(path, st); }
  int lstat(const char* path, struct stat* st) override { return ::lstat(path, st); }
  int link(const char* from, const char* to) override { return ::link(from, to); }
  int rename(const char* from, const char* to) override { return ::rename(from, to); }
  int unlink(const char* path) override { return ::unlink(path); }
  int mkdir(const char* path, mode_t mode) override { return ::mkdir(path, mode); }
  int fcntl_lock(int fd, int cmd, struct flock* lock) override {
    return ::fcntl(fd, cmd, lock);
  }
  int list_directory(const char* path, std::vector<std::string>* names) override {
    DIR* dir = ::opendir(path);
    if (dir == nullptr) return -1;
    names->clear();
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
      names->emplace_back(entry->d_name);
    }
    const int saved = errno;
    ::closedir(dir);
    errno = saved;
    return saved == 0 ? 0 : -1;
  }
  time_t now() override { return ::time(nullptr); }
  void sleep_for(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

ssize_t Io::pread(int fd, void* buf, size_t count, off_t offset) {
  return ::pread(fd, buf, count, offset);
}

ssize_t Io::pwrite(int fd, const void* buf, size_t count, off_t offset) {
  return ::pwrite(fd, buf, count, offset);
}

ssize_t Io::copy_file_range(int in_fd, off_t* in_offset, int out_fd, size_t count) {
  // The kernel's offset type is off64_t, which off_t is on the 64-bit targets; a
  // copy keeps this right where they differ.
  off64_t offset = *in_offset;
  const ssize_t n = ::copy_file_range(in_fd, &offset, out_fd, nullptr, count, 0);
  *in_offset = static_cast<off_t>(offset);
  return n;
}

ssize_t Io::sendfile(int out_fd, int in_fd, off_t* in_offset, size_t count) {
  return ::sendfile(out_fd, in_fd, in_offset, count);
}

int Io::madvise(void* addr, size_t length, int advice) { return ::madvise(addr, length, advice); }

int Io::fchmod(int fd, mode_t mode) { return ::fchmod(fd, mode); }

int Io::fchown(int fd, uid_t uid, gid_t gid) { return ::fchown(fd, uid, gid); }

int Io::chmod(const char* path, mode_t mode) { return ::chmod(path, mode); }

int Io::chown(const char* path, uid_t uid, gid_t gid) { return ::chown(path, uid, gid); }

void Io::sleep_unless_signalled(unsigned seconds) { (void)::sleep(seconds); }

Io& real_io() {
  static RealIo io;
  return io;
}

int write_all(Io& io, int fd, const char* buf, size_t count) {
  while (count > 0) {
    const ssize_t n = io.write(fd, buf, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) {
      errno = ENOSPC;
      return -1;
    }
    buf += n;
    count -= static_cast<size_t>(n);
  }
  return 0;
}

namespace {

// The errors with which the kernel says "not this way" for a pair of descriptors
// rather than "the copy failed": the next method, or plain writes, may work.
bool method_refused(int err) {
  return err == EINVAL || err == EXDEV || err == EBADF || err == ENOSYS || err == EOPNOTSUPP;
}

ssize_t copy_once(Io& io, KernelCopy method, int in_fd, off_t* offset, int out_fd,
                  size_t count) {
  if (method == KernelCopy::kCopyFileRange)
    return io.copy_file_range(in_fd, offset, out_fd, count);
  return io.sendfile(out_fd, in_fd, offset, count);
}

}  // namespace

size_t copy_file_data(Io& io, int in_fd, off_t offset, int out_fd, size_t count,
                      KernelCopy* method) {
  size_t copied = 0;
  while (copied < count && *method != KernelCopy::kUnavailable) {
    const ssize_t n = copy_once(io, *method, in_fd, &offset, out_fd, count - copied);
    if (n > 0) {
      copied += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // 0: the source ended early (it cannot: the spool file is ours and complete),
    // or a file system that copies nothing this way; plain writes will tell.
    if (n == 0 || method_refused(errno)) {
      const int err = n == 0 ? EINVAL : errno;
      *method = *method == KernelCopy::kCopyFileRange ? KernelCopy::kSendfile
                                                      : KernelCopy::kUnavailable;
      errno = err;
      continue;
    }
    return copied;
  }
  return copied;
}

int read_whole_fd(Io& io, int fd, std::string* out) {
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = io.read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  *out = std::move(text);
  return 0;
}

int read_whole_file(Io& io, const std::string& path, std::string* out) {
  const int fd = io.open(path.c_str(), O_RDONLY, 0);
  if (fd < 0) return -1;
  const int rc = read_whole_fd(io, fd, out);
  const int saved = errno;
  io.close(fd);
  errno = saved;
  return rc;
}

int fsync_directory(Io& io, const std::string& path) {
  const int fd = io.open(path.c_str(), O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) return -1;
  const int rc = io.fsync(fd);
  const int saved = errno;
  io.close(fd);
  errno = saved;
  return rc;
}

std::string dirname_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace mailsift::sys
