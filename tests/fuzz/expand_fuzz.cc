// Values and their expansion (src/rc/value.cc, src/rc/words.cc, src/engine/expand.cc),
// and what the engine does with a "$" condition at run time: the operand is read as
// inside double quotes, expanded, and the result (which may hold text of the
// message, such as $MATCH) is parsed again as a condition (src/rc/condition_parser.cc).
// The input is the text of a value, an argument list or a condition.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "mailsift/engine/expand.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/regex.h"

namespace {

using mailsift::fuzz::check;
namespace rc = mailsift::rc;
namespace engine = mailsift::engine;

// Variables for the expansion: names starting with U are unset, with E empty; the
// others hold text with blanks (for word splitting) and regex metacharacters.
std::optional<std::string> lookup(std::string_view name) {
  if (name.empty() || name[0] == 'U') return std::nullopt;
  if (name[0] == 'E') return std::string();
  return std::string(name) + " a\tb\n(c|d)*";
}

engine::Expander expander() {
  engine::Expander e;
  e.lookup = lookup;
  e.backquote = [](const std::string& command) -> std::optional<std::string> {
    if (command.empty()) return std::nullopt;  // as if it could not be run
    return "out " + std::to_string(command.size());
  };
  e.arguments = {"one two", "", "three"};
  e.from_message = [](std::string_view name) -> std::optional<std::size_t> {
    if (name.empty() || name[0] != 'M') return std::nullopt;
    return name.size() % 3;  // from the start, or from a byte or two in
  };
  return e;
}

void check_condition(const rc::Condition& condition, std::string_view text) {
  check(condition.text == text, "a condition keeps its text");
  check(text.ends_with(condition.operand), "the operand is the end of the condition");
  check(condition.operand_position.line >= 1 && condition.operand_position.column >= 1,
        "the operand has a position");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const engine::Expander e = expander();
  std::vector<rc::Diagnostic> diagnostics;

  // Single-word values, one after the other, as in assignments.
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t before = pos;
    const rc::Value value = rc::parse_value(text, &pos, rc::Position{}, &diagnostics);
    check(pos >= before && pos <= text.size(), "a value ends within the text");
    std::string out;
    std::string error;
    static_cast<void>(engine::expand_value(value, e, &out, &error));
    if (pos == before) ++pos;  // a blank or newline between values
  }

  // Argument mode: an action line or a command run without a shell.
  const std::vector<rc::Value> words = rc::parse_words(text, rc::Position{}, &diagnostics);
  std::vector<std::string> expanded;
  std::string error;
  static_cast<void>(engine::expand_words(words, e, &expanded, &error));
  std::vector<engine::ExpandedWord> traced;
  if (engine::expand_words(words, e, &traced, &error)) {
    check(traced.size() == expanded.size(), "both expansions give the same words");
    for (std::size_t i = 0; i < traced.size() && i < expanded.size(); ++i) {
      check(traced[i].text == expanded[i], "both expansions give the same text");
      check(traced[i].origins.size() == traced[i].text.size(), "every byte has an origin");
    }
  }

  // A command-line assignment: the whole argument is the value.
  if (const auto assignment = rc::parse_assignment_argument(text, &diagnostics)) {
    check(!assignment->name.empty() && assignment->value.has_value(),
          "an assignment argument has a name and a value");
    std::string out;
    static_cast<void>(engine::expand_value(*assignment->value, e, &out, &error));
  }

  // A "$" condition: expanded as inside double quotes, then parsed again.
  std::vector<rc::Diagnostic> condition_diagnostics;
  const rc::Condition written = rc::parse_condition(text, rc::Position{}, &condition_diagnostics);
  check_condition(written, text);
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::size_t pos = 0;
  std::vector<rc::Diagnostic> quote_diagnostics;
  const rc::Value value = rc::parse_value(quoted, &pos, rc::Position{}, &quote_diagnostics);
  std::string expansion;
  if (quote_diagnostics.empty() && engine::expand_value(value, e, &expansion, &error)) {
    std::vector<rc::Diagnostic> again_diagnostics;
    const rc::Condition again =
        rc::parse_condition(expansion, rc::Position{3, 7}, &again_diagnostics);
    check_condition(again, expansion);
    if (again.kind == rc::ConditionKind::kRegex && again.operand.size() <= 1024) {
      const rc::Regex regex = rc::Regex::compile(again.operand, false);
      static_cast<void>(regex.search(expansion, nullptr));
    }
  }
  return 0;
}
