// procmail's regex dialect on RE2: every row below is procmail's own answer, produced
// by tests/tools/procmail_regex_answers.py (run it again after adding a row).
#include "mailsift/rc/regex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <string_view>

#include "mailsift/limits.h"
#include "../../../src/rc/regex_dialect.h"

namespace mailsift::rc {
namespace {

using namespace std::string_view_literals;

std::string show(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u >= 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// flags: "D" = case sensitive; "H" = the text is a header area (for the table's
// generator; the regex sees the text as it is either way).
struct MatchRow {
  std::string_view regex;
  std::string_view flags;
  std::string_view text;
  bool matches;
  std::string_view match;  // MATCH, for a regex with "\/"
};

const MatchRow kMatchRows[] = {
    {"foo"sv, "", "a FOO b"sv, true, ""sv},
    {"FOO"sv, "", "a foo b"sv, true, ""sv},
    {"FOO"sv, "D", "a foo b"sv, false, ""sv},
    {"foo"sv, "D", "a foo b"sv, true, ""sv},
    {"\304"sv, "", "\344"sv, false, ""sv},
    {"\344"sv, "", "\304"sv, false, ""sv},
    {"\344x"sv, "", "a\344X"sv, true, ""sv},
    {"[\300-\336]"sv, "", "\351"sv, false, ""sv},
    {"[\300-\336]"sv, "", "\311"sv, true, ""sv},
    {"[^\351]"sv, "", "\311"sv, true, ""sv},
    {"\351+x"sv, "", "\311X"sv, false, ""sv},
    {"[\311\351]x"sv, "", "\351X"sv, true, ""sv},
    {"[^a-z\340-\376]"sv, "", "\311"sv, true, ""sv},
    {"[^a-z]"sv, "", "Q"sv, false, ""sv},
    {"a[^b]c"sv, "", "aBc"sv, false, ""sv},
    {"[^\340-\376]"sv, "D", "\311"sv, true, ""sv},
    {"[A-z]"sv, "", "_"sv, true, ""sv},
    {"[a-z]"sv, "", "Q"sv, true, ""sv},
    {"[^A]"sv, "", "a"sv, false, ""sv},
    {"[Z-a]"sv, "", "A"sv, true, ""sv},
    {"a.b"sv, "", "a\000b"sv, true, ""sv},
    {"\\<b"sv, "", "a\000b"sv, true, ""sv},
    {"x[^a]y"sv, "", "x\000y"sv, true, ""sv},
    {"x.y"sv, "", "x\ny"sv, false, ""sv},
    {"x[^a]y"sv, "", "x\ny"sv, false, ""sv},
    {"a.c"sv, "", "abc"sv, true, ""sv},
    {"^foo"sv, "", "foo bar"sv, true, ""sv},
    {"^foo"sv, "", "xfoo"sv, false, ""sv},
    {"^foo"sv, "", "x\nfoo"sv, true, ""sv},
    {"foo$"sv, "", "a foo"sv, true, ""sv},
    {"foo$"sv, "", "foox"sv, false, ""sv},
    {"foo$"sv, "", "foo\nx"sv, true, ""sv},
    {"$^"sv, "", "abc"sv, false, ""sv},
    {"abc$^def"sv, "", "abc\ndef"sv, false, ""sv},
    {"abc$^def"sv, "", "abc\n\ndef"sv, true, ""sv},
    {"^$"sv, "", ""sv, true, ""sv},
    {"^$"sv, "", "a"sv, false, ""sv},
    {"^$"sv, "", "a\n"sv, true, ""sv},
    {"^$^"sv, "", ""sv, false, ""sv},
    {"^$$"sv, "", "\n"sv, true, ""sv},
    {"^$"sv, "H", "From: x\nSubject: y\n\n"sv, true, ""sv},
    {"x^*y"sv, "", "xy"sv, true, ""sv},
    {"x^+y"sv, "", "x\ny"sv, true, ""sv},
    {"(^)+a"sv, "", "a"sv, true, ""sv},
    {"^?^a"sv, "", "a"sv, true, ""sv},
    {"^^foo"sv, "", "foo"sv, true, ""sv},
    {"^^foo"sv, "", "xfoo"sv, false, ""sv},
    {"^^foo"sv, "", "\nfoo"sv, false, ""sv},
    {"^^^foo"sv, "", "foo"sv, false, ""sv},
    {"^^^foo"sv, "", "\nfoo"sv, true, ""sv},
    {"x^^"sv, "", "x"sv, true, ""sv},
    {"x^^"sv, "", "x\n"sv, false, ""sv},
    {"x$^^"sv, "", "x\n"sv, true, ""sv},
    {"x$^^"sv, "", "x"sv, false, ""sv},
    {"x$$^^"sv, "", "x\n"sv, false, ""sv},
    {"a^^b"sv, "", "ab"sv, false, ""sv},
    {"^^"sv, "", "abc"sv, true, ""sv},
    {"^^^^"sv, "", ""sv, true, ""sv},
    {"^^^^"sv, "", "a"sv, false, ""sv},
    {"x|^^b"sv, "", "b"sv, true, ""sv},
    {"x|^^b"sv, "", "ab"sv, false, ""sv},
    {"(^^)a"sv, "", "a"sv, true, ""sv},
    {"x$$^^"sv, "H", "Subject: x\n\n"sv, true, ""sv},
    {"x?^^a"sv, "", "a"sv, true, ""sv},
    {"()^^a"sv, "", "a"sv, true, ""sv},
    {"b(^^a)"sv, "", "ba"sv, false, ""sv},
    {"a(^^)"sv, "", "a"sv, true, ""sv},
    {"a^^+"sv, "", "a"sv, false, ""sv},
    {"b\\/(a^^)?"sv, "", "ba"sv, true, "a"sv},
    {"b\\/(a^^)*"sv, "", "ba"sv, true, ""sv},
    {"b\\/(c|a^^)"sv, "", "ba"sv, true, "a"sv},
    {"a^^b?"sv, "", "a"sv, false, ""sv},
    {"a^^()"sv, "", "a"sv, false, ""sv},
    {"a$b?"sv, "", "a"sv, true, ""sv},
    {"[z-a]"sv, "", "m"sv, false, ""sv},
    {"\\<foo\\>"sv, "", "a foo b"sv, true, ""sv},
    {"\\<foo\\>"sv, "", "afoo b"sv, false, ""sv},
    {"\\<foo\\>"sv, "", "foo"sv, true, ""sv},
    {"\\<foo"sv, "", "_foo"sv, false, ""sv},
    {"x\\<y"sv, "", "x\ny"sv, true, ""sv},
    {"a\\>b"sv, "", "a-b"sv, true, ""sv},
    {"\\<*a"sv, "", "  a"sv, true, ""sv},
    {"a**"sv, "", "aaa*"sv, true, ""sv},
    {"a**"sv, "", "aaa"sv, false, ""sv},
    {"a.*+b"sv, "", "axxb"sv, false, ""sv},
    {"a.*+b"sv, "", "axx+b"sv, true, ""sv},
    {"*a"sv, "", "*a"sv, true, ""sv},
    {"*a"sv, "", "a"sv, false, ""sv},
    {"x|*b"sv, "", "*b"sv, true, ""sv},
    {"(ab)+c"sv, "", "xababc"sv, true, ""sv},
    {"(ab)?c"sv, "", "c"sv, true, ""sv},
    {"a{2}"sv, "", "aa"sv, false, ""sv},
    {"a{2}"sv, "", "a{2}"sv, true, ""sv},
    {"{"sv, "", "{"sv, true, ""sv},
    {"[]a]"sv, "", "]"sv, true, ""sv},
    {"[^]a]"sv, "", "b"sv, true, ""sv},
    {"[^]a]"sv, "", "\n"sv, false, ""sv},
    {"[a\\]]"sv, "", "\\]"sv, true, ""sv},
    {"[a-]"sv, "", "-"sv, true, ""sv},
    {"[-a]"sv, "", "-"sv, true, ""sv},
    {"[\\n]"sv, "", "n"sv, true, ""sv},
    {"[\\n]"sv, "", "\\"sv, true, ""sv},
    {"[[:alpha:]]"sv, "", "h]"sv, true, ""sv},
    {"[[:alpha:]]"sv, "", "b]"sv, false, ""sv},
    {"\\n"sv, "", "\n"sv, false, ""sv},
    {"\\n"sv, "", "n"sv, true, ""sv},
    {"a\\.b"sv, "", "axb"sv, false, ""sv},
    {"\\(a\\)"sv, "", "(a)"sv, true, ""sv},
    {"a\\\\b"sv, "", "a\\b"sv, true, ""sv},
    {"a\\*"sv, "", "aaa"sv, false, ""sv},
    {"(a|)b"sv, "", "b"sv, true, ""sv},
    {"()"sv, "", "x"sv, true, ""sv},
    {"a||b"sv, "", "c"sv, true, ""sv},
    {"(foo|bar)baz"sv, "", "xbarbaz"sv, true, ""sv},
    {""sv, "", "anything"sv, true, ""sv},
    {"^TO_joe@"sv, "H", "To: joe@x.org\n\n"sv, true, ""sv},
    {"^TO_joe@"sv, "H", "To: xjoe@x.org\n\n"sv, false, ""sv},
    {"^TO_joe@"sv, "H", "To: list-joe@x.org\n\n"sv, false, ""sv},
    {"^TO_joe@"sv, "H", "Cc: Joe <joe@x.org>\n\n"sv, true, ""sv},
    {"^TO_joe@"sv, "H", "Resent-To: a@b, joe@x.org\n\n"sv, true, ""sv},
    {"^TO_joe@"sv, "H", "Delivered-To: joe@x.org\n\n"sv, false, ""sv},
    {"^TO_joe@example\\.com"sv, "H", "To: joe@example.com.au\n\n"sv, true, ""sv},
    {"^TO_joe@"sv, "DH", "TO: joe@x.org\n\n"sv, false, ""sv},
    {"^TOjoe"sv, "H", "To: 1joe\n\n"sv, true, ""sv},
    {"^TOjoe"sv, "H", "To: xjoe\n\n"sv, false, ""sv},
    {"\\^TO_joe"sv, "H", "To: joe\n\n"sv, false, ""sv},
    {"\\^TO_joe"sv, "H", "^TO_joe\n\n"sv, true, ""sv},
    {"^FROM_DAEMON"sv, "H", "From: MAILER-DAEMON@x.org\n\n"sv, true, ""sv},
    {"^FROM_DAEMON"sv, "H", "Precedence: bulk\n\n"sv, true, ""sv},
    {"^FROM_DAEMON"sv, "H", "From: joe@x.org\n\n"sv, false, ""sv},
    {"^FROM_DAEMON"sv, "DH", "from: mailer-daemon@x.org\n\n"sv, true, ""sv},
    {"^FROM_DAEMON"sv, "H", "From: owner-list@x.org\n\n"sv, true, ""sv},
    {"^FROM_MAILER"sv, "H", "From: postmaster@x.org\n\n"sv, true, ""sv},
    {"^FROM_MAILER"sv, "H", "Precedence: bulk\n\n"sv, false, ""sv},
    {"^FROM_MAILER"sv, "H", "From: Joe <joe@x.org>\n\n"sv, false, ""sv},
    {"^FROM_MAILER"sv, "DH", "from: mailer-daemon@x.org\n\n"sv, false, ""sv},
    {"^Subject: \\/.*"sv, "", "Subject: hello world\n"sv, true, "hello world"sv},
    {"^Subject: \\/.*$"sv, "", "Subject: hello\n"sv, true, "hello\n"sv},
    {"^Subject: \\/.*$"sv, "", "Subject: hello"sv, true, "hello"sv},
    {"^Subject:.*\\/x+"sv, "", "Subject: aaxxx yxx\n"sv, true, "xxx"sv},
    {"^Subject: *\\/[^ ].*"sv, "", "Subject:   hello world\n"sv, true, "hello world"sv},
    {"abc\\/"sv, "", "xabcx"sv, true, ""sv},
    {"\\/y\\/es"sv, "", "yes"sv, true, "es"sv},
    {"a\\/b"sv, "", "ac ab"sv, true, "b"sv},
    {"a.*\\/b.*"sv, "", "xxaxxbxxbxx"sv, true, "bxxbxx"sv},
    {"a.*\\/bc"sv, "", "abxbc"sv, true, "bc"sv},
    {"a+\\/a+"sv, "", "aaaa"sv, true, "aaa"sv},
    {"(a|ab)\\/(c|bcd)"sv, "", "abcd"sv, true, "bcd"sv},
    {"x\\/a*"sv, "", "xaaab"sv, true, "aaa"sv},
    {"\\/a*"sv, "", "aaab"sv, true, ""sv},
    {"\\/a+"sv, "", "aaab"sv, true, "aaa"sv},
    {"x?\\/a*"sv, "", "aaa"sv, true, ""sv},
    {"(x|)\\/a+"sv, "", "aaa"sv, true, "aaa"sv},
    {"^\\/a*"sv, "", "aaab"sv, true, "aaa"sv},
    {"^\\/a*"sv, "", "x\naaab"sv, true, ""sv},
    {"^From:(.*<)?\\/[^>]+"sv, "", "From: Joe <joe@x.org>\n"sv, true, " Joe <joe@x.org"sv},
    {"^From:.*\\/[a-z]+@[a-z.]+"sv, "", "From: Joe <joe@x.org>\n"sv, true, "joe@x.org"sv},
    {"x\\/$"sv, "", "ax\nb"sv, true, "\n"sv},
    {"\\/*a"sv, "", "*a"sv, true, "a"sv},
    {"(^Subject: \\/.*)"sv, "", "Subject: grouped\n"sv, true, "grouped"sv},
    {"^subject: \\/.*"sv, "", "SUBJECT: Mixed Case\n"sv, true, "Mixed Case"sv},
    {"b\\/\\>"sv, "", "ab c"sv, true, " "sv},
    {"\\/\\<"sv, "", "\naxAx\nAb"sv, true, ""sv},
    {"b?A*\\/$"sv, "", "\naAxxbA"sv, true, ""sv},
    {"\\/\\<*[^a]*"sv, "", "x x "sv, true, "x x "sv},
    {"(a)*\\/\\>?\\<"sv, "", "\nAa"sv, true, "\n"sv},
    {"\\/A?^+"sv, "D", "\nabAx xb\n\nA"sv, true, "\n"sv},
    {"\\<?\\/a*"sv, "", "aaab"sv, true, ""sv},
};

TEST(RegexTest, MatchesLikeProcmail) {
  ASSERT_GE(std::size(kMatchRows), 80u);
  for (const MatchRow& row : kMatchRows) {
    const bool case_sensitive = row.flags.find('D') != std::string_view::npos;
    const Regex regex = Regex::compile(row.regex, case_sensitive);
    const std::string what = "regex \"" + show(row.regex) + "\" flags \"" + std::string(row.flags) +
                             "\" on \"" + show(row.text) + "\" (RE2: " + show(regex.translated()) +
                             ")";
    ASSERT_TRUE(regex.ok()) << what << ": " << regex.error();
    EXPECT_EQ(regex.search(row.text, nullptr), row.matches) << what;
    // Not built yet (translated() above builds it): procmail's engine answers, and
    // gives the same answer.
    const Regex unbuilt = Regex::compile(row.regex, case_sensitive);
    EXPECT_EQ(unbuilt.search(row.text, nullptr), row.matches) << what << " (unbuilt)";
    if (unbuilt.repair().empty()) {
      EXPECT_FALSE(unbuilt.built()) << what;
    }
    std::string extracted = "unset";
    EXPECT_EQ(regex.search(row.text, &extracted), row.matches) << what << " (extracting)";
    if (regex.extracts() && row.matches) {
      EXPECT_EQ(show(extracted), show(row.match)) << what << ": MATCH got vs wanted";
    } else {
      EXPECT_EQ(extracted, "unset") << what << ": MATCH must stay unchanged";
    }
  }
}

struct ScoreRow {
  double weight;
  double exponent;
  std::string_view regex;
  std::string_view flags;
  std::string_view text;
  long long dollar_equals;  // what procmail put in $= after the recipe
};

const ScoreRow kScoreRows[] = {
    {1.0, 1.0, "a"sv, "", "aaa"sv, 3},
    {-1.0, 1.0, "a"sv, "", "aaa"sv, -3},
    {1.0, 2.0, "a"sv, "", "aaaa"sv, 15},
    {1.0, 0.0, "a"sv, "", "aaa"sv, 1},
    {1.0, -1.0, "a"sv, "", "aaa"sv, 1},
    {1.0, 1.0, "b"sv, "", "abab"sv, 2},
    {1.0, 1.0, "a"sv, "", ""sv, 0},
    {1.0, 1.0, "^.*$"sv, "", "a\nb\n"sv, 3},
    {1.0, 1.0, "^.*$"sv, "", "a\nb"sv, 2},
    {1.0, 1.0, "^.*$"sv, "", ""sv, 1},
    {1.0, 1.0, "^$"sv, "", "\n\n\n"sv, 4},
    {1.0, 1.0, "^a"sv, "", "a\na\na"sv, 3},
    {1.0, 1.0, "a$"sv, "", "a\na\na"sv, 3},
    {1.0, 1.0, "\\<a"sv, "", "a a a"sv, 3},
    {1.0, 1.0, "^^a"sv, "", "a\na\na"sv, 1},
    {1.0, 1.0, "a^^"sv, "", "aaa"sv, 1},
    {-1.0, -1.0, ".^^b?"sv, "", "a\nb\nAba"sv, 0},
    {2.0, 0.0, "[^a]\\<?^^+"sv, "", "abab\n"sv, 0},
    {1.0, 2.0, "\\>\\>"sv, "", "a  b"sv, 1},
    {1.0, 2.0, "\\>\\>"sv, "", "\n b"sv, 3},
    {1.0, 1.0, "\\<^^"sv, "", "xb\n"sv, 2147483647},
    {-1.0, 1.0, "(\\<|a)([ab][^a]|^^)"sv, "", "\nxbb bx\n"sv, -2147483647},
    {1.0, 2.0, "\\>a"sv, "", "a a"sv, 3},
    {1.0, 1.0, "^"sv, "", "a\nb\n"sv, 2147483647},
    {1.0, 1.0, "$"sv, "", ""sv, 2147483647},
    {1.0, 1.0, "x*"sv, "", "abc"sv, 2147483647},
    {3.0, 1.0, "x*"sv, "", "abc"sv, 2147483647},
    {-3.0, 1.0, "x*"sv, "", "abc"sv, -2147483647},
    {0.0, 1.0, "x*"sv, "", "abc"sv, 0},
    {1.0, 0.5, "x*"sv, "", "abc"sv, 2},
    {-1.0, 0.5, "x*"sv, "", "abc"sv, -2},
    {3.0, -0.5, "x*"sv, "", "abc"sv, 3},
    {3.0, 0.0, "x*"sv, "", "abc"sv, 3},
    {1.0, 0.5, "a*"sv, "", "aab"sv, 2},
    {10.0, 0.5, "a"sv, "", "aaaa"sv, 18},
    {0.9, 0.99, "x"sv, "", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"sv, 1},
    {2.0, 0.99, "x"sv, "", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"sv, 101},
    {1000.0, 2.0, "a"sv, "", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"sv, 2147483647},
    {1.0, 1.0, "ab|b"sv, "", "abab"sv, 2},
    {1.0, 1.0, "[a-z]+"sv, "", "ab cd ef"sv, 6},
};

// $= as procmail sets it from a score: truncated toward zero, but (0,1) gives 1.
long long dollar_equals(double score) {
  if (score > 0 && score < 1) return 1;
  return static_cast<long long>(std::trunc(score));
}

TEST(RegexTest, ScoresLikeProcmail) {
  ASSERT_GE(std::size(kScoreRows), 15u);
  for (const ScoreRow& row : kScoreRows) {
    const Regex regex = Regex::compile(row.regex, row.flags.find('D') != std::string_view::npos);
    ASSERT_TRUE(regex.ok()) << regex.error();
    const double got = regex.score(row.text, row.weight, row.exponent);
    EXPECT_EQ(dollar_equals(got), row.dollar_equals)
        << row.weight << "^" << row.exponent << " \"" << show(row.regex) << "\" on \""
        << show(row.text) << "\": score " << got;
  }
}

TEST(RegexTest, ScoreKeepsFractions) {
  const Regex regex = Regex::compile("a", false);
  EXPECT_DOUBLE_EQ(regex.score("aaaa", 10, 0.5), 18.75);
  EXPECT_DOUBLE_EQ(regex.score("xyz", 10, 0.5), 0);
  EXPECT_DOUBLE_EQ(Regex::compile("x*", false).score("abc", 1, 0.75), 4);
}

struct RepairRow {
  std::string_view regex;
  std::string_view repair;  // a word the repair note must hold
  std::size_t offset;
  bool procmail_logs;       // "Invalid regexp"
  std::string_view matches;
  std::string_view does_not_match;
};

// procmail's regex compiler reads past these mistakes: a missing ")" is implied at
// the end, an unmatched ")" ends the regex, an unclosed "[" takes the rest as its
// set. mailsift means the same (answers checked against procmail in
// tests/compat/cases/313-recover-regex-unbalanced) and says what and where.
TEST(RegexTest, RepairsAreProcmails) {
  const RepairRow rows[] = {
      {"(Hello", "missing ')'", 0, true, "Hello", "Hell"},
      {"ab(c(d)", "missing ')'", 2, true, "abcd", "abc"},
      {"Hello)xyz", "unmatched ')'", 5, true, "Hello", "Hell"},
      {"x)|^Subject", "unmatched ')'", 1, true, "axb", "Subject"},
      {"a|b)c|d", "unmatched ')'", 3, true, "b", "d"},
      {"a[bc", "missing ']'", 1, false, "ab", "a[bc"},
      {"x[]", "missing ']'", 1, false, "x]", "x["},
      {"^TO_x)", "unmatched ')'", 5, true, "To: x", "To: y"},
      {"x^FROM_MAILER(", "missing ')'", 13, true, "x\nFrom: root@h\n", "x\nFrom: bob@h\n"},
  };
  for (const RepairRow& row : rows) {
    const Regex regex = Regex::compile(row.regex, false);
    ASSERT_TRUE(regex.ok()) << row.regex << ": " << regex.error();
    EXPECT_NE(regex.repair().find(row.repair), std::string::npos)
        << row.regex << ": repair got \"" << regex.repair() << "\", wanted one with \""
        << row.repair << "\"";
    EXPECT_EQ(regex.repair_offset(), row.offset) << row.regex << ": offset";
    EXPECT_EQ(regex.procmail_logs_repair(), row.procmail_logs) << row.regex;
    EXPECT_TRUE(regex.search(row.matches, nullptr)) << row.regex << " on " << row.matches;
    EXPECT_FALSE(regex.search(row.does_not_match, nullptr))
        << row.regex << " on " << row.does_not_match;
  }
  EXPECT_EQ(Regex::compile("(a)b", false).repair(), "");
}

TEST(RegexTest, RejectsDeepNesting) {
  const std::string deep = std::string(300, '(') + "a" + std::string(300, ')');
  const Regex regex = Regex::compile(deep, false);
  EXPECT_FALSE(regex.ok());
  EXPECT_NE(regex.error().find("nested"), std::string::npos) << regex.error();
  EXPECT_TRUE(Regex::compile(std::string(50, '(') + "a" + std::string(50, ')'), false).ok());
}

// procmailrc(5) BUGS: "some non-optimal and non-obvious regexps set MATCH to an
// incorrect value". mailsift gives the egrep answer there (left part as short as
// possible, right part as long as possible from where it ends), not procmail's.
TEST(RegexTest, MatchIsEgrepCorrectWhereProcmailIsNot) {
  std::string extracted;
  // procmail: "xbbx x".
  EXPECT_TRUE(Regex::compile("[^a]+\\/", true).search("xxbbx xa", &extracted));
  EXPECT_EQ(extracted, "");
}

TEST(RegexTest, FromDaemonIsCaseInsensitiveEvenWithD) {
  EXPECT_TRUE(Regex::compile("^FROM_DAEMON", true).search("FROM: MAILER-DAEMON@X\n\n", nullptr));
  // ...and makes the rest of the regex insensitive too, as in procmail.
  EXPECT_TRUE(Regex::compile("^FROM_DAEMONXYZ|^SUBJECT", true).search("subject: a\n", nullptr));
  EXPECT_FALSE(Regex::compile("^FROM_MAILERXYZ|^SUBJECT", true).search("subject: a\n", nullptr));
}

TEST(RegexTest, Extracts) {
  EXPECT_TRUE(Regex::compile("a\\/b", false).extracts());
  EXPECT_FALSE(Regex::compile("a\\\\/b", false).extracts());
  EXPECT_FALSE(Regex::compile("a[\\/]b", false).extracts());
  EXPECT_FALSE(Regex::compile("^TO_", false).extracts());
}

TEST(RegexTest, NoMatchLeavesMatchAlone) {
  const Regex regex = Regex::compile("^Subject: \\/.*", false);
  std::string extracted = "before";
  EXPECT_FALSE(regex.search("From: x\n", &extracted));
  EXPECT_EQ(extracted, "before");
}

// The RE2 text is short: case folding by RE2's "(?i)" (but not for Latin-1 letters,
// which procmail does not fold), one character or class per atom, "." and negated
// classes where they are shorter, no group around a single repeated atom.
TEST(RegexTest, TranslationIsCompact) {
  struct Row {
    std::string_view regex;
    bool case_sensitive;
    std::string_view want;
  };
  const Row rows[] = {
      {"a.", false, "(?i)a."},
      {"a\xe4", true, "a\\xe4"},
      {"a\xe4", false, "(?i)a(?-i:\\xe4)"},
      {"[\xc4\xe4]", false, "(?i)\\xe4"},
      {"[\xc0-\xde]", false, "(?i)(?-i:[\\xc0-\\xde])"},
      {"^a$", true, "(?:\\x0a|\\A)a(?:\\x0a|\\z)"},
      {"a\\/b", true, "a()b"},
      {"[^>]+", true, "[^\\x0a>]+"},
      {"[^>]+", false, "(?i)[^\\x0a>]+"},
      {"[a-zA-Z]*", false, "(?i)[a-z]*"},
      {"x[-.a]", true, "x[\\-\\.a]"},
      {"(ab|c)*d", false, "(?i)(?:ab|c)*d"},
      {"\\<x", false, "(?i)(?:[^0-9_a-z]|\\A)x"},
      {"a+\\.b?", true, "a+\\.b?"},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(show(Regex::compile(row.regex, row.case_sensitive).translated()), show(row.want))
        << "regex \"" << show(row.regex) << "\" (case sensitive: " << row.case_sensitive
        << "): RE2 text got vs wanted";
  }
}

TEST(RegexTest, MovedAndDefaultRegexesAreNotUsable) {
  Regex empty;
  EXPECT_FALSE(empty.ok());
  EXPECT_FALSE(empty.error().empty());
  EXPECT_FALSE(empty.search("x", nullptr));
  Regex source = Regex::compile("x", false);
  Regex target = std::move(source);
  EXPECT_TRUE(target.ok());
  EXPECT_TRUE(target.search("x", nullptr));
}

TEST(RegexTest, MatchesTheWholeOfALongArea) {
  std::string body(1 << 20, 'a');
  body += "\nSubject: last\n";
  const Regex regex = Regex::compile("^subject: \\/.*", false);
  std::string extracted;
  EXPECT_TRUE(regex.search(body, &extracted));
  EXPECT_EQ(extracted, "last");
  EXPECT_EQ(dollar_equals(Regex::compile("^.*$", false).score(body, 1, 1)), 3);
}

// Counting many short matches in a long area must not rescan the area per match.
TEST(RegexTest, CountsManyMatchesInALongArea) {
  const std::string text(1 << 16, 'a');
  EXPECT_EQ(dollar_equals(Regex::compile("[a-z]", false).score(text, 1, 1)), 1 << 16);
  EXPECT_EQ(dollar_equals(Regex::compile("a+", false).score(text, 1, 1)), 1 << 16);
  std::string lines;
  for (int i = 0; i < 5000; ++i) lines += "line\n";
  EXPECT_EQ(dollar_equals(Regex::compile("^.*$", false).score(lines, 1, 1)), 5001);
}

// A regex past limits::kMaxRegexBytes is refused before it is translated (memory).
TEST(RegexTest, RefusesARegexPastTheLengthLimit) {
  const Regex over = Regex::compile(std::string(limits::kMaxRegexBytes + 1, 'a'), false);
  EXPECT_FALSE(over.ok());
  EXPECT_EQ(over.error(), std::to_string(limits::kMaxRegexBytes + 1) +
                              " bytes long, more than the limit of " +
                              std::to_string(limits::kMaxRegexBytes) + " bytes");
  // At the limit the regex is translated; RE2 may still find it too large.
  const Regex at = Regex::compile(std::string(limits::kMaxRegexBytes, 'a'), false);
  EXPECT_EQ(at.error().find("limit of"), std::string::npos) << at.error();
  std::string words;
  for (int i = 0; words.size() + 16 < limits::kMaxRegexBytes; ++i)
    words += "w" + std::to_string(i) + "|";
  words += "last";
  const Regex list = Regex::compile(words, false);
  EXPECT_TRUE(list.ok()) << list.error();
  EXPECT_TRUE(list.search("the last word", nullptr));
}

// Long areas, where the search for the split probes growing windows before whole
// slices. Answers from procmail (MATCH logged by a B condition on the text).
TEST(RegexTest, ExtractsFromLongAreasLikeProcmail) {
  auto repeat = [](std::string_view piece, int times) {
    std::string out;
    for (int i = 0; i < times; ++i) out += piece;
    return out;
  };
  struct Row {
    std::string_view regex;
    std::string text;
    std::string match;
  } const rows[] = {
      {"^Order: .*\\/[0-9]+", repeat("filler line\n", 2000) + "Order: abc 12345 x 678\n", "12345"},
      {"x.*y\\/.*", "x" + repeat("a", 5000) + "yQQ\n", "QQ"},
      {"a[^z]*\\/z+b", "a" + repeat("c", 3000) + "zzzb\n", "zzzb"},
      {"q\\/.*X", "q" + repeat("a", 1500) + "X\n", repeat("a", 1500) + "X"},
      {"b.*c\\/d", "b" + repeat("e", 3000) + "cdcd\n", "d"},
      {"b.*c\\/d", "b" + repeat("e", 3000) + "cecd" + repeat("f", 3000) + "cd\n", "d"},
      {"^Subject: \\/.*", repeat("x", 300000) + "\nSubject: last\n", "last"},
      {"[0-9]+\\/[a-z]+$", repeat("1", 10000) + "abc" + repeat("2", 100) + "d\n", "d\n"},
      {"(b|c).*e\\/d", "b" + repeat("x", 3000) + "cexed\n", "d"},
      {"(b|c).*e\\/d+", "b" + repeat("x", 3000) + "ce" + repeat("d", 2000) + "x\n",
       repeat("d", 2000)},
  };
  for (const Row& row : rows) {
    const Regex regex = Regex::compile(row.regex, false);
    ASSERT_TRUE(regex.ok()) << row.regex << ": " << regex.error();
    std::string extracted;
    bool cut = true;
    EXPECT_TRUE(regex.search(row.text, &extracted, &cut)) << row.regex;
    EXPECT_EQ(show(extracted), show(row.match)) << row.regex << ": MATCH got vs wanted";
    EXPECT_FALSE(cut) << row.regex << ": the exact search must fit the budget";
  }
}

// A split that many candidates precede, on a hostile area: every candidate used to
// cost a scan of the whole rest of the area (hours for this one). The search ends
// within its budget with RE2's split, the only valid one here, and says it was cut.
TEST(RegexTest, SplitSearchOnAHostileAreaIsBounded) {
  const std::string text = "x" + std::string(10u << 20, 'a') + "yQQ\n";
  const Regex regex = Regex::compile("x.*y\\/.*", false);
  std::string extracted;
  bool cut = false;
  EXPECT_TRUE(regex.search(text, &extracted, &cut));
  EXPECT_EQ(extracted, "QQ");
  EXPECT_TRUE(cut) << "a search past the budget must say so";
  // A realistic rule on the same large area stays exact.
  const std::string body = std::string(10u << 20, 'a') + "\nOrder: abc 12345 x 678\n";
  const Regex order = Regex::compile("^Order: .*\\/[0-9]+", false);
  EXPECT_TRUE(order.search(body, &extracted, &cut));
  EXPECT_EQ(extracted, "12345");
  EXPECT_FALSE(cut);
}

// RE2 keeps matching linear: regexes that make backtracking matchers explode on a
// long text return (this test has no timing assertion; it must simply finish).
TEST(RegexTest, PathologicalRegexesFinish) {
  const std::string text(1 << 20, 'a');
  const std::string_view regexes[] = {"(a+)+$", "(.*)*x", "(a|aa)+b", "(a*)*\\/b", "^(a?)+\\/a*x"};
  for (std::string_view source : regexes) {
    const Regex regex = Regex::compile(source, false);
    ASSERT_TRUE(regex.ok()) << source << ": " << regex.error();
    std::string extracted;
    const bool want = source == "(a+)+$";
    EXPECT_EQ(regex.search(text, &extracted), want) << source;
  }
  EXPECT_EQ(dollar_equals(Regex::compile("(a+)+$", false).score(text, 1, 1)), 1);
}

// The literal check a body rule on a spooled body makes window by window: a literal
// across a window's edge is found, the windows are reported in order, and the scan
// stops at the window where the last literal shows.
TEST(RegexTest, LacksRequiredLiteralWindowByWindow) {
  const Regex regex = Regex::compile("zedor[a-z]+-7f3a", false);
  ASSERT_TRUE(regex.ok());
  struct Row {
    std::string name;
    std::string area;
    bool want_lacks;
    std::size_t want_scanned;  // bytes reported done
  };
  std::string across(1000, '.');
  across.replace(190, 13, "ZEDORxy-7F3A.");  // "-7f3a" crosses the edge at 192
  std::string early(1000, '.');
  early.replace(10, 12, "zedorxy-7f3a");
  std::string without(1000, '.');
  without.replace(500, 5, "zedor");
  const std::vector<Row> rows = {
      {"across an edge", across, false, 256},
      {"in the first window", early, false, 64},
      {"one literal missing", without, true, 1000},
      {"empty", "", true, 0},
  };
  for (const Row& row : rows) {
    std::size_t next = 0;
    bool in_order = true;
    const bool lacks =
        regex.lacks_required_literal(row.area, 64, [&](std::size_t from, std::size_t length) {
          in_order = in_order && from == next && length <= 64;
          next = from + length;
        });
    EXPECT_EQ(lacks, row.want_lacks) << row.name;
    EXPECT_EQ(next, row.want_scanned) << row.name;
    EXPECT_TRUE(in_order) << row.name;
    // The full search agrees.
    EXPECT_EQ(regex.search(row.area, nullptr), !row.want_lacks) << row.name;
  }
  // Without a literal nothing can be concluded, and nothing is scanned.
  bool called = false;
  EXPECT_FALSE(Regex::compile("a.*", false)
                   .lacks_required_literal("bbb", 1, [&](std::size_t, std::size_t) { called = true; }));
  EXPECT_FALSE(called);
}

// A regex made of macros up to the length limit (a condition's "$" expansion may
// bring it from the message): each macro is replaced once, in one pass. Searching
// again from the start after every replacement took minutes for this one. No timing
// assertion: it must simply finish; then what it built is checked.
TEST(RegexTest, ManyMacrosAreReplacedInOnePass) {
  std::string source;
  while (source.size() + 3 <= limits::kMaxRegexBytes) source += "^TO";
  const std::size_t macros = source.size() / 3;
  const Regex regex = Regex::compile(source, false);
  ASSERT_TRUE(regex.ok()) << regex.error();
  // One replacement of ^TO per macro: its text starts with "(^(" every time.
  const dialect::Substituted substituted = dialect::substitute_macros(source);
  const std::size_t each = substituted.text.size() / macros;
  ASSERT_EQ(each * macros, substituted.text.size());
  for (std::size_t i = 0; i < macros; i += macros / 7) {
    EXPECT_EQ(substituted.text.compare(i * each, 3, "(^("), 0) << "macro " << i;
    EXPECT_EQ(substituted.original_offset(i * each + 5), 3 * i) << "macro " << i;
  }
  // A backslash before the first occurrence keeps every occurrence, as in procmail.
  EXPECT_EQ(dialect::substitute_macros("\\" + source).text, "\\" + source);
}

// "* \^TO_joe": procmail takes the leading backslash off the regex but still sees it
// before the macro, which it then does not replace (anywhere in the regex): the regex
// is the anchor and the text "TO_joe".
TEST(RegexTest, AMacroRightAfterTheConditionsBackslashIsNotReplaced) {
  const Regex escaped = Regex::compile("^TO_joe", false, /*after_backslash=*/true);
  EXPECT_TRUE(escaped.search("X: 1\nTO_joe\n", nullptr));
  EXPECT_FALSE(escaped.search("To: joe@example.org\n", nullptr));
  const Regex plain = Regex::compile("^TO_joe", false);
  EXPECT_TRUE(plain.search("To: joe@example.org\n", nullptr));
  // The anchor itself stays an anchor.
  EXPECT_FALSE(Regex::compile("^Subject", false, true).search("a subject", nullptr));
}

}  // namespace
}  // namespace mailsift::rc
