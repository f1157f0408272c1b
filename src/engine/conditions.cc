// The conditions of a recipe (behaviour §3.4, §5.5; procmailsc(5)).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "mailsift/engine/evaluator.h"
#include "mailsift/limits.h"
#include "mailsift/message/mime/sniffer.h"
#include "mailsift/rc/parser.h"
#include "quote.h"

namespace mailsift::engine {
namespace {

constexpr double kMaxScore = 2147483647.0;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string integer_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%7ld", static_cast<long>(value));
  return buffer;
}

// $= after a recipe's conditions: the score truncated toward zero, but a score
// between 0 and 1 shows as 1 (it did make the recipe match).
long shown_score(double score) {
  if (score > 0 && score < 1) return 1;
  return static_cast<long>(score);
}

// The text procmail shows for a condition in its log (and, for "?", runs): a regex
// as it is, a program with the blanks after "?", a size with its "<" or ">".
std::string procmail_shown(const rc::Condition& condition) {
  if (condition.kind != rc::ConditionKind::kProgram && condition.kind != rc::ConditionKind::kLess &&
      condition.kind != rc::ConditionKind::kGreater)
    return condition.operand;
  const std::string& text = condition.text;
  if (condition.operand.size() > text.size()) return condition.operand;
  std::size_t at = text.size() - condition.operand.size();  // the operand ends the text
  while (at > 0 && is_blank(text[at - 1])) --at;
  if (at == 0) return condition.operand;
  return condition.kind == rc::ConditionKind::kProgram ? text.substr(at) : text.substr(at - 1);
}

// What a trace says of a view condition: the view's lines (the first few, clipped),
// and, for a match, the whole line it was found in (in *line).
std::string view_trace(const std::string& name, std::string_view text,
                       const std::optional<std::string>& match, std::optional<std::string>* line) {
  constexpr std::size_t kShownLines = 4;
  std::string note = "view " + name + ": ";
  std::size_t count = 0;
  std::size_t from = 0;
  while (!text.empty() && from <= text.size()) {
    const std::size_t end = std::min(text.find('\n', from), text.size());
    if (count < kShownLines) note += std::string(count > 0 ? ", " : "") + "\"" +
                                     clip(text.substr(from, end - from), 60) + "\"";
    ++count;
    from = end + 1;
  }
  if (count == 0) note += "no lines";
  if (count > kShownLines) note += ", and " + std::to_string(count - kShownLines) + " more";
  if (match) {
    // The line the match begins in (a match may begin at the newline before it).
    std::size_t at = match->empty() ? 0 : text.find(*match);
    if (at != std::string_view::npos) {
      if (at < text.size() && text[at] == '\n') ++at;
      const std::size_t begin = at == 0 ? 0 : text.rfind('\n', at - 1);
      const std::size_t start = begin == std::string_view::npos || at == 0 ? 0 : begin + 1;
      const std::size_t end = std::min(text.find('\n', start), text.size());
      *line = std::string(text.substr(start, end - start));
    }
  }
  return note;
}

}  // namespace

// The operand of a "$", "<" or ">" condition, expanded as inside double quotes.
// Mistakes in it (a bad substitution) are logged and read past, as procmail does.
bool Evaluator::expand_quoted(const rc::Condition& condition, std::string* text,
                              std::string* failure) {
  std::vector<rc::Diagnostic> diagnostics;
  const std::string quoted = "\"" + condition.operand + "\"";
  std::size_t pos = 0;
  const rc::Value value = rc::parse_value(quoted, &pos, condition.operand_position, &diagnostics);
  for (const rc::Diagnostic& d : diagnostics)
    if (!d.procmail_says.empty()) log_.line(d.procmail_says);
  return expand_value(value, expander(), text, failure);
}

void Evaluator::trace_condition(const rc::Recipe& recipe, const rc::Condition& condition,
                                bool result, std::optional<double> score,
                                const std::string& note,
                                const std::optional<std::string>& matched) {
  if (!session_.trace().enabled()) return;
  std::optional<std::string> match;
  if (condition.kind == rc::ConditionKind::kRegex && result)
    match = session_.variables().get("MATCH");
  const rc::Regex* regex = nullptr;
  if (condition.kind == rc::ConditionKind::kRegex)
    regex = &regexes_.get(condition.operand, recipe.flags.case_sensitive,
                                   condition.after_backslash);
  if (regex == nullptr || !regex->extracts()) match.reset();
  session_.trace().condition(current_file(), condition.position.line, condition.text, result,
                             match, score, note, matched);
}

struct Evaluator::ConditionState {
  bool weighted = false;  // the recipe has a weighted condition
  double score = 0;
};

bool Evaluator::conditions_hold(const rc::Recipe& recipe, bool* error) {
  ConditionState state;
  bool all = true;
  for (const rc::Condition& condition : recipe.conditions) {
    log_notices(condition.notices);
    if (!condition_holds(recipe, condition, &state, error)) {
      all = false;
      break;
    }
    if (*error) break;
  }
  session_.set_last_score(state.weighted ? shown_score(state.score) : 0);
  if (*error || !all) return false;
  return !state.weighted || state.score > 0;
}

std::string_view Evaluator::message_area(message::Area area) {
  // The joined header is made once per message, not once per condition; a filter
  // that replaces the message drops it.
  if (area == message::Area::kBody) return message_.body();
  if (!header_area_) header_area_.emplace().text = message::joined_header(message_);
  if (area == message::Area::kHeader) return header_area_->text;
  // Header and body together without a copy of the body (message.h).
  return message_.body_with_prefix(header_area_->text);
}

const rc::TextIndex* Evaluator::index_for(std::string_view area) {
  if (!header_area_ || area.data() != header_area_->text.data() ||
      area.size() != header_area_->text.size())
    return nullptr;
  if (!header_area_->index && ++header_area_->searches >= kSearchesBeforeIndex)
    header_area_->index.emplace(header_area_->text);
  return header_area_->index ? &*header_area_->index : nullptr;
}

std::optional<bool> Evaluator::spooled_body_holds_literals(const rc::Regex& regex,
                                                         std::string_view area) {
  if (!message_.body_spooled()) return std::nullopt;
  const std::string_view body = message_.body();
  if (area.data() != body.data() || area.size() != body.size()) return std::nullopt;
  // Each window's pages are dropped once looked at: a body rule the message does not
  // satisfy costs no memory for the body.
  return !regex.lacks_required_literal(
      area, limits::kSpoolWindow,
      [&](std::size_t from, std::size_t length) { message_.release_body(session_.io(), from, length); });
}

std::string_view Evaluator::area_for(const rc::Recipe& recipe, const rc::ConditionPrefix* subject,
                                     std::string* storage) {
  using message::Area;
  if (subject != nullptr && subject->kind == rc::ConditionPrefix::Kind::kView) {
    std::string unknown;
    const std::optional<rc::View> view = rc::resolve_view(subject->variable, &unknown);
    if (!view) return {};
    if (view->kind == rc::View::Kind::kDuplicate) {
      DuplicateTests* duplicates = session_.duplicates();
      *storage = duplicates != nullptr
                     ? duplicates->line(view->field, message_, session_.variables())
                     : "new";
      return *storage;
    }
    MimeViewEnvironment environment;
    environment.release = [this](std::size_t from, std::size_t length) {
      message_.release_body(session_.io(), from, length);
    };
    environment.sniffer = &message::mime::libmagic_sniffer();
    environment.log = [this](const std::string& text) { log_.note(text); };
    return views_.text(*view, message_, environment);
  }
  if (subject != nullptr) {
    const std::string* variable = &subject->variable;
    if (*variable == "H") return message_area(Area::kHeader);
    if (*variable == "B") return message_area(Area::kBody);
    if (*variable == "HB" || *variable == "BH") return message_area(Area::kHeaderAndBody);
    *storage = session_.lookup()(*variable).value_or("");
    return *storage;
  }
  const bool header = recipe.flags.header || !recipe.flags.body;
  const bool body = recipe.flags.body;
  return message_area(header && body ? Area::kHeaderAndBody : body ? Area::kBody : Area::kHeader);
}

bool Evaluator::condition_holds(const rc::Recipe& recipe, const rc::Condition& condition,
                                ConditionState* state, bool* error) {
  bool negated = false;
  bool weighted = false;
  double weight = 0;
  double exponent = 0;
  const rc::ConditionPrefix* subject = nullptr;  // "NAME ??" or "view ??"
  for (const rc::ConditionPrefix& prefix : condition.prefixes) {
    switch (prefix.kind) {
      case rc::ConditionPrefix::Kind::kNot:
        negated = !negated;
        break;
      case rc::ConditionPrefix::Kind::kWeight:
        weighted = true;
        weight = prefix.weight;
        exponent = prefix.exponent;
        break;
      case rc::ConditionPrefix::Kind::kVariable:
      case rc::ConditionPrefix::Kind::kView:
        subject = &prefix;
        break;
    }
  }
  if (subject != nullptr && subject->kind == rc::ConditionPrefix::Kind::kView) {
    // A name outside the table (the parser logged it where it read the condition,
    // and --check reports it): the condition is not tried, whatever its "!", and the
    // recipe is not taken; the rest of the rcfile runs.
    std::string unknown;
    if (!rc::resolve_view(subject->variable, &unknown)) {
      log_.verbose("No match on unknown view \"" + subject->variable + "\"");
      trace_condition(recipe, condition, false, std::nullopt, unknown);
      return false;
    }
  }
  if (weighted) {
    state->weighted = true;
    // Once the score is at the top, further weighted conditions are not evaluated.
    if (state->score >= kMaxScore) return true;
  }

  if (condition.kind == rc::ConditionKind::kExpand) {
    // "$": expand as inside double quotes, then read the result as a condition
    // again (it may bring prefixes of its own); the prefixes so far stay in front.
    std::string text;
    std::string failure;
    if (!expand_quoted(condition, &text, &failure)) {
      log_at(condition.operand_position, "error: cannot expand the condition: " + failure);
      *error = true;
      return false;
    }
    // The text may come from the message; a condition this long could only be a
    // regex past its limit, and parsing it first would cost memory per byte.
    if (text.size() > limits::kMaxRegexBytes) {
      log_at(condition.operand_position,
             "error: the expanded condition \"" + clip(text) + "\" is " +
                 std::to_string(text.size()) + " bytes long, more than the limit of " +
                 std::to_string(limits::kMaxRegexBytes) + " bytes");
      *error = true;
      return false;
    }
    std::vector<rc::Diagnostic> diagnostics;
    std::size_t skip = 0;
    while (skip < text.size() && is_blank(text[skip])) ++skip;
    rc::Condition again = rc::parse_condition(std::string_view(text).substr(skip),
                                              condition.operand_position, &diagnostics);
    // procmail's words on the expanded condition, then mailsift's.
    for (const rc::Diagnostic& d : diagnostics) {
      if (!d.procmail_says.empty()) log_.line(d.procmail_says);
      if (d.procmail_says.empty())
        log_.note(current_file() + ":" + std::to_string(condition.operand_position.line) + ":" +
                  std::to_string(condition.operand_position.column) +
                  ": error: the expanded condition \"" + clip(text) + "\": " + d.message);
    }
    again.notices.clear();
    again.prefixes.insert(again.prefixes.begin(), condition.prefixes.begin(),
                          condition.prefixes.end());
    return condition_holds(recipe, again, state, error);
  }

  std::string storage;
  // What procmail's log shows of the condition (a regex after its macros).
  std::string shown = procmail_shown(condition);
  bool matched = false;
  double added = 0;
  std::string note;  // for the trace: why a "?" program was not run, a view's lines
  std::optional<std::string> matched_text;  // what a regex matched (traces only)
  switch (condition.kind) {
    case rc::ConditionKind::kExpand:
      break;  // handled above
    case rc::ConditionKind::kRegex: {
      const rc::Regex& regex = regexes_.get(condition.operand, recipe.flags.case_sensitive,
                                   condition.after_backslash);
      if (regex.ok()) shown = regex.substituted();
      if (!regex.repair().empty()) {
        // procmail compiles the regex each time it is tried, and says so each time.
        const rc::Position at = rc::advance_position(condition.operand_position,
                                                     condition.operand, regex.repair_offset());
        const std::string where = current_file() + ":" + std::to_string(at.line) + ":" +
                                  std::to_string(at.column) + ": error: " + regex.repair();
        if (regex.procmail_logs_repair()) {
          log_.line("Invalid regexp \"" + regex.substituted() + "\": " + where);
        } else {
          log_.note(where);
        }
      }
      if (!regex.ok()) {
        log_at(condition.operand_position,
               "error: invalid regular expression \"" + clip(condition.operand) + "\": " +
                   regex.error());
        *error = true;
        return false;
      }
      const std::string_view area = area_for(recipe, subject, &storage);
      std::string extracted;
      bool cut = false;
      // On a spooled body the literals are looked for first, window by window; the
      // search then does not look for them again.
      const std::optional<bool> held =
          weighted ? std::nullopt : spooled_body_holds_literals(regex, area);
      bool assigned = false;
      matched = held.value_or(true) &&
                regex.search(area, regex.extracts() ? &extracted : nullptr, &cut,
                             index_for(area), held.has_value(), &assigned);
      if (!regex.ok()) {
        // The matcher is built on first use; RE2 refused it (too large).
        log_at(condition.operand_position,
               "error: invalid regular expression \"" + clip(condition.operand) + "\": " +
                   regex.error());
        *error = true;
        return false;
      }
      if (cut && regex.uses_procmail_engine()) {
        log_at(condition.operand_position,
               "error: \"" + clip(condition.operand) + "\" was not answered within the " +
                   "limit of " + std::to_string(limits::kMaxSplitSearchBytes) +
                   " steps of matching; taken as no match");
      } else if (cut) {
        // procmail's MATCH starts at the earliest split; RE2's is valid but later.
        log_at(condition.operand_position,
               "MATCH of \"" + clip(condition.operand) + "\" is taken from a later split: " +
                   "finding the earliest in " + std::to_string(area.size()) +
                   " bytes took more than the limit of " +
                   std::to_string(limits::kMaxSplitSearchBytes) + " bytes of matching");
      }
      if (matched && session_.trace().enabled()) {
        // Shown without the newlines a "^" or "$" took at its edges.
        matched_text = regex.matched_text(area);
        if (matched_text && !matched_text->empty() && matched_text->front() == '\n')
          matched_text->erase(0, 1);
        if (matched_text && !matched_text->empty() && matched_text->back() == '\n')
          matched_text->pop_back();
      }
      if (session_.trace().enabled() && subject != nullptr &&
          subject->kind == rc::ConditionPrefix::Kind::kView)
        note = view_trace(subject->variable, area, matched ? regex.matched_text(area) : std::nullopt,
                          &matched_text);
      if (matched && regex.extracts() && assigned) {
        // MATCH is set by a match even when the condition is negated (§5.4).
        // procmail's VERBOSE shows the assignment without its value, then the text.
        const bool in_place = subject != nullptr &&
                              subject->kind == rc::ConditionPrefix::Kind::kVariable &&
                              subject->variable == "MATCH";
        if (!in_place) log_.verbose("Assigning \"MATCH=\"");
        session_.assign("MATCH", extracted, true);
        log_.verbose("Matched \"" + extracted + "\"");
      }
      if (weighted) {
        if (negated) {
          added = matched ? 0 : weight;
        } else {
          added = regex.score(area, weight, exponent);
        }
      }
      break;
    }
    case rc::ConditionKind::kProgram: {
      Command command;
      std::string failure;
      Expander plain = expander();
      if (condition.operand.empty() ||
          !build_command(session_, procmail_shown(condition), nullptr, plain, &command,
                         &failure)) {
        // Nothing to run (procmail's run fails): the condition does not hold.
        if (!failure.empty()) log_at(condition.operand_position, "error: " + failure);
        matched = false;
        break;
      }
      // The program reads the area as a program action would: with a newline added
      // unless it already ends in an empty line (procmail does so).
      std::string_view area = area_for(recipe, subject, &storage);
      if (area.size() < 2 || area.substr(area.size() - 2) != "\n\n") {
        if (storage.data() != area.data()) storage.assign(area);
        storage += '\n';
        area = storage;
      }
      if (!session_.run_programs()) {
        note = "not run in a dry run without --run-programs: taken as false";
        break;
      }
      const sys::ProgramOutcome outcome = run_command(session_, command, text_input(area), false);
      matched = outcome.succeeded();
      if (!matched) {
        log_.verbose("Non-zero exitcode (" + std::to_string(outcome.procmail_code()) +
                     ") from \"" + command.name + "\"");
      }
      if (weighted) {
        if (!negated) {
          added = matched ? weight : exponent;
        } else {
          // The exit status counts as a number of matches: w + wx + ... + wx^(n-1).
          const int n = outcome.procmail_code();
          double term = weight;
          for (int k = 0; k < n && std::fabs(added) < kMaxScore; ++k) {
            added += term;
            term *= exponent;
          }
        }
      }
      break;
    }
    case rc::ConditionKind::kLess:
    case rc::ConditionKind::kGreater: {
      std::string text;
      std::string failure;
      if (!expand_quoted(condition, &text, &failure)) {
        log_at(condition.operand_position, "error: cannot expand the size: " + failure);
        *error = true;
        return false;
      }
      // procmail reads the number as strtol does and skips what follows it.
      std::string_view rest;
      const double limit = static_cast<double>(rc::parse_size_operand(text, &rest));
      if (condition.operand.find_first_of("$`") != std::string::npos) {
        while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
        if (!rest.empty()) log_.line("Skipped \"" + std::string(rest) + "\"");
      }
      const double length = subject != nullptr
                                ? static_cast<double>(area_for(recipe, subject, &storage).size())
                                : static_cast<double>(message_.size());
      bool greater = condition.kind == rc::ConditionKind::kGreater;
      matched = greater ? length > limit : length < limit;
      if (weighted) {
        // "!" swaps the comparison for a weighted size condition.
        if (negated) greater = !greater;
        const double ratio = greater ? (limit == 0 ? kMaxScore : length / limit)
                                     : (length == 0 ? kMaxScore : limit / length);
        added = weight * std::pow(ratio, exponent);
      }
      break;
    }
  }

  if (weighted) {
    state->score += added;
    trace_condition(recipe, condition, true, added, note, matched_text);
    if (state->score >= kMaxScore) state->score = kMaxScore;
    log_.verbose("Score: " + integer_text(added) + " " +
                 (state->score > 0 && state->score < 1 ? std::string("     +0")
                                                       : integer_text(state->score)) +
                 " \"" + shown + "\"");
    if (state->score <= -kMaxScore) {
      state->score = -kMaxScore;
      return false;
    }
    return true;
  }
  const bool holds = matched != negated;
  log_.verbose(std::string(holds ? "Match on " : "No match on ") + (negated ? "! " : "") + "\"" +
               shown + "\"");
  trace_condition(recipe, condition, holds, std::nullopt, note, matched_text);
  return holds;
}

}  // namespace mailsift::engine
