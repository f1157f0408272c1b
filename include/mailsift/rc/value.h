// The value syntax of procmailrc assignments (procmailrc(5), "Environment variable
// defaults" and quoting): a subset of sh word syntax with $NAME, ${NAME},
// ${NAME:-w}, ${NAME-w}, ${NAME:+w}, ${NAME+w}, $\NAME, backquotes and quotes.
// Parsing yields parts; the engine expands them against its variables.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::rc {

struct Position {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

enum class Severity { kError, kWarning };

struct Diagnostic {
  Position position;
  std::string message;
  Severity severity = Severity::kError;
  // What procmail logs at this construct as it reads or runs it ("Skipped \"x\"",
  // "Closing brace unexpected"), or "" when it logs nothing. A delivery logs this
  // line, with the diagnostic after it, where procmail would.
  std::string procmail_says;
};

struct ValuePart;
using Value = std::vector<ValuePart>;

enum class Substitution {
  kPlain,            // $NAME, ${NAME}
  kUnsetOrEmpty,     // ${NAME:-word}
  kUnset,            // ${NAME-word}
  kSetAndNonEmpty,   // ${NAME:+word}
  kSet,              // ${NAME+word}
  kRegexQuoted,      // $\NAME
};

struct ValuePart {
  enum class Kind { kLiteral, kVariable, kBackquote };
  Kind kind = Kind::kLiteral;
  std::string text;  // literal bytes, variable name ("1", "$", "?", "#", "_", "-", "="
                     // for the specials), or the backquoted command text
  bool quoted = false;  // inside double quotes
  // A literal blank that separates words in argument mode (a blank inside an
  // unquoted ${NAME:-word}: procmail splits the word there).
  bool split = false;
  Substitution substitution = Substitution::kPlain;
  Value word;  // the alternative word of ${NAME:-word} and friends
};

// Parses one value in single-word mode starting at text[*pos]: it ends at the first
// unquoted blank or newline (or end of text); quoted strings may span lines. *pos is
// left at the first byte after the value. Problems are appended to diagnostics
// (positions relative to `base`, the position of text[0]). "" yields a quoted empty
// literal, so that an argument word made of it exists even though it is empty.
Value parse_value(std::string_view text, std::size_t* pos, Position base,
                  std::vector<Diagnostic>* diagnostics);

// Argument mode (action lines, commands run without a shell): the words from
// text[*pos] on, separated by unquoted blanks and tabs (and backslash-newlines); a
// "#" at the start of a word comments out the rest of the line. With
// stop_at_newline the words end at the first unquoted newline (*pos is left on it),
// else newlines separate words too and the whole text is read.
std::vector<Value> parse_argument_words(std::string_view text, std::size_t* pos,
                                        bool stop_at_newline, Position base,
                                        std::vector<Diagnostic>* diagnostics);

bool is_name_start(char c);
bool is_name_char(char c);

}  // namespace mailsift::rc
