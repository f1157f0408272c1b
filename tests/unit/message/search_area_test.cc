#include "mailsift/message/search_area.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "mailsift/message/reader.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::message {
namespace {

Message verbatim(std::string bytes) { return message_from_bytes(std::move(bytes), ReadOptions()); }

struct AreaCase {
  const char* name;
  std::string input;
  std::string want_header;  // the joined header area
  std::string want_body;
};

// Behaviour §2.3/§2.4, checked with procmail: the header area keeps leading empty
// lines, the From_ line and the terminating empty line; a newline followed by a
// blank or a tab inside it becomes a space; the body is untouched.
TEST(SearchArea, HeaderBodyAndBoth) {
  const AreaCase cases[] = {
      {"plain", "From: a\nSubject: b\n\nbody\n", "From: a\nSubject: b\n\n", "body\n"},
      {"tab continuation", "Subject: foo\n\tbar\n\n", "Subject: foo \tbar\n\n", ""},
      {"blank continuation", "Subject: foo\n bar\nX: y\n\nb", "Subject: foo  bar\nX: y\n\n", "b"},
      {"several continuations", "S: a\n b\n\tc\n\n", "S: a  b \tc\n\n", ""},
      {"body starting with a blank is not joined", "S: x\n\n body\n  more\n", "S: x\n\n",
       " body\n  more\n"},
      {"leading empty lines", "\n\nFrom: x\n\nb", "\n\nFrom: x\n\n", "b"},
      {"From_ line", "From joe  Sat Jan  1 00:00:00 2000\nS: x\n y\n\nb",
       "From joe  Sat Jan  1 00:00:00 2000\nS: x  y\n\n", "b"},
      {"no empty line: all header", "From: x\nSubject: y\n", "From: x\nSubject: y\n", ""},
      {"CRLF lines", "S: a\r\n\tb\r\n\r\nbody\r\n", "S: a\r \tb\r\n\r\nbody\r\n", ""},
      {"empty message", "", "", ""},
  };
  testing::TempDir dir;
  for (const AreaCase& c : cases) {
    for (const bool spooled : {false, true}) {
      const Message message =
          spooled ? testing::parse_spooled(c.input, dir.path()) : verbatim(c.input);
      const std::string name = std::string(c.name) + (spooled ? " (spooled)" : "");
      EXPECT_EQ(joined_header(message), c.want_header) << name;
      std::string storage;
      EXPECT_EQ(search_area(message, Area::kHeader, &storage), c.want_header) << name << ": H";
      EXPECT_EQ(search_area(message, Area::kBody, &storage), c.want_body) << name << ": B";
      EXPECT_EQ(search_area(message, Area::kHeaderAndBody, &storage), c.want_header + c.want_body)
          << name << ": HB";
      EXPECT_EQ(message.body(), c.want_body) << name << ": the body is unchanged";
      EXPECT_EQ(message.head().size() + message.body().size(), c.input.size())
          << name << ": the message itself is unchanged";
    }
  }
}

// Header and body together, for a spooled body: the header is put in front of the
// body in its mapping (no copy of the body, whose pages B conditions share), however
// long the prefix, and it stays right after the writers dropped pages.
TEST(SearchArea, SpooledHeaderAndBodyIsNotCopied) {
  testing::TempDir dir;
  std::string body;
  for (int i = 0; body.size() < (300u << 10); ++i) body += "line " + std::to_string(i) + "\n";
  const std::string plain_head = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n\n";
  const std::string folded_head = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n y\n\n";
  struct Case {
    const char* name;
    std::string head;
    std::string prefix;  // empty: the joined header (search_area)
    bool want_in_place;  // the body part of the text is the message's body itself
  };
  const Case cases[] = {
      {"joined header equal to the file's head", plain_head, {}, true},
      {"folded header: joined in front of the body", folded_head, {}, true},
      {"a prefix longer than the head (a new From_ line)", plain_head,
       "From someone-else  Sun Jan  2 00:00:00 2000\nSubject: x\n\n", true},
      {"a prefix 60 KiB longer than the head", plain_head, std::string(60u << 10, 'p'), true},
      {"a prefix longer than the head room: copied", plain_head, std::string(70u << 10, 'q'),
       false},
  };
  for (const Case& c : cases) {
    const Message m = testing::parse_spooled(c.head + body, dir.path());
    ASSERT_TRUE(m.body_spooled()) << c.name;
    std::string storage;
    const std::string prefix = c.prefix.empty() ? joined_header(m) : c.prefix;
    const std::string_view text = c.prefix.empty()
                                      ? search_area(m, Area::kHeaderAndBody, &storage)
                                      : m.body_with_prefix(c.prefix);
    EXPECT_TRUE(text == prefix + body) << c.name << ": other text";
    EXPECT_EQ(text.data() + prefix.size() == m.body().data(), c.want_in_place) << c.name;
    EXPECT_TRUE(m.body() == body) << c.name << ": the body changed";
    // Asked again: the same text, in the same place.
    EXPECT_EQ(m.body_with_prefix(prefix).data(), text.data()) << c.name;
    // Writers drop the body's pages; the text in front of the body stays.
    m.release_body(sys::real_io(), 0, body.size());
    EXPECT_TRUE(m.body_with_prefix(prefix) == prefix + body) << c.name << ": after release";
    // Another prefix, then the first again.
    EXPECT_TRUE(m.body_with_prefix("X: other\n\n") == "X: other\n\n" + body) << c.name;
    EXPECT_TRUE(m.body_with_prefix(prefix) == prefix + body) << c.name << ": second time";
    EXPECT_TRUE(m.body() == body) << c.name << ": the body changed";
  }
}

TEST(SearchArea, BodyIsNotCopied) {
  const Message message = verbatim("S: x\n\nthe body\n");
  std::string storage = "untouched";
  const std::string_view body = search_area(message, Area::kBody, &storage);
  EXPECT_EQ(body.data(), message.body().data());
  EXPECT_EQ(storage, "untouched");
}

TEST(SearchArea, HeaderViewPointsIntoStorage) {
  const Message message = verbatim("S: x\n y\n\nb");
  std::string storage;
  const std::string_view header = search_area(message, Area::kHeader, &storage);
  EXPECT_EQ(header.data(), storage.data());
  EXPECT_EQ(message.head(), "S: x\n y\n\n") << "the message keeps its newlines";
}

}  // namespace
}  // namespace mailsift::message
