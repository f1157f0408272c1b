#include "mailsift/rc/parser.h"
#include "mailsift/rc/value.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::rc {
namespace {

// Renders parsed parts so a table can state what it wants: literals as text,
// variables as ${NAME}, ${NAME:-word} ..., backquotes as `cmd`.
std::string render(const Value& value) {
  std::string out;
  for (const auto& p : value) {
    switch (p.kind) {
      case ValuePart::Kind::kLiteral:
        out += p.quoted ? "'" + p.text + "'" : p.text;
        break;
      case ValuePart::Kind::kBackquote:
        out += "`" + p.text + "`";
        break;
      case ValuePart::Kind::kVariable: {
        const char* op = "";
        switch (p.substitution) {
          case Substitution::kPlain: op = ""; break;
          case Substitution::kUnsetOrEmpty: op = ":-"; break;
          case Substitution::kUnset: op = "-"; break;
          case Substitution::kSetAndNonEmpty: op = ":+"; break;
          case Substitution::kSet: op = "+"; break;
          case Substitution::kRegexQuoted: op = "\\"; break;
        }
        out += "${" + p.text + op + render(p.word) + "}";
        break;
      }
    }
  }
  return out;
}

struct ValueCase {
  const char* name;
  const char* input;
  const char* want;        // rendered parts
  std::size_t want_end;    // where parsing stopped
};

TEST(ParseValue, Table) {
  const ValueCase cases[] = {
      {"plain word", "abc", "abc", 3},
      {"ends at blank", "hello world", "hello", 5},
      {"ends at newline", "a\nb", "a", 1},
      {"double quotes keep blanks", "\"a b\"", "'a b'", 5},
      {"single quotes are literal", "'$X y'", "'$X y'", 6},
      {"variable", "$HOME/Mail", "${HOME}/Mail", 10},
      {"braced variable", "${HOME}x", "${HOME}x", 8},
      {"default if unset or empty", "${A:-b}", "${A:-b}", 7},
      {"default if unset", "${A-b}", "${A-b}", 6},
      {"alternative if non-empty", "${A:+b}", "${A:+b}", 7},
      {"alternative if set", "${A+b}", "${A+b}", 6},
      {"nested default", "${A:-$B}", "${A:-${B}}", 8},
      {"single digit positional", "$10", "${1}0", 3},
      {"specials", "$$-$?-$#", "${$}-${?}-${#}", 8},
      {"regex quoted", "$\\X", "${X\\}", 3},
      {"lone dollar", "a$ b", "a$", 2},
      {"unquoted $@ is @", "$@", "@", 2},
      {"escaped blank", "a\\ b", "a b", 4},
      {"escape in double quotes kept", "\"a\\qb\"", "'a\\qb'", 6},
      {"escaped dollar in quotes", "\"\\$X\"", "'$X'", 5},
      {"line continuation", "a\\\nb", "ab", 4},
      {"comment at word start", "#x y", "", 4},
      {"hash inside word", "a#b", "a#b", 3},
      {"backquote", "`date +%s`", "`date +%s`", 10},
      {"name is longest run", "$Aborted.", "${Aborted}.", 9},
  };
  for (const auto& c : cases) {
    std::size_t pos = 0;
    std::vector<Diagnostic> diagnostics;
    const Value v = parse_value(c.input, &pos, Position{}, &diagnostics);
    EXPECT_EQ(render(v), c.want) << c.name << ": input [" << c.input << "]";
    EXPECT_EQ(pos, c.want_end) << c.name;
    EXPECT_TRUE(diagnostics.empty()) << c.name << ": " << diagnostics.front().message;
  }
}

TEST(ParseValue, ErrorsHavePositions) {
  struct Case {
    const char* name;
    const char* input;
    int line;
    int column;
  } const cases[] = {
      {"unterminated single quote", "x'abc", 1, 2},
      // At the opening quote: the string runs to the end of the file.
      {"unterminated double quote", "x\"abc\ndef", 1, 2},
      {"bad substitution", "${ A}", 1, 1},
      {"bad operator", "${A*b}", 1, 1},
      {"missing brace", "${A:-b", 1, 1},
  };
  for (const auto& c : cases) {
    std::size_t pos = 0;
    std::vector<Diagnostic> diagnostics;
    parse_value(c.input, &pos, Position{}, &diagnostics);
    ASSERT_FALSE(diagnostics.empty()) << c.name;
    EXPECT_EQ(diagnostics.front().position.line, c.line) << c.name;
    EXPECT_EQ(diagnostics.front().position.column, c.column) << c.name;
  }
}

TEST(FormatDiagnostic, FileLineColumnSourceAndCaret) {
  const std::string text = "A=1\n\tB=${ X}\n";
  const Diagnostic d{{2, 4}, "bad substitution", Severity::kError, {}};
  EXPECT_EQ(format_diagnostic("rc", text, d),
            "rc:2:4: error: bad substitution\n"
            "  \tB=${ X}\n"
            "  \t  ^\n");
}

TEST(ParseAssignmentArgument, WholeArgumentIsTheValue) {
  std::vector<Diagnostic> diagnostics;
  const auto a = parse_assignment_argument("DEFAULT=$HOME/my mail", &diagnostics);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->name, "DEFAULT");
  EXPECT_EQ(render(*a->value), "${HOME}/my mail");
  EXPECT_FALSE(parse_assignment_argument("./rcfile", &diagnostics).has_value());
  EXPECT_FALSE(parse_assignment_argument("1X=2", &diagnostics).has_value());
  EXPECT_TRUE(diagnostics.empty());
}

}  // namespace
}  // namespace mailsift::rc
