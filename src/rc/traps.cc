// procmail's traps that parse without a mistake (for "mailsift --check"): what
// procmail, and so a delivery, does with them is not what they look like.
#include <string>

#include "mailsift/rc/lint.h"

namespace mailsift::rc {
namespace {

Diagnostic warning(Position at, std::string message) {
  return Diagnostic{at, std::move(message), Severity::kWarning, {}};
}

// Variables whose removal changes what a delivery does.
bool is_consequential(const std::string& name) {
  for (const char* known : {"DEFAULT", "ORGMAIL", "MAILDIR", "LOGFILE", "HOME", "PATH",
                            "SENDMAIL", "SHELL", "LOCKFILE", "INCLUDERC", "SWITCHRC", "HOST"})
    if (name == known) return true;
  return false;
}

// "Sort mail from the boss" on a line of its own: procmail reads each word as a
// variable to remove (a comment without its "#").
void check_plain_words(const Statements& statements, std::vector<Diagnostic>* out) {
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const auto* first = std::get_if<Assignment>(&statements[i].node);
    if (first == nullptr || first->value) continue;
    std::string words = "\"" + first->name + "\"";
    std::string consequential = is_consequential(first->name) ? first->name : "";
    std::size_t j = i + 1;
    for (; j < statements.size(); ++j) {
      const auto* next = std::get_if<Assignment>(&statements[j].node);
      if (next == nullptr || next->value || next->position.line != first->position.line) break;
      words += ", \"" + next->name + "\"";
      if (consequential.empty() && is_consequential(next->name)) consequential = next->name;
    }
    if (j - i < 2) continue;
    out->push_back(warning(
        first->position,
        "a line of plain words: procmail removes each as a variable (" + words +
            "), which is what a delivery does too; a comment needs \"#\"" +
            (consequential.empty() ? std::string()
                                   : " (removing " + consequential + " changes where mail goes)")));
    i = j - 1;
  }
}

// "$@" on a command line: procmail gives the arguments only for the last one, and
// only when it is a word of its own.
void check_all_arguments(const Recipe& recipe, std::vector<Diagnostic>* out) {
  const Action& action = recipe.action;
  if (action.kind != Action::Kind::kPipe && action.kind != Action::Kind::kForward &&
      action.kind != Action::Kind::kCapture)
    return;
  int uses = 0;
  bool inside_word = false;
  for (const Value& word : action.words) {
    for (const ValuePart& part : word) {
      if (part.kind != ValuePart::Kind::kVariable || part.text != "@" || !part.quoted) continue;
      ++uses;
      if (word.size() > 1) inside_word = true;
    }
  }
  if (uses > 1)
    out->push_back(warning(action.position,
                           "\"$@\" stands here " + std::to_string(uses) +
                               " times: procmail gives the arguments for the last one only "
                               "(an earlier one is an empty word)"));
  if (inside_word)
    out->push_back(warning(action.position,
                           "\"$@\" inside a longer word stands for nothing in procmail (it gives "
                           "the arguments only as a word of its own)"));
}

void check_statements(const Statements& statements, std::vector<Diagnostic>* out) {
  check_plain_words(statements, out);
  for (const Statement& statement : statements) {
    const auto* recipe = std::get_if<Recipe>(&statement.node);
    if (recipe == nullptr) continue;
    check_all_arguments(*recipe, out);
    if (recipe->action.kind == Action::Kind::kBlock) check_statements(recipe->action.block, out);
  }
}

}  // namespace

void lint_procmail_traps(const Statements& statements, std::vector<Diagnostic>* diagnostics) {
  check_statements(statements, diagnostics);
}

}  // namespace mailsift::rc
