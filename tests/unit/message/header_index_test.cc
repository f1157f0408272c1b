#include "mailsift/message/header_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailsift::message {
namespace {

struct Want {
  std::string name;
  std::string value;
};

struct IndexCase {
  const char* name;
  std::string fields;
  std::vector<Want> want;
};

TEST(HeaderIndex, FieldsInOrder) {
  const IndexCase cases[] = {
      {"empty", "", {}},
      {"only the empty line", "\n", {}},
      {"two fields", "From: a\nTo: b\n\n", {{"From", " a"}, {"To", " b"}}},
      {"no final newline", "Subject: x", {{"Subject", " x"}}},
      {"folded", "Subject: a\n  b\n\tc\nTo: d\n",
       {{"Subject", " a\n  b\n\tc"}, {"To", " d"}}},
      {"empty value", "X-Empty:\n", {{"X-Empty", ""}}},
      {"colon in value", "Date: 10:20:30\n", {{"Date", " 10:20:30"}}},
      {"no colon", "garbage line\nTo: b\n", {{"", "garbage line"}, {"To", " b"}}},
      {"blank in name", "Bad Name: x\n", {{"", "Bad Name: x"}}},
      {"colon first", ": x\n", {{"", ": x"}}},
      {"continuation first", " lead\nTo: b\n", {{"", " lead"}, {"To", " b"}}},
      {"continuation of a non-field", "junk\n more\nTo: b\n", {{"", "junk\n more"}, {"To", " b"}}},
      {"CR is ordinary", "To: b\r\nCc: c\r\n\r\nbody\r\n",
       {{"To", " b\r"}, {"Cc", " c\r"}, {"", "\r"}, {"", "body\r"}}},
      {"stops at the empty line", "To: b\n\nCc: c\n", {{"To", " b"}}},
      {"8-bit and NUL", std::string("X-8: \xe9\0z\n", 9), {{"X-8", std::string(" \xe9\0z", 4)}}},
  };
  for (const IndexCase& c : cases) {
    const HeaderIndex index(c.fields);
    ASSERT_EQ(index.fields().size(), c.want.size()) << c.name;
    for (std::size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(index.fields()[i].name, c.want[i].name) << c.name << " field " << i;
      EXPECT_EQ(index.fields()[i].value, c.want[i].value) << c.name << " field " << i;
    }
  }
}

TEST(HeaderIndex, RawAndOffsetCoverTheText) {
  const std::string text = "A: 1\nB: 2\n  folded\nC: 3\n\n";
  const HeaderIndex index(text);
  ASSERT_EQ(index.fields().size(), 3u);
  std::string joined;
  for (const HeaderField& f : index.fields()) {
    EXPECT_EQ(text.substr(f.offset, f.raw.size()), f.raw);
    joined += f.raw;
  }
  EXPECT_EQ(joined + "\n", text);
  EXPECT_EQ(index.fields()[1].raw, "B: 2\n  folded\n");
}

TEST(HeaderIndex, FindIgnoresCase) {
  const std::string text = "Received: one\nSubject: s\nreceived: two\nRECEIVED: three\nX: 1\n";
  const HeaderIndex index(text);
  ASSERT_NE(index.find("subject"), nullptr);
  EXPECT_EQ(index.find("SUBJECT")->value, " s");
  EXPECT_EQ(index.find("Received")->value, " one");
  EXPECT_EQ(index.find("Subjec"), nullptr);
  EXPECT_EQ(index.find("Subject:"), nullptr);
  EXPECT_EQ(index.find(""), nullptr);  // non-field lines are never found
  const auto all = index.find_all("received");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->value, " one");
  EXPECT_EQ(all[1]->value, " two");
  EXPECT_EQ(all[2]->value, " three");
  EXPECT_TRUE(index.find_all("cc").empty());
}

TEST(HeaderIndex, NonFieldLinesAreNotFound) {
  const HeaderIndex index("junk\nTo: b\n");
  EXPECT_TRUE(index.find_all("").empty());
  EXPECT_EQ(index.fields().size(), 2u);
}

}  // namespace
}  // namespace mailsift::message
