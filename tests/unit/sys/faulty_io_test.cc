// The fault-injecting Io of the tests (tests/support/faulty_io.h): a fault aimed at a
// file's path fires on calls with a descriptor of that file, and only on those, even
// after code closed that descriptor without the Io (a spooled body, a pipe) and the
// number was given to something else.
#include "faulty_io.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>

#include "temp_dir.h"

namespace mailsift::testing {
namespace {

TEST(FaultyIo, AFaultFollowsTheFileNotTheDescriptorNumber) {
  TempDir dir;
  FaultyIo io;
  io.add(fault_on(Op::kWrite, ENOSPC, dir / "target", 1));
  const int file = io.open((dir / "target").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(file, 0);
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::close(file);  // not through the Io: its record of the descriptor stays behind
  // A pipe's write end takes the old number.
  ASSERT_EQ(::dup2(pipe_fds[1], file), file);
  EXPECT_EQ(io.write(file, "x", 1), 1) << "the fault fired on a pipe";
  EXPECT_EQ(io.fired(), 0);
  ::close(file);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  // The file itself, opened again, still gets the fault.
  const int again = io.open((dir / "target").c_str(), O_WRONLY | O_CLOEXEC, 0600);
  ASSERT_GE(again, 0);
  EXPECT_EQ(io.write(again, "x", 1), -1);
  EXPECT_EQ(errno, ENOSPC);
  EXPECT_EQ(io.fired(), 1);
  io.close(again);
}

}  // namespace
}  // namespace mailsift::testing
