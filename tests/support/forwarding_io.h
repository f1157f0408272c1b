// A sys::Io that passes every call on to another Io (the real one unless told): a
// test's Io derives from it and overrides only the calls it watches or changes.
#pragma once

#include "mailsift/sys/io.h"

namespace mailsift::testing {

class ForwardingIo : public sys::Io {
 public:
  explicit ForwardingIo(sys::Io& to = sys::real_io()) : to_(to) {}

  int open(const char* p, int f, mode_t m) override { return to_.open(p, f, m); }
  ssize_t read(int fd, void* b, size_t n) override { return to_.read(fd, b, n); }
  ssize_t pread(int fd, void* b, size_t n, off_t o) override { return to_.pread(fd, b, n, o); }
  ssize_t write(int fd, const void* b, size_t n) override { return to_.write(fd, b, n); }
  ssize_t copy_file_range(int in, off_t* off, int out, size_t n) override {
    return to_.copy_file_range(in, off, out, n);
  }
  ssize_t sendfile(int out, int in, off_t* off, size_t n) override {
    return to_.sendfile(out, in, off, n);
  }
  int madvise(void* a, size_t n, int advice) override { return to_.madvise(a, n, advice); }
  int fsync(int fd) override { return to_.fsync(fd); }
  int close(int fd) override { return to_.close(fd); }
  int ftruncate(int fd, off_t n) override { return to_.ftruncate(fd, n); }
  int fstat(int fd, struct stat* st) override { return to_.fstat(fd, st); }
  int stat(const char* p, struct stat* st) override { return to_.stat(p, st); }
  int lstat(const char* p, struct stat* st) override { return to_.lstat(p, st); }
  int link(const char* a, const char* b) override { return to_.link(a, b); }
  int rename(const char* a, const char* b) override { return to_.rename(a, b); }
  int unlink(const char* p) override { return to_.unlink(p); }
  int mkdir(const char* p, mode_t m) override { return to_.mkdir(p, m); }
  int fcntl_lock(int fd, int c, struct flock* l) override { return to_.fcntl_lock(fd, c, l); }
  int list_directory(const char* p, std::vector<std::string>* n) override {
    return to_.list_directory(p, n);
  }
  int fchmod(int fd, mode_t m) override { return to_.fchmod(fd, m); }
  int fchown(int fd, uid_t u, gid_t g) override { return to_.fchown(fd, u, g); }
  int chmod(const char* p, mode_t m) override { return to_.chmod(p, m); }
  int chown(const char* p, uid_t u, gid_t g) override { return to_.chown(p, u, g); }
  void sleep_unless_signalled(unsigned s) override { to_.sleep_unless_signalled(s); }
  time_t now() override { return to_.now(); }
  void sleep_for(std::chrono::milliseconds d) override { to_.sleep_for(d); }

 private:
  sys::Io& to_;
};

}  // namespace mailsift::testing
