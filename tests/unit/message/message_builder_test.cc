// MessageBuilder: a message built from pieces as they come (a filter's output) is the
// message read_message makes of the same bytes, held in memory up to the limit and
// spooled past it; a spool file that cannot be made or written spends the builder
// and leaves nothing behind.
#include <dirent.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>

#include "faulty_io.h"
#include "mailsift/message/reader.h"
#include "temp_dir.h"
#include "test_time.h"

namespace mailsift::message {
namespace {

using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

ReadOptions options_in(const TempDir& dir, std::size_t limit) {
  ReadOptions options;
  options.in_memory_limit = limit;
  options.spool_directory = dir.path();
  options.now = test::kNow;
  return options;
}

// A message of exactly `size` bytes (at least 40), with a Content-Length field to
// rewrite and "From " lines in its body.
std::string message_of(std::size_t size) {
  std::string m = "From a@b  x\nContent-Length: 1\n\n";
  for (std::size_t line = 0; m.size() < size; ++line)
    m += line % 5 == 0 ? "From here\n" : "body line " + std::to_string(line) + "\n";
  m.resize(size);
  return m;
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (::readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n;
}

struct PieceCase {
  const char* name;
  std::size_t size;   // of the message
  std::size_t limit;  // in_memory_limit
  bool want_spooled;
};

TEST(MessageBuilder, PiecesMakeTheMessageReadMessageMakes) {
  const PieceCase cases[] = {
      {"well under the limit", 300, 1000, false},
      {"exactly the limit", 1000, 1000, false},
      {"one byte over", 1001, 1000, true},
      {"far over", 200000, 1000, true},
      {"limit 0 spools any message", 50, 0, true},
  };
  for (const PieceCase& c : cases) {
    const std::string input = message_of(c.size);
    const Message want = message_from_bytes(input, ReadOptions());
    for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, input.size()}) {
      const std::string what = std::string(c.name) + ", pieces of " + std::to_string(piece);
      TempDir dir;
      MessageBuilder builder(sys::real_io(), options_in(dir, c.limit));
      for (std::size_t at = 0; at < input.size(); at += piece) {
        const sys::Status status = builder.append(std::string_view(input).substr(at, piece));
        ASSERT_TRUE(status.ok()) << what << ": " << status.message();
      }
      EXPECT_EQ(builder.size(), input.size()) << what;
      EXPECT_EQ(builder.spooling(), c.want_spooled) << what;
      Message got;
      const sys::Status status = builder.finish(&got);
      ASSERT_TRUE(status.ok()) << what << ": " << status.message();
      EXPECT_EQ(got.head(), want.head()) << what;
      EXPECT_EQ(got.body(), want.body()) << what;
      EXPECT_EQ(got.content_length_protected(), want.content_length_protected()) << what;
      EXPECT_EQ(got.body_spooled(), c.want_spooled) << what;
      EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << what << ": a spool file is visible";
    }
  }
}

TEST(MessageBuilder, EmptyInputIsAnEmptyMessage) {
  TempDir dir;
  MessageBuilder builder(sys::real_io(), options_in(dir, 0));
  EXPECT_TRUE(builder.append("").ok());
  EXPECT_FALSE(builder.spooling());
  Message got = message_from_bytes("Old: message\n\nold\n", ReadOptions());
  ASSERT_TRUE(builder.finish(&got).ok());
  EXPECT_EQ(got.size(), 0u);
}

struct FailureCase {
  const char* name;
  Fault fault;
  sys::Step want_step;
  int want_err;
};

Fault fault(Op op, int err, int nth = 1) {
  Fault f{op, err, nth, false, {}, 0};
  return f;
}

Fault disk_full_after(std::size_t bytes) {
  Fault f = fault(Op::kWrite, ENOSPC);
  f.bytes_before_failure = bytes;
  return f;
}

// A failure spends the builder: the append that failed and every later call say
// the same, *out is left alone, no spool file and no descriptor are left.
TEST(MessageBuilder, SpoolFailuresSpendTheBuilder) {
  const FailureCase cases[] = {
      {"spool file cannot be created", fault(Op::kOpen, EACCES), sys::Step::kOpen, EACCES},
      {"no room for the spool file", fault(Op::kOpen, ENOSPC), sys::Step::kOpen, ENOSPC},
      {"the held bytes cannot be written", fault(Op::kWrite, EIO, 1), sys::Step::kWrite, EIO},
      {"a later piece cannot be written", fault(Op::kWrite, EIO, 3), sys::Step::kWrite, EIO},
      {"disk full midway", disk_full_after(5000), sys::Step::kWrite, ENOSPC},
      {"named spool file cannot be unlinked",
       fault(Op::kUnlink, EIO), sys::Step::kUnlink, EIO},
  };
  const std::string input = message_of(20000);
  for (const FailureCase& c : cases) {
    TempDir dir;
    FaultyIo io;
    io.add(c.fault);
    // The unlink fault needs the named fall-back (no O_TMPFILE).
    if (c.fault.op == Op::kUnlink) io.add(fault(Op::kOpen, EOPNOTSUPP));
    const std::size_t descriptors = open_descriptors();
    Message out = message_from_bytes("Old: message\n\nold body\n", ReadOptions());
    {
      MessageBuilder builder(io, options_in(dir, 1000));
      sys::Status status;
      std::size_t at = 0;
      for (; at < input.size() && status.ok(); at += 700)
        status = builder.append(std::string_view(input).substr(at, 700));
      EXPECT_EQ(status.step(), c.want_step) << c.name << ": " << status.message();
      EXPECT_EQ(status.err(), c.want_err) << c.name << ": " << status.message();
      EXPECT_FALSE(builder.spooling()) << c.name;
      const sys::Status later = builder.append("more");
      EXPECT_EQ(later.step(), c.want_step) << c.name << ": a later append: " << later.message();
      const sys::Status finished = builder.finish(&out);
      EXPECT_EQ(finished.step(), c.want_step) << c.name << ": finish: " << finished.message();
    }
    EXPECT_GE(io.fired(), 1) << c.name;
    EXPECT_EQ(out.head(), "Old: message\n\n") << c.name;
    EXPECT_EQ(out.body(), "old body\n") << c.name;
    EXPECT_EQ(open_descriptors(), descriptors) << c.name << ": a descriptor was left open";
    if (c.fault.op != Op::kUnlink) {  // there the name is left: it could not be removed
      EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << c.name << ": spool file left";
    }
  }
}

// A builder hands out its message once: a second finish() or a later append() fails
// instead of succeeding with nothing.
TEST(MessageBuilder, FinishedBuilderGivesNothingMore) {
  TempDir dir;
  FaultyIo io;
  for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{10}}) {  // memory, spool
    MessageBuilder builder(io, options_in(dir, limit));
    ASSERT_TRUE(builder.append(message_of(5000)).ok());
    Message first;
    ASSERT_TRUE(builder.finish(&first).ok()) << limit;
    const std::size_t size = first.size();
    EXPECT_GT(size, 4000u) << limit;
    Message second;
    EXPECT_FALSE(builder.finish(&second).ok()) << limit;
    EXPECT_FALSE(builder.append("more").ok()) << limit;
    EXPECT_EQ(second.size(), 0u) << limit;
    EXPECT_EQ(first.size(), size) << limit << ": the message made is untouched";
  }
}

// A builder given up on before finish (a filter that failed) closes its spool file,
// which, being unlinked, is then gone.
TEST(MessageBuilder, UnfinishedBuilderLeavesNothing) {
  TempDir dir;
  FaultyIo io;
  io.add(fault(Op::kOpen, EOPNOTSUPP));  // the named fall-back, to see the name go
  const std::size_t descriptors = open_descriptors();
  {
    MessageBuilder builder(io, options_in(dir, 10));
    ASSERT_TRUE(builder.append(message_of(5000)).ok());
    ASSERT_TRUE(builder.spooling());
    EXPECT_EQ(open_descriptors(), descriptors + 1);
    EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << "the spool file has a name";
  }
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(open_descriptors(), descriptors) << "the spool file is still open";
}

}  // namespace
}  // namespace mailsift::message
