#include "mailsift/rc/value.h"

#include <utility>

namespace mailsift::rc {

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Position of text[offset], given the position of text[0].
Position position_at(std::string_view text, std::size_t offset, Position base) {
  Position p = base;
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

class ValueParser {
 public:
  ValueParser(std::string_view text, std::size_t pos, Position base,
              std::vector<Diagnostic>* diagnostics)
      : text_(text), pos_(pos), base_(base), diagnostics_(diagnostics) {}

  // Parses until an unquoted blank/newline (top level) or an unquoted '}' (inside
  // ${...}).
  Value parse(bool inside_braces) {
    Value out;
    bool in_double = false;
    bool word_start = true;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (!in_double && (is_blank(c) || c == '\n')) {
        if (inside_braces)
          error(pos_, "a blank inside ${...} ends the value; quote the alternative word");
        break;
      }
      if (!in_double && inside_braces && c == '}') break;
      if (!in_double && word_start && c == '#' && !inside_braces) {
        // A comment ends the statement: skip to the end of the line.
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
        break;
      }
      word_start = false;
      if (c == '\'' && !in_double) {
        single_quoted(&out);
      } else if (c == '"') {
        in_double = !in_double;
        ++pos_;
      } else if (c == '\\') {
        escape(&out, in_double, inside_braces);
      } else if (c == '$') {
        dollar(&out, in_double);
      } else if (c == '`') {
        backquote(&out, in_double);
      } else {
        literal(&out, std::string(1, c), in_double);
        ++pos_;
      }
    }
    if (in_double) error(pos_, "unexpected end of line inside double quotes");
    return out;
  }

  std::size_t pos() const { return pos_; }

 private:
  void error(std::size_t at, std::string message) {
    if (diagnostics_ != nullptr)
      diagnostics_->push_back({position_at(text_, at, base_), std::move(message)});
  }

  static void literal(Value* out, const std::string& s, bool quoted) {
    if (!out->empty() && out->back().kind == ValuePart::Kind::kLiteral &&
        out->back().quoted == quoted) {
      out->back().text += s;
      return;
    }
    ValuePart part;
    part.kind = ValuePart::Kind::kLiteral;
    part.text = s;
    part.quoted = quoted;
    out->push_back(std::move(part));
  }

  void single_quoted(Value* out) {
    const std::size_t start = pos_;
    const std::size_t end = text_.find('\'', pos_ + 1);
    if (end == std::string_view::npos) {
      error(start, "unexpected end of file inside single quotes");
      pos_ = text_.size();
      return;
    }
    literal(out, std::string(text_.substr(pos_ + 1, end - pos_ - 1)), true);
    pos_ = end + 1;
  }

  void escape(Value* out, bool in_double, bool inside_braces) {
    const std::size_t start = pos_;
    ++pos_;
    if (pos_ >= text_.size()) {
      error(start, "backslash at end of file");
      return;
    }
    const char c = text_[pos_++];
    if (c == '\n') return;  // line continuation
    if (in_double) {
      if (c == '"' || c == '\\' || c == '$' || c == '`') {
        literal(out, std::string(1, c), true);
      } else {
        literal(out, std::string("\\") + c, true);
      }
      return;
    }
    if (c == '}' && inside_braces) {
      literal(out, "}", false);
      return;
    }
    literal(out, std::string(1, c), false);
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

  void braced(Value* out, bool in_double, std::size_t start) {
    ++pos_;  // '{'
    std::string name;
    if (pos_ < text_.size() && is_digit(text_[pos_])) {
      name = std::string(1, text_[pos_++]);
    } else if (pos_ < text_.size() && is_name_start(text_[pos_])) {
      name = read_name();
    } else {
      error(start, "bad substitution: ${ must be followed by a variable name");
      return;
    }
    if (pos_ >= text_.size()) {
      error(start, "bad substitution of \"" + name + "\": missing }");
      return;
    }
    Substitution kind = Substitution::kPlain;
    if (text_[pos_] == '}') {
      ++pos_;
      variable(out, name, kind, in_double);
      return;
    }
    if (text_.substr(pos_, 2) == ":-") {
      kind = Substitution::kUnsetOrEmpty;
      pos_ += 2;
    } else if (text_.substr(pos_, 2) == ":+") {
      kind = Substitution::kSetAndNonEmpty;
      pos_ += 2;
    } else if (text_[pos_] == '-') {
      kind = Substitution::kUnset;
      ++pos_;
    } else if (text_[pos_] == '+') {
      kind = Substitution::kSet;
      ++pos_;
    } else {
      error(pos_, "bad substitution of \"" + name + "\": expected }, :-, :+, - or +");
      return;
    }
    Value word = parse(true);
    if (pos_ >= text_.size() || text_[pos_] != '}') {
      error(start, "bad substitution of \"" + name + "\": missing }");
      return;
    }
    ++pos_;
    ValuePart part;
    part.kind = ValuePart::Kind::kVariable;
    part.text = name;
    part.quoted = in_double;
    part.substitution = kind;
    part.word = std::move(word);
    out->push_back(std::move(part));
  }

  static void variable(Value* out, std::string name, Substitution kind, bool quoted) {
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
    if (!closed && !in_double) error(start, "missing closing backquote");
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
};

}  // namespace

Value parse_value(std::string_view text, std::size_t* pos, Position base,
                  std::vector<Diagnostic>* diagnostics) {
  ValueParser parser(text, *pos, base, diagnostics);
  Value value = parser.parse(false);
  *pos = parser.pos();
  return value;
}

}  // namespace mailsift::rc
