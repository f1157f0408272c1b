#include "mailsift/deliver/program.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <utility>

#include "faulty_io.h"
#include "mailsift/message/reader.h"
#include "parsed_message.h"

namespace mailsift::deliver {
namespace {

using message::Message;

using testing::parse;

sys::ProgramSpec shell(const std::string& script) {
  sys::ProgramSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.environment = {"PATH=/usr/bin:/bin"};
  return spec;
}

sys::ProgramSpec cat() {
  sys::ProgramSpec spec = shell("cat");
  spec.capture_output = true;
  return spec;
}

// The bytes a program reads from its stdin, for every format; each `want` is what
// /usr/bin/procmail 3.22 gave `| cat > file` (with w, h, b, r as named) and a
// $SENDMAIL script writing its stdin to a file for "!".
TEST(PipeMessage, ProgramReadsWhatProcmailWrites) {
  const Message message = parse(
      "From a@b  Sat Jan  1 00:00:00 2000\n>From x\nSubject: x\nFrom y\n\nFrom body\nend");
  struct Case {
    const char* name;
    WriteFormat format;
    std::string want;
  };
  const Case cases[] = {
      {"pipe", pipe_format(Part::kWhole, false),
       "From a@b  Sat Jan  1 00:00:00 2000\n>From x\nSubject: x\nFrom y\n\nFrom body\nend\n"},
      {"pipe h", pipe_format(Part::kHeaderOnly, false),
       "From a@b  Sat Jan  1 00:00:00 2000\n>From x\nSubject: x\nFrom y\n\n"},
      {"pipe b", pipe_format(Part::kBodyOnly, false), "From body\nend\n"},
      {"pipe r", pipe_format(Part::kWhole, true),
       "From a@b  Sat Jan  1 00:00:00 2000\n>From x\nSubject: x\nFrom y\n\nFrom body\nend"},
      {"forward", forward_format(Part::kWhole, false), "Subject: x\nFrom y\n\nFrom body\nend\n"},
      {"forward h", forward_format(Part::kHeaderOnly, false), "Subject: x\nFrom y\n\n"},
  };
  for (const Case& c : cases) {
    const sys::ProgramOutcome got = pipe_message(message, c.format, cat(), false);
    EXPECT_EQ(got.output, c.want) << c.name;
    EXPECT_TRUE(got.succeeded()) << c.name;
    EXPECT_EQ(got.input_errno, 0) << c.name;
  }
}

TEST(PipeMessage, WriteErrorsReportedUnlessIgnored) {
  // A body larger than a pipe holds, to a program that reads nothing.
  const Message message = parse("From a@b  Sat Jan  1 00:00:00 2000\nS: x\n\n" +
                                std::string(1u << 20, 'x') + "\n");
  struct Case {
    const char* name;
    bool ignore;
    int want_errno;
  };
  const Case cases[] = {
      {"reported", false, EPIPE},
      {"ignored (flag i)", true, 0},
  };
  for (const Case& c : cases) {
    const sys::ProgramOutcome got =
        pipe_message(message, pipe_format(Part::kWhole, false), shell("exit 0"), c.ignore);
    EXPECT_EQ(got.input_errno, c.want_errno) << c.name << ": got " << got.input_errno;
    EXPECT_EQ(got.exit_status, 0) << c.name;
  }
}

TEST(PipeMessage, WritesThroughTheGivenIo) {
  const Message message = parse("From a@b  Sat Jan  1 00:00:00 2000\nS: x\n\nbody\n");
  testing::FaultyIo io;
  testing::Fault fault;
  fault.op = testing::Op::kWrite;
  fault.err = ENOSPC;
  io.add(fault);
  const sys::ProgramOutcome got =
      pipe_message(message, pipe_format(Part::kWhole, false), cat(), false, io);
  EXPECT_EQ(got.input_errno, ENOSPC);
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(got.output, "");
}

// Each `want` is what procmail 3.22 then wrote to `| cat > file` after the filter
// `:0 <flags>` / `| printf '<output>'` (so one "\n" added unless the message ends in
// an empty line).
TEST(FilteredMessage, OutputReplacesThePartAsProcmailDoes) {
  const std::string old = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\nFrom body\nend\n";
  struct Case {
    const char* name;
    Part part;
    std::string output;
    std::string want;
    std::string want_head;
  };
  const Case cases[] = {
      {"f: new message", Part::kWhole, "From q\nA: b\n\nxx\n", "From q\nA: b\n\nxx\n\n",
       "From q\nA: b\n\n"},
      {"f: empty output, empty message", Part::kWhole, "", "\n", ""},
      {"fh: new header", Part::kHeaderOnly, "New: h\n\n", "New: h\n\nFrom body\nend\n\n",
       "New: h\n\n"},
      {"fh: no empty line, header and body run together", Part::kHeaderOnly, "New: h\n",
       "New: h\nFrom body\nend\n\n", "New: h\nFrom body\nend\n"},
      {"fh: empty output", Part::kHeaderOnly, "", "From body\nend\n\n", "From body\nend\n"},
      {"fb: new body", Part::kBodyOnly, "new body\n",
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\nnew body\n\n",
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\n"},
      {"fb: empty output", Part::kBodyOnly, "",
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\n",
       "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\n"},
  };
  for (const Case& c : cases) {
    const Message got = filtered_message(parse(old), c.output, c.part, false);
    EXPECT_EQ(render_message(got, pipe_format(Part::kWhole, false)), c.want) << c.name;
    EXPECT_EQ(got.head(), c.want_head) << c.name;
  }
}

TEST(FilteredMessage, IsReanalysed) {
  const Message old = parse("From a@b  Sat Jan  1 00:00:00 2000\nContent-Length:  3\n\nabc");
  // The From_ line and the fields of a new message are found again.
  const Message whole =
      filtered_message(old, "From q@r  x\nSubject: y\n\nb\n", Part::kWhole, false);
  EXPECT_EQ(whole.from_line(), "From q@r  x\n");
  EXPECT_EQ(whole.envelope_sender(), "q@r");
  EXPECT_EQ(whole.header_fields(), "Subject: y\n\n");
  // Content-Length is checked against the new body (unless berkeley, -Y).
  const Message body = filtered_message(old, "new body\n", Part::kBodyOnly, false);
  EXPECT_EQ(body.head(), "From a@b  Sat Jan  1 00:00:00 2000\nContent-Length:  9\n\n");
  const Message berkeley = filtered_message(old, "new body\n", Part::kBodyOnly, true);
  EXPECT_EQ(berkeley.head(), "From a@b  Sat Jan  1 00:00:00 2000\nContent-Length:  3\n\n");
  // A filter's output without a From_ line gets none.
  const Message bare = filtered_message(old, "Subject: z\n\nq\n", Part::kWhole, false);
  EXPECT_EQ(bare.from_line(), "");
}

TEST(ProgramOutput, CaptureLosesExactlyOneTrailingNewline) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""}, {"a", "a"}, {"a\n", "a"}, {"a\n\n", "a\n"}, {"a\nb\n", "a\nb"}, {"\n", ""},
  };
  for (const auto& [output, want] : cases) {
    EXPECT_EQ(capture_value(output), want) << "output \"" << output << "\"";
  }
}

TEST(ProgramOutput, BackquoteLosesAllTrailingNewlinesUnlessTruncated) {
  struct Case {
    std::string output;
    bool truncated;
    std::string want;
  };
  const Case cases[] = {
      {"", false, ""},          {"a\n", false, "a"},    {"a\n\n\n", false, "a"},
      {"a\nb\n", false, "a\nb"}, {"\n\n", false, ""},   {"a\n\n", true, "a\n\n"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(backquote_value(c.output, c.truncated), c.want)
        << "output \"" << c.output << "\" truncated " << c.truncated;
  }
}

}  // namespace
}  // namespace mailsift::deliver
