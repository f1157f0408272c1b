// Inputs found by fuzzing (tests/fuzz/) that crashed the rc layer or made it take
// quadratic time, kept as ordinary tests so the gcc builds check them too.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include "mailsift/limits.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/regex.h"

namespace mailsift::rc {
namespace {

// "${A:-" depth times, inner, "}" depth times.
std::string nested_defaults(int depth, std::string_view inner) {
  std::string text;
  for (int i = 0; i < depth; ++i) text += "${A:-";
  text += inner;
  text.append(static_cast<std::size_t>(depth), '}');
  return text;
}

// How many ${A:-...} levels a parsed value holds before its literal "x".
int depth_of(const Value& value) {
  int depth = 0;
  const Value* v = &value;
  while (v->size() == 1 && (*v)[0].kind == ValuePart::Kind::kVariable &&
         (*v)[0].substitution == Substitution::kUnsetOrEmpty) {
    ++depth;
    v = &(*v)[0].word;
  }
  const bool ends_in_x = v->size() == 1 && (*v)[0].kind == ValuePart::Kind::kLiteral &&
                         (*v)[0].text == "x";
  return ends_in_x ? depth : -1;
}

// rcfile_fuzz: "X=${A:-${A:-...}}" nested 20000 deep (120 KB) overflowed the stack of
// the value parser (each level recursed); "mailsift --check" died of SIGSEGV.
TEST(FuzzRegression, NestedSubstitutionsStopAtTheLimitWithOneError) {
  const int limit = limits::kMaxSubstitutionNesting;
  struct Row {
    std::string name;
    std::string open;   // before the nested value
    std::string close;  // after it
    int depth;
    bool want_error;
  };
  const Row rows[] = {
      {"at the limit", "X=", "", limit, false},
      {"one level too deep", "X=", "", limit + 1, true},
      {"20000 levels", "X=", "", 20000, true},
      {"at the limit in double quotes", "X=\"", "\"", limit, false},
      {"20000 levels in double quotes", "X=\"", "\"", 20000, true},
  };
  for (const Row& row : rows) {
    const std::string text = row.open + nested_defaults(row.depth, "x") + row.close + "\nY=1\n";
    Rcfile file = parse_rcfile(text);
    // (A notice in the tree marks where the mistake is: not a statement of its own.)
    std::erase_if(file.statements,
                  [](const Statement& s) { return std::holds_alternative<Notice>(s.node); });
    ASSERT_EQ(file.diagnostics.size(), row.want_error ? 1u : 0u)
        << row.name << ": got " << file.diagnostics.size() << " diagnostics"
        << (file.diagnostics.empty() ? "" : ", the first: " + file.diagnostics[0].message);
    ASSERT_EQ(file.statements.size(), 2u) << row.name << ": the next line must still be read";
    const auto* y = std::get_if<Assignment>(&file.statements[1].node);
    ASSERT_NE(y, nullptr) << row.name;
    EXPECT_EQ(y->name, "Y") << row.name;
    if (row.want_error) {
      const Diagnostic& d = file.diagnostics[0];
      EXPECT_NE(d.message.find("nested more than " + std::to_string(limit)), std::string::npos)
          << row.name << ": got \"" << d.message << "\"";
      // At the "$" of the first level past the limit.
      const int want_column = static_cast<int>(row.open.size()) + 5 * limit + 1;
      EXPECT_EQ(d.position.line, 1) << row.name;
      EXPECT_EQ(d.position.column, want_column)
          << row.name << ": column got " << d.position.column << ", wanted " << want_column;
    } else {
      const auto* x = std::get_if<Assignment>(&file.statements[0].node);
      ASSERT_TRUE(x != nullptr && x->value.has_value()) << row.name;
      EXPECT_EQ(depth_of(*x->value), limit) << row.name << ": the value lost levels";
    }
  }
}

// regex_fuzz: "$?" repeated 2000 times took 15 s and 600 MB to compile: writing the
// regex for a match that begins with the virtual newline repeated the rest of the
// regex once per optional newline. MATCH answers are procmail's (for 1000 items;
// procmail's line buffer cannot hold 8000, where the answer is the same).
TEST(FuzzRegression, LongRunOfOptionalNewlinesCompilesFastAndKeepsMatch) {
  struct Row {
    int items;
    std::string_view text;
    std::string_view want;
  };
  const Row rows[] = {
      {1, "\n\nx", "\nx"},     {3, "\n\nx", "\n\nx"},   {1000, "\nx\n", "\nx"},
      {1000, "\n\nx", "\n\nx"}, {1000, "x", "x"},        {8000, "\n\nx", "\n\nx"},
  };
  for (const Row& row : rows) {
    std::string regex = "\\/";
    for (int i = 0; i < row.items; ++i) regex += "$?";
    regex += "x";
    const auto start = std::chrono::steady_clock::now();
    const Regex compiled = Regex::compile(regex, false);
    ASSERT_TRUE(compiled.ok()) << row.items << ": " << compiled.error();
    std::string match;
    EXPECT_TRUE(compiled.search(row.text, &match)) << row.items;
    EXPECT_EQ(match, row.want) << row.items << " items";
    // Linear now: well under a second even with sanitizers. Before, 8000 items took
    // minutes and gigabytes; the bound is loose so that a busy machine never fails it.
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 20.0) << row.items << " items took " << seconds << " s";
  }
}

}  // namespace
}  // namespace mailsift::rc
