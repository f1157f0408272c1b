#include "mailsift/deliver/writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "faulty_io.h"
#include "forwarding_io.h"
#include "mailsift/limits.h"
#include "mailsift/message/reader.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using message::Message;

using testing::parse;

WriteFormat format(FolderKind kind, Part part = Part::kWhole, bool raw = false) {
  DeliveryOptions options;
  options.part = part;
  options.raw = raw;
  return format_for(kind, options);
}

struct RenderCase {
  const char* name;
  std::string input;
  WriteFormat format;
  std::string want;
};

// Every `want` below was produced by /usr/bin/procmail 3.22 (`procmail -m rc < msg`
// with a one-recipe rcfile), except where the comment says otherwise.
TEST(Writer, MboxBytesAsProcmail) {
  const WriteFormat mbox = format(FolderKind::kMbox);
  const RenderCase cases[] = {
      {"plain message gets the separating newline", "From a\nX: y\n\nbody\n", mbox,
       "From a\nX: y\n\nbody\n\n"},
      {"From in header and body quoted, >From untouched",
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\nFrom y\n>From z\n\nFrom body\nline\n"
       "From q\n>From r\nend",
       mbox,
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n>From y\n>From z\n\n>From body\nline\n"
       ">From q\n>From r\nend\n"},
      {"first line after leading newlines is not quoted", "\nFrom a\nFrom b\n\nx\n", mbox,
       "\nFrom a\n>From b\n\nx\n\n"},
      {"two leading newlines", "\n\nFrom a\nFrom b\n\nx\n", mbox,
       "\n\nFrom a\n>From b\n\nx\n\n"},
      {"no From_ line: first line is still exempt", "\nSubject: x\nFrom y\n\nb\n", mbox,
       "\nSubject: x\n>From y\n\nb\n\n"},
      {"From in the middle of a line is not quoted", "From a\n\nsay From x\n", mbox,
       "From a\n\nsay From x\n\n"},
      {"From without blank is not quoted", "From a\n\nFrom:x\nFromage\n", mbox,
       "From a\n\nFrom:x\nFromage\n\n"},
      {"already ends in an empty line", "From a\n\nx\n\n", mbox, "From a\n\nx\n\n"},
      {"no final newline gets just one", "From a\nX: y\n\nab", mbox, "From a\nX: y\n\nab\n"},
      {"empty message", "", mbox, "\n"},
      {"single newline", "\n", mbox, "\n\n"},
      {"single byte", "x", mbox, "x\n"},
      {"header only message", "From a\nX: y\n", mbox, "From a\nX: y\n\n"},
      {"Content-Length protects the body", "From a\nContent-Length: 000\n\nFrom x\nFrom y\n",
       mbox, "From a\nContent-Length:  14\n\nFrom x\nFrom y\n\n"},
      {"a too narrow field is rewritten and still protects",
       "From a\nContent-Length: 1\n\nFrom a\nFrom b\nFrom c\n", mbox,
       "From a\nContent-Length:21\n\nFrom a\nFrom b\nFrom c\n\n"},
      {"head From still quoted with Content-Length",
       "From a\nFrom h\nContent-Length: 000\n\nFrom x\n", mbox,
       "From a\n>From h\nContent-Length:   7\n\nFrom x\n\n"},
  };
  for (const RenderCase& c : cases) {
    const std::string got = render_message(parse(c.input), c.format);
    EXPECT_EQ(got, c.want) << c.name << "\n got: [" << got << "]\nwant: [" << c.want << "]";
  }
}

TEST(Writer, PartsAndKinds) {
  const std::string msg = "From a\nSubject: x\nFrom y\n\nFrom body\nx\n";
  const std::string no_nl = "From a\n>From c\n>x\nSubject: x\n>y\n\nbody";
  const RenderCase cases[] = {
      {"mbox body only: first line not quoted", msg, format(FolderKind::kMbox, Part::kBodyOnly),
       "From body\nx\n\n"},
      {"mbox body only, later lines quoted", "From a\n\nFrom b\nFrom c\n",
       format(FolderKind::kMbox, Part::kBodyOnly), "From b\n>From c\n\n"},
      {"mbox header only: ends in empty line, nothing added", msg,
       format(FolderKind::kMbox, Part::kHeaderOnly), "From a\nSubject: x\n>From y\n\n"},
      {"mbox body only of an empty body", "From a\n\n", format(FolderKind::kMbox, Part::kBodyOnly),
       "\n"},
      {"raw: no quoting, no newline", "From a\nX: y\n\nFrom ab\nno newline",
       format(FolderKind::kMbox, Part::kWhole, true), "From a\nX: y\n\nFrom ab\nno newline"},
      {"MH: no quoting, newline added, From_ kept", "From a\nX: y\n\nFrom ab\n",
       format(FolderKind::kMh), "From a\nX: y\n\nFrom ab\n\n"},
      {"directory: same as MH", "From a\nFrom b\n\nFrom ab", format(FolderKind::kDirectory),
       "From a\nFrom b\n\nFrom ab\n"},
      {"directory raw: as it is", "From a\n\nab", format(FolderKind::kDirectory, Part::kWhole, true),
       "From a\n\nab"},
      {"maildir: From_ and > lines after it dropped, nothing added", no_nl,
       format(FolderKind::kMaildir), "Subject: x\n>y\n\nbody"},
      {"maildir: leading empty line keeps everything", "\nFrom a\n>From c\nSubject: x\n\nbody\n",
       format(FolderKind::kMaildir), "\nFrom a\n>From c\nSubject: x\n\nbody\n"},
      {"maildir without From_ line", "Subject: x\n\nFrom b\n", format(FolderKind::kMaildir),
       "Subject: x\n\nFrom b\n"},
      {"maildir header only", no_nl, format(FolderKind::kMaildir, Part::kHeaderOnly),
       "Subject: x\n>y\n\n"},
      {"maildir body only", no_nl, format(FolderKind::kMaildir, Part::kBodyOnly), "body"},
      {"/dev/null is raw", "From a\n\nFrom b", format(FolderKind::kDevNull), "From a\n\nFrom b"},
  };
  for (const RenderCase& c : cases) {
    const std::string got = render_message(parse(c.input), c.format);
    EXPECT_EQ(got, c.want) << c.name << "\n got: [" << got << "]\nwant: [" << c.want << "]";
  }
}

TEST(Writer, FormatForKinds) {
  struct Case {
    FolderKind kind;
    bool raw;
    bool quote, newline, skip;
  };
  const Case cases[] = {
      {FolderKind::kMbox, false, true, true, false},
      {FolderKind::kMbox, true, false, false, false},
      {FolderKind::kMh, false, false, true, false},
      {FolderKind::kMh, true, false, false, false},
      {FolderKind::kDirectory, false, false, true, false},
      {FolderKind::kMaildir, false, false, false, true},
      {FolderKind::kMaildir, true, false, false, true},
      {FolderKind::kDevNull, false, false, false, false},
  };
  for (const Case& c : cases) {
    const WriteFormat f = format(c.kind, Part::kHeaderOnly, c.raw);
    const std::string name =
        "kind " + std::to_string(static_cast<int>(c.kind)) + (c.raw ? " raw" : "");
    EXPECT_EQ(f.quote_from, c.quote) << name;
    EXPECT_EQ(f.add_final_newline, c.newline) << name;
    EXPECT_EQ(f.skip_from_line, c.skip) << name;
    EXPECT_EQ(f.part, Part::kHeaderOnly) << name;
  }
}

// The protected range ends at an exact byte: a "From " whose preceding newline lies
// inside the range stays, one whose newline lies at or after its end is quoted
// (procmail: with "Content-Length:99" a "From " at body offset 99 stays, one at 100
// is quoted).
TEST(Writer, ProtectedRangeBoundary) {
  const WriteFormat mbox = format(FolderKind::kMbox);
  struct Case {
    const char* name;
    std::string body;
    std::size_t guarded;
    std::string want_body;
  };
  const Case cases[] = {
      {"none protected", "From a\nFrom b\n", 0, ">From a\n>From b\n\n"},
      {"From right at the end of the range", "xx\nFrom a\nFrom b\n", 3, "xx\nFrom a\n>From b\n\n"},
      {"newline at the end of the range", "xx\nFrom a\nFrom b\n", 2, "xx\n>From a\n>From b\n\n"},
      {"From starting inside the range", "xx\nFrom a\nFrom b\n", 5, "xx\nFrom a\n>From b\n\n"},
      {"range longer than the body", "From a\nFrom b\n", 1000, "From a\nFrom b\n\n"},
  };
  for (const Case& c : cases) {
    Message m("From h\nX: y\n\n", message::body_in_memory(c.body));
    m.set_content_length_protected(c.guarded);
    const std::string got = render_message(m, mbox);
    const std::string want = "From h\nX: y\n\n" + c.want_body;
    EXPECT_EQ(got, want) << c.name;
  }
}

// Records the size of every write(2) and forwards everything to the real system.
class RecordingIo final : public testing::ForwardingIo {
 public:
  ssize_t write(int fd, const void* b, size_t n) override {
    largest = std::max(largest, n);
    ++calls;
    return real().write(fd, b, n);
  }

  size_t largest = 0;
  int calls = 0;

 private:
  static sys::Io& real() { return sys::real_io(); }
};

TEST(Writer, WritesToDescriptorInBoundedChunks) {
  testing::TempDir dir;
  // A spooled message (in_memory_limit 0) whose body is several chunks long, with
  // "From " lines throughout (some of them fall across chunk boundaries).
  std::string body;
  while (body.size() < 3 * limits::kWriteChunk) body += "line of text\nFrom here\n";
  const std::string input = "From a\nSubject: big\n\n" + body;
  const std::string source = dir / "in";
  testing::write_file(source, input);
  message::ReadOptions options;
  options.in_memory_limit = 0;
  options.spool_directory = dir.path();
  Message m;
  const int in = ::open(source.c_str(), O_RDONLY);
  ASSERT_GE(in, 0);
  ASSERT_TRUE(message::read_message(sys::real_io(), in, options, &m).ok());
  ::close(in);
  ASSERT_TRUE(m.body_spooled());

  const std::string out = dir / "out";
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  RecordingIo io;
  std::size_t written = 0;
  const sys::Status st = write_message(io, fd, out, m, format(FolderKind::kMbox), &written);
  ::close(fd);
  ASSERT_TRUE(st.ok()) << st.message();
  std::string want = "From a\nSubject: big\n\n";
  for (std::size_t at = 0;;) {
    const std::size_t nl = body.find("\nFrom ", at);
    want += body.substr(at, nl == std::string::npos ? std::string::npos : nl + 1 - at);
    if (nl == std::string::npos) break;
    want += ">";
    at = nl + 1;
  }
  want += "\n";
  EXPECT_EQ(testing::read_file(out), want);
  EXPECT_EQ(written, want.size());
  EXPECT_LE(io.largest, limits::kWriteChunk);
  EXPECT_GE(io.calls, 4);
}

TEST(Writer, WriteFailureIsReported) {
  testing::TempDir dir;
  const std::string out = dir / "out";
  const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  testing::FaultyIo io;
  testing::Fault fault;
  fault.op = testing::Op::kWrite;
  fault.err = EIO;
  io.add(fault);
  std::size_t written = 99;
  const sys::Status st =
      write_message(io, fd, out, parse("From a\n\nx\n"), format(FolderKind::kMbox), &written);
  ::close(fd);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.step(), sys::Step::kWrite);
  EXPECT_EQ(st.err(), EIO);
  EXPECT_EQ(st.path(), out);
  EXPECT_EQ(written, 0u);
}

}  // namespace
}  // namespace mailsift::deliver
