// start_coprocess / end_coprocess, descriptor passing, and end_programs_on_sigterm:
// what an LMTP worker is made of (lmtp/user_worker.h).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "mailsift/sys/descriptor_passing.h"
#include "mailsift/sys/process.h"
#include "temp_dir.h"

namespace mailsift::sys {
namespace {

using testing::read_file;
using testing::TempDir;

// A child that answers each packet with its text upper-cased and, when a descriptor
// came with it, the first byte read from it.
int echo_upper(int channel) {
  for (;;) {
    std::string packet;
    int fd = -1;
    const int got = receive_packet(channel, &packet, &fd);
    if (got == -1) return 7;  // the parent closed its end
    if (got != 0) return 9;
    for (char& c : packet) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (fd >= 0) {
      char first = '?';
      if (::pread(fd, &first, 1, 0) == 1) packet += first;
      ::close(fd);
    }
    if (send_packet(channel, packet, -1) != 0) return 8;
  }
}

TEST(Coprocess, AnswersRequestsAndEndsWhenTheParentClosesItsEnd) {
  Coprocess child = start_coprocess(echo_upper, {});
  ASSERT_GT(child.pid, 0);
  ASSERT_EQ(send_packet(child.fd, "hello", -1), 0);
  std::string answer;
  int fd = -1;
  ASSERT_EQ(receive_packet(child.fd, &answer, &fd), 0);
  EXPECT_EQ(answer, "HELLO");
  EXPECT_EQ(fd, -1);
  EXPECT_EQ(end_coprocess(&child, false), 7);
  EXPECT_EQ(child.pid, -1);
  EXPECT_EQ(child.fd, -1);
}

TEST(Coprocess, ADescriptorTravelsWithThePacket) {
  Coprocess child = start_coprocess(echo_upper, {});
  ASSERT_GT(child.pid, 0);
  const int spool = ::memfd_create("test", MFD_CLOEXEC);
  ASSERT_EQ(::write(spool, "xyz", 3), 3);
  ASSERT_EQ(send_packet(child.fd, "msg", spool), 0);
  ::close(spool);
  std::string answer;
  int fd = -1;
  ASSERT_EQ(receive_packet(child.fd, &answer, &fd), 0);
  EXPECT_EQ(answer, "MSGx");
  EXPECT_EQ(end_coprocess(&child, false), 7);
}

TEST(Coprocess, LeadsAProcessGroupAndClosesWhatItIsTold) {
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  const int kept = pipe_ends[1];
  Coprocess child = start_coprocess(
      [kept](int) {
        // The descriptor it was told to close is closed; it leads its own group.
        const bool closed = ::fcntl(kept, F_GETFD) < 0 && errno == EBADF;
        return (closed ? 1 : 0) + (::getpgid(0) == ::getpid() ? 2 : 0);
      },
      {kept});
  ASSERT_GT(child.pid, 0);
  EXPECT_EQ(end_coprocess(&child, false), 3);
  ::close(pipe_ends[0]);
  ::close(pipe_ends[1]);
}

TEST(Coprocess, TheParentSeesTheEndOfAChildThatDied) {
  Coprocess child = start_coprocess([](int) { return 0; }, {});
  ASSERT_GT(child.pid, 0);
  std::string answer;
  int fd = -1;
  EXPECT_EQ(receive_packet(child.fd, &answer, &fd), -1);
  EXPECT_EQ(send_packet(child.fd, "late", -1), EPIPE);  // and no SIGPIPE
  EXPECT_EQ(end_coprocess(&child, false), 0);
}

TEST(Coprocess, KillingEndsTheProgramsItRuns) {
  TempDir dir;
  const std::string pid_file = dir.path() + "/program.pid";
  Coprocess child = start_coprocess(
      [&](int channel) {
        end_programs_on_sigterm();
        ProgramSpec spec;
        // A program in a process group of its own, which outlives a kill of the
        // coprocess's group unless the coprocess takes it along.
        spec.argv = {"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 60"};
        spec.environment = {"PATH=/usr/bin:/bin"};
        send_packet(channel, "started", -1);
        run_program(spec, nullptr);
        return 0;
      },
      {});
  ASSERT_GT(child.pid, 0);
  std::string answer;
  int fd = -1;
  ASSERT_EQ(receive_packet(child.fd, &answer, &fd), 0);
  std::string pid_text;
  for (int i = 0; i < 500 && pid_text.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pid_text = read_file(pid_file);
  }
  ASSERT_FALSE(pid_text.empty());
  const pid_t program = static_cast<pid_t>(std::stol(pid_text));
  EXPECT_EQ(::getpgid(program), program);  // its own group
  EXPECT_EQ(end_coprocess(&child, true), 75);
  // SIGKILLed; the program was the coprocess's child, so init reaps it (or it stays a
  // zombie where nobody reaps orphans): either way not running.
  bool running = true;
  for (int i = 0; i < 200 && running; ++i) {
    const std::string stat = read_file("/proc/" + std::to_string(program) + "/stat");
    running = !stat.empty() && stat.find(") Z ") == std::string::npos;
    if (running) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(running);
}

TEST(DescriptorPassing, APacketTooLargeIsRefused) {
  int ends[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends), 0);
  EXPECT_EQ(send_packet(ends[0], std::string(kMaxPacket + 1, 'x'), -1), EMSGSIZE);
  ::close(ends[0]);
  ::close(ends[1]);
}

}  // namespace
}  // namespace mailsift::sys
