#include "mailsift/rc/checker.h"

#include <string>

#include "mailsift/rc/lexer.h"

namespace mailsift::rc {
namespace {

void check_recipe(const Recipe& recipe, RegexCache* cache, bool build_matchers,
                  std::vector<Diagnostic>* diagnostics) {
  for (const Condition& condition : recipe.conditions) {
    // "$" conditions are built at run time; everything else that is a regex is
    // known now.
    if (condition.kind != ConditionKind::kRegex) continue;
    const Regex& regex = cache->get(condition.operand, recipe.flags.case_sensitive, condition.after_backslash);
    if (!regex.repair().empty()) {
      // procmail reads past it; the rule does not say what its writer meant.
      Diagnostic d;
      d.position =
          advance_position(condition.operand_position, condition.operand, regex.repair_offset());
      d.message = "invalid regular expression: " + regex.repair();
      if (regex.procmail_logs_repair()) d.procmail_says = "Invalid regexp";
      diagnostics->push_back(std::move(d));
    }
    for (const Regex::Warning& warning : regex.warnings()) {
      Diagnostic d;
      d.position = advance_position(condition.operand_position, condition.operand, warning.offset);
      d.message = warning.message;
      d.severity = Severity::kWarning;
      diagnostics->push_back(std::move(d));
    }
    if (regex.uses_procmail_engine()) {
      Diagnostic d;
      d.position = condition.operand_position;
      d.message =
          "a \"\\/\" inside an alternative or a repeated group: MATCH is what procmail's "
          "matcher makes of it (the match that ends first decides, and one that did not pass "
          "\"\\/\" leaves MATCH as it was); put \"\\/\" outside the group";
      d.severity = Severity::kWarning;
      diagnostics->push_back(std::move(d));
    }
    if (condition.after_backslash && !condition.operand.empty() &&
        std::string_view("^$.([*+?|\\").find(condition.operand[0]) != std::string_view::npos) {
      // "* \^Subject": procmail takes the backslash off the condition, not off the
      // regex; the writer likely meant the character itself.
      Diagnostic d;
      d.position = condition.position;
      d.message = std::string("the \"\\\" that starts the condition is taken off, so \"") +
                  condition.operand[0] + "\" keeps its meaning in the regex" +
                  (condition.operand.starts_with("^TO") || condition.operand.starts_with("^FROM_")
                       ? " (and the macro right after it is not replaced)"
                       : "") +
                  "; write \"\\\\" + condition.operand[0] + "\" for the character itself";
      d.severity = Severity::kWarning;
      diagnostics->push_back(std::move(d));
    }
    if (build_matchers ? regex.verify() : regex.ok()) continue;
    Diagnostic d;
    d.position =
        advance_position(condition.operand_position, condition.operand, regex.error_offset());
    d.message = "invalid regular expression: " + regex.error();
    diagnostics->push_back(std::move(d));
  }
  if (recipe.action.kind == Action::Kind::kBlock)
    check_regexes(recipe.action.block, cache, build_matchers, diagnostics);
}

}  // namespace

void check_regexes(const Statements& statements, RegexCache* cache, bool build_matchers,
                   std::vector<Diagnostic>* diagnostics) {
  for (const Statement& statement : statements) {
    if (const auto* recipe = std::get_if<Recipe>(&statement.node))
      check_recipe(*recipe, cache, build_matchers, diagnostics);
  }
}

}  // namespace mailsift::rc
