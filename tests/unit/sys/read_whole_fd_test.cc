#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "faulty_io.h"
#include "mailsift/sys/io.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

// More than one read's worth, so that the loop goes round.
const std::string kText = std::string(20000, 'x') + "end\n";

TEST(ReadWholeFd, ReadsToTheEndAndLeavesTheFdOpen) {
  TempDir dir;
  testing::write_file(dir / "f", kText);
  FaultyIo io;
  io.add(testing::fault_on(Op::kRead, EINTR, "/f", 2));  // retried
  const int fd = io.open((dir / "f").c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  std::string out = "old";
  EXPECT_EQ(read_whole_fd(io, fd, &out), 0) << std::strerror(errno);
  EXPECT_EQ(out.size(), kText.size());
  EXPECT_EQ(out, kText);
  EXPECT_EQ(io.fired(), 1);
  EXPECT_NE(::fcntl(fd, F_GETFD), -1) << "got the fd closed, wanted it open";
  io.close(fd);
}

TEST(ReadWholeFd, AFailedReadKeepsOutAsItWas) {
  struct Case {
    const char* name;
    int nth;  // the read that fails
  } const cases[] = {{"first read", 1}, {"second read", 2}, {"last read", 4}};
  for (const auto& c : cases) {
    TempDir dir;
    testing::write_file(dir / "f", kText);
    FaultyIo io;
    io.add(testing::fault_on(Op::kRead, EIO, "/f", c.nth));
    const int fd = io.open((dir / "f").c_str(), O_RDONLY, 0);
    ASSERT_GE(fd, 0);
    std::string out = "old";
    errno = 0;
    EXPECT_EQ(read_whole_fd(io, fd, &out), -1) << c.name;
    EXPECT_EQ(errno, EIO) << c.name << ": got " << std::strerror(errno) << ", wanted EIO";
    EXPECT_EQ(out, "old") << c.name;
    io.close(fd);
  }
}

TEST(ReadWholeFile, ReportsAReadFaultWithItsErrno) {
  TempDir dir;
  testing::write_file(dir / "f", kText);
  FaultyIo io;
  io.add(testing::fault_on(Op::kRead, EIO, "/f", 2));
  std::string out = "old";
  errno = 0;
  EXPECT_EQ(read_whole_file(io, dir / "f", &out), -1);
  EXPECT_EQ(errno, EIO) << "got " << std::strerror(errno) << ", wanted EIO (after the close)";
  EXPECT_EQ(out, "old");
  EXPECT_EQ(read_whole_file(sys::real_io(), dir / "f", &out), 0);
  EXPECT_EQ(out, kText);
}

}  // namespace
}  // namespace mailsift::sys
