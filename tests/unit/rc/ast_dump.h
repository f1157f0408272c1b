// A compact text form of the rc tree, so that parser tests can state in one string
// what they want. Header-only: the rc tests are globbed per *_test.cc file.
#pragma once

#include <cstdio>
#include <string>
#include <variant>

#include "mailsift/rc/ast.h"

namespace mailsift::rc::testing {

inline std::string at(Position p) {
  return "@" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

// Literals as text (quoted ones in '...'), variables as ${NAME}, ${NAME:-word} ...,
// backquotes as `cmd`.
inline std::string render(const Value& value) {
  std::string out;
  for (const auto& p : value) {
    switch (p.kind) {
      case ValuePart::Kind::kLiteral:
        out += p.quoted ? "'" + p.text + "'" : p.text;
        break;
      case ValuePart::Kind::kBackquote:
        out += (p.quoted ? "\"`" : "`") + p.text + (p.quoted ? "`\"" : "`");
        break;
      case ValuePart::Kind::kVariable: {
        const char* op = "";
        switch (p.substitution) {
          case Substitution::kPlain: op = ""; break;
          case Substitution::kUnsetOrEmpty: op = ":-"; break;
          case Substitution::kUnset: op = "-"; break;
          case Substitution::kSetAndNonEmpty: op = ":+"; break;
          case Substitution::kSet: op = "+"; break;
          case Substitution::kRegexQuoted: op = "\\"; break;
        }
        out += std::string(p.quoted ? "\"" : "") + "${" + p.text + op + render(p.word) + "}" +
               (p.quoted ? "\"" : "");
        break;
      }
    }
  }
  return out;
}

inline std::string render_words(const std::vector<Value>& words) {
  std::string out;
  for (const auto& w : words) out += " [" + render(w) + "]";
  return out;
}

inline std::string number(double d) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", d);
  return buffer;
}

inline std::string dump_condition(const Condition& c) {
  std::string out = "*";
  for (const auto& p : c.prefixes) {
    switch (p.kind) {
      case ConditionPrefix::Kind::kNot: out += " not"; break;
      case ConditionPrefix::Kind::kWeight:
        out += " weight(" + number(p.weight) + "," + number(p.exponent) + ")";
        break;
      case ConditionPrefix::Kind::kVariable: out += " var(" + p.variable + ")"; break;
      case ConditionPrefix::Kind::kView: out += " view(" + p.variable + ")"; break;
    }
  }
  switch (c.kind) {
    case ConditionKind::kRegex: out += " regex"; break;
    case ConditionKind::kProgram: out += " program"; break;
    case ConditionKind::kLess: out += " less"; break;
    case ConditionKind::kGreater: out += " greater"; break;
    case ConditionKind::kExpand: out += " expand"; break;
  }
  return out + " \"" + c.operand + "\"" + at(c.operand_position);
}

inline std::string dump_flags(const RecipeFlags& f) {
  std::string out;
  const std::pair<char, bool> letters[] = {
      {'H', f.header},           {'B', f.body},
      {'D', f.case_sensitive},   {'A', f.also_if_matched},
      {'a', f.also_if_succeeded}, {'E', f.else_if},
      {'e', f.on_error},         {'h', f.deliver_head},
      {'b', f.deliver_body},     {'f', f.filter},
      {'c', f.copy},             {'w', f.wait},
      {'W', f.wait_quietly},     {'i', f.ignore_write_errors},
      {'r', f.raw}};
  for (const auto& [letter, set] : letters)
    if (set) out += letter;
  return out;
}

inline std::string dump(const Statements& statements);

inline std::string dump_action(const Action& a) {
  std::string out = at(a.position) + " ";
  switch (a.kind) {
    case Action::Kind::kFolders: return out + "folders" + render_words(a.words);
    case Action::Kind::kForward: return out + "forward" + render_words(a.words);
    case Action::Kind::kPipe: return out + "pipe raw=\"" + a.raw + "\"" + render_words(a.words);
    case Action::Kind::kCapture:
      if (a.capture_forward) return out + "capture " + a.capture_variable + " forward" + render_words(a.words);
      return out + "capture " + a.capture_variable + " raw=\"" + a.raw + "\"" +
             render_words(a.words);
    case Action::Kind::kBlock:
      return out + "{ " + dump(a.block) + "}" + at(a.block_end);
    case Action::Kind::kNone:
      return out + (a.dropped_before_action ? "dropped" : "none");
  }
  return out;
}

// Statements separated by "; ", e.g.
//   A=x@1:1; :0c lock=[]@2:1 (* regex "x"@3:3) @4:1 folders [f]
inline std::string dump(const Statements& statements) {
  std::string out;
  for (const Statement& s : statements) {
    if (const auto* a = std::get_if<Assignment>(&s.node)) {
      out += a->name + (a->value ? "=" + render(*a->value) : std::string()) + at(a->position);
    } else if (const auto* n = std::get_if<Notice>(&s.node)) {
      out += "notice(" + n->diagnostic.procmail_says + ")" + at(n->diagnostic.position);
    } else {
      const Recipe& r = std::get<Recipe>(s.node);
      out += ":" + dump_flags(r.flags);
      if (r.lockfile) out += " lock=[" + render(*r.lockfile) + "]";
      out += at(r.position) + " (";
      for (std::size_t i = 0; i < r.conditions.size(); ++i)
        out += (i > 0 ? ", " : "") + dump_condition(r.conditions[i]);
      out += ") " + dump_action(r.action);
    }
    out += "; ";
  }
  return out;
}

inline std::string dump_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const auto& d : diagnostics)
    out += (d.severity == Severity::kWarning ? "warning" : "error") + at(d.position) + " " +
           d.message + "\n";
  return out;
}

}  // namespace mailsift::rc::testing
