#include "../../../src/rc/procmail_nfa.h"

#include "mailsift/rc/regex.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "mailsift/limits.h"

namespace mailsift::rc::dialect {
namespace {

struct Row {
  std::string_view regex;
  bool case_sensitive;
  std::string_view text;  // the whole area
  bool matched;
  std::optional<std::string_view> match;  // nullopt: MATCH is left as it was
};

// procmail's own answers (/usr/bin/procmail 3.23, the body of a message as the area),
// for unbalanced parentheses, odd sets, doubled operators and "\/" anywhere: the
// regexes of tests/compat/cases/313 to 315 and many more.
constexpr Row kProcmailRows[] = {
#include "procmail_regex_rows.inc"
};

std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

TEST(ProcmailNfa, GivesProcmailsAnswers) {
  int checked = 0;
  for (const Row& row : kProcmailRows) {
    const ProcmailNfa nfa = ProcmailNfa::compile(row.regex, row.case_sensitive);
    const ProcmailNfa::Result got = nfa.search(row.text, limits::kMaxSplitSearchBytes);
    const std::string what = "regex [" + shown(row.regex) + "] on [" + shown(row.text) + "]";
    ASSERT_FALSE(got.cut) << what;
    EXPECT_EQ(got.matched, row.matched) << what;
    if (!row.matched || !got.matched) continue;
    EXPECT_EQ(got.assigned, row.match.has_value()) << what;
    if (row.match && got.assigned) {
      EXPECT_EQ(row.text.substr(got.begin, got.end - got.begin), *row.match) << what;
    }
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

// Where procmail's matcher would loop for ever (an empty loop through "\/"), this
// one cuts the loop and answers.
TEST(ProcmailNfa, LoopsThroughTheSplitEnd) {
  for (const std::string_view regex : {"\\/+", "(\\/)+a", "(a|\\/)+", "(\\/.*)*x", "x\\/+"}) {
    const ProcmailNfa nfa = ProcmailNfa::compile(regex, false);
    const ProcmailNfa::Result got = nfa.search("xxa b", limits::kMaxSplitSearchBytes);
    EXPECT_FALSE(got.cut) << regex;
  }
}

TEST(ProcmailNfa, WorkIsBounded) {
  const ProcmailNfa nfa = ProcmailNfa::compile("(a|b\\/c)*(x|y\\/z)+q", false);
  const std::string area(100000, 'a');
  EXPECT_TRUE(nfa.search(area, 1000).cut);
  EXPECT_FALSE(nfa.search(area, limits::kMaxSplitSearchBytes).cut);
}

// procmail's compiler measures every item before it lays it out, at every level of
// nesting: done literally, 150 nested groups would take some 3^150 steps (found by
// the fuzz stage). Each group is measured once here.
TEST(ProcmailNfa, DeepNestingCompilesOnce) {
  const int depth = 150;
  const std::string opened(depth, '(');
  std::string closed;
  for (int i = 0; i < depth; ++i) closed += i % 3 == 0 ? ")*" : (i % 3 == 1 ? ")" : ")+");
  const ProcmailNfa nfa = ProcmailNfa::compile("x" + opened + "ab|c\\/d" + closed + "y", true);
  const ProcmailNfa::Result hit = nfa.search("--xababcdy--", limits::kMaxSplitSearchBytes);
  EXPECT_FALSE(hit.cut);
  EXPECT_TRUE(hit.matched);
  const ProcmailNfa::Result miss = nfa.search("--xabaY--", limits::kMaxSplitSearchBytes);
  EXPECT_FALSE(miss.cut);
  EXPECT_FALSE(miss.matched);
}

}  // namespace
}  // namespace mailsift::rc::dialect


namespace mailsift::rc {
namespace {

// The same rows through Regex, as a condition searches: RE2 where every "\/" is at
// the top level, procmail's engine where one is not. Both give procmail's answers
// on these rows (where procmail's MATCH is known to be wrong, regex_test.cc says
// what mailsift gives instead).
TEST(Regex, GivesProcmailsAnswersOnOddRegexes) {
  for (const dialect::Row& row : dialect::kProcmailRows) {
    const Regex regex = Regex::compile(row.regex, row.case_sensitive);
    const std::string what =
        "regex [" + dialect::shown(row.regex) + "] on [" + dialect::shown(row.text) + "]";
    ASSERT_TRUE(regex.ok()) << what << ": " << regex.error();
    std::string extracted;
    bool assigned = false;
    const bool matched =
        regex.search(row.text, &extracted, nullptr, nullptr, false, &assigned);
    EXPECT_EQ(matched, row.matched) << what;
    if (!matched || !row.matched) continue;
    EXPECT_EQ(assigned, row.match.has_value()) << what;
    if (assigned && row.match) {
      EXPECT_EQ(extracted, *row.match) << what;
    }
  }
}

}  // namespace
}  // namespace mailsift::rc
