// Conditions: the text after "*" (behaviour §3.4, procmailsc(5)).
#include <cstdlib>
#include <string>

#include "mailsift/rc/parser.h"
#include "mailsift/rc/views.h"

namespace mailsift::rc {
namespace {

// A decimal number as procmail's strtod reads a weight: [+-]digits[.digits][e[+-]digits].
bool read_decimal(std::string_view text, std::size_t* pos, double* out) {
  std::size_t i = *pos;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
    if (j < text.size() && is_digit(text[j])) {
      while (j < text.size() && is_digit(text[j])) ++j;
      i = j;
    }
  }
  *out = std::strtod(std::string(text.substr(*pos, i - *pos)).c_str(), nullptr);
  *pos = i;
  return true;
}

std::size_t skip_blanks(std::string_view text, std::size_t i) {
  while (i < text.size() && is_blank(text[i])) ++i;
  return i;
}

// "w^x": a weight, blanks, "^", blanks, an exponent.
bool read_weight(std::string_view text, std::size_t* pos, double* weight, double* exponent) {
  std::size_t i = *pos;
  if (!read_decimal(text, &i, weight)) return false;
  i = skip_blanks(text, i);
  if (i >= text.size() || text[i] != '^') return false;
  i = skip_blanks(text, i + 1);
  if (!read_decimal(text, &i, exponent)) return false;
  *pos = i;
  return true;
}

MappedText tail(const MappedText& text, std::size_t from) {
  return text.slice(from, text.text.size(), text.end);
}

}  // namespace

Condition parse_condition(const MappedText& mapped, std::vector<Diagnostic>* diagnostics) {
  const std::string& text = mapped.text;
  Condition condition;
  condition.text = text;
  condition.position = mapped.position_of(0);
  auto finish = [&](ConditionKind kind, std::size_t from) {
    condition.kind = kind;
    condition.operand = text.substr(from);
    condition.operand_position = mapped.position_of(from);
  };
  auto error = [&](std::size_t at, std::string message) {
    diagnostics->push_back({mapped.position_of(at), std::move(message), Severity::kError, {}});
  };

  // Each prefix is taken off and the rest dispatched again, so prefixes stack.
  std::size_t i = 0;
  while (true) {
    if (i >= text.size()) {
      finish(ConditionKind::kRegex, i);  // an empty regex: always true
      return condition;
    }
    const char c = text[i];
    if (c == '!') {
      condition.prefixes.push_back({ConditionPrefix::Kind::kNot, 0, 0, {}});
      i = skip_blanks(text, i + 1);
      continue;
    }
    if (c == '$') {
      finish(ConditionKind::kExpand, skip_blanks(text, i + 1));
      return condition;
    }
    if (c == '?') {
      const std::size_t from = skip_blanks(text, i + 1);
      finish(ConditionKind::kProgram, from);
      if (from >= text.size()) {
        error(i, "\"?\" needs a command to run (procmail runs nothing, and the condition "
                 "fails)");
      } else {
        parse_command_words(tail(mapped, from), diagnostics);
      }
      return condition;
    }
    if (c == '<' || c == '>') {
      const std::size_t from = skip_blanks(text, i + 1);
      finish(c == '<' ? ConditionKind::kLess : ConditionKind::kGreater, from);
      const std::string_view operand = condition.operand;
      if (from >= text.size()) {
        error(i, std::string("\"") + c + "\" needs a size in bytes after it (procmail takes 0)");
      } else if (operand.find_first_of("$`") == std::string_view::npos) {
        // procmail reads the leading number and skips the rest ("< 1k" is "< 1"),
        // after reading the text as argument words (what it logs has their blanks
        // and backslashes undone).
        std::vector<Diagnostic> ignored;
        std::string words;
        for (const Value& word : parse_words(operand, Position{}, &ignored)) {
          if (!words.empty()) words += ' ';
          for (const ValuePart& part : word) words += part.text;
        }
        std::string_view rest;
        parse_size_operand(words, &rest);
        std::size_t r = 0;
        while (r < rest.size() && is_blank(rest[r])) ++r;
        rest.remove_prefix(r);
        if (!rest.empty()) {
          Diagnostic d;
          d.position = mapped.position_of(from);
          d.message = std::string("the size after \"") + c + "\" must be a number of bytes, not \"" +
                      std::string(operand) + "\": procmail skips \"" + std::string(rest) + "\"";
          d.procmail_says = "Skipped \"" + std::string(rest) + "\"";
          diagnostics->push_back(std::move(d));
        }
      }
      return condition;
    }
    if (c == '\\') {
      finish(ConditionKind::kRegex, i + 1);  // the rest is a regex, taken literally
      condition.after_backslash = true;
      return condition;
    }
    if (is_digit(c) || c == '+' || c == '-' || c == '.') {
      ConditionPrefix weight{ConditionPrefix::Kind::kWeight, 0, 0, {}};
      std::size_t j = i;
      if (read_weight(text, &j, &weight.weight, &weight.exponent)) {
        condition.prefixes.push_back(weight);
        i = skip_blanks(text, j);
        continue;
      }
      finish(ConditionKind::kRegex, i);
      return condition;
    }
    if (const std::size_t n = view_name_length(text, i); n > 0) {
      const std::size_t k = skip_blanks(text, i + n);
      if (text.compare(k, 2, "??") == 0) {
        const std::string name = text.substr(i, n);
        std::string unknown;
        if (!resolve_view(name, &unknown)) error(i, unknown);
        condition.prefixes.push_back({ConditionPrefix::Kind::kView, 0, 0, name});
        i = skip_blanks(text, k + 2);
        continue;
      }
    }
    if (is_name_start(c)) {
      std::size_t j = i;
      while (j < text.size() && is_name_char(text[j])) ++j;
      const std::size_t k = skip_blanks(text, j);
      if (text.compare(k, 2, "??") == 0) {
        condition.prefixes.push_back(
            {ConditionPrefix::Kind::kVariable, 0, 0, text.substr(i, j - i)});
        i = skip_blanks(text, k + 2);
        continue;
      }
    }
    finish(ConditionKind::kRegex, i);
    return condition;
  }
}

long long parse_size_operand(std::string_view text, std::string_view* rest) {
  std::size_t i = 0;
  while (i < text.size() && (is_blank(text[i]) || text[i] == '\n')) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const std::size_t digits = i;
  long long value = 0;
  while (i < text.size() && is_digit(text[i])) {
    if (value < 1000000000000000LL) value = value * 10 + (text[i] - '0');
    ++i;
  }
  if (i == digits) i = 0;  // no number: strtol reads nothing (the value is 0)
  *rest = text.substr(i);
  return negative ? -value : value;
}

Condition parse_condition(std::string_view text, Position at,
                          std::vector<Diagnostic>* diagnostics) {
  const MappedText mapped = map_text(text, at);
  return parse_condition(mapped, diagnostics);
}

}  // namespace mailsift::rc
