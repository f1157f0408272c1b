// The literal prefilter of regexes: the bytes every match must hold
// (Pattern::required_literals) and the search for them (holds_literal). A wrong
// literal would turn a match into "no match", so besides tables there is a
// randomized check against the matcher itself.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <random>
#include <string>
#include <vector>

#include "../../../src/rc/literal_search.h"
#include "../../../src/rc/regex_dialect.h"
#include "mailsift/rc/regex.h"

namespace mailsift::rc {
namespace {

TEST(HoldsLiteral, FindsTheLiteralWithAndWithoutCase) {
  struct Row {
    std::string text, literal;
    bool folded, want;
  };
  const std::vector<Row> rows = {
      {"Subject: Hello", "hello", true, true},
      {"Subject: Hello", "hello", false, false},
      {"Subject: Hello", "Hello", false, true},
      {"SUBJECT: x", "subject:", true, true},
      {"abc", "abcd", true, false},
      {"", "a", false, false},
      {"anything", "", false, true},
      {"list@example.org", "@example.org", true, true},
      {"list@example.orG", "@example.org", true, true},
      {"list@example.or", "@example.org", true, false},
      {"aaaaab", "aab", false, true},
      {"xAaAaB", "aab", true, true},
      {"\xe9t\xc9", "\xe9t\xe9", true, false},  // bytes >= 128 are never folded
      {"to: a.b@c", "a.b@c", true, true},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(holds_literal(row.text, row.literal, row.folded), row.want)
        << "text [" << row.text << "] literal [" << row.literal << "] folded " << row.folded;
  }
}

std::vector<std::string> literals_of(const std::string& regex, bool case_sensitive) {
  const auto substituted = dialect::substitute_macros(regex);
  const auto pattern = dialect::Pattern::parse(substituted.text, case_sensitive);
  std::vector<std::string> out;
  for (const auto& literal : pattern.required_literals())
    out.push_back(literal.text + (literal.folded ? "/i" : ""));
  return out;
}

TEST(RequiredLiterals, AreTheRunsEveryMatchHolds) {
  using L = std::vector<std::string>;
  EXPECT_EQ(literals_of("^Subject:.*\\[abc\\]", false), (L{"[abc]/i", "subject:/i"}));
  EXPECT_EQ(literals_of("^TO_bob@example\\.org", false), (L{"bob@example.org/i"}));
  EXPECT_EQ(literals_of("^From:.*Bob", true), (L{"Bob", "From:"}));  // field names last
  EXPECT_EQ(literals_of("a|bc", false), L{});           // an alternative at the top
  EXPECT_EQ(literals_of("ab*c", false), L{});           // "a" and "c" alone: too short
  EXPECT_EQ(literals_of("xyz*w", false), (L{"xy/i"}));  // z is optional
  EXPECT_EQ(literals_of("^$", false), L{});             // newline atoms may be virtual
  EXPECT_EQ(literals_of("ab$cd", false), (L{"ab/i", "cd/i"}));
  EXPECT_EQ(literals_of("[z-a]bc", false), (L{"bc/i"}));
  EXPECT_EQ(literals_of("\\<word\\>", false), (L{"word/i"}));
  EXPECT_EQ(literals_of("ab\\/cd", false), (L{"ab/i", "cd/i"}));
}

// Random regexes and texts over a small alphabet: whenever the matcher finds a match,
// the text holds every required literal (so the prefilter never hides a match).
TEST(RequiredLiterals, NeverRejectAText) {
  std::mt19937 random(20261129);
  const std::string regex_bytes = "aAbB:.*+?^$|()[]\\<>/ \n";
  const std::string text_bytes = "aAbB: \n";
  int checked = 0;
  int matched = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string regex;
    const int length = 1 + static_cast<int>(random() % 10);
    for (int j = 0; j < length; ++j) regex += regex_bytes[random() % regex_bytes.size()];
    const bool case_sensitive = random() % 2 == 0;
    const Regex compiled = Regex::compile(regex, case_sensitive);
    if (!compiled.ok() || compiled.translated().empty()) continue;
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);
    options.set_log_errors(false);
    const RE2 matcher(compiled.translated(), options);
    if (!matcher.ok()) continue;
    const auto substituted = dialect::substitute_macros(regex);
    const auto literals =
        dialect::Pattern::parse(substituted.text, case_sensitive).required_literals();
    for (int t = 0; t < 20; ++t) {
      std::string text;
      const int text_length = static_cast<int>(random() % 12);
      for (int j = 0; j < text_length; ++j) text += text_bytes[random() % text_bytes.size()];
      ++checked;
      if (!RE2::PartialMatch(text, matcher)) continue;
      ++matched;
      for (const auto& literal : literals) {
        ASSERT_TRUE(holds_literal(text, literal.text, literal.folded))
            << "regex [" << regex << "] (D " << case_sensitive << ") matches [" << text
            << "] but the literal [" << literal.text << "] is not held";
      }
      EXPECT_TRUE(compiled.search(text, nullptr)) << "regex [" << regex << "] on [" << text << "]";
    }
  }
  // The check is only worth something if it saw matches.
  EXPECT_GT(checked, 10000);
  EXPECT_GT(matched, 1000);
}

// Regex::compile checks a regex with Pattern::check(), which reads it with the same
// parser as the pattern a matcher is built from but keeps only the top-level items.
// Both must give the same verdict, error offset, "\/" and required literals.
TEST(PatternCheck, AgreesWithTheParsedPattern) {
  std::mt19937 random(20261129);
  const std::string regex_bytes = "abAZ:^^$$.|()()*+?[]]\\\\/-<>\n \xe9\xc9_1";
  int valid = 0, invalid = 0, repaired = 0, procmail_splits = 0, extracting = 0, with_literals = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string regex = i % 10 == 0 ? "^TO" : "";
    const int length = static_cast<int>(random() % 16);
    for (int j = 0; j < length; ++j) regex += regex_bytes[random() % regex_bytes.size()];
    const bool case_sensitive = random() % 2 == 0;
    const auto substituted = dialect::substitute_macros(regex);
    const auto pattern = dialect::Pattern::parse(substituted.text, case_sensitive);
    dialect::Pattern::Checked checked;
    dialect::Pattern::check(substituted.text, case_sensitive, &checked);
    const std::string shown = "regex [" + regex + "] (D " + std::to_string(case_sensitive) + ")";
    ASSERT_EQ(checked.error, pattern.error()) << shown;
    ASSERT_EQ(checked.repair.message, pattern.repair().message) << shown;
    ASSERT_EQ(checked.repair.offset, pattern.repair().offset) << shown;
    ASSERT_EQ(checked.repair.logged, pattern.repair().logged) << shown;
    if (!checked.repair.message.empty()) ++repaired;
    if (!pattern.ok()) {
      ASSERT_EQ(checked.error_offset, pattern.error_offset()) << shown;
      ++invalid;
      continue;
    }
    ++valid;
    ASSERT_EQ(checked.procmail_split, pattern.procmail_split()) << shown;
    procmail_splits += checked.procmail_split ? 1 : 0;
    ASSERT_EQ(checked.extracts, pattern.extracts() || pattern.procmail_split()) << shown;
    const auto literals = pattern.required_literals();
    ASSERT_EQ(checked.literals.size(), literals.size()) << shown;
    for (std::size_t k = 0; k < literals.size(); ++k) {
      ASSERT_EQ(checked.literals[k].text, literals[k].text) << shown;
      ASSERT_EQ(checked.literals[k].folded, literals[k].folded) << shown;
    }
    extracting += checked.extracts ? 1 : 0;
    with_literals += literals.empty() ? 0 : 1;
  }
  // Every kind of outcome was seen often enough to mean something.
  EXPECT_GT(valid, 5000);
  EXPECT_GT(repaired, 5000);
  EXPECT_EQ(invalid, 0);  // only nesting beyond the bound is invalid now
  EXPECT_GT(procmail_splits, 30);
  EXPECT_GT(extracting, 100);
  EXPECT_GT(with_literals, 2000);
}

}  // namespace
}  // namespace mailsift::rc
