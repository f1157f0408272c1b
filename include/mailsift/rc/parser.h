// Parsing rcfile text into the tree of rc/ast.h (behaviour §3).
//
// The tree is what procmail runs: where procmail recovers from a mistake (skips a
// line of junk, drops unknown flags, takes a missing action's next line as a
// folder, ends a value at a blank inside ${...}), the tree holds what procmail does
// and a Diagnostic says what it is, at its position. Notices in the tree (rc/ast.h)
// put each such diagnostic where procmail logs it. "mailsift --check" reports every
// diagnostic; a delivery runs the tree and logs the notices it passes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/lexer.h"

namespace mailsift::rc {

// What a parse is for. Checking goes on after a quote that is never closed (procmail
// reads the rest of the file into it) from the end of the line where it opened, to
// find the other mistakes; running reads on as procmail does.
enum class ParseFor { kChecking, kRunning };

// Parses a whole rcfile. Braces must balance within the file.
Rcfile parse_rcfile(std::string_view text, ParseFor purpose = ParseFor::kChecking);

// Reads an rcfile one top-level statement at a time, as procmail reads while it
// runs: a delivery that ends at an early recipe never parses the rest.
class RcfileReader {
 public:
  explicit RcfileReader(std::string_view text, ParseFor purpose = ParseFor::kRunning);
  ~RcfileReader();
  RcfileReader(const RcfileReader&) = delete;
  RcfileReader& operator=(const RcfileReader&) = delete;

  // Appends the next top-level statement (a recipe with its block, an assignment, or
  // a Notice) to *out. False at the end of the text.
  bool next(Statements* out);
  // Every problem found so far, in the order found.
  const std::vector<Diagnostic>& diagnostics() const;

 private:
  class Impl;
  friend Rcfile parse_rcfile(std::string_view text, ParseFor purpose);
  std::unique_ptr<Impl> impl_;
};

// Parses one condition text (what follows "*", squeezed and trimmed) into prefixes
// and a terminal kind. Used by the parser, and by the evaluator on the result of a
// "$" condition's expansion. `at` is the position of text[0].
Condition parse_condition(std::string_view text, Position at,
                          std::vector<Diagnostic>* diagnostics);
// The same for a condition read from the source with its continuation lines
// squeezed (rc/lexer.h): every byte keeps its own source position.
Condition parse_condition(const MappedText& text, std::vector<Diagnostic>* diagnostics);

// The number a size condition ("< N", "> N") compares with, read as procmail reads
// it (strtol: blanks, a sign, digits); *rest is what follows, which procmail skips.
long long parse_size_operand(std::string_view text, std::string_view* rest);

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

// Whether a delivery logs this diagnostic (as a notice): an error, or a line
// procmail logs itself. Other warnings are for "mailsift --check" only.
bool is_notice(const Diagnostic& diagnostic);

// "file:line:col: error: message" (or "warning:"), then the source line and a caret
// under the column.
std::string format_diagnostic(const std::string& file, std::string_view text,
                              const Diagnostic& diagnostic);

}  // namespace mailsift::rc
