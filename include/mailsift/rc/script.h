// An rcfile parsed into statements with source positions.
//
// This is the first part of the procmailrc language: comments, assignments and
// unsets. Recipes (":0 ...") are recognised and reported as not yet supported, so
// that a delivery with such an rcfile logs why and falls back to $DEFAULT instead of
// doing something half right.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/value.h"

namespace mailsift::rc {

struct Assignment {
  std::string name;
  std::optional<Value> value;  // nullopt: "NAME" alone unsets the variable
  Position position;
};

struct Script {
  std::vector<Assignment> statements;
  std::vector<Diagnostic> diagnostics;  // errors; a script with any is not run
};

Script parse_script(std::string_view text);

// A command-line argument "NAME=value" (value syntax as in an rcfile). nullopt when
// the argument is not an assignment.
std::optional<Assignment> parse_assignment_argument(std::string_view argument,
                                                    std::vector<Diagnostic>* diagnostics);

// "file:line:col: error: message", then the source line and a caret under the column.
std::string format_diagnostic(const std::string& file, std::string_view text,
                              const Diagnostic& diagnostic);

}  // namespace mailsift::rc
