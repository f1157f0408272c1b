// A whole rcfile through everything "mailsift --check" runs on it: the lexer, start
// lines, conditions, values and words (parser), the regex checker and lint, and the
// formatting of every diagnostic. rcfiles are written by people, but an include may
// come from anywhere and nothing here may crash on any text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "mailsift/rc/checker.h"
#include "mailsift/rc/lint.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/regex_cache.h"

namespace {

using mailsift::fuzz::check;
namespace rc = mailsift::rc;

// Lines of the text (a last line without a newline counts; so does the empty line
// after a final newline, where an "incomplete recipe" may point).
int line_count(std::string_view text) {
  int lines = 1;
  for (const char c : text)
    if (c == '\n') ++lines;
  return lines;
}

void check_positions(std::string_view text, const std::vector<rc::Diagnostic>& diagnostics) {
  const int lines = line_count(text);
  for (const rc::Diagnostic& d : diagnostics) {
    check(d.position.line >= 1 && d.position.line <= lines, "a diagnostic is on a line of the file");
    check(d.position.column >= 1, "a diagnostic has a column");
    check(!d.message.empty(), "a diagnostic says what is wrong");
    const std::string shown = rc::format_diagnostic("rc", text, d);
    check(shown.find('^') != std::string::npos, "a formatted diagnostic has a caret");
  }
}

std::size_t count_recipes(const rc::Statements& statements) {
  std::size_t n = 0;
  for (const rc::Statement& s : statements) {
    if (const auto* recipe = std::get_if<rc::Recipe>(&s.node)) {
      ++n;
      if (recipe->action.kind == rc::Action::Kind::kBlock) n += count_recipes(recipe->action.block);
    }
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  rc::Rcfile file = rc::parse_rcfile(text);
  check_positions(text, file.diagnostics);

  // A recipe starts at a ":" of the text, so there are no more recipes than colons.
  std::size_t colons = 0;
  for (const char c : text)
    if (c == ':') ++colons;
  check(count_recipes(file.statements) <= colons, "every recipe has its own colon");

  std::vector<rc::Diagnostic> checked;
  rc::RegexCache cache;
  rc::check_regexes(file.statements, &cache, /*build_matchers=*/true, &checked);
  check_positions(text, checked);

  std::vector<rc::Diagnostic> linted;
  rc::lint_rcfile(file.statements, &linted);
  for (const rc::Diagnostic& d : linted)
    check(d.severity == rc::Severity::kWarning, "lint only warns");
  check_positions(text, linted);
  return 0;
}
