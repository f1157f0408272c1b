#include "mailsift/deliver/mbox.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "forwarding_io.h"
#include "lock_holder.h"
#include "mailsift/limits.h"
#include "mailsift/message/reader.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using message::Message;
using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;
using Status = sys::Status;

constexpr time_t kFakeStart = 1700000000;
const std::string kOld = "From old  Mon Jan  1 00:00:00 2001\nSubject: old\n\nold body\n\n";

using testing::parse;

Fault fault(Op op, int err, std::string path_contains = "mbox") {
  return testing::fault_on(op, err, std::move(path_contains));
}

DeliveryOptions options_with_lock(const std::string& dotlock = {}, unsigned give_up = 0) {
  DeliveryOptions o;
  o.dotlock = dotlock;
  o.lock.give_up_after_seconds = give_up;
  return o;
}

TEST(Mbox, AppendsExactly) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  MboxFolder folder(path);
  DeliveryReport report;
  const Status st = folder.deliver(sys::real_io(), parse("From a\nX: 1\n\nFrom x\nbody"),
                                        DeliveryOptions(), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  const std::string added = "From a\nX: 1\n\n>From x\nbody\n";
  EXPECT_EQ(testing::read_file(path), kOld + added);
  EXPECT_EQ(report.stored, std::vector<std::string>{path});
  EXPECT_EQ(report.bytes_written, added.size());
  EXPECT_TRUE(report.warnings.empty());

  DeliveryReport second;
  ASSERT_TRUE(
      folder.deliver(sys::real_io(), parse("From b\n\nB\n"), DeliveryOptions(), &second).ok());
  EXPECT_EQ(testing::read_file(path), kOld + added + "From b\n\nB\n\n");
}

TEST(Mbox, NewFileModeAsProcmail) {
  // procmail creates an mbox with 0667 & ~UMASK (verified: UMASK=022 gives 0645,
  // UMASK=077 gives 0600).
  struct Case {
    mode_t umask;
    mode_t want;
  };
  const Case cases[] = {{077, 0600}, {022, 0645}, {002, 0665}};
  const mode_t saved = ::umask(0);
  for (const Case& c : cases) {
    TempDir dir;
    const std::string path = dir / "new.mbox";
    DeliveryOptions o;
    o.umask = c.umask;
    DeliveryReport report;
    MboxFolder folder(path);
    ASSERT_TRUE(folder.deliver(sys::real_io(), parse("From a\n\nx\n"), o, &report).ok());
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, c.want) << "umask " << std::oct << c.umask << " got "
                                          << (st.st_mode & 07777);
  }
  ::umask(saved);
}

struct FailureCase {
  const char* name;
  Fault fault;
  sys::Step want_step;
  int want_err;
  const char* want_aftermath;  // part of what the Status says was done about it
};

TEST(Mbox, FailureLeavesTheFileAsBefore) {
  Fault midway = fault(Op::kWrite, ENOSPC);
  midway.bytes_before_failure = 70000;  // more than one write chunk got through
  Fault second_write = fault(Op::kWrite, EDQUOT);
  second_write.nth = 2;
  const FailureCase cases[] = {
      {"disk full midway", midway, sys::Step::kWrite, ENOSPC, "truncated back to"},
      {"quota on the second chunk", second_write, sys::Step::kWrite, EDQUOT, "truncated back to"},
      {"first write fails", fault(Op::kWrite, EIO), sys::Step::kWrite, EIO, "truncated back to"},
      {"fsync fails", fault(Op::kFsync, EIO), sys::Step::kFsync, EIO, "truncated back to"},
      {"close fails", fault(Op::kClose, EIO), sys::Step::kClose, EIO, "truncated back to"},
      {"open fails", fault(Op::kOpen, EROFS), sys::Step::kOpen, EROFS, ""},
      {"fstat fails", fault(Op::kFstat, EIO), sys::Step::kStat, EIO, ""},
  };
  // Big enough for several write chunks.
  std::string body;
  while (body.size() < 3 * limits::kWriteChunk) body += "From here\nsome text\n";
  for (const FailureCase& c : cases) {
    TempDir dir;
    const std::string path = dir / "mbox";
    testing::write_file(path, kOld);
    FaultyIo io;
    io.add(c.fault);
    MboxFolder folder(path);
    DeliveryReport report;
    const Status st =
        folder.deliver(io, parse("From a\nX: y\n\n" + body), options_with_lock(dir / "dot.lock"),
                       &report);
    EXPECT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.step(), c.want_step) << c.name << ": " << st.message();
    EXPECT_EQ(st.err(), c.want_err) << c.name << ": " << st.message();
    EXPECT_EQ(st.path(), path) << c.name;
    EXPECT_NE(st.aftermath().find(c.want_aftermath), std::string::npos)
        << c.name << ": aftermath [" << st.aftermath() << "]";
    EXPECT_EQ(io.fired(), 1) << c.name;
    EXPECT_EQ(testing::read_file(path), kOld) << c.name << ": file must be back at old length";
    EXPECT_TRUE(report.stored.empty()) << c.name;
    EXPECT_FALSE(testing::exists(dir / "dot.lock")) << c.name << ": dotlock released";
  }
}

// A spooled body's verbatim ranges (here: all of it, protected by Content-Length)
// are offered to the kernel first. An mbox is opened O_APPEND, which the kernel's
// copy calls refuse, so they fall back to writes; a copy that fails for another
// reason (injected) fails the delivery, and the file is cut back like after a write.
TEST(Mbox, SpooledCopyFailureLeavesTheFileAsBefore) {
  std::string body;
  while (body.size() < 3 * limits::kSpoolWindow) body += "From here\nsome text\n";
  const std::string input = "From a\nContent-Length: 0000000000\nX: y\n\n" + body;
  Fault full = fault(Op::kWrite, ENOSPC);
  full.bytes_before_failure = 70000;
  const FailureCase cases[] = {
      {"copy_file_range EIO", fault(Op::kCopyFileRange, EIO), sys::Step::kWrite, EIO,
       "truncated back to"},
      {"disk full midway", full, sys::Step::kWrite, ENOSPC, "truncated back to"},
  };
  for (const FailureCase& c : cases) {
    TempDir dir;
    const std::string path = dir / "mbox";
    testing::write_file(path, kOld);
    const Message m = testing::parse_spooled(input, dir.path());
    ASSERT_TRUE(m.body_spooled()) << c.name;
    ASSERT_EQ(m.content_length_protected(), body.size()) << c.name;
    FaultyIo io;
    io.add(c.fault);
    DeliveryReport report;
    const Status st = MboxFolder(path).deliver(io, m, options_with_lock(), &report);
    EXPECT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.step(), c.want_step) << c.name << ": " << st.message();
    EXPECT_EQ(st.err(), c.want_err) << c.name << ": " << st.message();
    EXPECT_NE(st.aftermath().find(c.want_aftermath), std::string::npos)
        << c.name << ": aftermath [" << st.aftermath() << "]";
    EXPECT_EQ(testing::read_file(path), kOld) << c.name << ": file must be back at old length";
    EXPECT_TRUE(report.stored.empty()) << c.name;
  }
  // Without a fault: refused by the kernel (O_APPEND), written instead, whole.
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  const Message m = testing::parse_spooled(input, dir.path());
  DeliveryReport report;
  ASSERT_TRUE(MboxFolder(path).deliver(sys::real_io(), m, options_with_lock(), &report).ok());
  const std::string want = kOld + std::string(m.head()) + body + "\n";
  EXPECT_TRUE(testing::read_file(path) == want) << "spooled, Content-Length-protected body";
  EXPECT_EQ(report.bytes_written, want.size() - kOld.size());
}

TEST(Mbox, FailedTruncateIsReported) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  FaultyIo io;
  io.add(fault(Op::kFsync, EIO));
  io.add(fault(Op::kFtruncate, EROFS));
  DeliveryReport report;
  const Status st = MboxFolder(path).deliver(io, parse("From a\n\nx\n"), DeliveryOptions(),
                                             &report);
  EXPECT_EQ(st.step(), sys::Step::kFsync);
  EXPECT_NE(st.aftermath().find("could not truncate back to " + std::to_string(kOld.size())),
            std::string::npos)
      << st.message();
}

TEST(Mbox, CloseFailureDoesNotCutAnotherWritersMessage) {
  // After a failed close the kernel lock is gone; if the file changed meanwhile the
  // truncation must not cut someone else's message. Simulated by a close failure
  // whose wrapped Io appends to the file before the reopen.
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  FaultyIo io;
  io.add(fault(Op::kClose, EIO));
  struct AppendingIo final : public testing::ForwardingIo {
    explicit AppendingIo(FaultyIo& inner, std::string p)
        : ForwardingIo(inner), in(inner), path(std::move(p)) {}
    int open(const char* p, int f, mode_t m) override {
      if (in.fired() == 1 && !appended) {
        appended = true;
        testing::write_file(path, testing::read_file(path) + "other\n");
      }
      return in.open(p, f, m);
    }
    FaultyIo& in;
    std::string path;
    bool appended = false;
  } appending(io, path);
  DeliveryReport report;
  const Status st =
      MboxFolder(path).deliver(appending, parse("From a\n\nx\n"), DeliveryOptions(), &report);
  EXPECT_EQ(st.step(), sys::Step::kClose);
  EXPECT_NE(st.aftermath().find("not truncated"), std::string::npos) << st.message();
  EXPECT_EQ(testing::read_file(path), kOld + "From a\n\nx\n\nother\n");
}

TEST(Mbox, KernelLockHeldByOtherProcessFailsWithLockStep) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  testing::LockHolder other(path);
  ASSERT_TRUE(other.holding());
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  DeliveryReport report;
  const Status st = MboxFolder(path).deliver(io, parse("From a\n\nx\n"),
                                             options_with_lock(dir / "mbox.lock", 3), &report);
  EXPECT_EQ(st.step(), sys::Step::kLock) << st.message();
  EXPECT_EQ(st.err(), EAGAIN);
  EXPECT_EQ(testing::read_file(path), kOld);
  EXPECT_FALSE(testing::exists(dir / "mbox.lock")) << "dotlock released after the failure";
  EXPECT_TRUE(report.stored.empty());
}

TEST(Mbox, FreshDotlockHeldByOtherFailsWithLockStep) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  testing::write_file(dir / "mbox.lock", "0");
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  DeliveryReport report;
  const Status st = MboxFolder(path).deliver(io, parse("From a\n\nx\n"),
                                             options_with_lock(dir / "mbox.lock", 20), &report);
  EXPECT_EQ(st.step(), sys::Step::kLock) << st.message();
  EXPECT_EQ(testing::read_file(path), kOld);
  EXPECT_EQ(testing::read_file(dir / "mbox.lock"), "0") << "another's lock stays";
  EXPECT_EQ(io.slept(), std::chrono::seconds(20));
}

TEST(Mbox, DotlockNotPermittedDeliversUnderTheKernelLockWithAWarning) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  FaultyIo io;
  io.add(fault(Op::kOpen, EACCES, "_lock."));  // the lock's temporary file
  DeliveryReport report;
  const Status st = MboxFolder(path).deliver(io, parse("From a\n\nx\n"),
                                             options_with_lock(dir / "mbox.lock", 20), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(testing::read_file(path).substr(0, kOld.size()), kOld);
  EXPECT_NE(testing::read_file(path).find("\nx\n\n"), std::string::npos);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("Permission denied"), std::string::npos) << report.warnings[0];
  EXPECT_NE(report.warnings[0].find("kernel lock only"), std::string::npos) << report.warnings[0];
}

TEST(Mbox, DotlockFailingForOtherReasonsFailsTheDelivery) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, kOld);
  FaultyIo io;
  io.add(fault(Op::kOpen, ENAMETOOLONG, "_lock."));
  DeliveryReport report;
  const Status st = MboxFolder(path).deliver(io, parse("From a\n\nx\n"),
                                             options_with_lock(dir / "mbox.lock", 20), &report);
  EXPECT_EQ(st.step(), sys::Step::kLock) << st.message();
  EXPECT_EQ(testing::read_file(path), kOld);
}

TEST(Mbox, StaleDotlockIsBroken) {
  TempDir dir;
  const std::string path = dir / "mbox";
  const std::string lock = dir / "mbox.lock";
  testing::write_file(lock, "0");
  struct timeval times[2];
  ::gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= 5000;
  times[1] = times[0];
  ASSERT_EQ(::utimes(lock.c_str(), times), 0);
  FaultyIo io;
  io.use_fake_time(kFakeStart);
  DeliveryReport report;
  const Status st =
      MboxFolder(path).deliver(io, parse("From a\n\nx\n"), options_with_lock(lock, 60), &report);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(testing::read_file(path), "From a\n\nx\n\n");
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_NE(report.warnings[0].find("stale"), std::string::npos) << report.warnings[0];
  EXPECT_FALSE(testing::exists(lock));
}

// Records the order of the calls that matter for locking.
class TracingIo final : public testing::ForwardingIo {
 public:
  explicit TracingIo(std::string lock) : lock_(std::move(lock)) {}
  int open(const char* p, int f, mode_t m) override {
    const int fd = real().open(p, f, m);
    if (std::string(p).find("_lock.") == std::string::npos) trace.push_back("open");
    return fd;
  }
  ssize_t write(int fd, const void* b, size_t n) override {
    trace.push_back(testing::exists(lock_) ? "write (dotlock held)" : "write (no dotlock)");
    return real().write(fd, b, n);
  }
  int fsync(int fd) override {
    trace.push_back("fsync");
    return real().fsync(fd);
  }
  int link(const char* a, const char* b) override {
    if (b == lock_) trace.push_back("dotlock");
    return real().link(a, b);
  }
  int unlink(const char* p) override {
    if (p == lock_) trace.push_back("dotlock released");
    return real().unlink(p);
  }
  int fcntl_lock(int fd, int c, struct flock* l) override {
    trace.push_back(l->l_type == F_UNLCK ? "unlock" : "kernel lock");
    return real().fcntl_lock(fd, c, l);
  }

  std::vector<std::string> trace;

 private:
  static sys::Io& real() { return sys::real_io(); }
  std::string lock_;
};

TEST(Mbox, LockOrderDotlockThenKernelLock) {
  TempDir dir;
  const std::string path = dir / "mbox";
  const std::string lock = dir / "mbox.lock";
  TracingIo io(lock);
  DeliveryReport report;
  ASSERT_TRUE(
      MboxFolder(path).deliver(io, parse("From a\n\nx\n"), options_with_lock(lock), &report).ok());
  // The dotlock's temporary file gets one write of "0" before the link; drop it.
  std::vector<std::string> trace;
  for (const std::string& t : io.trace) {
    if (trace.empty() && t.rfind("write", 0) == 0) continue;
    trace.push_back(t);
  }
  const std::vector<std::string> want = {"dotlock", "open", "kernel lock", "write (dotlock held)",
                                         "fsync", "dotlock released"};
  EXPECT_EQ(trace, want) << ::testing::PrintToString(io.trace);
  EXPECT_FALSE(testing::exists(lock));
}

TEST(Mbox, SpooledMessageDeliveredWhole) {
  TempDir dir;
  std::string body;
  while (body.size() < 2 * limits::kWriteChunk + 17) body += "text\n>From quoted\nFrom x\n";
  const std::string input = "From a\nSubject: s\n\n" + body;
  testing::write_file(dir / "in", input);
  message::ReadOptions ro;
  ro.in_memory_limit = 0;
  ro.spool_directory = dir.path();
  Message m;
  const int in = ::open((dir / "in").c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  ASSERT_TRUE(message::read_message(sys::real_io(), in, ro, &m).ok());
  ::close(in);
  ASSERT_TRUE(m.body_spooled());
  DeliveryReport report;
  ASSERT_TRUE(MboxFolder(dir / "mbox").deliver(sys::real_io(), m, DeliveryOptions(), &report).ok());
  std::string want_body;
  for (std::size_t at = 0;;) {
    const std::size_t nl = body.find("\nFrom ", at);
    want_body += body.substr(at, nl == std::string::npos ? std::string::npos : nl + 1 - at);
    if (nl == std::string::npos) break;
    want_body += ">";
    at = nl + 1;
  }
  const std::string want = "From a\nSubject: s\n\n" + want_body + "\n";
  EXPECT_TRUE(testing::read_file(dir / "mbox") == want) << "spooled delivery differs";
  EXPECT_EQ(report.bytes_written, want.size());
}

// The same message stored by /usr/bin/procmail (DEFAULT delivery, no -f, so the
// From_ line is kept) and by mailsift must be the same bytes.
TEST(Mbox, SameBytesAsProcmail) {
  if (::access("/usr/bin/procmail", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/procmail";
  const std::string messages[] = {
      "From sender@example.org  Sat Jan  1 00:00:00 2000\nSubject: test\nFrom header\n"
      ">From quoted\n\nFrom the start of the body\nline\nFrom again\n>From kept\n\nFrom end",
      "From sender@example.org  Sat Jan  1 00:00:00 2000\nContent-Length: 5\nX: y\n\n"
      "From protected\nFrom also protected\n\n",
      "From s  Sat Jan  1 00:00:00 2000\n\nends with empty line\n\n",
      "\nFrom s  Sat Jan  1 00:00:00 2000\nFrom x\n\nleading empty line\n",
  };
  int n = 0;
  for (const std::string& msg : messages) {
    ++n;
    TempDir dir;
    testing::write_file(dir / "msg", msg);
    testing::write_file(dir / "procmail.mbox", kOld);
    // An atime older than the mtime spares procmail its one-second "new mail" pause.
    struct timeval times[2];
    ::gettimeofday(&times[1], nullptr);
    times[0] = times[1];
    times[0].tv_sec -= 100;
    ASSERT_EQ(::utimes((dir / "procmail.mbox").c_str(), times), 0);
    testing::write_file(dir / "mailsift.mbox", kOld);
    const std::string cmd = "cd '" + dir.path() + "' && /usr/bin/procmail DEFAULT='" +
                            (dir / "procmail.mbox") + "' /dev/null < msg 2>'" + (dir / "log") +
                            "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << testing::read_file(dir / "log");
    DeliveryReport report;
    const Status st = MboxFolder(dir / "mailsift.mbox")
                          .deliver(sys::real_io(), parse(msg),
                                   options_with_lock(dir / "mailsift.mbox.lock"), &report);
    ASSERT_TRUE(st.ok()) << st.message();
    const std::string want = testing::read_file(dir / "procmail.mbox");
    const std::string got = testing::read_file(dir / "mailsift.mbox");
    EXPECT_EQ(got, want) << "message " << n;
    EXPECT_EQ(report.bytes_written, want.size() - kOld.size()) << "message " << n;
  }
}

// A torn tail: the mbox ends inside a message (a delivery killed by SIGKILL in the
// middle of its append, or one whose truncate-back failed). The next delivery ends
// it with an empty line, so that its own From_ line starts a line.
struct TailCase {
  const char* name;
  std::string before;         // the mbox before the delivery
  std::vector<Fault> faults;
  bool want_ok;
  std::string want_between;   // what comes between `before` and the message
  bool want_warning;
};

TEST(Mbox, TornTailIsEndedBeforeTheNextMessage) {
  const std::string torn = "From cut  Mon Jan  1 00:00:00 2001\nSubject: cut\n\npartial li";
  Fault midway = fault(Op::kWrite, ENOSPC);
  midway.bytes_before_failure = 10;  // the empty line gets through, the message not
  const TailCase cases[] = {
      {"torn tail", torn, {}, true, "\n\n", true},
      {"ends in one newline (a message without a final newline): left alone",
       "From a  Mon Jan  1 00:00:00 2001\n\nno final newline\n", {}, true, "", false},
      {"ends in an empty line: left alone", kOld, {}, true, "", false},
      {"empty file", "", {}, true, "", false},
      {"the message fails after the repair: both undone", torn, {midway}, false, "", false},
      {"the tail cannot be read: appended as before", torn, {fault(Op::kRead, EIO)}, true, "",
       false},
      {"not readable (write-only mailbox): appended as before", torn,
       {fault(Op::kOpen, EACCES)}, true, "", false},
  };
  const std::string msg = "From a\nX: 1\n\nbody\n";
  const std::string added = "From a\nX: 1\n\nbody\n\n";
  for (const TailCase& c : cases) {
    TempDir dir;
    const std::string path = dir / "mbox";
    testing::write_file(path, c.before);
    FaultyIo io;
    for (const Fault& f : c.faults) io.add(f);
    DeliveryReport report;
    const Status st = MboxFolder(path).deliver(io, parse(msg), DeliveryOptions(), &report);
    EXPECT_EQ(st.ok(), c.want_ok) << c.name << ": " << st.message();
    for (const Fault& f : c.faults) EXPECT_GE(io.fired(), 1) << c.name << " " << f.err;
    const std::string want = c.want_ok ? c.before + c.want_between + added : c.before;
    EXPECT_EQ(testing::read_file(path), want) << c.name;
    EXPECT_EQ(report.warnings.size(), c.want_warning ? 1u : 0u) << c.name;
    if (c.want_warning && !report.warnings.empty()) {
      EXPECT_NE(report.warnings[0].find("ended in the middle of a line"), std::string::npos)
          << c.name << ": " << report.warnings[0];
    }
    if (c.want_ok) {
      EXPECT_EQ(report.bytes_written, added.size()) << c.name << ": the message only";
    }
  }
}

// Reading the last byte must not make new mail look read: biff and shells say
// "new mail" while the mtime is later than the atime.
TEST(Mbox, LookingAtTheTailKeepsTheAccessTime) {
  TempDir dir;
  const std::string path = dir / "mbox";
  testing::write_file(path, "From a  Mon Jan  1 00:00:00 2001\n\nunread\n");
  struct timeval times[2];
  ::gettimeofday(&times[1], nullptr);
  times[0] = times[1];
  times[0].tv_sec -= 100;  // unread: accessed long before it was modified
  ASSERT_EQ(::utimes(path.c_str(), times), 0);
  DeliveryReport report;
  ASSERT_TRUE(MboxFolder(path).deliver(sys::real_io(), parse("From b\n\nx\n"),
                                       DeliveryOptions(), &report).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_atime, times[0].tv_sec) << "the access time moved: the mail looks read";
}

// A FIFO is opened write-only, as procmail opens it: read-write, the open would not
// wait for a reader and the message could be left in a pipe nobody reads. (The
// delivery then fails all the same, since a pipe cannot be synced.)
TEST(Mbox, FifoIsOpenedWriteOnly) {
  TempDir dir;
  const std::string path = dir / "fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const pid_t reader = ::fork();
  if (reader == 0) {
    ::usleep(200000);  // the delivery must wait for this reader to appear
    const std::string got = testing::read_file(path);
    ::_exit(got == "From a\n\nx\n\n" ? 0 : 1);
  }
  DeliveryReport report;
  const auto start = std::chrono::steady_clock::now();
  const Status st =
      MboxFolder(path).deliver(sys::real_io(), parse("From a\n\nx\n"), DeliveryOptions(), &report);
  const auto waited = std::chrono::steady_clock::now() - start;
  int status = 0;
  ::waitpid(reader, &status, 0);
  EXPECT_GE(waited, std::chrono::milliseconds(150)) << "did not wait for a reader: " << st.message();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the reader did not get it";
}

}  // namespace
}  // namespace mailsift::deliver
