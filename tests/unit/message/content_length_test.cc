#include "mailsift/message/content_length.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::message {
namespace {

struct ClCase {
  const char* name;
  std::string head;
  std::string body;
  bool want_found;
  std::string want_head;
  std::size_t want_protected;
};

// Expectations checked against procmail 3.22 (message read with -f, stored mbox).
TEST(RewriteContentLength, Table) {
  const std::string from = "From a@b  Sat Nov 28 14:58:20 2026\n";
  const std::string body28 = std::string(27, 'x') + "\n";
  const std::string body17 = std::string(16, 'x') + "\n";
  const ClCase cases[] = {
      {"no field", from + "Subject: x\n\n", "body\n", false, from + "Subject: x\n\n", 0},
      {"too large, right-aligned", from + "Content-Length: 1000\n\n", body28, true,
       from + "Content-Length:   28\n\n", 28},
      {"blank after colon used", from + "Content-Length: 5\n\n", body17, true,
       from + "Content-Length:17\n\n", 17},
      {"too narrow: nines", from + "Content-Length:5\n\n", body17, true,
       from + "Content-Length:9\n\n", 9},
      {"too narrow: two nines", "Content-Length:00\n\n", std::string(150, 'x'), true,
       "Content-Length:99\n\n", 99},
      {"no room at all", from + "Content-Length:\n\n", body28, true,
       from + "Content-Length:\n\n", 0},
      {"wider than 26", "Content-Length: 1" + std::string(29, ' ') + "\n\n", body28 + "\n", true,
       "Content-Length:" + std::string(24, ' ') + "28" + std::string(5, ' ') + "\n\n", 28},
      {"final empty line not counted", "Content-Length: 1000\n\n", "a\n\n", true,
       "Content-Length:    2\n\n", 2},
      {"next-to-last newline only", "Content-Length: 1000\n\n", "a\nb", true,
       "Content-Length:    2\n\n", 2},
      {"one byte body", "Content-Length: 1000\n\n", "x", true, "Content-Length:    0\n\n", 0},
      {"empty body", "Content-Length: 1000\n\n", "", true, "Content-Length:    0\n\n", 0},
      {"header only", "Content-Length: 5\nX: y\nzz\n", "", true, "Content-Length: 0\nX: y\nzz\n",
       0},
      {"first one only, any case", "content-length: 5\nContent-Length: 5\n\n", body17, true,
       "content-length:17\nContent-Length: 5\n\n", 17},
      {"not a continuation line", "X: a\n Content-Length: 5\n\n", body17, false,
       "X: a\n Content-Length: 5\n\n", 0},
      {"not a suffix of a name", "X-Content-Length: 5\n\n", body17, false,
       "X-Content-Length: 5\n\n", 0},
      {"after leading newlines", "\n\nContent-Length: 5\n\n", body17, true,
       "\n\nContent-Length:17\n\n", 17},
      {"CR is part of the width", "Content-Length: 8\r\n\n", std::string(20, 'y') + "\n", true,
       "Content-Length: 21\n\n", 21},
      {"NUL ends the field", std::string("Content-Length: 5\0z\n\n", 21), body17, true,
       std::string("Content-Length:17\0z\n\n", 21), 17},
  };
  for (const ClCase& c : cases) {
    std::string head = c.head;
    const ContentLengthResult got = rewrite_content_length(head, c.body);
    EXPECT_EQ(got.found, c.want_found) << c.name;
    EXPECT_EQ(head, c.want_head) << c.name;
    EXPECT_EQ(got.protected_bytes, c.want_protected) << c.name;
  }
}

}  // namespace
}  // namespace mailsift::message
