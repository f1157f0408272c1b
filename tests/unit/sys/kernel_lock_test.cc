#include "mailsift/sys/kernel_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "faulty_io.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using testing::FaultyIo;
using testing::TempDir;

LockPolicy give_up_after(unsigned seconds) {
  LockPolicy p;
  p.give_up_after_seconds = seconds;
  return p;
}

// Whether another process could take a write lock on `path` right now (fcntl locks
// never conflict within one process, so the question needs a child).
bool lockable_by_other_process(const std::string& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(path.c_str(), O_WRONLY);
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    _exit(fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// A child process that holds a write lock on a file until destroyed.
class OtherHolder {
 public:
  explicit OtherHolder(const std::string& path) {
    int ready[2];
    int done[2];
    if (::pipe(ready) != 0 || ::pipe(done) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(done[1]);
      const int fd = ::open(path.c_str(), O_WRONLY);
      struct flock lock {};
      lock.l_type = F_WRLCK;
      lock.l_whence = SEEK_SET;
      const char ok = fd >= 0 && ::fcntl(fd, F_SETLK, &lock) == 0 ? 'y' : 'n';
      if (::write(ready[1], &ok, 1) != 1) _exit(1);
      char c;
      while (::read(done[0], &c, 1) > 0) {
      }
      _exit(0);
    }
    ::close(ready[1]);
    ::close(done[0]);
    done_ = done[1];
    char c = 'n';
    holding_ = ::read(ready[0], &c, 1) == 1 && c == 'y';
    ::close(ready[0]);
  }
  ~OtherHolder() {
    if (done_ >= 0) ::close(done_);
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  bool holding() const { return holding_; }

 private:
  pid_t pid_ = -1;
  int done_ = -1;
  bool holding_ = false;
};

TEST(KernelLock, LocksAndUnlocksWholeFile) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, "x");
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(lockable_by_other_process(path));
  const Status st = kernel_lock(real_io(), fd, path, give_up_after(0));
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_FALSE(lockable_by_other_process(path));
  ASSERT_TRUE(kernel_unlock(real_io(), fd, path).ok());
  EXPECT_TRUE(lockable_by_other_process(path));
  ::close(fd);
}

TEST(KernelLock, HeldByOtherProcessGivesUpWithEagain) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, "x");
  OtherHolder other(path);
  ASSERT_TRUE(other.holding());
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  FaultyIo io;
  io.use_fake_time(1700000000);
  const Status st = kernel_lock(io, fd, path, give_up_after(5));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(st.err(), EAGAIN);
  EXPECT_EQ(st.path(), path);
  EXPECT_EQ(io.slept(), std::chrono::seconds(5)) << "one attempt per second";
  ::close(fd);
}

TEST(KernelLock, TakenOnceOtherLetsGo) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, "x");
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  {
    OtherHolder other(path);
    ASSERT_TRUE(other.holding());
    EXPECT_EQ(kernel_lock(real_io(), fd, path, give_up_after(0)).step(), Step::kLock);
  }
  EXPECT_TRUE(kernel_lock(real_io(), fd, path, give_up_after(0)).ok());
  ::close(fd);
}

TEST(KernelLock, OtherErrorsFailAtOnce) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, "x");
  FaultyIo io;
  io.use_fake_time(1700000000);
  testing::Fault f;
  f.op = testing::Op::kFcntlLock;
  f.err = ENOLCK;
  io.add(f);
  const int fd = io.open(path.c_str(), O_WRONLY, 0);
  ASSERT_GE(fd, 0);
  const Status st = kernel_lock(io, fd, path, give_up_after(60));
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(st.err(), ENOLCK);
  EXPECT_EQ(io.slept(), std::chrono::seconds(0));
  io.close(fd);
}

}  // namespace
}  // namespace mailsift::sys
