// Expanding parsed values (rc/value.h) against the variables of a run: single-word
// mode for assignments and conditions, argument mode (unquoted results split into
// words) for action lines and command lines (behaviour §3.2).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/value.h"

namespace mailsift::engine {

// Looks up a variable by name, including the specials "$", "?", "#", "1".."9",
// "_", "-", "=", "@"; nullopt when unset.
using VariableLookup = std::function<std::optional<std::string>(std::string_view)>;

// Runs a backquoted command (its text as written between the backquotes) and
// returns its output with the trailing newlines removed; nullopt when it could not
// be run (the reason is the runner's to log).
using BackquoteRunner = std::function<std::optional<std::string>(const std::string& command)>;

// Whether a variable holds text that came with the message (MATCH, a capture, a
// positional argument from the mail server, or a variable assigned from one of
// those), and from which byte of its value on: nullopt when it holds none, 0 when
// all of it may be; an assignment "F=.lists.`cmd`" holds message data from byte 7
// on (the rcfile wrote ".lists."). The name as in VariableLookup.
using MessageDataTest = std::function<std::optional<std::size_t>(std::string_view name)>;

struct Expander {
  VariableLookup lookup;
  BackquoteRunner backquote;  // empty: a backquote is an error
  std::vector<std::string> arguments;  // for "$@"
  // Empty: no named variable does ($1..$9, "$@" and backquotes always do).
  MessageDataTest from_message;
};

// Where a byte of an expanded word came from.
enum class Origin : unsigned char {
  kLiteral,   // the rcfile's own text
  kVariable,  // a variable the rcfile, the command line or mailsift set
  kMessage,   // message data: see MessageDataTest; also "$@" and backquote output
};

// An expanded word with the origin of each of its bytes (origins.size() == text.size()).
struct ExpandedWord {
  std::string text;
  std::vector<Origin> origins;
};

// Single-word mode (an assignment, a condition): no word splitting. Returns false
// and sets *error when a backquote cannot be run.
bool expand_value(const rc::Value& value, const Expander& expander, std::string* out,
                  std::string* error);
// The same, and *message_from says from which byte of *out on the text may have come
// from message data (std::string::npos when none did; for an assignment: the
// variable then holds message data from there).
bool expand_value(const rc::Value& value, const Expander& expander, std::string* out,
                  std::string* error, std::size_t* message_from);
// The same with variables only (a backquote is an error).
bool expand_value(const rc::Value& value, const VariableLookup& lookup, std::string* out,
                  std::string* error);

// Argument mode: each value gives one word, except that unquoted substitution and
// backquote results are split on blanks, tabs and newlines (an unquoted empty result
// gives no word; "" gives an empty word) and a quoted "$@" gives one word per
// positional argument.
bool expand_words(const std::vector<rc::Value>& values, const Expander& expander,
                  std::vector<std::string>* words, std::string* error);
// The same, with the origin of every byte (for folder names: engine/folder_guard.h).
bool expand_words(const std::vector<rc::Value>& values, const Expander& expander,
                  std::vector<ExpandedWord>* words, std::string* error);

// "()" followed by text with regex metacharacters backslash-quoted ($\NAME).
std::string regex_quote(std::string_view text);

}  // namespace mailsift::engine
