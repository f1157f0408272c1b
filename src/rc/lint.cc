#include "mailsift/rc/lint.h"

#include <string>

namespace mailsift::rc {
namespace {

Diagnostic warning(Position at, std::string message) {
  Diagnostic d;
  d.position = at;
  d.message = std::move(message);
  d.severity = Severity::kWarning;
  return d;
}

bool delivers_always(const Recipe& recipe) {
  const RecipeFlags& f = recipe.flags;
  if (!recipe.conditions.empty() || f.also_if_matched || f.also_if_succeeded || f.else_if ||
      f.on_error || f.copy)
    return false;
  switch (recipe.action.kind) {
    case Action::Kind::kFolders:
    case Action::Kind::kForward:
      return true;
    case Action::Kind::kPipe:
      return !f.filter;
    case Action::Kind::kCapture:
    case Action::Kind::kBlock:
      return false;
  }
  return false;
}

// The first folder name when it is written out in full (no variables or
// backquotes in it: only then is it known to be a file), else empty.
std::string literal_first_folder(const Action& action) {
  if (action.words.empty()) return {};
  std::string name;
  for (const ValuePart& part : action.words.front()) {
    if (part.kind != ValuePart::Kind::kLiteral) return {};
    name += part.text;
  }
  return name;
}

bool names_a_directory(const std::string& name) {
  return name.ends_with("/") || name.ends_with("/.");
}

void check_mbox_lock(const Recipe& recipe, std::vector<Diagnostic>* diagnostics) {
  if (recipe.action.kind != Action::Kind::kFolders || recipe.lockfile) return;
  const std::string name = literal_first_folder(recipe.action);
  if (name.empty() || names_a_directory(name) || name == "/dev/null") return;
  diagnostics->push_back(warning(
      recipe.action.position,
      "delivery to the mbox file \"" + name +
          "\" without a lockfile: write \":0:\" so that other mail programs that use "
          "lockfiles cannot write to it at the same time (ignore this if \"" + name +
          "\" is a directory)"));
}

bool searches_header(const Recipe& recipe, const Condition& condition) {
  for (const ConditionPrefix& prefix : condition.prefixes) {
    if (prefix.kind == ConditionPrefix::Kind::kVariable)
      return prefix.variable == "H" || prefix.variable == "HB" || prefix.variable == "BH";
  }
  return recipe.flags.header || !recipe.flags.body;
}

void check_encoded_headers(const Recipe& recipe, std::vector<Diagnostic>* diagnostics) {
  for (const Condition& condition : recipe.conditions) {
    if (condition.kind != ConditionKind::kRegex || !searches_header(recipe, condition)) continue;
    for (std::size_t i = 0; i < condition.operand.size(); ++i) {
      if (static_cast<unsigned char>(condition.operand[i]) < 0x80) continue;
      Position at = condition.operand_position;
      at.column += static_cast<int>(i);
      diagnostics->push_back(warning(
          at, "this regex holds non-ASCII text and is tried against the header, where "
              "such text usually arrives RFC 2047 encoded (\"=?UTF-8?B?...?=\") and will "
              "not match"));
      break;
    }
  }
}

void lint_statements(const Statements& statements, std::vector<Diagnostic>* diagnostics) {
  const Recipe* always = nullptr;
  for (const Statement& statement : statements) {
    const auto* recipe = std::get_if<Recipe>(&statement.node);
    if (recipe == nullptr) continue;
    if (always != nullptr) {
      diagnostics->push_back(warning(
          recipe->position, "this recipe can never run: the recipe at line " +
                                std::to_string(always->position.line) +
                                " has no conditions and always delivers, which ends "
                                "processing (unless that delivery fails)"));
      always = nullptr;  // once per unconditional recipe
    }
    check_mbox_lock(*recipe, diagnostics);
    check_encoded_headers(*recipe, diagnostics);
    if (recipe->action.kind == Action::Kind::kBlock)
      lint_statements(recipe->action.block, diagnostics);
    if (delivers_always(*recipe)) always = recipe;
  }
}

}  // namespace

void lint_rcfile(const Statements& statements, std::vector<Diagnostic>* diagnostics) {
  lint_statements(statements, diagnostics);
}

}  // namespace mailsift::rc
