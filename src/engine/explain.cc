// "mailsift --explain LINE": why a recipe did or did not match a message.
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "mailsift/engine/evaluator.h"
#include "mailsift/message/mime/encoded_words.h"
#include "mailsift/sys/io.h"
#include "quote.h"

namespace mailsift::engine {
namespace {

constexpr std::size_t kShownLines = 8;

int last_line_of(const rc::Recipe& recipe) {
  return recipe.action.kind == rc::Action::Kind::kBlock ? recipe.action.block_end.line
                                                        : recipe.action.position.line;
}

// The header field a regex is about ("^Subject:" -> "subject"), or the fields of
// the ^TO / ^TO_ macros, lower-case; empty when it is not about one field.
std::vector<std::string> fields_of(const std::string& regex) {
  if (regex.rfind("^TO", 0) == 0) return {"to", "cc", "bcc", "resent-to", "resent-cc",
                                           "apparently-to", "x-envelope-to"};
  if (regex.rfind("^FROM_", 0) == 0) return {"from", "sender", "precedence"};
  if (regex.empty() || regex[0] != '^') return {};
  std::size_t i = 1;
  std::string field;
  while (i < regex.size() && (std::isalnum(static_cast<unsigned char>(regex[i])) || regex[i] == '-'))
    field += static_cast<char>(std::tolower(static_cast<unsigned char>(regex[i++])));
  if (field.empty() || i >= regex.size() || regex[i] != ':') return {};
  return {field};
}

std::vector<std::string> lines_of(std::string_view area, const std::vector<std::string>& fields) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < area.size()) {
    std::size_t end = area.find('\n', start);
    if (end == std::string_view::npos) end = area.size();
    const std::string line(area.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    std::string lower;
    for (const char c : line.substr(0, line.find(':')))
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (fields.empty() || std::find(fields.begin(), fields.end(), lower) != fields.end())
      lines.push_back(line);
  }
  return lines;
}

// Bytes of a header line or a value quoted in an explanation (fewer than a log
// line quotes: limits::kMaxQuotedInLog).
constexpr std::size_t kExplainedWidth = 160;

std::string clipped(std::string_view text) { return clip(text, kExplainedWidth); }

// A view's lines (its text is the lines joined by newlines; no text, no line).
std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::size_t from = 0;
  while (true) {
    const std::size_t end = text.find('\n', from);
    lines.emplace_back(text.substr(from, end == std::string_view::npos ? end : end - from));
    if (end == std::string_view::npos) return lines;
    from = end + 1;
  }
}

std::string without(std::string text, const std::string& piece) {
  for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece))
    text.erase(at, piece.size());
  return text;
}

}  // namespace

void Evaluator::say(const std::string& text) {
  const std::string line = text + "\n";
  sys::write_all(sys::real_io(), explain_fd_, line.data(), line.size());
}

void Evaluator::choose_explained(const rc::Statements& statements) {
  // The innermost recipe whose lines hold the line asked for; else the nearest.
  int best_distance = -1;
  std::vector<const rc::Statements*> todo = {&statements};
  while (!todo.empty()) {
    const rc::Statements* list = todo.back();
    todo.pop_back();
    for (const rc::Statement& statement : *list) {
      const auto* recipe = std::get_if<rc::Recipe>(&statement.node);
      if (recipe == nullptr) continue;
      const int first = recipe->position.line;
      const int last = last_line_of(*recipe);
      int distance = explain_line_ < first ? first - explain_line_
                     : explain_line_ > last ? explain_line_ - last
                                            : 0;
      // Inside a block, a recipe of its own beats the block around it.
      const bool inner = distance == 0 && best_distance == 0;
      if (best_distance < 0 || distance < best_distance || inner) {
        explained_ = recipe;
        best_distance = distance;
      }
      if (recipe->action.kind == rc::Action::Kind::kBlock) todo.push_back(&recipe->action.block);
    }
  }
}

void Evaluator::explain_recipe(const rc::Recipe& recipe, bool flags_allowed, bool taken) {
  explained_reached_ = true;
  say("recipe at " + explained_file_ + ":" + std::to_string(recipe.position.line) + " (\"" +
      recipe.start_line + "\")" +
      (explain_line_ < recipe.position.line || explain_line_ > last_line_of(recipe)
           ? " (the recipe nearest to line " + std::to_string(explain_line_) + ")"
           : ""));
  if (!flags_allowed) {
    say("  its conditions were not tried: its flags (A, a, E or e) tie it to an earlier "
        "recipe, and that one did not end the way they ask");
  } else if (recipe.conditions.empty()) {
    say("  it has no conditions: it always matches when it is reached");
  } else {
    for (std::size_t i = 0; i < recipe.conditions.size(); ++i)
      explain_condition(recipe, recipe.conditions[i], static_cast<int>(i) + 1);
  }
  say(std::string("  result: ") + (taken ? "taken" : "not taken"));
}

void Evaluator::explain_condition(const rc::Recipe& recipe, const rc::Condition& condition,
                                  int index) {
  const std::string head = "  condition " + std::to_string(index) + " (line " +
                           std::to_string(condition.position.line) + "): * " + condition.text;
  bool negated = false;
  const std::string* variable = nullptr;
  const rc::ConditionPrefix* subject = nullptr;
  for (const rc::ConditionPrefix& prefix : condition.prefixes) {
    if (prefix.kind == rc::ConditionPrefix::Kind::kNot) negated = !negated;
    if (prefix.kind == rc::ConditionPrefix::Kind::kVariable) variable = &prefix.variable;
    if (prefix.kind == rc::ConditionPrefix::Kind::kVariable ||
        prefix.kind == rc::ConditionPrefix::Kind::kView)
      subject = &prefix;
  }
  std::string unknown_view;
  if (subject != nullptr && subject->kind == rc::ConditionPrefix::Kind::kView &&
      !rc::resolve_view(subject->variable, &unknown_view)) {
    say(head + "  -> error: " + unknown_view);
    return;
  }
  if (condition.kind != rc::ConditionKind::kRegex) {
    say(head + "  (a " +
        std::string(condition.kind == rc::ConditionKind::kProgram ? "program"
                    : condition.kind == rc::ConditionKind::kExpand ? "\"$\" condition"
                                                                   : "size") +
        " condition: see --dry-run for its result)");
    return;
  }
  const bool d = recipe.flags.case_sensitive;
  const std::string& op = condition.operand;
  const rc::Regex& regex = regexes_.get(op, d, condition.after_backslash);
  std::string storage;
  const std::string_view area = area_for(recipe, subject, &storage);
  const bool matched = regex.search(area, nullptr);
  say(head + "  -> " + (matched != negated ? "true" : "false") +
      (matched ? " (the regex matches)" : " (the regex does not match)"));

  // What it was tried against.
  const bool header = variable == nullptr ? (recipe.flags.header || !recipe.flags.body)
                                          : (*variable == "H" || *variable == "HB" ||
                                             *variable == "BH");
  std::vector<std::string> shown;
  if (subject != nullptr && subject->kind == rc::ConditionPrefix::Kind::kView) {
    shown = split_lines(area);
    say("    tried against the view " + subject->variable + " (" + std::to_string(shown.size()) +
        (shown.size() == 1 ? " line" : " lines") + (shown.empty() ? ")" : "):"));
    for (std::size_t i = 0; i < shown.size() && i < kShownLines; ++i)
      say("      " + clipped(shown[i]));
    if (shown.size() > kShownLines)
      say("      (and " + std::to_string(shown.size() - kShownLines) + " more)");
  } else if (variable != nullptr && !header && *variable != "B") {
    say("    tried against $" + *variable + " = \"" + clipped(area) + "\"");
  } else if (!header) {
    say("    tried against the body (" + std::to_string(area.size()) + " bytes)");
  } else {
    const auto fields = fields_of(op);
    shown = lines_of(area, fields);
    if (fields.empty()) {
      say("    tried against the header (" + std::to_string(shown.size()) +
          " lines, continuation lines joined)");
    } else if (shown.empty()) {
      say("    the header has no " + fields.front() + ": line");
    } else {
      say("    the header lines it is about:");
      for (std::size_t i = 0; i < shown.size() && i < kShownLines; ++i)
        say("      " + clipped(shown[i]));
    }
  }

  // Near misses.
  if (!matched) {
    for (const auto& line : shown) {
      if (!message::mime::has_encoded_words(line)) continue;
      const std::string decoded = message::mime::decode_encoded_words(line);
      const bool would = rc::Regex::compile(op, d).search(decoded, nullptr);
      // Across the whole header an encoded line is only worth a word when decoding
      // would make the difference.
      if (fields_of(op).empty() && !would) continue;
      std::string field = line.substr(0, line.find(':'));
      for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      say("    hint: \"" + clipped(line) + "\" is RFC 2047 encoded; decoded it reads \"" +
          clipped(decoded) + "\"" +
          (would ? ", which the regex matches: rules see the encoded form" : "") +
          "; the view header." + field + " holds it decoded to UTF-8 (\"* header." + field +
          " ?? ...\")");
      break;
    }
    if (d && rc::Regex::compile(op, false).search(area, nullptr))
      say("    hint: it matches when case is ignored; the D flag makes it case-sensitive");
    if (op.size() > 1 && op[0] == '^' && op[1] != '^' && fields_of(op).size() <= 1 &&
        op.rfind("^TO", 0) != 0 && op.rfind("^FROM_", 0) != 0 &&
        rc::Regex::compile(op.substr(1), d).search(area, nullptr))
      say("    hint: the text is there, but not at the start of a line, where \"^\" wants it");
    if ((op.find("\\<") != std::string::npos || op.find("\\>") != std::string::npos) &&
        rc::Regex::compile(without(without(op, "\\<"), "\\>"), d).search(area, nullptr))
      say("    hint: it matches without \\< and \\>: the word boundary did not fit (they "
          "need a character that is not a letter, digit or \"_\", or a line end)");
    return;
  }
  // A match on an address field that came from the display name, not the address.
  if (subject != nullptr && subject->kind == rc::ConditionPrefix::Kind::kView) return;
  for (const auto& line : shown) {
    const std::size_t colon = line.find(':');
    const std::size_t open = line.find('<');
    const std::size_t close = line.find('>', open == std::string::npos ? 0 : open);
    if (colon == std::string::npos || open == std::string::npos || close == std::string::npos ||
        open < colon)
      continue;
    const std::string name_only = line.substr(0, open) + "\n";
    const std::string address_only =
        line.substr(0, colon + 1) + " " + line.substr(open, close - open + 1) + "\n";
    if (regex.search(name_only, nullptr) && !regex.search(address_only, nullptr)) {
      say("    hint: it matched the display name in \"" + clipped(line) +
          "\", not the address " + line.substr(open, close - open + 1));
      break;
    }
  }
}

// "FILE:LINE (":0 ...")" for a recipe of the file being run.
std::string Evaluator::describe_recipe(const rc::Recipe& recipe) const {
  return current_file() + ":" + std::to_string(recipe.position.line) + " (\"" +
         recipe.start_line + "\")";
}

void Evaluator::note_end_for_explaining(const rc::Recipe& recipe, const std::string& what) {
  if (explained_ == nullptr || explained_reached_ || !explain_not_reached_.empty()) return;
  explain_not_reached_ = "the recipe at " + describe_recipe(recipe) + " " + what;
}

void Evaluator::note_skipped_block_for_explaining(const rc::Recipe& block) {
  if (explained_ == nullptr || explained_reached_ || !explain_not_reached_.empty()) return;
  std::vector<const rc::Statements*> todo = {&block.action.block};
  while (!todo.empty()) {
    const rc::Statements* list = todo.back();
    todo.pop_back();
    for (const rc::Statement& statement : *list) {
      const auto* recipe = std::get_if<rc::Recipe>(&statement.node);
      if (recipe == nullptr) continue;
      if (recipe == explained_) {
        explain_not_reached_ = "it is in the block of the recipe at " + describe_recipe(block) +
                               ", which was not taken (its conditions or flags did not hold)";
        return;
      }
      if (recipe->action.kind == rc::Action::Kind::kBlock) todo.push_back(&recipe->action.block);
    }
  }
}

void Evaluator::finish_explaining(int exit_code) {
  if (explain_line_ <= 0) return;
  if (explained_ == nullptr) {
    say("the rcfile has no recipe to explain");
  } else if (!explained_reached_) {
    say("the recipe at " + explained_file_ + ":" + std::to_string(explained_->position.line) +
        " (\"" + explained_->start_line + "\") was not reached: " +
        (explain_not_reached_.empty()
             ? std::string("the rcfiles ended before it (an error, HOST or SWITCHRC: see "
                           "--dry-run)")
             : explain_not_reached_));
    if (!explained_->conditions.empty()) {
      say("  its conditions, tried on the message as the run left it:");
      for (std::size_t i = 0; i < explained_->conditions.size(); ++i)
        explain_condition(*explained_, explained_->conditions[i], static_cast<int>(i) + 1);
    }
  }
  say("exit status " + std::to_string(exit_code) + " (in a real run)");
}

}  // namespace mailsift::engine
