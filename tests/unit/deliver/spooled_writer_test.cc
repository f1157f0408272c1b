// Writing a spooled message (one larger than limits::kMaxInMemoryMessage): the same
// bytes as from memory, whatever the destination; the verbatim ranges copied by the
// kernel from the spool file; quoting done a window at a time; the mapping's pages
// given back as the writer goes; a refused kernel copy falls back to writes, a
// failing one fails the write.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "faulty_io.h"
#include "forwarding_io.h"
#include "mailsift/deliver/program.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/limits.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using message::Message;
using testing::Fault;
using testing::FaultyIo;
using testing::Op;
using testing::TempDir;

WriteFormat format(FolderKind kind, Part part = Part::kWhole, bool raw = false) {
  DeliveryOptions options;
  options.part = part;
  options.raw = raw;
  return format_for(kind, options);
}

// Lines of many lengths, every seventh a "From " line and some ">From " lines, so
// that line starts fall on every offset around the window boundaries.
std::string varied_body(std::size_t size) {
  std::string body;
  for (std::size_t i = 0; body.size() < size; ++i) {
    if (i % 7 == 3) {
      body += "From line " + std::to_string(i) + "\n";
    } else if (i % 11 == 5) {
      body += ">From kept " + std::to_string(i) + "\n";
    } else {
      body += std::string(i % 97, static_cast<char>('a' + i % 26)) + "\n";
    }
  }
  return body;
}

// The message as an mbox stores it, by the rule of writer.h stated on its own: a
// ">" before every "From " at a line start, except on the first line and where the
// "From " or the newline before it is inside the Content-Length-protected body range;
// one "\n" added unless the text ends in an empty line.
std::string mbox_by_rule(const Message& m) {
  const std::string text = std::string(m.head()) + std::string(m.body());
  const std::size_t head = m.head().size();
  const std::size_t first_newline = text.find('\n');
  const std::size_t guarded = std::min(m.content_length_protected(), m.body().size());
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && text[i - 1] == '\n' && i - 1 >= first_newline &&
        text.compare(i, 5, "From ") == 0) {
      const std::size_t b = i - head;  // the offset in the body, when i >= head
      if (i < head || (b == 0 ? guarded == 0 : b > guarded)) out += '>';
    }
    out += text[i];
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\n\n") != 0) out += '\n';
  return out;
}

struct Input {
  const char* name;
  std::string bytes;
};

std::vector<Input> inputs() {
  const std::size_t window = limits::kSpoolWindow;
  const std::string head = "From a@b  Sat Jan  1 00:00:00 2000\n>From x\nSubject: s\nFrom h\n\n";
  return {
      {"small", head + "From b\nline\n>From c\nend"},
      {"ends in an empty line", head + "x\n\n"},
      {"one byte body", head + "x"},
      {"varied lines over four windows", head + varied_body(4 * window + 333)},
      {"a line longer than a window, From after it",
       head + std::string(window + 100, 'x') + "\nFrom y\n" + std::string(window, 'z') +
           "From z\n"},
      {"From at the window boundary",
       head + std::string(window - 1, 'x') + "\nFrom y\n" + std::string(10, 'q') + "\nFrom z"},
      {"Content-Length protects the whole body",
       "From a\nContent-Length: 0000000000\n\n" + varied_body(3 * window)},
      {"Content-Length too narrow: 99999 bytes protected, the rest quoted",
       "From a\nContent-Length: 1    \n\n" + varied_body(2 * window)},
  };
}

std::vector<std::pair<const char*, WriteFormat>> formats() {
  return {
      {"mbox", format(FolderKind::kMbox)},
      {"mbox raw", format(FolderKind::kMbox, Part::kWhole, true)},
      {"mbox body only", format(FolderKind::kMbox, Part::kBodyOnly)},
      {"mbox header only", format(FolderKind::kMbox, Part::kHeaderOnly)},
      {"maildir", format(FolderKind::kMaildir)},
      {"MH", format(FolderKind::kMh)},
      {"pipe", pipe_format(Part::kWhole, false)},
      {"forward body only", forward_format(Part::kBodyOnly, false)},
  };
}

// Writes through a pipe and collects what arrives (a program's stdin).
sys::Status write_to_pipe(sys::Io& io, const Message& m, const WriteFormat& f, std::string* got,
                          std::size_t* written) {
  int fds[2];
  if (::pipe(fds) != 0) return sys::Status::error(sys::Step::kOpen, errno, "pipe");
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
      got->append(buf, static_cast<std::size_t>(n));
    }
  });
  const sys::Status st = write_message(io, fds[1], "pipe", m, f, written);
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  return st;
}

sys::Status write_to_file(sys::Io& io, const std::string& path, int extra_flags, const Message& m,
                          const WriteFormat& f, std::size_t* written) {
  const int fd = io.open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | extra_flags, 0600);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, path);
  const sys::Status st = write_message(io, fd, path, m, f, written);
  io.close(fd);
  return st;
}

TEST(SpooledWriter, SameBytesAsFromMemoryToEveryDestination) {
  TempDir dir;
  for (const Input& in : inputs()) {
    const Message memory = testing::parse(in.bytes);
    const Message spooled = testing::parse_spooled(in.bytes, dir.path());
    ASSERT_TRUE(spooled.body_spooled()) << in.name;
    ASSERT_FALSE(memory.body_spooled()) << in.name;
    for (const auto& [fname, f] : formats()) {
      const std::string what = std::string(in.name) + ", " + fname;
      const std::string want = render_message(memory, f);
      EXPECT_TRUE(render_message(spooled, f) == want) << what << ": rendered differently";
      for (const int extra : {0, O_APPEND}) {
        const std::string out = dir / "out";
        std::size_t written = 0;
        const sys::Status st = write_to_file(sys::real_io(), out, extra, spooled, f, &written);
        const std::string where = what + (extra == 0 ? ", to a file" : ", to an O_APPEND file");
        ASSERT_TRUE(st.ok()) << where << ": " << st.message();
        EXPECT_TRUE(testing::read_file(out) == want) << where << ": other bytes";
        EXPECT_EQ(written, want.size()) << where;
      }
      std::string got;
      std::size_t written = 0;
      const sys::Status st = write_to_pipe(sys::real_io(), spooled, f, &got, &written);
      ASSERT_TRUE(st.ok()) << what << ", to a pipe: " << st.message();
      EXPECT_TRUE(got == want) << what << ", to a pipe: other bytes";
      EXPECT_EQ(written, want.size()) << what << ", to a pipe";
    }
  }
}

// The inputs checked against the rule itself rather than against the in-memory
// writer (which shares the windowed code).
TEST(SpooledWriter, MboxQuotingAcrossWindowsFollowsTheRule) {
  TempDir dir;
  for (const Input& in : inputs()) {
    const Message spooled = testing::parse_spooled(in.bytes, dir.path());
    const std::string want = mbox_by_rule(spooled);
    std::size_t written = 0;
    const sys::Status st = write_to_file(sys::real_io(), dir / "mbox", O_APPEND, spooled,
                                         format(FolderKind::kMbox), &written);
    ASSERT_TRUE(st.ok()) << in.name << ": " << st.message();
    const std::string got = testing::read_file(dir / "mbox");
    const auto diff = std::mismatch(got.begin(), got.end(), want.begin(), want.end());
    EXPECT_TRUE(got == want) << in.name << ": differs from the rule at byte "
                             << (diff.first - got.begin()) << " of " << want.size();
  }
}

// Forwards to the kernel and counts the bytes each way takes.
class CountingIo final : public testing::ForwardingIo {
 public:
  ssize_t write(int fd, const void* b, size_t n) override {
    return count(&written, real().write(fd, b, n));
  }
  ssize_t copy_file_range(int in, off_t* off, int out, size_t n) override {
    return count(&copied, real().copy_file_range(in, off, out, n));
  }
  ssize_t sendfile(int out, int in, off_t* off, size_t n) override {
    return count(&sent, real().sendfile(out, in, off, n));
  }

  std::size_t written = 0, copied = 0, sent = 0;

 private:
  static sys::Io& real() { return sys::real_io(); }
  static ssize_t count(std::size_t* total, ssize_t n) {
    if (n > 0) *total += static_cast<std::size_t>(n);
    return n;
  }
};

TEST(SpooledWriter, VerbatimBodyIsCopiedByTheKernel) {
  TempDir dir;
  const std::string head = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: s\n\n";
  const std::string body = varied_body(3 * limits::kSpoolWindow);
  const Message m = testing::parse_spooled(head + body, dir.path());
  const Message protected_m =
      testing::parse_spooled("From a\nContent-Length: 0000000000\n\n" + body, dir.path());
  {
    // A maildir file: the head (without its From_ line) written, the body copied.
    CountingIo io;
    std::size_t written = 0;
    ASSERT_TRUE(write_to_file(io, dir / "md", 0, m, format(FolderKind::kMaildir), &written).ok());
    EXPECT_EQ(io.copied + io.sent, body.size()) << "maildir: bytes the kernel copied";
    EXPECT_EQ(io.written, head.size() - head.find('\n') - 1) << "maildir: bytes written";
  }
  {
    // A program's stdin (a pipe): sendfile, since copy_file_range takes no pipe.
    CountingIo io;
    std::string got;
    std::size_t written = 0;
    ASSERT_TRUE(write_to_pipe(io, m, pipe_format(Part::kWhole, false), &got, &written).ok());
    EXPECT_EQ(io.copied + io.sent, body.size()) << "pipe: bytes the kernel copied";
    EXPECT_TRUE(got == head + body + "\n") << "pipe: other bytes";
  }
  {
    // The Content-Length-protected body of an mbox message is verbatim too (here to
    // a file without O_APPEND; an mbox has it, and the kernel then refuses).
    CountingIo io;
    std::size_t written = 0;
    ASSERT_TRUE(
        write_to_file(io, dir / "mbox", 0, protected_m, format(FolderKind::kMbox), &written).ok());
    EXPECT_EQ(io.copied + io.sent, body.size()) << "protected mbox body";
  }
}

struct FaultCase {
  const char* name;
  std::vector<Fault> faults;
  bool want_ok;
  int want_err;
};

Fault sticky(Fault f) {
  f.sticky = true;
  return f;
}

TEST(SpooledWriter, RefusedCopyFallsBackAndFailedCopyFails) {
  TempDir dir;
  const std::string head = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: s\n\n";
  const std::string body = varied_body(limits::kSpoolWindow + 1000);
  const Message m = testing::parse_spooled(head + body, dir.path());
  const WriteFormat maildir = format(FolderKind::kMaildir);
  const std::string want = render_message(testing::parse(head + body), maildir);
  Fault full = testing::fault_on(Op::kWrite, ENOSPC, "out");
  full.bytes_before_failure = 10000;
  const FaultCase cases[] = {
      {"copy_file_range EXDEV: sendfile",
       {sticky(testing::fault_on(Op::kCopyFileRange, EXDEV, "out"))}, true, 0},
      {"both refused: written from the mapping",
       {sticky(testing::fault_on(Op::kCopyFileRange, EOPNOTSUPP, "out")),
        sticky(testing::fault_on(Op::kSendfile, EINVAL, "out"))},
       true, 0},
      {"copy_file_range EIO", {testing::fault_on(Op::kCopyFileRange, EIO, "out")}, false, EIO},
      {"sendfile ENOSPC after a refused copy_file_range",
       {sticky(testing::fault_on(Op::kCopyFileRange, EXDEV, "out")),
        testing::fault_on(Op::kSendfile, ENOSPC, "out")},
       false, ENOSPC},
      {"disk full in the middle of the copy", {full}, false, ENOSPC},
      {"madvise failing changes nothing", {sticky(testing::fault_on(Op::kMadvise, ENOMEM))}, true,
       0},
  };
  for (const FaultCase& c : cases) {
    FaultyIo io;
    for (const Fault& f : c.faults) io.add(f);
    std::size_t written = 0;
    const sys::Status st = write_to_file(io, dir / "out", 0, m, maildir, &written);
    EXPECT_GE(io.fired(), 1) << c.name << ": the fault never fired";
    EXPECT_EQ(st.ok(), c.want_ok) << c.name << ": " << st.message();
    const std::string got = testing::read_file(dir / "out");
    if (c.want_ok) {
      EXPECT_TRUE(got == want) << c.name << ": other bytes";
      EXPECT_EQ(written, want.size()) << c.name;
    } else {
      EXPECT_EQ(st.step(), sys::Step::kWrite) << c.name << ": " << st.message();
      EXPECT_EQ(st.err(), c.want_err) << c.name << ": " << st.message();
      // What was written is counted, and is the start of the message.
      EXPECT_EQ(written, got.size()) << c.name;
      EXPECT_TRUE(want.compare(0, got.size(), got) == 0) << c.name << ": other bytes";
    }
  }
}

// Resident kilobytes of the mapping that holds addr, from /proc/self/smaps.
long resident_kb(const void* addr) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(addr);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &start, &end) == 2 && line.find(':') > 8) {
      inside = start <= at && at < end;
      continue;
    }
    long kb = 0;
    if (inside && std::sscanf(line.c_str(), "Rss: %ld kB", &kb) == 1) return kb;
  }
  return -1;
}

// Samples the resident size of one mapping at every write and copy: the peak a
// writer reaches, not only what is left at the end.
class SamplingIo final : public testing::ForwardingIo {
 public:
  explicit SamplingIo(const void* mapped) : mapped_(mapped) {}
  ssize_t write(int fd, const void* b, size_t n) override {
    sample();
    return real().write(fd, b, n);
  }
  ssize_t copy_file_range(int in, off_t* off, int out, size_t n) override {
    sample();
    return real().copy_file_range(in, off, out, n);
  }
  ssize_t sendfile(int out, int in, off_t* off, size_t n) override {
    sample();
    return real().sendfile(out, in, off, n);
  }

  long peak_kb = 0;

 private:
  void sample() { peak_kb = std::max(peak_kb, resident_kb(mapped_)); }
  static sys::Io& real() { return sys::real_io(); }
  const void* mapped_;
};

TEST(SpooledWriter, BodyPagesDoNotStayInMemory) {
  TempDir dir;
  const std::string body = varied_body(8u << 20);
  const Message m =
      testing::parse_spooled("From a@b  Sat Jan  1 00:00:00 2000\nSubject: s\n\n" + body,
                             dir.path());
  const void* mapped = m.body().data();
  ASSERT_GE(resident_kb(mapped), 0) << "no mapping found in /proc/self/smaps";
  // Reading looked at the head (and the last bytes): none of it stays.
  EXPECT_LE(resident_kb(mapped), 128) << "after reading";
  // Quoting reads a window at a time; the kernel copies the rest without the pages.
  const long bound_kb = static_cast<long>(2 * limits::kSpoolWindow / 1024 + 128);
  const std::pair<const char*, WriteFormat> cases[] = {
      {"mbox (quoted)", format(FolderKind::kMbox)},
      {"mbox raw", format(FolderKind::kMbox, Part::kWhole, true)},
      {"maildir", format(FolderKind::kMaildir)},
  };
  for (const auto& [name, f] : cases) {
    for (const int extra : {0, O_APPEND}) {
      SamplingIo io(mapped);
      std::size_t written = 0;
      ASSERT_TRUE(write_to_file(io, dir / "out", extra, m, f, &written).ok()) << name;
      const std::string what = std::string(name) + (extra == 0 ? "" : ", O_APPEND");
      EXPECT_LE(io.peak_kb, bound_kb) << what << ": peak resident KB of the body";
      EXPECT_LE(resident_kb(mapped), 128) << what << ": resident KB after writing";
    }
  }
  // A body condition reads every page; what it read is the same after the writers
  // dropped pages (they come back from the page cache).
  EXPECT_TRUE(m.body() == body);
}

}  // namespace
}  // namespace mailsift::deliver
