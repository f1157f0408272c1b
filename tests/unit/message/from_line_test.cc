#include "mailsift/message/from_line.h"

#include <gtest/gtest.h>

#include <string>

#include "test_time.h"

namespace mailsift::message {
namespace {

using test::kNow;

std::string stamp(const std::string& sender_part) {
  return "From " + sender_part + "  " + test::kNowText + "\n";
}

TEST(MakeFromLine, CtimeFormatInLocalTime) {
  test::use_utc();
  EXPECT_EQ(make_from_line("a@b", kNow), "From a@b  Sun Sep  9 01:46:40 2001\n");
  // Two-digit day, other weekday and month.
  EXPECT_EQ(make_from_line("x", 1795877900), "From x  Sat Nov 28 14:58:20 2026\n");
  ::setenv("TZ", "EST5", 1);
  ::tzset();
  EXPECT_EQ(make_from_line("x", kNow), "From x  Sat Sep  8 20:46:40 2001\n");
  test::use_utc();
}

TEST(IsFromLine, FiveBytesCaseSensitive) {
  struct Case {
    const char* line;
    bool want;
  } cases[] = {
      {"From a@b  date\n", true}, {"From \n", true},    {"From", false},
      {"from a@b\n", false},       {"Fromage: x\n", false}, {">From a\n", false},
      {"", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(is_from_line(c.line), c.want) << "line: " << c.line;
  }
}

TEST(FromLineSender, FirstWordAfterFrom) {
  struct Case {
    const char* line;
    const char* want;
  } cases[] = {
      {"From a@b  Sat Nov 28 14:58:20 2026\n", "a@b"},
      {"From a@b\n", "a@b"},
      {"From  \tspaced@x rest\n", "spaced@x"},
      {"From \n", ""},
      {"Subject: x\n", ""},
      {"From a@b", "a@b"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(from_line_sender(c.line), c.want) << "line: " << c.line;
  }
}

struct PolicyCase {
  const char* name;
  std::string input;
  bool manage;
  std::optional<std::string> sender;
  std::size_t want_consumed;
  std::string want_replacement;
};

// Each expectation was checked against procmail 3.22 (-f as root; "-d" for the
// cases without a sender).
TEST(ApplyFromLinePolicy, Table) {
  test::use_utc();
  const std::string long_line_2045 = "From a@b  " + std::string(2035, 'x') + "\n";
  const std::string long_line_2046 = "From a@b  " + std::string(2036, 'x') + "\n";
  const PolicyCase cases[] = {
      {"verbatim without manage", "From a@b  old\nX: y\n", false, "z", 0, ""},
      {"verbatim keeps leading newlines", "\n\nX: y\n", false, std::nullopt, 0, ""},
      {"no From_, no -f: invoker", "X: y\n\nbody\n", true, std::nullopt, 0, stamp("inv")},
      {"leading newlines dropped", "\n\nX: y\n", true, std::nullopt, 2, stamp("inv")},
      {"only newlines", "\n\n\n", true, "zz", 3, stamp("zz")},
      {"empty input", "", true, "zz", 0, stamp("zz")},
      {"From_ kept without -f", "From a@b  Mon Jan  5 10:20:30 2026\nX: y\n", true,
       std::nullopt, 35, "From a@b  Mon Jan  5 10:20:30 2026\n"},
      {"From_ kept after leading newlines", "\nFrom a@b  old\nX: y\n", true, std::nullopt, 15,
       "From a@b  old\n"},
      {"-f x replaces", "From a@b  Mon Jan  5 10:20:30 2026\nX: y\n", true, "x@y", 35,
       stamp("x@y")},
      {"-f x generates", "X: y\n", true, "x@y", 0, stamp("x@y")},
      {"-f - no From_: invoker", "X: y\n", true, "-", 0, stamp("inv")},
      {"-f - ctime date", "From a@b  Mon Jan  5 10:20:30 2026\n", true, "-", 35, stamp("a@b")},
      {"-f - single blank before date", "From a@b Mon Jan  5 10:20:30 2026\n", true, "-", 34,
       stamp("a@b")},
      {"-f - remote from", "From a@b Mon Jan  5 10:20:30 2026 remote from relay\n", true,
       "-", 52, stamp("a@b")},
      {"-f - no date at all", "From a@b\n", true, "-", 9, stamp("a@b")},
      {"-f - short junk", "From a b c\n", true, "-", 11, stamp("a")},
      {"-f - tab after address", "From a@b\tc d\n", true, "-", 13, stamp("a@b")},
      {"-f - blanks before address", "From  x\n", true, "-", 8, stamp(" x")},
      {"-f - tab before address", "From \tx y\n", true, "-", 10, stamp("\tx")},
      {"-f - empty sender", "From  \n", true, "-", 7, stamp(" ")},
      {"-f - hh:mm: found mid-line", "From a@b one two three four 12:34:56 tail\n", true, "-", 42,
       stamp("a@b one two")},
      {"-f - h:mm: found mid-line", "From a@b one two three four 1:34:56 tail-tail\n", true, "-",
       46, stamp("a@b one")},
      {"-f - hh:mm: too close to the end", "From a@b one two three four 12:34:56 tai\n", true,
       "-", 41, stamp("a@b")},
      {"-f - colons two apart are no time", "From a@b one two three four 12:3:4 tail-tail-xx\n",
       true, "-", 48, stamp("a@b")},
      {"From_ without newline dropped", "From a@b  x", true, "-", 11, stamp("inv")},
      {"From_ without newline dropped, -f x", "From a@b", true, "zz", 8, stamp("zz")},
      {"From_ of 2046 bytes kept", long_line_2045 + "X: y\n", true, std::nullopt, 2046,
       long_line_2045},
      {"From_ of 2047 bytes dropped", long_line_2046 + "X: y\n", true, std::nullopt, 2047,
       stamp("inv")},
      {"Fromage is no From_", "Fromage: x\n", true, std::nullopt, 0, stamp("inv")},
  };
  for (const PolicyCase& c : cases) {
    FromLinePolicy policy;
    policy.manage = c.manage;
    policy.sender = c.sender;
    policy.invoker = "inv";
    const FromLineEdit got = apply_from_line_policy(c.input, policy, kNow);
    EXPECT_EQ(got.consumed, c.want_consumed) << c.name;
    EXPECT_EQ(got.replacement, c.want_replacement) << c.name;
  }
}

}  // namespace
}  // namespace mailsift::message
