#include "mailsift/message/message.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "mailsift/limits.h"
#include "mailsift/message/reader.h"

namespace mailsift::message {
namespace {

Message verbatim(std::string bytes) { return message_from_bytes(std::move(bytes), ReadOptions()); }

struct SplitCase {
  const char* name;
  std::string input;
  std::string want_head;
  std::string want_body;
};

TEST(MessageSplit, AsProcmail) {
  const SplitCase cases[] = {
      {"empty", "", "", ""},
      {"simple", "A: b\n\nbody\n", "A: b\n\n", "body\n"},
      {"header only", "A: b\n", "A: b\n", ""},
      {"no final newline", "A: b", "A: b", ""},
      {"no body", "A: b\n\n", "A: b\n\n", ""},
      {"extra empty lines go to the body", "A: b\n\n\nbody", "A: b\n\n", "\nbody"},
      {"leading newlines stay in the head", "\n\nA: b\n\nbody", "\n\nA: b\n\n", "body"},
      {"only newlines", "\n\n\n", "\n\n\n", ""},
      {"CRLF has no empty line", "A: b\r\n\r\nbody\r\n", "A: b\r\n\r\nbody\r\n", ""},
      {"From_ line counts as a line", "From x\n\nbody", "From x\n\n", "body"},
      {"NUL bytes", std::string("A: \0\n\nb\0dy", 10), std::string("A: \0\n\n", 6),
       std::string("b\0dy", 4)},
  };
  for (const SplitCase& c : cases) {
    const Message m = verbatim(c.input);
    EXPECT_EQ(m.head(), c.want_head) << c.name;
    EXPECT_EQ(m.body(), c.want_body) << c.name;
    EXPECT_EQ(m.size(), c.input.size()) << c.name;
    EXPECT_FALSE(m.body_spooled()) << c.name;
  }
}

TEST(MessageSplit, HeadBoundedByMaxHeaderBytes) {
  // A header without an empty line that is larger than the limit: the head stops at
  // the last line end before the limit; the rest is body, and no byte is lost.
  const std::string line = "X-Filler: " + std::string(1013, 'f') + "\n";  // 1 KiB
  std::string input;
  while (input.size() <= limits::kMaxHeaderBytes + 4096) input += line;
  const Message m = verbatim(input);
  EXPECT_LE(m.head().size(), limits::kMaxHeaderBytes);
  EXPECT_EQ(m.head().size() % line.size(), 0u);
  EXPECT_EQ(std::string(m.head()) + std::string(m.body()), input);
  EXPECT_TRUE(m.head_cut()) << "the cut must be known, to be logged";
  // Moving the message keeps it; a header that ends within the limit is not cut.
  Message moved = verbatim(input);
  Message target = verbatim("To: a\n\nbody\n");
  EXPECT_FALSE(target.head_cut());
  target = std::move(moved);
  EXPECT_TRUE(target.head_cut());
  input += "\n";
  EXPECT_TRUE(verbatim(input).head_cut()) << "the empty line comes after the limit";
  EXPECT_FALSE(verbatim(line + line + "\nbody\n").head_cut());
}

struct PartsCase {
  const char* name;
  std::string input;
  std::string want_from_line;
  std::string want_fields;
  std::string want_sender;
};

TEST(Message, FromLineAndFields) {
  const PartsCase cases[] = {
      {"with From_", "From a@b  Sat Nov 28 14:58:20 2026\nTo: c\n\nbody\n",
       "From a@b  Sat Nov 28 14:58:20 2026\n", "To: c\n\n", "a@b"},
      {"without From_", "To: c\n\nbody\n", "", "To: c\n\n", ""},
      {"leading newlines", "\n\nFrom a@b x\nTo: c\n\n", "From a@b x\n", "To: c\n\n", "a@b"},
      {"From_ only", "From a@b x", "From a@b x", "", "a@b"},
      {"From_ in the body only", "To: c\n\nFrom a@b x\n", "", "To: c\n\n", ""},
      {">From is no From_", ">From a@b x\nTo: c\n", "", ">From a@b x\nTo: c\n", ""},
  };
  for (const PartsCase& c : cases) {
    const Message m = verbatim(c.input);
    EXPECT_EQ(m.from_line(), c.want_from_line) << c.name;
    EXPECT_EQ(m.header_fields(), c.want_fields) << c.name;
    EXPECT_EQ(m.envelope_sender(), c.want_sender) << c.name;
  }
}

TEST(Message, HeadersIndexTheFieldsOnly) {
  const Message m = verbatim("From a@b  date\nSubject: s\nTo: t\n  u\n\nX-Body: no\n");
  ASSERT_EQ(m.headers().fields().size(), 2u);
  ASSERT_NE(m.headers().find("to"), nullptr);
  EXPECT_EQ(m.headers().find("to")->value, " t\n  u");
  EXPECT_EQ(m.headers().find("X-Body"), nullptr);
}

TEST(Message, MoveKeepsIndexValid) {
  // Short heads live in the small-string buffer: the moved-to index must point into
  // the new object, not the old one.
  Message a = verbatim("A: 1\n\nb");
  Message b(std::move(a));
  ASSERT_NE(b.headers().find("a"), nullptr);
  EXPECT_EQ(b.headers().find("a")->value, " 1");
  EXPECT_GE(b.headers().find("a")->raw.data(), b.head().data());
  EXPECT_LT(b.headers().find("a")->raw.data(), b.head().data() + b.head().size());
  Message c;
  c = std::move(b);
  EXPECT_EQ(c.head(), "A: 1\n\n");
  EXPECT_EQ(c.body(), "b");
  EXPECT_GE(c.headers().find("a")->raw.data(), c.head().data());
  EXPECT_LT(c.headers().find("a")->raw.data(), c.head().data() + c.head().size());
}

TEST(Message, SetHeadReindexes) {
  Message m = verbatim("A: 1\n\nbody");
  m.set_head("From x@y  date\nB: 2\n\n");
  EXPECT_EQ(m.headers().find("a"), nullptr);
  ASSERT_NE(m.headers().find("b"), nullptr);
  EXPECT_EQ(m.envelope_sender(), "x@y");
  EXPECT_EQ(m.body(), "body");
}

TEST(Message, DefaultIsEmpty) {
  const Message m;
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.headers().fields().empty());
  EXPECT_EQ(m.content_length_protected(), 0u);
}

}  // namespace
}  // namespace mailsift::message
