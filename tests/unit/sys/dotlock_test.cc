#include "mailsift/sys/dotlock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "mailsift/limits.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

constexpr time_t kFakeStart = 1700000000;

Fault fault(Op op, int err, int nth = 1) {
  Fault f;
  f.op = op;
  f.err = err;
  f.nth = nth;
  return f;
}

LockPolicy policy(unsigned give_up, unsigned stale = 1024) {
  LockPolicy p;
  p.sleep_seconds = 8;
  p.stale_after_seconds = stale;
  p.suspend_seconds = 16;
  p.give_up_after_seconds = give_up;
  return p;
}

// Sets a file's mtime (and atime) `age` seconds into the past.
void make_old(const std::string& path, time_t age) {
  struct timeval times[2];
  ::gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= age;
  times[1] = times[0];
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
}

TEST(LockPolicy, DefaultsFromLimits) {
  const LockPolicy p;
  EXPECT_EQ(p.sleep_seconds, limits::kDefaultLockSleepSeconds);
  EXPECT_EQ(p.stale_after_seconds, limits::kDefaultLockTimeoutSeconds);
  EXPECT_EQ(p.suspend_seconds, limits::kDefaultSuspendSeconds);
  EXPECT_EQ(p.give_up_after_seconds, limits::kDefaultTimeoutSeconds);
}

TEST(Dotlock, CreatesLockAsProcmailAndRemovesIt) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  {
    Dotlock held;
    const Status st = Dotlock::acquire(real_io(), lock, policy(0), "host", &held);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(held.held());
    EXPECT_FALSE(held.forced());
    EXPECT_EQ(held.path(), lock);
    EXPECT_EQ(testing::read_file(lock), "0");
    struct stat st_lock {};
    ASSERT_EQ(::stat(lock.c_str(), &st_lock), 0);
    EXPECT_EQ(st_lock.st_mode & 0222, 0u) << "lock file must not be writable";
    // The temporary file is gone: only the lock is left.
    EXPECT_EQ(testing::list_dir(dir.path()), std::vector<std::string>{"inbox.lock"});
  }
  EXPECT_FALSE(testing::exists(lock)) << "destructor releases";
}

TEST(Dotlock, ReleaseAndMove) {
  TempDir dir;
  const std::string lock = dir / "x.lock";
  Dotlock first;
  ASSERT_TRUE(Dotlock::acquire(real_io(), lock, policy(0), "h", &first).ok());
  Dotlock second(std::move(first));
  EXPECT_FALSE(first.held());
  EXPECT_TRUE(second.held());
  EXPECT_TRUE(testing::exists(lock));
  EXPECT_TRUE(second.release().ok());
  EXPECT_FALSE(second.held());
  EXPECT_FALSE(testing::exists(lock));
  EXPECT_TRUE(second.release().ok()) << "second release is a no-op";
}

TEST(Dotlock, FreshLockHeldByOtherGivesUpWithLockStep) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  testing::write_file(lock, "0");
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(30), "h", &held);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(st.err(), EEXIST);
  EXPECT_FALSE(held.held());
  // 8 + 8 + 8 + 6 seconds of waiting, then the last attempt at the deadline.
  EXPECT_EQ(io.slept(), std::chrono::seconds(30));
  EXPECT_EQ(testing::read_file(lock), "0") << "another's lock is left alone";
  EXPECT_EQ(testing::list_dir(dir.path()), std::vector<std::string>{"inbox.lock"});
}

TEST(Dotlock, GiveUpZeroMeansOneAttempt) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  testing::write_file(lock, "0");
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(0), "h", &held);
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(io.slept(), std::chrono::seconds(0));
}

TEST(Dotlock, StaleLockIsForced) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  testing::write_file(lock, "12345");
  make_old(lock, 2000);
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(60), "h", &held);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(held.forced());
  EXPECT_EQ(testing::read_file(lock), "0") << "our lock replaced the stale one";
  EXPECT_EQ(io.slept(), std::chrono::seconds(16)) << "SUSPEND after forcing";
}

TEST(Dotlock, OldLockIsKeptWhenNotStaleByPolicy) {
  struct Case {
    const char* name;
    std::string contents;
    time_t age;
    unsigned stale_after;
  };
  const Case cases[] = {
      {"larger than 16 bytes is not a lock file", std::string(17, 'x'), 5000, 1024},
      {"stale_after 0 never breaks", "0", 5000, 0},
      {"younger than stale_after", "0", 500, 1024},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string lock = dir / "inbox.lock";
    testing::write_file(lock, c.contents);
    make_old(lock, c.age);
    Dotlock held;
    const Status st = Dotlock::acquire(real_io(), lock, policy(0, c.stale_after), "h", &held);
    EXPECT_EQ(st.step(), Step::kLock) << c.name;
    EXPECT_EQ(testing::read_file(lock), c.contents) << c.name;
  }
}

TEST(Dotlock, SixteenByteLockCanBeStale) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  testing::write_file(lock, std::string(16, 'x'));
  make_old(lock, 1100);
  Dotlock held;
  LockPolicy p = policy(0);
  p.suspend_seconds = 0;
  const Status st = Dotlock::acquire(real_io(), lock, p, "h", &held);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(held.forced());
}

TEST(Dotlock, ForcedLockIsRetriedEvenWhenTheWaitIsUsedUp) {
  // give_up 0 (one attempt): the attempt that found the stale lock removed it, and
  // the next one takes the lock at once; the SUSPEND pause does not extend the wait.
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  testing::write_file(lock, "0");
  make_old(lock, 2000);
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(0), "h", &held);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(held.forced());
  EXPECT_EQ(io.slept(), std::chrono::seconds(0));
}

TEST(Dotlock, MissingDirectoryFailsAtOnce) {
  TempDir dir;
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Dotlock held;
  const Status st = Dotlock::acquire(io, dir / "no/such.lock", policy(960), "h", &held);
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(st.err(), ENOENT);
  EXPECT_EQ(io.slept(), std::chrono::seconds(0)) << "no point waiting for a directory";
}

TEST(Dotlock, TransientErrorsAreRetried) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  io.add(fault(Op::kOpen, ENOSPC));
  io.add(fault(Op::kWrite, EDQUOT));
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(60), "h", &held);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.fired(), 2);
  EXPECT_EQ(io.slept(), std::chrono::seconds(16));
  EXPECT_EQ(testing::list_dir(dir.path()), std::vector<std::string>{"inbox.lock"})
      << "the temporary file of the failed write is removed";
}

TEST(Dotlock, TransientErrorThatLastsFails) {
  TempDir dir;
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  Fault f = fault(Op::kOpen, EIO);
  f.sticky = true;
  io.add(f);
  Dotlock held;
  const Status st = Dotlock::acquire(io, dir / "inbox.lock", policy(20), "h", &held);
  EXPECT_EQ(st.step(), Step::kLock);
  EXPECT_EQ(st.err(), EIO);
  EXPECT_EQ(io.slept(), std::chrono::seconds(20));
}

TEST(Dotlock, LockThatVanishesIsRetriedAtOnce) {
  // link() says EEXIST but the lock is gone when looked at: the holder released it
  // in between. The next attempt follows without a pause.
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  io.add(fault(Op::kLink, EEXIST));
  Dotlock held;
  const Status st = Dotlock::acquire(io, lock, policy(60), "h", &held);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.slept(), std::chrono::seconds(0));
  EXPECT_EQ(testing::list_dir(dir.path()), std::vector<std::string>{"inbox.lock"});
}

TEST(Dotlock, ReleaseReportsUnlinkFailure) {
  TempDir dir;
  const std::string lock = dir / "inbox.lock";
  FaultyIo io;
  Dotlock held;
  ASSERT_TRUE(Dotlock::acquire(io, lock, policy(0), "h", &held).ok());
  Fault f = fault(Op::kUnlink, EACCES);
  f.path_contains = "inbox.lock";
  io.add(f);
  const Status st = held.release();
  EXPECT_EQ(st.step(), Step::kUnlink);
  EXPECT_EQ(st.err(), EACCES);
  EXPECT_FALSE(held.held());
}

}  // namespace
}  // namespace mailsift::sys
