#include "mailsift/engine/expand.h"

#include <utility>

namespace mailsift::engine {
namespace {

bool is_split_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Collects argument words, and (with_origins) where each byte came from: text is
// appended to the current word; a split closes it.
class WordBuilder {
 public:
  explicit WordBuilder(bool with_origins) : with_origins_(with_origins) {}

  void append(std::string_view text, Origin origin) {
    current_.text += text;
    if (with_origins_) current_.origins.insert(current_.origins.end(), text.size(), origin);
    open_ = true;
  }
  // A variable's value: message data from byte message_from on.
  void append(std::string_view text, std::size_t message_from) {
    const std::size_t split = std::min(message_from, text.size());
    append(text.substr(0, split), Origin::kVariable);
    if (split < text.size()) append(text.substr(split), Origin::kMessage);
  }
  // An unquoted result: its blanks separate words.
  void append_split(std::string_view text, Origin origin) {
    append_split(text, origin == Origin::kMessage ? 0 : std::string::npos, origin);
  }
  void append_split(std::string_view text, std::size_t message_from,
                    Origin before = Origin::kVariable) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (is_split_blank(c)) {
        close();
      } else {
        current_.text += c;
        if (with_origins_) current_.origins.push_back(i >= message_from ? Origin::kMessage : before);
        open_ = true;
      }
    }
  }
  // A quoted part was seen: the word exists even when it is empty ("").
  void mark_open() { open_ = true; }
  void close() {
    if (open_) words_.push_back(std::move(current_));
    current_ = ExpandedWord();
    open_ = false;
  }
  std::vector<ExpandedWord> take() {
    close();
    return std::move(words_);
  }

 private:
  bool with_origins_;
  ExpandedWord current_;
  bool open_ = false;
  std::vector<ExpandedWord> words_;
};

// From which byte of a variable's value on it holds message data (npos: none).
// "$@" and $1..$9 are the mail server's arguments (an address extension, say),
// which a sender chooses.
std::size_t message_data_from(std::string_view name, const Expander& expander) {
  if (name == "@" || (name.size() == 1 && name[0] >= '1' && name[0] <= '9')) return 0;
  if (expander.from_message) {
    if (const std::optional<std::size_t> from = expander.from_message(name)) return *from;
  }
  return std::string::npos;
}

// The text one variable part stands for, or nullopt when it stands for its
// alternative word (which the caller expands).
struct Substituted {
  bool use_word = false;
  std::string text;
};

Substituted substitute(const rc::ValuePart& part, const VariableLookup& lookup) {
  using Sub = rc::Substitution;
  const std::optional<std::string> v = lookup(part.text);
  const bool set = v.has_value();
  const bool non_empty = set && !v->empty();
  switch (part.substitution) {
    case Sub::kPlain:
      return {false, set ? *v : std::string()};
    case Sub::kRegexQuoted:
      return {false, regex_quote(set ? *v : std::string())};
    case Sub::kUnsetOrEmpty:
      return non_empty ? Substituted{false, *v} : Substituted{true, {}};
    case Sub::kUnset:
      return set ? Substituted{false, *v} : Substituted{true, {}};
    case Sub::kSetAndNonEmpty:
      return non_empty ? Substituted{true, {}} : Substituted{false, {}};
    case Sub::kSet:
      return set ? Substituted{true, {}} : Substituted{false, {}};
  }
  return {};
}

bool run_backquote(const rc::ValuePart& part, const Expander& expander, std::string* out,
                   std::string* error) {
  if (!expander.backquote) {
    *error = "a backquote command (`" + part.text + "`) cannot be run here";
    return false;
  }
  const std::optional<std::string> output = expander.backquote(part.text);
  if (!output) {
    *error = "the backquote command `" + part.text + "` could not be run";
    return false;
  }
  *out = *output;
  return true;
}

// Whether value is "$@" and nothing else (a complete word).
bool is_all_arguments(const rc::Value& value) {
  return value.size() == 1 && value[0].kind == rc::ValuePart::Kind::kVariable &&
         value[0].text == "@" && value[0].quoted;
}

// The index of the value that gives the positional arguments: procmail expands only
// the last "$@" of a line, and only when it is a word of its own; every other "$@"
// stands for nothing ("$@" alone then makes one empty word).
std::size_t all_arguments_word(const std::vector<rc::Value>& values) {
  std::size_t found = values.size();
  for (std::size_t i = 0; i < values.size(); ++i) {
    for (const rc::ValuePart& part : values[i]) {
      if (part.kind == rc::ValuePart::Kind::kVariable && part.text == "@" && part.quoted)
        found = is_all_arguments(values[i]) ? i : values.size();
    }
  }
  return found;
}

// all_arguments: this value is the one "$@" that gives the arguments.
bool expand_into_words(const rc::Value& value, const Expander& expander, WordBuilder* words,
                       std::string* error, bool all_arguments_here) {
  using Kind = rc::ValuePart::Kind;
  for (const auto& part : value) {
    // A quoted part makes a word even when empty (""), except "$@" without
    // arguments, which makes none (as in sh).
    const bool all_arguments = part.kind == Kind::kVariable && part.text == "@" &&
                               all_arguments_here;
    if (part.quoted && !all_arguments) words->mark_open();
    switch (part.kind) {
      case Kind::kLiteral:
        if (part.split) {
          words->append_split(part.text, Origin::kLiteral);
        } else {
          words->append(part.text, Origin::kLiteral);
        }
        break;
      case Kind::kBackquote: {
        // The command reads the message: its output is message data.
        std::string output;
        if (!run_backquote(part, expander, &output, error)) return false;
        if (part.quoted) {
          words->append(output, Origin::kMessage);
        } else {
          words->append_split(output, Origin::kMessage);
        }
        break;
      }
      case Kind::kVariable: {
        if (part.text == "@") {
          // "$@": one word per argument (only quoted; unquoted it was parsed as "@"),
          // where it counts (all_arguments_word); elsewhere nothing.
          if (!all_arguments_here) break;
          for (std::size_t i = 0; i < expander.arguments.size(); ++i) {
            if (i > 0) words->close();
            words->append(expander.arguments[i], Origin::kMessage);
          }
          break;
        }
        const Substituted s = substitute(part, expander.lookup);
        // ($\NAME quotes the value: where its message data starts is not kept.)
        std::size_t message_from = message_data_from(part.text, expander);
        if (message_from != std::string::npos &&
            part.substitution == rc::Substitution::kRegexQuoted)
          message_from = 0;
        if (s.use_word) {
          if (!expand_into_words(part.word, expander, words, error, false)) return false;
        } else if (part.quoted) {
          words->append(s.text, message_from);
        } else {
          words->append_split(s.text, message_from);
        }
        break;
      }
    }
  }
  return true;
}

bool expand_single(const rc::Value& value, const Expander& expander, std::string* out,
                   std::string* error, std::size_t* message_from) {
  const auto mark = [message_from](std::size_t at) { *message_from = std::min(*message_from, at); };
  using Kind = rc::ValuePart::Kind;
  for (const auto& part : value) {
    switch (part.kind) {
      case Kind::kLiteral:
        *out += part.text;
        break;
      case Kind::kBackquote: {
        std::string output;
        if (!run_backquote(part, expander, &output, error)) return false;
        if (!output.empty()) mark(out->size());
        *out += output;
        break;
      }
      case Kind::kVariable: {
        if (part.text == "@") {
          // "$@" outside a command line expands to nothing (behaviour §3.2).
          break;
        }
        const Substituted s = substitute(part, expander.lookup);
        if (s.use_word) {
          if (!expand_single(part.word, expander, out, error, message_from)) return false;
        } else {
          std::size_t from = message_data_from(part.text, expander);
          if (from != std::string::npos && part.substitution == rc::Substitution::kRegexQuoted)
            from = 0;
          if (from < s.text.size()) mark(out->size() + from);
          *out += s.text;
        }
        break;
      }
    }
  }
  return true;
}

}  // namespace

std::string regex_quote(std::string_view text) {
  std::string out = "()";
  for (char c : text) {
    switch (c) {
      case '(': case '|': case ')': case '*': case '?': case '+': case '.':
      case '^': case '$': case '[': case '\\':
        out += '\\';
        break;
      default:
        break;
    }
    out += c;
  }
  return out;
}

bool expand_value(const rc::Value& value, const Expander& expander, std::string* out,
                  std::string* error) {
  std::size_t message_from = std::string::npos;
  return expand_single(value, expander, out, error, &message_from);
}

bool expand_value(const rc::Value& value, const Expander& expander, std::string* out,
                  std::string* error, std::size_t* message_from) {
  *message_from = std::string::npos;
  return expand_single(value, expander, out, error, message_from);
}

bool expand_value(const rc::Value& value, const VariableLookup& lookup, std::string* out,
                  std::string* error) {
  Expander expander;
  expander.lookup = lookup;
  return expand_value(value, expander, out, error);
}

bool expand_words(const std::vector<rc::Value>& values, const Expander& expander,
                  std::vector<ExpandedWord>* words, std::string* error) {
  const std::size_t all_arguments = all_arguments_word(values);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const rc::Value& value = values[i];
    WordBuilder builder(/*with_origins=*/true);
    if (!expand_into_words(value, expander, &builder, error, i == all_arguments)) return false;
    for (auto& word : builder.take()) words->push_back(std::move(word));
  }
  return true;
}

bool expand_words(const std::vector<rc::Value>& values, const Expander& expander,
                  std::vector<std::string>* words, std::string* error) {
  // No origins (nobody asks for them here); *words gets nothing on failure.
  std::vector<std::string> expanded;
  const std::size_t all_arguments = all_arguments_word(values);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const rc::Value& value = values[i];
    WordBuilder builder(/*with_origins=*/false);
    if (!expand_into_words(value, expander, &builder, error, i == all_arguments)) return false;
    for (auto& word : builder.take()) expanded.push_back(std::move(word.text));
  }
  for (auto& word : expanded) words->push_back(std::move(word));
  return true;
}

}  // namespace mailsift::engine
