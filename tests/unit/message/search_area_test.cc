#include "mailsift/message/search_area.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "mailsift/message/reader.h"

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
  for (const AreaCase& c : cases) {
    const Message message = verbatim(c.input);
    EXPECT_EQ(joined_header(message), c.want_header) << c.name;
    std::string storage;
    EXPECT_EQ(search_area(message, Area::kHeader, &storage), c.want_header) << c.name << ": H";
    EXPECT_EQ(search_area(message, Area::kBody, &storage), c.want_body) << c.name << ": B";
    EXPECT_EQ(search_area(message, Area::kHeaderAndBody, &storage), c.want_header + c.want_body)
        << c.name << ": HB";
    EXPECT_EQ(message.head().size() + message.body().size(), c.input.size())
        << c.name << ": the message itself is unchanged";
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
