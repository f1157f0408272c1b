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

struct Diagnostic {
  Position position;
  std::string message;
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
  Substitution substitution = Substitution::kPlain;
  Value word;  // the alternative word of ${NAME:-word} and friends
};

// Parses one value in single-word mode starting at text[*pos]: it ends at the first
// unquoted blank or newline (or end of text). *pos is left at the first byte after
// the value. Problems are appended to diagnostics (positions relative to `base`,
// the position of text[0]).
Value parse_value(std::string_view text, std::size_t* pos, Position base,
                  std::vector<Diagnostic>* diagnostics);

bool is_name_start(char c);
bool is_name_char(char c);

}  // namespace mailsift::rc
