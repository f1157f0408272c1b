#include "mailsift/rc/script.h"

#include <utility>

namespace mailsift::rc {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

Position position_of(std::string_view text, std::size_t offset) {
  Position p;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

void skip_line(std::string_view text, std::size_t* pos) {
  while (*pos < text.size() && text[*pos] != '\n') ++*pos;
}

}  // namespace

Script parse_script(std::string_view text) {
  Script script;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (is_blank(c) || c == '\n') {
      ++pos;
      continue;
    }
    if (c == '#') {
      skip_line(text, &pos);
      continue;
    }
    const Position at = position_of(text, pos);
    if (c == ':' || c == '{' || c == '}') {
      script.diagnostics.push_back(
          {at, "recipes are not supported by this version of mailsift yet; "
               "the message goes to $DEFAULT"});
      return script;  // the rest cannot be parsed without the recipe grammar
    }
    if (!is_name_start(c)) {
      const std::size_t start = pos;
      while (pos < text.size() && !is_blank(text[pos]) && text[pos] != '\n') ++pos;
      script.diagnostics.push_back(
          {at, "unexpected \"" + std::string(text.substr(start, pos - start)) +
                   "\": expected an assignment, a recipe or a comment"});
      continue;
    }
    const std::size_t name_start = pos;
    while (pos < text.size() && is_name_char(text[pos])) ++pos;
    Assignment statement;
    statement.name = std::string(text.substr(name_start, pos - name_start));
    statement.position = at;
    const std::size_t after_name = pos;
    while (pos < text.size() && is_blank(text[pos])) ++pos;
    if (pos < text.size() && text[pos] == '=') {
      ++pos;
      while (pos < text.size() && is_blank(text[pos])) ++pos;
      statement.value = parse_value(text, &pos, Position{}, &script.diagnostics);
    } else if (pos == after_name && pos < text.size() && text[pos] != '\n') {
      script.diagnostics.push_back(
          {position_of(text, pos), "unexpected \"" + std::string(1, text[pos]) +
                                       "\" after the variable name \"" + statement.name +
                                       "\""});
      skip_line(text, &pos);
      continue;
    }
    script.statements.push_back(std::move(statement));
  }
  return script;
}

std::optional<Assignment> parse_assignment_argument(std::string_view argument,
                                                    std::vector<Diagnostic>* diagnostics) {
  std::size_t pos = 0;
  while (pos < argument.size() && is_name_char(argument[pos])) ++pos;
  if (pos == 0 || !is_name_start(argument[0]) || pos >= argument.size() ||
      argument[pos] != '=')
    return std::nullopt;
  Assignment statement;
  statement.name = std::string(argument.substr(0, pos));
  ++pos;
  // On the command line the whole argument is the value: blanks in it were quoted
  // by the shell that built the argument list, so they are taken literally.
  Value value;
  while (pos < argument.size()) {
    std::size_t end = pos;
    Value piece = parse_value(argument, &end, Position{}, diagnostics);
    for (auto& part : piece) value.push_back(std::move(part));
    if (end >= argument.size()) break;
    ValuePart blank;
    blank.text = std::string(1, argument[end]);
    value.push_back(std::move(blank));
    pos = end + 1;
  }
  statement.value = std::move(value);
  return statement;
}

std::string format_diagnostic(const std::string& file, std::string_view text,
                              const Diagnostic& diagnostic) {
  std::string out = file + ":" + std::to_string(diagnostic.position.line) + ":" +
                    std::to_string(diagnostic.position.column) + ": error: " +
                    diagnostic.message + "\n";
  // The source line and a caret under the column.
  std::size_t start = 0;
  for (int line = 1; line < diagnostic.position.line && start < text.size(); ++line) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      start = text.size();
      break;
    }
    start = nl + 1;
  }
  std::size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  const std::string_view line = text.substr(start, end - start);
  out += "  ";
  out += line;
  out += "\n  ";
  for (int i = 1; i < diagnostic.position.column && static_cast<std::size_t>(i) <= line.size();
       ++i)
    out += line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
  out += "^\n";
  return out;
}

}  // namespace mailsift::rc
