#include "mailsift/message/reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>
#include <thread>

#include "faulty_io.h"
#include "mailsift/limits.h"
#include "temp_dir.h"
#include "test_time.h"

namespace mailsift::message {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

// Feeds bytes into a pipe from a thread, as an MTA feeds procmail's stdin.
class Feeder {
 public:
  explicit Feeder(std::string data) : data_(std::move(data)) {
    std::signal(SIGPIPE, SIG_IGN);  // the reader may stop early on an injected error
    if (::pipe(fds_) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] {
      std::size_t done = 0;
      while (done < data_.size()) {
        const ssize_t n = ::write(fds_[1], data_.data() + done, data_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      ::close(fds_[1]);
    });
  }
  ~Feeder() {
    ::close(fds_[0]);
    thread_.join();
  }
  Feeder(const Feeder&) = delete;
  Feeder& operator=(const Feeder&) = delete;
  int fd() const { return fds_[0]; }

 private:
  std::string data_;
  int fds_[2] = {-1, -1};
  std::thread thread_;
};

// A message of about `size` bytes with a recognisable, non-repeating body.
std::string big_message(std::size_t size) {
  std::string m = "From a@b  Sat Nov 28 14:58:20 2026\nSubject: big\nContent-Length: 1\n\n";
  std::size_t line = 0;
  while (m.size() < size) {
    m += "line " + std::to_string(line++) + " of the body\n";
    if (line % 1000 == 0) m += "From inside the body\n";
  }
  return m;
}

Fault fault(Op op, int err, int nth) {
  Fault f{op, err, nth, false, {}, 0};
  return f;
}

ReadOptions options_in(const TempDir& dir, std::size_t limit) {
  ReadOptions options;
  options.in_memory_limit = limit;
  options.spool_directory = dir.path();
  options.now = test::kNow;
  return options;
}

struct ReadCase {
  const char* name;
  std::string input;
  bool manage;
  std::optional<std::string> sender;
  bool berkeley;
  std::string want_head;
  std::string want_body;
  std::size_t want_protected;
};

// Every case is read twice through a pipe: held in memory, and spooled (limit 0), and
// must give the same bytes both ways.
TEST(ReadMessage, ThroughPipeInMemoryAndSpooled) {
  test::use_utc();
  const std::string stamp = std::string("From inv  ") + test::kNowText + "\n";
  const ReadCase cases[] = {
      {"empty", "", false, std::nullopt, false, "", "", 0},
      {"empty, managed", "", true, std::nullopt, false, stamp, "", 0},
      {"verbatim", "\nFrom a  x\nA: b\n\nbody\n", false, "z", false, "\nFrom a  x\nA: b\n\n",
       "body\n", 0},
      {"generated From_", "\nA: b\n\nbody\n", true, std::nullopt, false, stamp + "A: b\n\n",
       "body\n", 0},
      {"Content-Length rewritten", "From a  x\nContent-Length: 99\n\nbody\nFrom x\n", true,
       std::nullopt, false, "From a  x\nContent-Length: 12\n\n", "body\nFrom x\n", 12},
      {"-Y leaves Content-Length", "From a  x\nContent-Length: 99\n\nbody\n", true,
       std::nullopt, true, "From a  x\nContent-Length: 99\n\n", "body\n", 0},
      {"binary", std::string("A: \xff\0\n\n\0\x80\n", 10), false, std::nullopt, false,
       std::string("A: \xff\0\n\n", 7), std::string("\0\x80\n", 3), 0},
  };
  for (const ReadCase& c : cases) {
    for (std::size_t limit : {limits::kMaxInMemoryMessage, std::size_t{0}}) {
      TempDir dir;
      ReadOptions options = options_in(dir, limit);
      options.from_line.manage = c.manage;
      options.from_line.sender = c.sender;
      options.from_line.invoker = "inv";
      options.berkeley = c.berkeley;
      Feeder feeder(c.input);
      Message m;
      const sys::Status status = read_message(sys::real_io(), feeder.fd(), options, &m);
      const std::string what = std::string(c.name) + (limit == 0 ? " (spooled)" : "");
      ASSERT_TRUE(status.ok()) << what << ": " << status.message();
      EXPECT_EQ(m.head(), c.want_head) << what;
      EXPECT_EQ(m.body(), c.want_body) << what;
      EXPECT_EQ(m.content_length_protected(), c.want_protected) << what;
      EXPECT_EQ(m.body_spooled(), limit == 0 && !c.want_body.empty()) << what;
      EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << what << ": spool file left";
    }
  }
}

TEST(ReadMessage, LargeMessageIsSpooledOnceWithIdenticalBytes) {
  const std::string input = big_message(3u << 20);
  TempDir dir;
  ReadOptions options = options_in(dir, 1u << 20);
  Message spooled;
  {
    Feeder feeder(input);
    const sys::Status status = read_message(sys::real_io(), feeder.fd(), options, &spooled);
    ASSERT_TRUE(status.ok()) << status.message();
  }
  EXPECT_TRUE(spooled.body_spooled());
  EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << "the spool file must be unlinked";

  Message held;
  options.in_memory_limit = input.size();  // a limit the message stays under
  {
    Feeder feeder(input);
    ASSERT_TRUE(read_message(sys::real_io(), feeder.fd(), options, &held).ok());
  }
  EXPECT_FALSE(held.body_spooled());
  EXPECT_EQ(spooled.head(), held.head());
  EXPECT_TRUE(spooled.body() == held.body()) << "spooled and in-memory bodies differ";
  EXPECT_EQ(spooled.size(), input.size());
  // "Content-Length: 1" is too narrow for the real length: 99, and 99 bytes protected.
  std::string want_head = input.substr(0, spooled.head().size());
  want_head.replace(want_head.find("Content-Length: 1"), 17, "Content-Length:99");
  EXPECT_EQ(spooled.head(), want_head);
  EXPECT_EQ(spooled.content_length_protected(), 99u);
  EXPECT_TRUE(spooled.body() == std::string_view(input).substr(want_head.size()));
}

TEST(ReadMessage, SpooledMessageOutlivesMoves) {
  const std::string input = big_message(200000);
  TempDir dir;
  Message outer;
  {
    Message m;
    Feeder feeder(input);
    ASSERT_TRUE(read_message(sys::real_io(), feeder.fd(), options_in(dir, 1000), &m).ok());
    outer = std::move(m);
  }
  ASSERT_TRUE(outer.body_spooled());
  EXPECT_EQ(outer.size(), input.size());
  EXPECT_EQ(outer.body().substr(outer.body().size() - 5), "body\n");
}

TEST(ReadMessage, RetriesEintr) {
  FaultyIo io;
  io.add(fault(Op::kRead, EINTR, 1));
  // Faults count only the calls they see: this is the third read overall.
  io.add(fault(Op::kRead, EINTR, 2));
  TempDir dir;
  Feeder feeder("A: b\n\nbody\n");
  Message m;
  const sys::Status status = read_message(io, feeder.fd(), options_in(dir, 1 << 20), &m);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(io.fired(), 2);
  EXPECT_EQ(m.body(), "body\n");
}

struct FaultCase {
  const char* name;
  Fault fault;
  std::size_t limit;
  sys::Step want_step;
  int want_err;
};

// A failure anywhere while reading fails the whole read and leaves *out alone: a
// partial message must never be delivered.
TEST(ReadMessage, FailuresLeaveOutputUntouched) {
  const std::string input = big_message(300000);
  const FaultCase cases[] = {
      {"first read fails", fault(Op::kRead, EIO, 1), 1 << 20, sys::Step::kRead, EIO},
      {"later read fails", fault(Op::kRead, EIO, 3), 1 << 20, sys::Step::kRead, EIO},
      {"read fails while spooling", fault(Op::kRead, EIO, 4), 100, sys::Step::kRead, EIO},
      {"spool file cannot be created", fault(Op::kOpen, EACCES, 1), 100, sys::Step::kOpen, EACCES},
      {"spool disk full at once", fault(Op::kWrite, ENOSPC, 1), 100, sys::Step::kWrite, ENOSPC},
      {"spool disk full later", fault(Op::kWrite, ENOSPC, 3), 100, sys::Step::kWrite, ENOSPC},
  };
  for (const FaultCase& c : cases) {
    TempDir dir;
    FaultyIo io;
    io.add(c.fault);
    Message out = message_from_bytes("Old: message\n\nold body\n", ReadOptions());
    Feeder feeder(input);
    const sys::Status status = read_message(io, feeder.fd(), options_in(dir, c.limit), &out);
    EXPECT_FALSE(status.ok()) << c.name;
    EXPECT_EQ(status.step(), c.want_step) << c.name << ": " << status.message();
    EXPECT_EQ(status.err(), c.want_err) << c.name << ": " << status.message();
    EXPECT_EQ(out.head(), "Old: message\n\n") << c.name;
    EXPECT_EQ(out.body(), "old body\n") << c.name;
    EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << c.name << ": spool file left";
  }
}

TEST(ReadMessage, MissingSpoolDirectory) {
  TempDir dir;
  ReadOptions options = options_in(dir, 10);
  options.spool_directory = dir / "missing";
  Feeder feeder(big_message(1000));
  Message m;
  const sys::Status status = read_message(sys::real_io(), feeder.fd(), options, &m);
  EXPECT_EQ(status.step(), sys::Step::kOpen) << status.message();
  EXPECT_EQ(status.err(), ENOENT) << status.message();
}

TEST(ReadMessage, SpoolFallsBackToNamedFileWithoutOTmpfile) {
  const std::string input = big_message(100000);
  TempDir dir;
  FaultyIo io;
  io.add(fault(Op::kOpen, EOPNOTSUPP, 1));
  Feeder feeder(input);
  Message m;
  const sys::Status status = read_message(io, feeder.fd(), options_in(dir, 1000), &m);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(io.fired(), 1);
  EXPECT_TRUE(m.body_spooled());
  EXPECT_EQ(m.size(), input.size());
  EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << "the named spool file must be unlinked";
}

TEST(ReadMessage, SpoolFallbackUnlinkFailure) {
  TempDir dir;
  FaultyIo io;
  io.add(fault(Op::kOpen, EOPNOTSUPP, 1));
  io.add(fault(Op::kUnlink, EIO, 1));
  Feeder feeder(big_message(100000));
  Message m;
  const sys::Status status = read_message(io, feeder.fd(), options_in(dir, 1000), &m);
  EXPECT_EQ(status.step(), sys::Step::kUnlink) << status.message();
}

TEST(ReadMessage, GeneratedDateComesFromIoClockByDefault) {
  test::use_utc();
  TempDir dir;
  FaultyIo io;
  io.use_fake_time(test::kNow);
  ReadOptions options = options_in(dir, 1 << 20);
  options.now = 0;
  options.from_line.manage = true;
  options.from_line.sender = "x@y";
  Feeder feeder("A: b\n\nbody\n");
  Message m;
  ASSERT_TRUE(read_message(io, feeder.fd(), options, &m).ok());
  EXPECT_EQ(m.from_line(), std::string("From x@y  ") + test::kNowText + "\n");
  EXPECT_EQ(m.envelope_sender(), "x@y");
}

}  // namespace
}  // namespace mailsift::message
