#include "mailsift/rc/value.h"

#include <string>
#include <utility>

#include "mailsift/limits.h"
#include "mailsift/rc/lexer.h"

namespace mailsift::rc {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

namespace {

// The value tokenizer (behaviour §3.2): quotes, backslash escapes, substitutions and
// backquotes. It reads one word; the callers decide what separates words.
class ValueParser {
 public:
  // argument_mode: the word is one of several (an action line, a command): a blank
  // inside ${NAME:-word} separates words there, where in an assignment it ends the
  // whole value.
  ValueParser(std::string_view text, std::size_t pos, Position base,
              std::vector<Diagnostic>* diagnostics, bool argument_mode = false)
      : text_(text),
        pos_(pos),
        base_(base),
        diagnostics_(diagnostics),
        argument_mode_(argument_mode) {}

  // One word: it ends at the first unquoted blank or newline.
  Value word() { return parse(Context::kWord); }

  std::size_t pos() const { return pos_; }

 private:
  enum class Context {
    kWord,    // a whole word
    kBraces,  // the alternative word of ${NAME:-word} outside double quotes
  };

  Value parse(Context context) {
    Value out;
    const std::size_t start = pos_;
    bool in_double = false;
    std::size_t double_open = 0;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (!in_double && (is_blank(c) || c == '\n')) {
        if (context == Context::kBraces && c != '\n') {
          // procmail's tokenizer: blanks before anything of the value was read are
          // skipped (${DATE:- "date"} is "date"); after that, in an assignment a
          // blank ends the whole value (the rest of the line is read as statements),
          // and in argument mode it separates words.
          if (!produced_) {
            ++pos_;
            continue;
          }
          if (argument_mode_) {
            ValuePart blank;
            blank.text = std::string(1, c);
            blank.split = true;
            out.push_back(std::move(blank));
            ++pos_;
            continue;
          }
          if (!ended_by_blank_)
            error(pos_, "a blank inside ${...} ends the value: procmail sets it to what "
                        "was read before the blank and reads the rest of the line as more "
                        "statements; quote the alternative word");
          ended_by_blank_ = true;
        }
        break;
      }
      if (!in_double && context == Context::kBraces && c == '}') break;
      if (!in_double && context == Context::kWord && pos_ == start && c == '#') {
        // A comment ends the statement: skip to the end of the line.
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        break;
      }
      if (c == '\'' && !in_double) {
        single_quoted(&out);
      } else if (c == '"') {
        if (in_double) {
          // "" is an empty word in argument mode: mark it with a quoted part.
          if (out.empty() || !out.back().quoted) literal(&out, "", true);
        } else {
          double_open = pos_;
        }
        in_double = !in_double;
        ++pos_;
      } else if (c == '\\') {
        escape(&out, in_double, context == Context::kBraces, pos_ == start);
      } else if (c == '$') {
        dollar(&out, in_double);
      } else if (c == '`') {
        backquote(&out, in_double);
      } else {
        // A run of ordinary bytes goes in as one piece.
        const std::size_t run = pos_++;
        while (pos_ < text_.size() && is_ordinary(text_[pos_], in_double, context)) ++pos_;
        literal(&out, text_.substr(run, pos_ - run), in_double);
      }
    }
    if (in_double)
      error(double_open, "unterminated double quote: procmail reads everything after it into the quoted text",
            "Unexpected EOL");
    return out;
  }

  // The alternative word of ${NAME:-word} inside double quotes: quotes and blanks
  // are literal there (procmail: "${U:-"x y"}" gives "x y" with the quotes).
  Value brace_word_in_double() {
    Value out;
    while (pos_ < text_.size() && text_[pos_] != '}') {
      const char c = text_[pos_];
      if (c == '\\') {
        escape(&out, true, true, false);
      } else if (c == '$') {
        dollar(&out, true);
      } else if (c == '`') {
        backquote(&out, true);
      } else {
        literal(&out, std::string_view(&c, 1), true);
        ++pos_;
      }
    }
    return out;
  }

  void error(std::size_t at, std::string message, std::string procmail_says = {}) {
    ++errors_;
    if (diagnostics_ != nullptr)
      diagnostics_->push_back({advance_position(base_, text_, at), std::move(message),
                               Severity::kError, std::move(procmail_says)});
  }

  // After a bad substitution: continue after the "}" that closes it when it is on
  // the same line, so that one mistake gives one diagnostic.
  void skip_past_brace_on_line() {
    move_to_brace_on_line();
    if (pos_ < text_.size() && text_[pos_] == '}') ++pos_;
  }

  void move_to_brace_on_line() {
    std::size_t i = pos_;
    while (i < text_.size() && text_[i] != '\n' && text_[i] != '}') ++i;
    if (i < text_.size() && text_[i] == '}') pos_ = i;
  }

  // A byte the loop of parse() takes as itself when it is not the first of a word:
  // keep in step with the loop's cases.
  static bool is_ordinary(char c, bool in_double, Context context) {
    if (c == '"' || c == '\\' || c == '$' || c == '`') return false;
    if (in_double) return true;
    return c != '\'' && !is_blank(c) && c != '\n' && !(context == Context::kBraces && c == '}');
  }

  void literal(Value* out, std::string_view s, bool quoted) {
    produced_ = true;
    if (!out->empty() && out->back().kind == ValuePart::Kind::kLiteral &&
        out->back().quoted == quoted) {
      out->back().text += s;
      return;
    }
    ValuePart part;
    part.kind = ValuePart::Kind::kLiteral;
    part.text.assign(s);
    part.quoted = quoted;
    out->push_back(std::move(part));
  }

  void single_quoted(Value* out) {
    const std::size_t start = pos_;
    const std::size_t end = text_.find('\'', pos_ + 1);
    if (end == std::string_view::npos) {
      error(start, "unterminated single quote: procmail reads everything after it into the quoted text",
            "Unexpected EOL");
      literal(out, text_.substr(pos_ + 1), true);
      pos_ = text_.size();
      return;
    }
    literal(out, text_.substr(pos_ + 1, end - pos_ - 1), true);
    pos_ = end + 1;
  }

  // Backslash escapes exactly as behaviour §3.2 lists them.
  void escape(Value* out, bool in_double, bool inside_braces, bool at_word_start) {
    const std::size_t start = pos_;
    ++pos_;
    if (pos_ >= text_.size()) {
      error(start, "backslash at end of file", "Unexpected EOL");
      return;
    }
    const char c = text_[pos_++];
    if (c == '\n') return;  // line continuation, also inside double quotes
    if (c == '}' && inside_braces) {
      literal(out, "}", in_double);
      return;
    }
    if (in_double) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') {
        literal(out, std::string_view(&c, 1), true);
      } else {
        literal(out, "\\", true);
        literal(out, std::string_view(&c, 1), true);
      }
      return;
    }
    if (c == '#' && !at_word_start) {
      literal(out, "\\#", false);  // "a\#b" stays "a\#b"
      return;
    }
    literal(out, std::string_view(&c, 1), false);
  }

  void dollar(Value* out, bool in_double) {
    const std::size_t start = pos_;
    ++pos_;
    if (pos_ >= text_.size()) {
      literal(out, "$", in_double);
      return;
    }
    const char c = text_[pos_];
    if (c == '{') {
      braced(out, in_double, start);
      return;
    }
    if (c == '\\' && pos_ + 1 < text_.size() && is_name_start(text_[pos_ + 1])) {
      ++pos_;
      variable(out, read_name(), Substitution::kRegexQuoted, in_double);
      return;
    }
    if (is_name_start(c)) {
      variable(out, read_name(), Substitution::kPlain, in_double);
      return;
    }
    if (is_digit(c) || c == '$' || c == '?' || c == '#' || c == '-' || c == '=') {
      ++pos_;
      variable(out, std::string(1, c), Substitution::kPlain, in_double);
      return;
    }
    if (c == '@') {
      ++pos_;
      if (in_double) {
        variable(out, "@", Substitution::kPlain, true);
      } else {
        literal(out, "@", false);  // unquoted $@ is a literal '@' (procmail)
      }
      return;
    }
    literal(out, "$", in_double);
  }

  std::string read_name() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  // ${NAME}, ${NAME:-word} and friends, read as procmail's tokenizer reads them. A
  // bad substitution is logged by procmail, which drops "${", the name and the byte
  // after it, and reads on ("${ A}" gives "A}").
  void braced(Value* out, bool in_double, std::size_t start) {
    ++pos_;  // '{'
    const std::size_t name_start = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    const std::string name(text_.substr(name_start, pos_ - name_start));
    auto bad = [&](const std::string& why) {
      const std::string dropped(text_.substr(start, std::min(pos_ + 1, text_.size()) - start));
      error(start,
            "bad substitution of \"" + name + "\": " + why + "; procmail drops \"" +
                printable(dropped) + "\" and reads on",
            "Bad substitution of \"" + name + "\"");
      if (pos_ < text_.size()) ++pos_;  // the byte after the name goes too
    };
    if (name.size() > 1 && is_digit(name[0])) {
      bad("a positional argument is one digit");
      return;
    }
    if (pos_ >= text_.size()) {
      bad("missing }");
      return;
    }
    Substitution kind = Substitution::kPlain;
    const char c = text_[pos_];
    if (c == '}') {
      ++pos_;
      variable(out, name, kind, in_double);
      return;
    }
    if (c == ':') {
      ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '-') {
        kind = Substitution::kUnsetOrEmpty;
      } else if (pos_ < text_.size() && text_[pos_] == '+') {
        kind = Substitution::kSetAndNonEmpty;
      } else {
        bad("expected :- or :+");
        return;
      }
      ++pos_;
    } else if (c == '-') {
      kind = Substitution::kUnset;
      ++pos_;
    } else if (c == '+') {
      kind = Substitution::kSet;
      ++pos_;
    } else {
      bad(name.empty() ? "${ must be followed by a variable name"
                       : "expected }, :-, :+, - or +");
      return;
    }
    if (nesting_ >= limits::kMaxSubstitutionNesting) {
      // Each level recurses: a bound keeps a hostile file from exhausting the stack.
      error(start, "substitutions nested more than " +
                       std::to_string(limits::kMaxSubstitutionNesting) + " levels deep");
      skip_past_brace_on_line();
      return;
    }
    ++nesting_;
    Value word = in_double ? brace_word_in_double() : parse(Context::kBraces);
    --nesting_;
    const bool closed = pos_ < text_.size() && text_[pos_] == '}' && !ended_by_blank_;
    if (!closed) {
      // The value ended inside the braces (a blank, the end of the line or of the
      // text): procmail keeps what it read of the word, whichever way the
      // substitution would have gone.
      if (!ended_by_blank_)
        error(start, "bad substitution of \"" + name + "\": missing }; procmail takes the "
                     "word read so far as the value");
      for (ValuePart& part : word) out->push_back(std::move(part));
      produced_ = true;
      return;
    }
    ++pos_;
    produced_ = true;
    ValuePart part;
    part.kind = ValuePart::Kind::kVariable;
    part.text = name;
    part.quoted = in_double;
    part.substitution = kind;
    part.word = std::move(word);
    out->push_back(std::move(part));
  }

  static std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
      if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    return out;
  }

  void variable(Value* out, std::string name, Substitution kind, bool quoted) {
    produced_ = true;
    ValuePart part;
    part.kind = ValuePart::Kind::kVariable;
    part.text = std::move(name);
    part.quoted = quoted;
    part.substitution = kind;
    out->push_back(std::move(part));
  }

  void backquote(Value* out, bool in_double) {
    const std::size_t start = pos_;
    ++pos_;
    std::string command;
    bool closed = false;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '`') {
        ++pos_;
        closed = true;
        break;
      }
      if (in_double && c == '"') break;  // procmail tolerates a missing backquote here
      if (c == '\\' && pos_ + 1 < text_.size()) {
        const char n = text_[pos_ + 1];
        pos_ += 2;
        if (n == '\n') continue;
        if (n == '\\' || n == '`' || n == '$' || (in_double && n == '"')) {
          command += n;
        } else {
          command += '\\';
          command += n;
        }
        continue;
      }
      command += c;
      ++pos_;
    }
    if (!closed && !in_double) error(start, "unterminated backquote");
    produced_ = true;
    ValuePart part;
    part.kind = ValuePart::Kind::kBackquote;
    part.text = std::move(command);
    part.quoted = in_double;
    out->push_back(std::move(part));
  }

  std::string_view text_;
  std::size_t pos_;
  Position base_;
  std::vector<Diagnostic>* diagnostics_;
  bool argument_mode_;
  int errors_ = 0;
  int nesting_ = 0;  // ${NAME:-word} words being read, one inside the other
  bool produced_ = false;       // something of the value was read (procmail's "got")
  bool ended_by_blank_ = false; // a blank inside ${...} ended the value
};

}  // namespace

Value parse_value(std::string_view text, std::size_t* pos, Position base,
                  std::vector<Diagnostic>* diagnostics) {
  ValueParser parser(text, *pos, base, diagnostics);
  Value value = parser.word();
  *pos = parser.pos();
  return value;
}

std::vector<Value> parse_argument_words(std::string_view text, std::size_t* pos,
                                        bool stop_at_newline, Position base,
                                        std::vector<Diagnostic>* diagnostics) {
  std::vector<Value> words;
  std::size_t i = *pos;
  while (i < text.size()) {
    const char c = text[i];
    if (is_blank(c)) {
      ++i;
    } else if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      i += 2;  // a continuation separates words like a blank
    } else if (c == '\n') {
      if (stop_at_newline) break;
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else {
      ValueParser parser(text, i, base, diagnostics, /*argument_mode=*/true);
      Value word = parser.word();
      i = parser.pos();
      // A word whose only content was a reported mistake leaves nothing behind.
      if (!word.empty()) words.push_back(std::move(word));
    }
  }
  *pos = i;
  return words;
}

}  // namespace mailsift::rc
