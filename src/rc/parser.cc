// The statements of an rcfile: assignments, recipes and blocks (behaviour §3.1-3.7).
//
// mailsift reads the whole file before running it, and where procmail logs a
// problem and carries on (or silently does something odd), mailsift reports a
// Diagnostic at the exact position and keeps parsing, so that one run shows every
// mistake of the file. Errors stop the file from running; warnings do not.
#include <algorithm>
#include <utility>

#include "mailsift/limits.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/start_line.h"

namespace mailsift::rc {
namespace {

// A byte as a message quotes it (CR is the usual invisible culprit).
std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out;
}

// procmail reads CR as an ordinary byte, so a file with DOS line ends goes wrong in
// odd places; say so where it shows.
std::string crlf_hint(char c) {
  return c == '\r' ? " (the file seems to have DOS line ends, CR LF)" : "";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : source_(text) {}

  Rcfile parse() {
    Rcfile file;
    std::size_t close = 0;
    statements(0, &file.statements, &close);
    // Blocks report their missing "}" after their contents: put everything in
    // source order (stable, so that two problems at one place keep their order).
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return a.position.line != b.position.line
                                  ? a.position.line < b.position.line
                                  : a.position.column < b.position.column;
                     });
    file.diagnostics = std::move(diagnostics_);
    return file;
  }

 private:
  void report(std::size_t at, std::string message, Severity severity = Severity::kError) {
    diagnostics_.push_back({source_.position_of(at), std::move(message), severity});
  }
  void report(Position at, std::string message, Severity severity) {
    diagnostics_.push_back({at, std::move(message), severity});
  }

  // A quote or backquote left open runs to the end of the file (procmail reads it
  // so). To still find the other mistakes of the file, parsing goes on from the end
  // of the line where the first new error points (never before `floor`), as if the
  // line had ended there.
  void resync_if_runaway(std::size_t errors_before, std::size_t floor) {
    if (!source_.at_end(pos_) || diagnostics_.size() == errors_before) return;
    const std::size_t at = source_.offset_of(diagnostics_[errors_before].position);
    pos_ = source_.line_end(std::max(at, floor));
  }

  // Reads statements up to the end of the text or, inside a block (depth > 0), up
  // to the "}" that closes it: returns true then, with *close at its offset.
  bool statements(int depth, Statements* out, std::size_t* close) {
    while (true) {
      while (!source_.at_end(pos_) && (is_blank(source_.at(pos_)) || source_.at(pos_) == '\n'))
        ++pos_;
      if (source_.at_end(pos_)) return false;
      const char c = source_.at(pos_);
      if (c == '#') {
        pos_ = source_.line_end(pos_);
      } else if (c == ':') {
        recipe(depth, out);
      } else if (c == '}') {
        if (depth > 0) {
          *close = pos_++;
          return true;
        }
        report(pos_, "unexpected \"}\": no block is open");
        ++pos_;  // procmail goes on with the rest of the line
      } else if (is_name_start(c)) {
        assignment(out);
      } else {
        junk();
      }
    }
  }

  // procmail logs such text as "Skipped" and goes on.
  void junk() {
    const std::size_t start = pos_;
    std::size_t end = start;
    while (!source_.at_end(end) && !is_blank(source_.at(end)) && source_.at(end) != '\n') ++end;
    report(start, "unexpected \"" + shown(source_.text().substr(start, end - start)) +
                      "\": a statement is an assignment (NAME=value), a recipe (\":0\"), "
                      "\"}\" or a comment" +
                      crlf_hint(source_.at(start)));
    pos_ = source_.next_line(start);
  }

  std::string read_name() {
    const std::size_t start = pos_;
    while (!source_.at_end(pos_) && is_name_char(source_.at(pos_))) ++pos_;
    return std::string(source_.text().substr(start, pos_ - start));
  }

  // NAME=value, or NAME alone (unset). The value ends at the first unquoted blank;
  // the rest of the line is read as further statements, as procmail does.
  void assignment(Statements* out) {
    const std::size_t start = pos_;
    Assignment a;
    a.position = source_.position_of(start);
    a.name = read_name();
    const std::size_t after_name = pos_;
    const std::size_t p = source_.skip_blanks(pos_);
    if (source_.at(p) == '=' && !source_.at_end(p)) {
      pos_ = source_.skip_blanks(p + 1);
      if (source_.at(pos_) == '|' && is_blank(source_.at(pos_ + 1))) {
        const std::size_t rest = source_.skip_blanks(pos_ + 1);
        if (!source_.at_end(rest) && source_.at(rest) != '\n' && source_.at(rest) != '#') {
          // procmail assigns "|" and reads the command as further statements; the
          // writer meant a capture, which is only an action of a recipe.
          report(pos_, "\"" + a.name +
                           "=| command\" captures output only as the action of a recipe: "
                           "put \":0\" on the line before");
          pos_ = source_.line_end(pos_);
          return;
        }
      }
      const std::size_t errors_before = diagnostics_.size();
      a.value = parse_value(source_.text(), &pos_, Position{}, &diagnostics_);
      resync_if_runaway(errors_before, start);
    } else if (p == after_name && !source_.at_end(p) && source_.at(p) != '\n') {
      // procmail skips the name and reads on from the odd byte ("junk-x" gives
      // Skipped "junk", Skipped "-x"); one diagnostic for the line is clearer.
      report(p, "unexpected \"" + shown(source_.text().substr(p, 1)) +
                    "\" after the variable name \"" + a.name +
                    "\": expected \"=\", a blank or the end of the line" +
                    crlf_hint(source_.at(p)));
      pos_ = source_.next_line(p);
      return;
    } else {
      pos_ = p;  // an unset; what follows on the line is the next statement
    }
    out->push_back(Statement{std::move(a)});
  }

  void recipe(int depth, Statements* out) {
    const std::size_t colon = pos_;
    Recipe r;
    r.position = source_.position_of(colon);
    const std::size_t errors_before = diagnostics_.size();
    StartLine start = parse_start_line(source_, &pos_, &diagnostics_);
    resync_if_runaway(errors_before, colon);
    r.start_line = std::move(start.text);
    r.flags = start.flags;
    r.lockfile = std::move(start.lockfile);

    // Conditions (behaviour §3.3): a line starting with "*" is one; so is any line
    // while old-style conditions (":N") are due, even an empty or "#" line (verified
    // with procmail). Otherwise empty and comment lines are skipped; the first other
    // line is the action.
    int due = start.old_conditions;
    std::size_t line = source_.next_line(pos_);
    std::size_t p = line;
    while (true) {
      if (source_.at_end(line)) {
        report(colon, "incomplete recipe: the file ends before the recipe's action line");
        pos_ = source_.size();
        return;
      }
      p = source_.skip_blanks(line);
      const char c = source_.at(p);
      if (c == '*' || due > 0) {
        if (due > 0) --due;
        std::size_t end = 0;
        const MappedText text = read_condition_line(source_, c == '*' ? p + 1 : p, &end);
        r.conditions.push_back(parse_condition(text, &diagnostics_));
        line = source_.next_line(end);
      } else if (c == '\n' || c == '#') {
        line = source_.next_line(p);
      } else {
        break;
      }
    }
    pos_ = p;
    if (!action(depth, colon, &r.action)) return;
    check_flags(start, r);
    out->push_back(Statement{std::move(r)});
  }

  // Reads the action line at pos_. Returns false (the recipe is dropped) when there
  // is none.
  bool action(int depth, std::size_t colon, Action* a) {
    const std::size_t p = pos_;
    a->position = source_.position_of(p);
    const char c = source_.at(p);
    if (c == ':' || c == '}') {
      // procmail takes such a line as a folder named ":0" or "}" (and then misses
      // the closing brace); it is always a recipe whose action was forgotten.
      report(colon, std::string("missing action: the recipe ends where ") +
                        (c == ':' ? "the next recipe starts" : "the block closes") +
                        " (line " + std::to_string(source_.position_of(p).line) + ")");
      return false;
    }
    if (c == '!') {
      a->kind = Action::Kind::kForward;
      const std::size_t errors_before = diagnostics_.size();
      a->words = words_to_line_end(p + 1, colon);
      if (a->words.empty() && diagnostics_.size() == errors_before)
        report(p, "\"!\" needs at least one address to forward to");
      return true;
    }
    if (c == '|') {
      a->kind = Action::Kind::kPipe;
      command(p + 1, a);
      return true;
    }
    if (c == '{' && (source_.at_end(p + 1) || is_blank(source_.at(p + 1)) ||
                     source_.at(p + 1) == '\n')) {
      a->kind = Action::Kind::kBlock;
      block(depth, p, a);
      return true;
    }
    if (is_name_start(c) && capture(p, colon, a)) return true;
    // Anything else, "{x" and "NAME=value" included, is a list of folders.
    a->kind = Action::Kind::kFolders;
    const std::size_t errors_before = diagnostics_.size();
    a->words = words_to_line_end(p, colon);
    if (a->words.empty() && diagnostics_.size() == errors_before) {
      report(colon, "missing action: the recipe's action line is empty");
      return false;
    }
    return true;
  }

  std::vector<Value> words_to_line_end(std::size_t from, std::size_t colon) {
    pos_ = from;
    const std::size_t errors_before = diagnostics_.size();
    std::vector<Value> words =
        parse_argument_words(source_.text(), &pos_, true, Position{}, &diagnostics_);
    resync_if_runaway(errors_before, colon);
    return words;
  }

  // "| command" and "NAME=| command": the raw text after "|" to the end of the
  // logical line (backslash-newlines kept, quotes not looked at, as procmail reads
  // it), and its words for running it without a shell.
  void command(std::size_t from, Action* a) {
    const std::size_t end = source_.logical_line_end(from);
    a->raw = std::string(source_.text().substr(from, end - from));
    const MappedText mapped = map_source(source_, from, end);
    a->words = parse_command_words(mapped, &diagnostics_);
    pos_ = end;
  }

  // NAME=| command, NAME=! args (blanks allowed around "="). Anything else starting
  // with a name is a folder ("FOO=bar" delivers to a file of that name).
  bool capture(std::size_t p, std::size_t colon, Action* a) {
    pos_ = p;
    const std::string name = read_name();
    const std::size_t eq = source_.skip_blanks(pos_);
    if (source_.at_end(eq) || source_.at(eq) != '=') return false;
    const std::size_t q = source_.skip_blanks(eq + 1);
    if (source_.at_end(q) || (source_.at(q) != '|' && source_.at(q) != '!')) return false;
    a->kind = Action::Kind::kCapture;
    a->capture_variable = name;
    if (source_.at(q) == '|') {
      command(q + 1, a);
    } else {
      a->capture_forward = true;
      a->words = words_to_line_end(q + 1, colon);
    }
    return true;
  }

  void block(int depth, std::size_t brace, Action* a) {
    if (depth + 1 > limits::kMaxBlockNesting) {
      report(brace, "blocks nest more than " + std::to_string(limits::kMaxBlockNesting) +
                        " levels deep; the rest of the file is not read");
      pos_ = source_.size();
      nesting_exceeded_ = true;
      return;
    }
    pos_ = brace + 1;  // the rest of the line holds statements of the block
    std::size_t close = 0;
    if (statements(depth + 1, &a->block, &close)) {
      a->block_end = source_.position_of(close);
    } else if (!nesting_exceeded_) {
      // (After the nesting error the braces that close these blocks were not read:
      // one error for the file, not one per open block.)
      report(brace, "missing closing brace: the block opened here is still open at the end "
                    "of the file");
    }
  }

  // Flags that procmail accepts and then ignores, or drops because of another flag:
  // the file runs as with procmail, but the writer is told.
  void check_flags(const StartLine& start, const Recipe& r) {
    const RecipeFlags& f = r.flags;
    const Action::Kind kind = r.action.kind;
    auto warn = [&](char letter, const std::string& message) {
      if (const auto at = start.flag_position(letter)) report(*at, message, Severity::kWarning);
    };
    if (kind == Action::Kind::kBlock) {
      struct Extraneous {
        char letter;
        bool set;
      } const extraneous[] = {{'h', f.deliver_head},
                              {'b', f.deliver_body},
                              {'i', f.ignore_write_errors},
                              {'r', f.raw}};
      for (const auto& e : extraneous)
        if (e.set)
          warn(e.letter, std::string("the ") + e.letter +
                             " flag has no effect on a block; procmail ignores it");
      if (r.lockfile)
        report(start.lockfile_colon,
               "a lockfile on a block does not cover the block (procmail creates and removes "
               "it at once); put it on the recipes inside",
               Severity::kWarning);
    }
    if (f.on_error && f.else_if) warn('E', "E together with e: procmail ignores E");
    if (f.on_error && f.also_if_succeeded) warn('a', "a together with e: procmail ignores a");
    if (f.filter && kind != Action::Kind::kPipe)
      warn('f', "the f flag makes a pipe (\"| command\") a filter; procmail ignores it here");
    if (f.copy && ((f.filter && kind == Action::Kind::kPipe) || kind == Action::Kind::kCapture))
      warn('c', "the c flag has no effect on a filter or a variable capture; procmail ignores it");
  }

  SourceText source_;
  std::size_t pos_ = 0;
  std::vector<Diagnostic> diagnostics_;
  bool nesting_exceeded_ = false;
};

}  // namespace

Rcfile parse_rcfile(std::string_view text) { return Parser(text).parse(); }

std::optional<Assignment> parse_assignment_argument(std::string_view argument,
                                                    std::vector<Diagnostic>* diagnostics) {
  std::size_t pos = 0;
  while (pos < argument.size() && is_name_char(argument[pos])) ++pos;
  if (pos == 0 || !is_name_start(argument[0]) || pos >= argument.size() ||
      argument[pos] != '=')
    return std::nullopt;
  Assignment statement;
  statement.name = std::string(argument.substr(0, pos));
  ++pos;
  // On the command line the whole argument is the value: blanks in it were quoted
  // by the shell that built the argument list, so they are taken literally.
  Value value;
  while (pos < argument.size()) {
    std::size_t end = pos;
    Value piece = parse_value(argument, &end, Position{}, diagnostics);
    for (auto& part : piece) value.push_back(std::move(part));
    if (end >= argument.size()) break;
    ValuePart blank;
    blank.text = std::string(1, argument[end]);
    value.push_back(std::move(blank));
    pos = end + 1;
  }
  statement.value = std::move(value);
  return statement;
}

}  // namespace mailsift::rc
