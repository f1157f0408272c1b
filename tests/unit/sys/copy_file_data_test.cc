// copy_file_data: the kernel copies ranges of a spool file to a destination, stepping
// down from copy_file_range to sendfile to "write it yourself", and tells a refusal
// (the caller writes) from a failure (the delivery fails).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "faulty_io.h"
#include "mailsift/sys/io.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

const char* method_name(KernelCopy m) {
  switch (m) {
    case KernelCopy::kCopyFileRange: return "copy_file_range";
    case KernelCopy::kSendfile: return "sendfile";
    case KernelCopy::kUnavailable: return "unavailable";
  }
  return "?";
}

// A source file of `size` distinct-looking bytes, opened for reading.
class Source {
 public:
  Source(const TempDir& dir, std::size_t size) {
    for (std::size_t i = 0; bytes_.size() < size; ++i) bytes_ += std::to_string(i) + ",";
    bytes_.resize(size);
    testing::write_file(dir / "source", bytes_);
    fd_ = ::open((dir / "source").c_str(), O_RDONLY | O_CLOEXEC);
  }
  ~Source() { ::close(fd_); }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;
  int fd() const { return fd_; }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
  int fd_ = -1;
};

struct CopyCase {
  const char* name;
  std::vector<Fault> faults;  // on the destination ("out")
  std::size_t want_copied;    // of the 299000 bytes from offset 1000
  int want_errno;             // when fewer: the errno left
  KernelCopy want_method;
};

Fault sticky(Fault f) {
  f.sticky = true;
  return f;
}

TEST(CopyFileData, StepsDownOnRefusalAndStopsOnFailure) {
  Fault full = testing::fault_on(Op::kWrite, ENOSPC, "out");
  full.bytes_before_failure = 5000;
  const CopyCase cases[] = {
      {"copy_file_range copies", {}, 299000, 0, KernelCopy::kCopyFileRange},
      {"EINTR is retried", {testing::fault_on(Op::kCopyFileRange, EINTR, "out")}, 299000, 0,
       KernelCopy::kCopyFileRange},
      {"EXDEV: sendfile instead", {sticky(testing::fault_on(Op::kCopyFileRange, EXDEV, "out"))},
       299000, 0, KernelCopy::kSendfile},
      {"both refused: the caller writes",
       {sticky(testing::fault_on(Op::kCopyFileRange, EBADF, "out")),
        sticky(testing::fault_on(Op::kSendfile, EINVAL, "out"))},
       0, EINVAL, KernelCopy::kUnavailable},
      {"ENOSPC is a failure, not a refusal",
       {testing::fault_on(Op::kCopyFileRange, ENOSPC, "out")}, 0, ENOSPC,
       KernelCopy::kCopyFileRange},
      {"EIO from sendfile is a failure",
       {sticky(testing::fault_on(Op::kCopyFileRange, ENOSYS, "out")),
        testing::fault_on(Op::kSendfile, EIO, "out")},
       0, EIO, KernelCopy::kSendfile},
      // 5 of the 5000 bytes are the "head:" written first.
      {"the disk fills after 5000 bytes", {full}, 4995, ENOSPC, KernelCopy::kCopyFileRange},
  };
  for (const CopyCase& c : cases) {
    TempDir dir;
    Source source(dir, 300000);
    ASSERT_GE(source.fd(), 0);
    FaultyIo io;
    for (const Fault& f : c.faults) io.add(f);
    const std::string out = dir / "out";
    const int fd = io.open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0) << c.name;
    ASSERT_EQ(io.write(fd, "head:", 5), 5) << c.name;
    KernelCopy method = KernelCopy::kCopyFileRange;
    errno = 0;
    const std::size_t copied = copy_file_data(io, source.fd(), 1000, fd, 299000, &method);
    const int err = errno;
    io.close(fd);
    EXPECT_EQ(copied, c.want_copied) << c.name;
    if (copied < 299000) {
      EXPECT_EQ(err, c.want_errno) << c.name << ": errno " << err << ", want " << c.want_errno;
    }
    EXPECT_EQ(method, c.want_method) << c.name << ": method " << method_name(method)
                                     << ", want " << method_name(c.want_method);
    // Whatever was copied is the right bytes, after what was written before.
    EXPECT_TRUE(testing::read_file(out) == "head:" + source.bytes().substr(1000, copied))
        << c.name << ": the destination holds other bytes";
  }
}

// The real kernel's answers for the destinations a delivery meets: a regular file
// (copied), an mbox opened with O_APPEND (refused by both calls on Linux: the caller
// writes) and a pipe (sendfile). The bytes that arrive are checked, whatever the
// kernel chose.
TEST(CopyFileData, RealDestinations) {
  TempDir dir;
  Source source(dir, 200000);
  ASSERT_GE(source.fd(), 0);
  const std::string want = source.bytes().substr(10);
  Io& io = real_io();

  for (const int extra : {0, O_APPEND}) {
    const std::string out = dir / (extra == 0 ? "plain" : "append");
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | extra, 0600);
    ASSERT_GE(fd, 0);
    KernelCopy method = KernelCopy::kCopyFileRange;
    const std::size_t copied = copy_file_data(io, source.fd(), 10, fd, want.size(), &method);
    ::close(fd);
    const std::string what = extra == 0 ? "regular file" : "O_APPEND file";
    if (copied < want.size()) {
      EXPECT_EQ(method, KernelCopy::kUnavailable) << what << ": stopped after " << copied;
    }
    EXPECT_TRUE(testing::read_file(out) == want.substr(0, copied)) << what << ": other bytes";
    if (extra == 0) {
      EXPECT_EQ(copied, want.size()) << what;
    }
  }

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string got;
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
      got.append(buf, static_cast<std::size_t>(n));
    }
  });
  KernelCopy method = KernelCopy::kCopyFileRange;
  const std::size_t copied = copy_file_data(io, source.fd(), 10, fds[1], want.size(), &method);
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  if (copied < want.size()) {
    EXPECT_EQ(method, KernelCopy::kUnavailable) << "pipe";
  }
  EXPECT_NE(method, KernelCopy::kCopyFileRange) << "copy_file_range into a pipe";
  EXPECT_TRUE(got == want.substr(0, copied)) << "pipe: other bytes";
}

}  // namespace
}  // namespace mailsift::sys
