#include "mailsift/sys/kernel_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

#include "faulty_io.h"
#include "lock_holder.h"
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
  testing::LockHolder other(path);
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
    testing::LockHolder other(path);
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
