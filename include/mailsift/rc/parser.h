// Parsing rcfile text into the tree of rc/ast.h, reporting every problem with its
// position (the whole file is read; errors do not stop the parse).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/lexer.h"

namespace mailsift::rc {

// Parses a whole rcfile. Braces must balance within the file.
Rcfile parse_rcfile(std::string_view text);

// Parses one condition text (what follows "*", squeezed and trimmed) into prefixes
// and a terminal kind. Used by the parser, and by the evaluator on the result of a
// "$" condition's expansion. `at` is the position of text[0].
Condition parse_condition(std::string_view text, Position at,
                          std::vector<Diagnostic>* diagnostics);
// The same for a condition read from the source with its continuation lines
// squeezed (rc/lexer.h): every byte keeps its own source position.
Condition parse_condition(const MappedText& text, std::vector<Diagnostic>* diagnostics);

// Splits text in argument mode (action lines, command lines without a shell): words
// separated by unquoted blanks, tabs and newlines, each a Value. `at` is the
// position of text[0].
std::vector<Value> parse_words(std::string_view text, Position at,
                               std::vector<Diagnostic>* diagnostics);

// The words of a command to run without a shell ("| cmd", "? cmd"), in argument
// mode. Tokenizer problems are reported only when the text contains none of the
// default SHELLMETAS (&|<>~;?*[): a text with one goes to the shell, whose syntax is
// not mailsift's to judge (${VAR%%x} is fine there).
std::vector<Value> parse_command_words(const MappedText& command,
                                       std::vector<Diagnostic>* diagnostics);

// A command-line argument "NAME=value" (the whole argument is the value: blanks in
// it were quoted by the shell that built the argument list). nullopt when the
// argument is not an assignment.
std::optional<Assignment> parse_assignment_argument(std::string_view argument,
                                                    std::vector<Diagnostic>* diagnostics);

// "file:line:col: error: message" (or "warning:"), then the source line and a caret
// under the column.
std::string format_diagnostic(const std::string& file, std::string_view text,
                              const Diagnostic& diagnostic);

}  // namespace mailsift::rc
