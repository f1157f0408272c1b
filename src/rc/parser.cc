// The statements of an rcfile: assignments, recipes and blocks (behaviour §3.1-3.7).
//
// The reading follows procmail's own (procmail.c mainloop, misc.c conditions): at
// every mistake procmail recovers from, the tree holds what procmail does next, a
// Diagnostic says what was wrong, and a notice sits where procmail logs it (or would
// log it, for mistakes it passes over in silence), so that a delivery runs the file
// as procmail ran it. Only the bounds of limits.h end a file early.
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

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The first blank-separated word of text.
std::string_view first_word(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && !is_blank(text[end])) ++end;
  return text.substr(0, end);
}

}  // namespace

class RcfileReader::Impl {
 public:
  Impl(std::string_view text, ParseFor purpose)
      : source_(text), checking_(purpose == ParseFor::kChecking) {}

  bool next(Statements* out) {
    std::size_t close = 0;
    return statement(0, out, &close) != Step::kEnd;
  }

  Rcfile parse_all() {
    Rcfile file;
    while (next(&file.statements)) {
    }
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

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  enum class Step {
    kRead,   // a statement (or a notice) was appended
    kClose,  // the "}" that closes the block being read
    kEnd,    // the end of the text
  };

  void report(std::size_t at, std::string message, Severity severity = Severity::kError,
              std::string procmail_says = {}) {
    diagnostics_.push_back(
        {source_.position_of(at), std::move(message), severity, std::move(procmail_says)});
  }

  // A mistake procmail passes over while reading: reported, and a notice at this
  // place in the statements. reported=false: the notice only (one diagnostic was
  // enough for the mistake).
  void notice(Statements* out, Position at, std::string message, std::string procmail_says,
              Severity severity = Severity::kError, bool reported = true,
              bool only_when_run = false) {
    Diagnostic d{at, std::move(message), severity, std::move(procmail_says)};
    if (reported) diagnostics_.push_back(d);
    out->push_back(Statement{Notice{std::move(d), only_when_run}});
  }
  void notice(Statements* out, std::size_t at, std::string message, std::string procmail_says,
              Severity severity = Severity::kError, bool reported = true) {
    notice(out, source_.position_of(at), std::move(message), std::move(procmail_says), severity,
           reported);
  }

  // The diagnostics reported since `before` that a delivery logs.
  Notices notices_since(std::size_t before) const {
    Notices out;
    for (std::size_t i = before; i < diagnostics_.size(); ++i)
      if (is_notice(diagnostics_[i])) out.push_back(diagnostics_[i]);
    return out;
  }
  // The same, as notices in the statements (read before the statement that follows).
  void notices_since(std::size_t before, Statements* out) const {
    for (Diagnostic& d : notices_since(before)) out->push_back(Statement{Notice{std::move(d)}});
  }

  // A quote or backquote left open runs to the end of the file (procmail reads it
  // so). To still find the other mistakes of the file, a check goes on from the end
  // of the line where the first new error points (never before `floor`), as if the
  // line had ended there. A run reads on as procmail does.
  void resync_if_runaway(std::size_t errors_before, std::size_t floor) {
    if (!checking_) return;
    if (!source_.at_end(pos_) || diagnostics_.size() == errors_before) return;
    const std::size_t at = source_.offset_of(diagnostics_[errors_before].position);
    pos_ = source_.line_end(std::max(at, floor));
  }

  // Reads one statement; inside a block (depth > 0) the "}" that closes it ends the
  // block (Step::kClose, with *close at its offset).
  Step statement(int depth, Statements* out, std::size_t* close) {
    while (true) {
      while (!source_.at_end(pos_) && (is_blank(source_.at(pos_)) || source_.at(pos_) == '\n'))
        ++pos_;
      if (source_.at_end(pos_)) return Step::kEnd;
      const char c = source_.at(pos_);
      if (c == '#') {
        pos_ = source_.line_end(pos_);
        continue;
      }
      if (c == ':') {
        recipe(depth, out);
      } else if (c == '}') {
        if (depth > 0) {
          *close = pos_++;
          return Step::kClose;
        }
        notice(out, pos_, "unexpected \"}\": no block is open; procmail ignores it",
               "Closing brace unexpected");
        ++pos_;  // procmail goes on with the rest of the line
      } else if (is_name_start(c)) {
        assignment(out);
      } else {
        junk(out);
      }
      return Step::kRead;
    }
  }

  // Anything else where a statement starts: procmail logs the rest of the line as
  // Skipped and goes on with the next line.
  void junk(Statements* out) {
    const std::size_t start = pos_;
    const std::size_t end = source_.line_end(start);
    const std::string_view text = source_.text().substr(start, end - start);
    std::string message = "unexpected " + quoted(shown(first_word(text))) +
                          ": a statement is an assignment (NAME=value), a recipe (\":0\"), "
                          "\"}\" or a comment; procmail skips the rest of the line" +
                          crlf_hint(text[0]);
    if (text[0] == '|' || text[0] == '!')
      message += " (an action needs a recipe: put \":0\" on the line before)";
    notice(out, start, std::move(message), "Skipped " + quoted(text), Severity::kError,
           /*reported=*/start != quiet_junk_at_ && start >= quiet_until_);
    pos_ = end;
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
    if (source_.at_end(pos_)) {
      // procmail reads a name only up to a blank, "=" or a newline.
      notice(out, start,
             "the file ends right after the name " + quoted(a.name) +
                 " without a newline: procmail skips it instead of unsetting the variable",
             "Skipped " + quoted(a.name), Severity::kWarning);
      return;
    }
    const char after = source_.at(pos_);
    if (!is_blank(after) && after != '\n' && after != '=') {
      // procmail skips the name and reads on from the odd byte ("junk-x" gives
      // Skipped "junk", Skipped "-x"); one diagnostic for both.
      const std::size_t end = source_.line_end(pos_);
      notice(out, pos_,
             "unexpected " + quoted(shown(std::string_view(&after, 1))) +
                 " after the variable name " + quoted(a.name) +
                 ": expected \"=\", a blank or the end of the line; procmail skips " +
                 quoted(a.name) + " and reads on from " +
                 quoted(shown(source_.text().substr(pos_, end - pos_))) + crlf_hint(after),
             "Skipped " + quoted(a.name), Severity::kError, /*reported=*/start >= quiet_until_);
      quiet_junk_at_ = pos_;
      return;
    }
    const std::size_t p = source_.skip_blanks(pos_);
    if (source_.at(p) == '=' && !source_.at_end(p)) {
      pos_ = source_.skip_blanks(p + 1);
      const std::size_t errors_before = diagnostics_.size();
      if (source_.at(pos_) == '|' && is_blank(source_.at(pos_ + 1))) {
        const std::size_t rest = source_.skip_blanks(pos_ + 1);
        if (!source_.at_end(rest) && source_.at(rest) != '\n' && source_.at(rest) != '#') {
          // procmail assigns "|" and reads the command as further statements; the
          // writer meant a capture, which is only an action of a recipe.
          report(pos_, "\"" + a.name +
                           "=| command\" captures output only as the action of a recipe: "
                           "procmail sets " + a.name +
                           " to \"|\" and reads the command as more statements; put \":0\" on "
                           "the line before");
        }
      }
      a.value = parse_value(source_.text(), &pos_, Position{}, &diagnostics_);
      resync_if_runaway(errors_before, start);
      // The rest of the line, read as statements because of a mistake reported here,
      // is not reported again word by word.
      if (diagnostics_.size() > errors_before) quiet_until_ = source_.line_end(pos_);
      notices_since(errors_before, out);
    } else {
      pos_ = p;  // an unset; what follows on the line is the next statement
    }
    out->push_back(Statement{std::move(a)});
  }

  // The Skipped text of a start line: what procmail does with it, for --check.
  void report_skipped_start(const StartLine& start, Statements* out) {
    if (start.skipped.empty()) return;
    const std::string& text = start.skipped;
    std::string message;
    Severity severity = Severity::kError;
    if (text[0] == '*') {
      message = "a condition on the start line: procmail ignores " + quoted(shown(text)) +
                " (put it on a line of its own)";
    } else if (start.old_conditions < 0 && (text[0] == 'O' || text[0] == 'o') &&
               start.flag_positions.empty()) {
      message = "\":" + std::string(1, text[0]) + "\" is not \":0\": procmail reads \":\" " +
                "without a number, so the next line is a condition even without \"*\", "
                "and skips " + quoted(shown(text));
    } else if (text[0] == '#') {
      message = "\"#\" glued to the flags: procmail skips " + quoted(shown(text)) +
                " (a comment starts after a blank)";
    } else if (start.lockfile) {
      message = "unexpected " + quoted(shown(text)) +
                " after the lockfile name (a recipe has one lockfile); procmail skips it";
    } else if (start.flag_positions.empty() && start.old_conditions < 0) {
      message = "unexpected " + quoted(shown(text)) +
                " on the start line: expected flags (HBDAahbfcwWiEer), \":\" and a lockfile, "
                "or the end of the line; procmail skips it" +
                crlf_hint(text[0]);
    } else {
      // Unknown letters after the flags: procmail drops them and the rest of the
      // line; the recipe runs as written otherwise.
      message = "unknown flag " + quoted(shown(text.substr(0, 1))) +
                ": ignored, with the rest of the start line (" + quoted(shown(text)) +
                "), as procmail does" + crlf_hint(text[0]);
      severity = text[0] == '\r' ? Severity::kError : Severity::kWarning;
    }
    if (!start.skipped_words.empty()) {
      // Expanded when the recipe is reached: the notice goes with the recipe.
      Diagnostic d{start.skipped_position, std::move(message), severity, "Skipped " + quoted(text)};
      diagnostics_.push_back(d);
      skipped_notice_ = std::move(d);
      return;
    }
    notice(out, start.skipped_position, std::move(message), "Skipped " + quoted(text), severity);
  }

  void recipe(int depth, Statements* out) {
    const std::size_t colon = pos_;
    Recipe r;
    r.position = source_.position_of(colon);
    const std::size_t errors_before = diagnostics_.size();
    StartLine start = parse_start_line(source_, &pos_, &diagnostics_);
    resync_if_runaway(errors_before, colon);
    notices_since(errors_before, out);
    report_skipped_start(start, out);
    if (skipped_notice_) {
      r.skipped_notice.push_back(std::move(*skipped_notice_));
      skipped_notice_.reset();
      r.skipped_words = std::move(start.skipped_words);
    }
    r.start_line = std::move(start.text);
    r.flags = start.flags;
    r.lockfile = std::move(start.lockfile);
    r.dynamic_flags = std::move(start.dynamic_words);

    // Conditions (misc.c conditions()): a line starting with "*" is one; so is any
    // line while old-style conditions (":N") are due, even an empty or "#" line.
    // Otherwise empty and comment lines are skipped; the first other line is the
    // action, unless it starts a new recipe after an empty line ("Missing action").
    int due = old_condition_count(start);
    bool skipped_empty = false;
    std::size_t line = source_.next_line(pos_);
    std::size_t p = line;
    while (true) {
      if (source_.at_end(line)) {
        p = line;
        break;
      }
      p = source_.skip_blanks(line);
      const char c = source_.at(p);
      --due;
      if (c == '*' || due >= 0) {
        std::size_t end = 0;
        const std::size_t before = diagnostics_.size();
        const MappedText text = read_condition_line(source_, c == '*' ? p + 1 : p, &end);
        r.conditions.push_back(parse_condition(text, &diagnostics_));
        r.conditions.back().notices = notices_since(before);
        // The physical line the condition ends on, when a backslash continued it.
        const std::size_t newline = source_.text().find('\n', p);
        const std::size_t last_line = newline < end ? source_.text().rfind('\n', end - 1) + 1
                                                    : std::string::npos;
        continued_into_ = last_line;
        line = source_.next_line(end);
        continue;
      }
      if (c == '#') {
        line = source_.next_line(p);
      } else if (c == '\n') {
        skipped_empty = true;
        line = p + 1;
      } else if (c == ':' && skipped_empty) {
        r.action.kind = Action::Kind::kNone;
        r.action.position = source_.position_of(p);
        r.action.dropped_before_action = true;
        Diagnostic d{r.position,
                     "missing action: an empty line, then a new recipe (line " +
                         std::to_string(source_.position_of(p).line) +
                         "); procmail tries the conditions and drops the recipe",
                     Severity::kError, "Missing action"};
        diagnostics_.push_back(d);
        r.action.notices.push_back(std::move(d));
        pos_ = p;  // the new recipe
        out->push_back(Statement{std::move(r)});
        return;
      } else {
        break;
      }
    }
    pos_ = p;
    warn_if_action_swallowed(r);
    action(depth, colon, &r.action);
    check_flags(start, r);
    out->push_back(Statement{std::move(r)});
  }

  // "* ^Subject: a|\" followed by the action: the backslash takes the action line
  // into the regex and the line after it becomes the action. A continuation line
  // that starts in the first column, right before the action, is the sign.
  void warn_if_action_swallowed(const Recipe& r) {
    const std::size_t line = continued_into_;
    continued_into_ = std::string::npos;
    if (line == std::string::npos || r.conditions.empty() || is_blank(source_.at(line))) return;
    const std::size_t end = source_.line_end(line);
    diagnostics_.push_back(
        {source_.position_of(line),
         "the condition before this line ends in \"\\\" and takes it into its regex (\"" +
             shown(source_.text().substr(line, end - line)) +
             "\"), so the action is the line after it; if this line is the action, take the "
             "\"\\\" away",
         Severity::kWarning,
         {}});
  }

  // Reads the action line at pos_.
  void action(int depth, std::size_t colon, Action* a) {
    const std::size_t p = pos_;
    a->position = source_.position_of(p);
    const std::size_t errors_before = diagnostics_.size();
    if (source_.at_end(p)) {
      incomplete(colon, a);
      return;
    }
    const char c = source_.at(p);
    if (c == '!') {
      a->kind = Action::Kind::kForward;
      a->words = words_to_line_end(p + 1, colon);
      if (a->words.empty() && diagnostics_.size() == errors_before)
        report(p, "\"!\" needs at least one address to forward to (procmail runs $SENDMAIL "
                  "without one)");
      a->notices = notices_since(errors_before);
      return;
    }
    if (c == '|') {
      a->kind = Action::Kind::kPipe;
      command(p + 1, a);
      a->notices = notices_since(errors_before);
      return;
    }
    if (c == '{' && (is_blank(source_.at(p + 1)) ||
                     (source_.at(p + 1) == '\n' && !source_.at_end(p + 1)))) {
      a->kind = Action::Kind::kBlock;
      block(depth, p, a);
      return;
    }
    if (is_name_start(c) && capture(p, colon, a)) {
      a->notices = notices_since(errors_before);
      return;
    }
    // Anything else, "{x" and "NAME=value" included, is a list of folders.
    if (c == ':' || c == '}') {
      // procmail takes such a line as a folder named ":0" or "}" (and then misses
      // the closing brace); it is nearly always a recipe whose action was forgotten.
      report(colon, std::string("missing action: the line where ") +
                        (c == ':' ? "the next recipe starts" : "the block closes") + " (line " +
                        std::to_string(source_.position_of(p).line) +
                        ") is the action: procmail delivers to a folder named " +
                        quoted(first_word(source_.text().substr(p, source_.line_end(p) - p))));
    }
    a->kind = Action::Kind::kFolders;
    a->words = words_to_line_end(p, colon);
    if (a->words.empty() && source_.at_end(pos_)) {
      incomplete(colon, a);
      return;
    }
    a->notices = notices_since(errors_before);
  }

  void incomplete(std::size_t colon, Action* a) {
    a->kind = Action::Kind::kNone;
    a->words.clear();
    Diagnostic d{source_.position_of(colon),
                 "incomplete recipe: the file ends before the recipe's action line",
                 Severity::kError, "Incomplete recipe"};
    diagnostics_.push_back(d);
    a->notices.push_back(std::move(d));
    pos_ = source_.size();
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
      Diagnostic d{source_.position_of(brace),
                   "blocks nest more than " + std::to_string(limits::kMaxBlockNesting) +
                       " levels deep; the rest of the file is not read",
                   Severity::kError,
                   {}};
      diagnostics_.push_back(d);
      a->block.push_back(Statement{Notice{std::move(d), false, /*limit=*/true}});
      pos_ = source_.size();
      nesting_exceeded_ = true;
      return;
    }
    pos_ = brace + 1;  // the rest of the line holds statements of the block
    std::size_t close = 0;
    while (true) {
      const Step step = statement(depth + 1, &a->block, &close);
      if (step == Step::kClose) {
        a->block_end = source_.position_of(close);
        return;
      }
      if (step == Step::kEnd) break;
    }
    // (After the nesting error the braces that close these blocks were not read:
    // one error for the file, not one per open block.)
    if (nesting_exceeded_) return;
    // procmail says so once at the end of the file, when it entered a block that is
    // still open: the notice goes to the outermost one (the blocks inside it end
    // with it, and one it did not enter has none entered inside it).
    Diagnostic d{source_.position_of(brace),
                 "missing closing brace: the block opened here is still open at the end of "
                 "the file",
                 Severity::kError, "Missing closing brace"};
    diagnostics_.push_back(d);
    if (depth == 0) a->block.push_back(Statement{Notice{std::move(d), /*only_when_run=*/true}});
    a->block_end = source_.position_of(source_.size());
  }

  // Flags that procmail accepts and then ignores, or drops because of another flag:
  // the file runs as with procmail, but the writer is told.
  void check_flags(const StartLine& start, const Recipe& r) {
    const RecipeFlags& f = r.flags;
    const Action::Kind kind = r.action.kind;
    auto warn = [&](char letter, const std::string& message) {
      if (const auto at = start.flag_position(letter))
        diagnostics_.push_back({*at, message, Severity::kWarning, {}});
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
        diagnostics_.push_back({start.lockfile_colon,
                                "a lockfile on a block does not cover the block (procmail "
                                "creates and removes it at once); put it on the recipes inside",
                                Severity::kWarning,
                                {}});
    }
    if (f.on_error && f.else_if) warn('E', "E together with e: procmail ignores E");
    if (f.on_error && f.also_if_succeeded) warn('a', "a together with e: procmail ignores a");
    if (f.filter && kind != Action::Kind::kPipe && kind != Action::Kind::kNone)
      warn('f', "the f flag makes a pipe (\"| command\") a filter; procmail ignores it here");
    if (f.copy && ((f.filter && kind == Action::Kind::kPipe) || kind == Action::Kind::kCapture))
      warn('c', "the c flag has no effect on a filter or a variable capture; procmail ignores it");
  }

  SourceText source_;
  bool checking_;
  std::size_t pos_ = 0;
  std::vector<Diagnostic> diagnostics_;
  bool nesting_exceeded_ = false;
  // The junk after a skipped variable name: its notice is not reported again.
  std::size_t quiet_junk_at_ = static_cast<std::size_t>(-1);
  // Junk before this offset follows a mistake already reported on its line.
  std::size_t quiet_until_ = 0;
  // The first byte of the line a backslash continued the last condition into.
  std::size_t continued_into_ = std::string::npos;
  // The notice of skipped start-line words that are expanded at run time.
  std::optional<Diagnostic> skipped_notice_;
};

RcfileReader::RcfileReader(std::string_view text, ParseFor purpose)
    : impl_(std::make_unique<Impl>(text, purpose)) {}
RcfileReader::~RcfileReader() = default;
bool RcfileReader::next(Statements* out) { return impl_->next(out); }
const std::vector<Diagnostic>& RcfileReader::diagnostics() const { return impl_->diagnostics(); }

Rcfile parse_rcfile(std::string_view text, ParseFor purpose) {
  return RcfileReader::Impl(text, purpose).parse_all();
}

bool is_notice(const Diagnostic& diagnostic) {
  return diagnostic.severity == Severity::kError || !diagnostic.procmail_says.empty();
}

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
