// Io: the seam between mailsift and the file system. Every file-system call that a
// delivery depends on goes through an Io, so tests can inject a failure into any
// step (a write that returns ENOSPC, an fsync that fails, a link that fails) and
// check that no message is lost.
//
// The methods mirror the POSIX calls: they return what the call returns and set
// errno the same way. RealIo forwards to the kernel; FaultyIo (tests) wraps another
// Io and fails chosen calls.
//
// While a filter runs, one Io is called from two threads at once: the writer of
// the program's input and the spooling of its output (sys/process.h). An Io must
// therefore be safe for that: RealIo keeps no state; one that does guards it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace mailsift::sys {

class Io {
 public:
  virtual ~Io() = default;

  virtual int open(const char* path, int flags, mode_t mode) = 0;
  virtual ssize_t read(int fd, void* buf, size_t count) = 0;
  // Reads at an offset without moving the file position. Not pure, so that test Ios
  // that only forward need not repeat it; the default is the kernel's pread(2).
  virtual ssize_t pread(int fd, void* buf, size_t count, off_t offset);
  // pwrite(2); not pure either (the duplicate table writes its slots in place).
  virtual ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset);
  virtual ssize_t write(int fd, const void* buf, size_t count) = 0;
  // copy_file_range(2): count bytes from in_fd at *in_offset (advanced) to out_fd at
  // its file position, copied by the kernel. Not pure (like pread), so that test Ios
  // that only forward need not repeat it; the default is the kernel's.
  virtual ssize_t copy_file_range(int in_fd, off_t* in_offset, int out_fd, size_t count);
  // sendfile(2): the same for destinations copy_file_range refuses (pipes).
  virtual ssize_t sendfile(int out_fd, int in_fd, off_t* in_offset, size_t count);
  // madvise(2); used only to drop pages of a read-only file mapping from the
  // process's memory (MADV_DONTNEED), which never changes the bytes it shows.
  virtual int madvise(void* addr, size_t length, int advice);
  // fchmod(2), fchown(2), chmod(2), chown(2): the system mailbox screening
  // (engine/system_mailbox.h). Not pure (like pread); the defaults are the kernel's.
  virtual int fchmod(int fd, mode_t mode);
  virtual int fchown(int fd, uid_t uid, gid_t gid);
  virtual int chmod(const char* path, mode_t mode);
  virtual int chown(const char* path, uid_t uid, gid_t gid);
  // Waits up to `seconds`; a caught signal ends the wait early (sleep(3)): procmail's
  // SUSPEND wait before it renames a bogus mailbox, which SIGUSR1 cuts short.
  virtual void sleep_unless_signalled(unsigned seconds);
  virtual int fsync(int fd) = 0;
  virtual int close(int fd) = 0;
  virtual int ftruncate(int fd, off_t length) = 0;
  virtual int fstat(int fd, struct stat* st) = 0;
  virtual int stat(const char* path, struct stat* st) = 0;
  virtual int lstat(const char* path, struct stat* st) = 0;
  virtual int link(const char* from, const char* to) = 0;
  virtual int rename(const char* from, const char* to) = 0;
  virtual int unlink(const char* path) = 0;
  virtual int mkdir(const char* path, mode_t mode) = 0;
  // fcntl(fd, F_SETLK or F_SETLKW or F_GETLK, lock).
  virtual int fcntl_lock(int fd, int cmd, struct flock* lock) = 0;
  // Names in a directory (without "." and ".."); -1 and errno on failure.
  virtual int list_directory(const char* path, std::vector<std::string>* names) = 0;
  // Wall-clock time (seconds since the epoch).
  virtual time_t now() = 0;
  // Sleeps; tests replace it so that lock waits run instantly.
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// The process-wide real implementation.
Io& real_io();

// Writes all of buf, retrying short writes and EINTR. Returns 0, or -1 with errno
// set (errno ENOSPC when the kernel accepted nothing more without saying why).
int write_all(Io& io, int fd, const char* buf, size_t count);

// How copy_file_data moves bytes; it steps down the list as the kernel refuses a
// method for a pair of descriptors, and the caller keeps the value for the next
// range to the same destination.
enum class KernelCopy { kCopyFileRange, kSendfile, kUnavailable };

// Copies count bytes of in_fd, from offset, to out_fd's file position with the
// kernel's help: copy_file_range(2), else sendfile(2) (copy_file_range refuses
// pipes, files opened with O_APPEND and, on older kernels, other file systems);
// short copies and EINTR are retried. *method says where to start and, afterwards,
// what worked. Returns the bytes copied: count, or fewer with errno set. Fewer
// with *method == kUnavailable: no method works for these descriptors, the caller
// writes the rest itself. Fewer otherwise: the copy failed (ENOSPC, EIO, EPIPE, ...)
// after that many bytes.
size_t copy_file_data(Io& io, int in_fd, off_t offset, int out_fd, size_t count,
                      KernelCopy* method);

// Reads a whole (small) file, such as an rcfile. 0, or -1 with errno set.
int read_whole_file(Io& io, const std::string& path, std::string* out);
// Reads fd to its end (retrying EINTR), through io so that faults can be injected.
// 0 with the bytes in *out, or -1 with errno set and *out unchanged. fd stays open.
int read_whole_fd(Io& io, int fd, std::string* out);

// Syncs a directory, so that a link or unlink in it is durable.
int fsync_directory(Io& io, const std::string& path);

// The directory part of a path ("." when it has none).
std::string dirname_of(const std::string& path);

}  // namespace mailsift::sys
