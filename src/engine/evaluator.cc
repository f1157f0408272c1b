#include "mailsift/engine/evaluator.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "mailsift/deliver/program.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/limits.h"
#include "mailsift/rc/checker.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/start_line.h"
#include "mailsift/sys/process.h"

namespace mailsift::engine {

struct Evaluator::LoadedFile {
  std::string path;
  std::string text;
  // A file read whole (strict, or explained): its tree. Otherwise the reader.
  rc::Rcfile tree;
  std::unique_ptr<rc::RcfileReader> reader;
};


Evaluator::Evaluator(Session& session, message::Message& message, bool berkeley,
                     std::string spool_directory)
    : session_(session),
      log_(session.log()),
      message_(message),
      berkeley_(berkeley),
      spool_directory_(std::move(spool_directory)) {}

Evaluator::~Evaluator() { wait_for_clones(); }

void Evaluator::keep_rules_until_exit() {
  struct Kept {
    std::vector<std::unique_ptr<LoadedFile>> files;
    rc::RegexCache regexes;
  };
  // Never destroyed (a static object would be freed at exit, which is the cost
  // this avoids).
  static auto* const kept = new std::vector<Kept>();
  kept->push_back(Kept{std::move(files_), std::move(regexes_)});
  files_.clear();
  regexes_ = rc::RegexCache();
}

void Evaluator::log_at(const rc::Position& at, const std::string& text) {
  const std::string file = file_stack_.empty() ? std::string() : file_stack_.back();
  log_.line(file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
            text);
}

Evaluator::LoadedFile* Evaluator::load(const std::string& path, const RcfileTrust* trust,
                                       RcfileResult* result) {
  auto file = std::make_unique<LoadedFile>();
  file->path = path;
  std::string suspicion;
  if (read_rcfile(session_.io(), path, trust, &file->text, &suspicion) != 0) {
    if (!suspicion.empty()) {
      // procmail's two lines (log readers know them), each with the reason.
      log_.line("Suspicious rcfile \"" + path + "\": " + suspicion);
      log_.line("Couldn't read \"" + path + "\": a suspicious rcfile is not run");
      *result = RcfileResult::kUnreadable;
      return nullptr;
    }
    log_.line("Couldn't read \"" + path + "\": " + std::strerror(errno));
    *result = RcfileResult::kUnreadable;
    return nullptr;
  }
  // (procmail names the rcfile it starts with, not the files it includes.)
  if (file_stack_.empty()) log_.verbose("Rcfile: \"" + path + "\"");
  if (const std::optional<rc::Diagnostic> crlf = rc::drop_carriage_returns(&file->text))
    log_.note(path + ":" + std::to_string(crlf->position.line) + ":" +
              std::to_string(crlf->position.column) + ": warning: " + crlf->message);
  const bool strict = parse_number_or_boolean(
                          session_.variables().get_or("MAILSIFT_STRICT", ""), 0) == 1;
  const bool whole = strict || (explain_line_ > 0 && explained_ == nullptr);
  if (!whole) {
    file->reader = std::make_unique<rc::RcfileReader>(file->text, rc::ParseFor::kRunning);
    *result = RcfileResult::kRan;
    files_.push_back(std::move(file));
    return files_.back().get();
  }
  file->tree = rc::parse_rcfile(file->text, rc::ParseFor::kRunning);
  if (strict) {
    rc::check_regexes(file->tree.statements, &regexes_, /*build_matchers=*/false,
                      &file->tree.diagnostics);
    auto& diagnostics = file->tree.diagnostics;
    std::stable_sort(diagnostics.begin(), diagnostics.end(),
                     [](const rc::Diagnostic& a, const rc::Diagnostic& b) {
                       return a.position.line != b.position.line
                                  ? a.position.line < b.position.line
                                  : a.position.column < b.position.column;
                     });
    bool broken = false;
    for (const auto& d : diagnostics) broken = broken || d.severity == rc::Severity::kError;
    if (broken) {
      for (const auto& d : diagnostics) {
        std::string formatted = rc::format_diagnostic(path, file->text, d);
        while (!formatted.empty() && formatted.back() == '\n') formatted.pop_back();
        log_.line(formatted);
      }
      log_.line("Rcfile \"" + path + "\" has errors and was not run (MAILSIFT_STRICT)");
      *result = RcfileResult::kBroken;
      return nullptr;
    }
  }
  *result = RcfileResult::kRan;
  files_.push_back(std::move(file));
  if (explain_line_ > 0 && explained_ == nullptr) {
    explained_file_ = path;
    choose_explained(files_.back()->tree.statements);
  }
  return files_.back().get();
}

RcfileResult Evaluator::run_file(const std::string& path, const RcfileTrust* trust) {
  RcfileResult result = RcfileResult::kRan;
  run_file_chain(path, trust, &result);
  return result;
}

// Runs path, then whatever SWITCHRC switches to, until a file ends without a switch.
// Only the first file is checked against trust.
Evaluator::Control Evaluator::run_file_chain(const std::string& first, const RcfileTrust* trust,
                                             RcfileResult* result) {
  std::string path = first;
  while (true) {
    LoadedFile* file = load(path, trust, result);
    trust = nullptr;
    if (file == nullptr) return Control::kNext;
    file_stack_.push_back(path);
    session_.set_current_rcfile(path);
    Control control = Control::kNext;
    if (file->reader) {
      // Read as it runs: nothing after the statement that ends processing is parsed,
      // and a statement that has run is not kept (its memory serves the next one).
      rc::Statements batch;
      while (control == Control::kNext && file->reader->next(&batch)) {
        for (const rc::Statement& statement : batch) {
          if (control != Control::kNext) break;
          control = run_statement(statement);
          if (control == Control::kNext && session_.host_mismatch()) control = Control::kStop;
        }
        batch.clear();
      }
    } else {
      control = run_statements(file->tree.statements);
    }
    file_stack_.pop_back();
    session_.set_current_rcfile(file_stack_.empty() ? std::string() : file_stack_.back());
    if (control != Control::kEndFile) return control;
    // SWITCHRC: the new file replaces this one; empty or /dev/null ends it.
    const std::string next = session_.variables().get_or("SWITCHRC", "");
    if (next.empty() || next == "/dev/null") return Control::kNext;
    if (++switches_ > limits::kMaxSwitches) {
      log_.line("Too many SWITCHRC switches; the rcfiles end here");
      return Control::kStop;
    }
    // run_assignment has checked that it is a regular file (an empty one simply
    // runs nothing).
    path = next;
  }
}

Evaluator::Control Evaluator::run_statements(const rc::Statements& statements) {
  for (const rc::Statement& statement : statements) {
    const Control control = run_statement(statement);
    if (control != Control::kNext) return control;
    if (session_.host_mismatch()) return Control::kStop;
  }
  return Control::kNext;
}

Evaluator::Control Evaluator::run_statement(const rc::Statement& statement) {
  if (const auto* assignment = std::get_if<rc::Assignment>(&statement.node))
    return run_assignment(*assignment);
  if (const auto* notice = std::get_if<rc::Notice>(&statement.node)) {
    if (notice->limit) {
      log_at(notice->diagnostic.position, "error: " + notice->diagnostic.message);
    } else {
      log_notice(notice->diagnostic);
    }
    return Control::kNext;
  }
  return run_recipe(std::get<rc::Recipe>(statement.node));
}

void Evaluator::log_notice(const rc::Diagnostic& d) {
  const std::string where = current_file() + ":" + std::to_string(d.position.line) + ":" +
                            std::to_string(d.position.column) + ": " +
                            (d.severity == rc::Severity::kWarning ? "warning: " : "error: ") +
                            d.message;
  if (!d.procmail_says.empty()) {
    // procmail's own line first (log readers know it), then mailsift's word on it.
    log_.line(d.procmail_says + ": " + where);
  } else {
    log_.note(where);
  }
}

void Evaluator::log_notices(const rc::Notices& notices) {
  for (const rc::Diagnostic& d : notices) log_notice(d);
}

// Skipped start-line words with a "$" or a backquote: procmail expands them (runs
// the backquotes, unless it is reading a block it does not enter) and logs the
// words joined by blanks.
void Evaluator::log_skipped_words(const rc::Recipe& recipe, bool expand) {
  std::string text;
  std::vector<std::string> words;
  std::string error;
  if (expand && expand_words(recipe.skipped_words, expander(), &words, &error)) {
    for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  } else {
    for (const rc::Value& word : recipe.skipped_words) {
      std::string literal;
      for (const rc::ValuePart& part : word)
        if (part.kind == rc::ValuePart::Kind::kLiteral) literal += part.text;
      if (literal.empty()) continue;
      text += (text.empty() ? "" : " ") + literal;
    }
  }
  for (rc::Diagnostic d : recipe.skipped_notice) {
    d.procmail_says = "Skipped \"" + text + "\"";
    log_notice(d);
  }
}

void Evaluator::log_skipped_block_notices(const rc::Statements& statements) {
  for (const rc::Statement& statement : statements) {
    if (const auto* notice = std::get_if<rc::Notice>(&statement.node)) {
      if (!notice->only_when_run) log_notice(notice->diagnostic);
      continue;
    }
    const auto* recipe = std::get_if<rc::Recipe>(&statement.node);
    if (recipe == nullptr) continue;
    if (!recipe->skipped_words.empty()) log_skipped_words(*recipe, false);
    const rc::Action& action = recipe->action;
    if (action.kind != rc::Action::Kind::kNone) log_extraneous_flags(*recipe, false);
    if (action.kind != rc::Action::Kind::kPipe && action.kind != rc::Action::Kind::kCapture)
      log_notices(action.notices);
    if (action.kind == rc::Action::Kind::kBlock) log_skipped_block_notices(action.block);
  }
}

Evaluator::Control Evaluator::run_assignment(const rc::Assignment& assignment) {
  if (!assignment.value) {
    session_.assign(assignment.name, std::nullopt);
    message_data_.erase(assignment.name);
    if (assignment.name == "SWITCHRC") return Control::kEndFile;
    return Control::kNext;
  }
  std::string value;
  std::string error;
  std::size_t message_from = std::string::npos;
  if (!expand_value(*assignment.value, expander(), &value, &error, &message_from)) {
    log_at(assignment.position, "error: " + error);
    return Control::kNext;
  }
  session_.assign(assignment.name, value);
  if (message_from != std::string::npos) {
    message_data_[assignment.name] = message_from;
  } else {
    message_data_.erase(assignment.name);
  }
  if (assignment.name == "SWITCHRC") {
    if (value.empty() || value == "/dev/null") return Control::kEndFile;
    struct stat st {};
    if (session_.io().stat(value.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      log_.line("Couldn't read \"" + value + "\"");
      return Control::kNext;  // procmail goes on in the current file
    }
    return Control::kEndFile;
  }
  if (assignment.name == "INCLUDERC") {
    if (value.empty() || value == "/dev/null") return Control::kNext;
    struct stat st {};
    if (session_.io().stat(value.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      log_.line("Couldn't read \"" + value + "\"");
      return Control::kNext;
    }
    if (st.st_size == 0) return Control::kNext;
    if (static_cast<int>(file_stack_.size()) >= limits::kMaxIncludeDepth) {
      log_at(assignment.position, "error: INCLUDERC nests deeper than " +
                                      std::to_string(limits::kMaxIncludeDepth) +
                                      " files (an include loop?); \"" + value +
                                      "\" is not included");
      return Control::kNext;
    }
    RcfileResult ignored = RcfileResult::kRan;
    const Control control = run_file_chain(value, nullptr, &ignored);
    return control == Control::kStop ? Control::kStop : Control::kNext;
  }
  return Control::kNext;
}

Evaluator::Control Evaluator::run_recipe(const rc::Recipe& written) {
  if (!written.skipped_words.empty()) log_skipped_words(written, true);
  rc::Recipe expanded;
  const rc::Recipe& recipe =
      written.dynamic_flags.empty() ? written : with_dynamic_flags(written, &expanded);
  const rc::RecipeFlags& f = recipe.flags;
  // The flow flags decide whether the conditions are looked at at all (§3.7). The
  // parser has warned about e with E or a; procmail then drops E and a.
  const bool else_if = f.else_if && !f.on_error;
  const bool also_if_succeeded = f.also_if_succeeded && !f.on_error;
  if (f.on_error && f.else_if) log_.line("Conflicting else-if-flag suppressed");
  if (f.on_error && f.also_if_succeeded) log_.line("Conflicting also-if-succeeded-flag suppressed");
  bool take = true;
  if (f.on_error) take = take && flow_.prevcond && !flow_.lastsucc;
  if (else_if) take = take && !flow_.prevcond;
  if (also_if_succeeded) take = take && flow_.lastcond && flow_.lastsucc;
  if (f.also_if_matched) take = take && flow_.lastcond;
  const bool flags_allowed = take;

  if (take) {
    bool error = false;
    session_.trace().begin_recipe();
    take = conditions_hold(recipe, &error);
    if (error) {
      log_at(recipe.position, "error: the rcfile stops here; the message goes to $DEFAULT");
      return Control::kStop;
    }
  } else {
    session_.set_last_score(0);
  }
  if (&written == explained_) explain_recipe(recipe, flags_allowed, take);
  const rc::Action& action = recipe.action;
  // A recipe without an action (the file ended, or "Missing action"): procmail has
  // tried its conditions and drops it; with "Missing action" it counts as not
  // matched.
  if (action.kind == rc::Action::Kind::kNone) {
    log_notices(action.notices);
    if (action.dropped_before_action) take = false;
  }
  if (!f.also_if_matched && !also_if_succeeded) flow_.lastcond = take;
  if (!flow_.prevcond || !else_if) flow_.prevcond = take;
  if (session_.trace().enabled()) {
    std::string flags = recipe.start_line;
    const std::size_t zero = flags.find(":0");
    flags = zero == std::string::npos ? std::string() : flags.substr(zero + 2);
    session_.trace().recipe(current_file(), recipe.position.line, flags, take,
                            take ? std::string() : "its conditions or flags did not hold");
  }
  if (action.kind == rc::Action::Kind::kNone) return Control::kNext;
  log_extraneous_flags(recipe, take);
  if (!take) {
    // procmail reads the action line of a recipe it does not run (its notices), and
    // reads a block it does not enter to its end.
    if (action.kind == rc::Action::Kind::kFolders || action.kind == rc::Action::Kind::kForward)
      log_notices(action.notices);
    if (action.kind == rc::Action::Kind::kBlock) {
      log_skipped_block_notices(action.block);
      if (explained_ != nullptr) note_skipped_block_for_explaining(written);
    }
    return Control::kNext;
  }
  if (action.kind != rc::Action::Kind::kBlock) log_notices(action.notices);

  Control control = Control::kNext;
  const bool success = run_action(recipe, &control);
  if (control == Control::kStop && explained_ != nullptr && action.kind != rc::Action::Kind::kBlock)
    note_end_for_explaining(written, delivered_ ? "delivered the message to \"" +
                                                      session_.variables().get_or("LASTFOLDER", "") +
                                                      "\" and ended processing"
                                                : "ended processing without storing the message");
  // A block sets lastsucc itself (true on entry, then whatever ran inside it).
  if (action.kind != rc::Action::Kind::kBlock) flow_.lastsucc = success;
  return control;
}

const rc::Recipe& Evaluator::with_dynamic_flags(const rc::Recipe& recipe, rc::Recipe* storage) {
  std::vector<std::string> words;
  std::string error;
  if (!expand_words(recipe.dynamic_flags, expander(), &words, &error)) {
    log_at(recipe.position, "error: " + error);
    return recipe;
  }
  rc::ScannedStart scanned;
  scanned.flags = recipe.flags;
  const std::vector<std::string_view> views(words.begin(), words.end());
  rc::scan_start_words(views, 0, 0, &scanned);
  *storage = recipe;
  storage->flags = scanned.flags;
  storage->dynamic_flags.clear();
  if (scanned.lockfile) {
    rc::ValuePart name;
    name.text = scanned.lockfile_name;
    storage->lockfile = name.text.empty() ? rc::Value{} : rc::Value{name};
  }
  if (!scanned.skipped.empty()) log_.line("Skipped \"" + scanned.skipped + "\"");
  return *storage;
}

Expander Evaluator::expander() {
  Expander e;
  e.lookup = session_.lookup();
  e.backquote = [this](const std::string& command) { return run_backquote(command); };
  e.arguments = session_.variables().arguments;
  e.from_message = [this](std::string_view name) -> std::optional<std::size_t> {
    if (name == "MATCH") return 0;
    const auto found = message_data_.find(name);
    if (found == message_data_.end()) return std::nullopt;
    return found->second;
  };
  return e;
}

void Evaluator::trace_action(const rc::Recipe& recipe, const std::string& kind,
                             const std::string& target, const std::string& note) {
  if (session_.trace().enabled())
    session_.trace().action(current_file(), recipe.action.position.line, kind, target, note);
}

std::optional<std::string> Evaluator::run_backquote(const std::string& text) {
  if (!session_.run_programs()) {
    log_.line("Not running `" + text + "` in a dry run without --run-programs: it gives \"\"");
    return std::string();
  }
  Command command;
  std::string error;
  Expander plain;
  plain.lookup = session_.lookup();
  plain.arguments = session_.variables().arguments;
  if (!build_command(session_, text, nullptr, plain, &command, &error)) {
    log_.line("Couldn't run `" + text + "`: " + error);
    return std::nullopt;
  }
  const sys::ProgramOutcome outcome =
      run_command(session_, command, message_input(deliver::WriteFormat()), true);
  if (!outcome.started) return std::nullopt;
  return deliver::backquote_value(outcome.output, outcome.output_truncated);
}

sys::InputWriter Evaluator::message_input(const deliver::WriteFormat& format) {
  last_input_size_ = 0;
  return deliver::message_writer(session_.io(), message_, format, &last_input_size_);
}

sys::InputWriter text_input(std::string_view text) {
  return [text](int fd) {
    return sys::write_all(sys::real_io(), fd, text.data(), text.size()) == 0 ? 0 : errno;
  };
}

int Evaluator::run_trap(const std::string& text) {
  if (session_.dry_run()) return -1;  // never run in a dry run
  Command command;
  std::string error;
  if (!build_command(session_, text, nullptr, expander(), &command, &error)) {
    log_.line("Couldn't run TRAP \"" + text + "\": " + error);
    return -1;
  }
  // TRAP reads the message as a pipe action would.
  const sys::ProgramOutcome outcome = run_command(
      session_, command, message_input(deliver::pipe_format(deliver::Part::kWhole, false)), false,
      log_.fd());
  if (!outcome.started) return -1;
  return outcome.procmail_code();
}

pid_t Evaluator::start_clone() { return sys::fork_clone(); }

int Evaluator::wait_for_clone(pid_t pid) { return sys::wait_for_clone(pid); }

void Evaluator::wait_for_clones() {
  for (const pid_t pid : clones_) wait_for_clone(pid);
  clones_.clear();
}

}  // namespace mailsift::engine
