#include "mailsift/rc/script.h"

#include <utility>

namespace mailsift::rc {
namespace {

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

}  // namespace mailsift::rc
