#include "mailsift/engine/expand.h"

namespace mailsift::engine {

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

bool expand_value(const rc::Value& value, const VariableLookup& lookup, std::string* out,
                  std::string* error) {
  using Kind = rc::ValuePart::Kind;
  using Sub = rc::Substitution;
  for (const auto& part : value) {
    switch (part.kind) {
      case Kind::kLiteral:
        *out += part.text;
        break;
      case Kind::kBackquote:
        *error = "backquote command substitution (`" + part.text +
                 "`) is not supported by this version of mailsift yet";
        return false;
      case Kind::kVariable: {
        const std::optional<std::string> v = lookup(part.text);
        const bool set = v.has_value();
        const bool non_empty = set && !v->empty();
        switch (part.substitution) {
          case Sub::kPlain:
            if (set) *out += *v;
            break;
          case Sub::kRegexQuoted:
            *out += regex_quote(set ? *v : std::string());
            break;
          case Sub::kUnsetOrEmpty:
            if (non_empty) {
              *out += *v;
            } else if (!expand_value(part.word, lookup, out, error)) {
              return false;
            }
            break;
          case Sub::kUnset:
            if (set) {
              *out += *v;
            } else if (!expand_value(part.word, lookup, out, error)) {
              return false;
            }
            break;
          case Sub::kSetAndNonEmpty:
            if (non_empty && !expand_value(part.word, lookup, out, error)) return false;
            break;
          case Sub::kSet:
            if (set && !expand_value(part.word, lookup, out, error)) return false;
            break;
        }
        break;
      }
    }
  }
  return true;
}

}  // namespace mailsift::engine
