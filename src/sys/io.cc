#include "mailsift/sys/io.h"

#include <dirent.h>
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

int read_whole_file(Io& io, const std::string& path, std::string* out) {
  const int fd = io.open(path.c_str(), O_RDONLY, 0);
  if (fd < 0) return -1;
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = io.read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      io.close(fd);
      errno = saved;
      return -1;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  io.close(fd);
  *out = std::move(text);
  return 0;
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
