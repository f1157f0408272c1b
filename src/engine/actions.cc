// The action of a recipe whose conditions hold (behaviour §3.5, §4, §7).
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "mailsift/engine/vacation_command.h"
#include "mailsift/vacation/vacation.h"
#include "mailsift/engine/abstract.h"
#include "mailsift/engine/evaluator.h"
#include "mailsift/engine/folder_guard.h"
#include "mailsift/limits.h"
#include "mailsift/deliver/program.h"

namespace mailsift::engine {
namespace {

deliver::Part part_of(const rc::RecipeFlags& flags) {
  if (flags.deliver_head && !flags.deliver_body) return deliver::Part::kHeaderOnly;
  if (flags.deliver_body && !flags.deliver_head) return deliver::Part::kBodyOnly;
  return deliver::Part::kWhole;
}

// What a program gets: the From_ line kept, no ">From" quoting, a final newline
// added unless r (behaviour §7.8); forwarding drops the From_ line (§7.11).
deliver::WriteFormat program_format(const rc::RecipeFlags& flags, bool forwarding) {
  return forwarding ? deliver::forward_format(part_of(flags), flags.raw)
                    : deliver::pipe_format(part_of(flags), flags.raw);
}

bool blank_only(std::string_view text) {
  for (const char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\\') return false;
  return true;
}

// The word after ">>" in a command line, for an implicit lockfile (§7.12).
std::string appended_file(const std::string& command) {
  const std::size_t at = command.find(">>");
  if (at == std::string::npos) return {};
  std::size_t start = at + 2;
  while (start < command.size() && (command[start] == ' ' || command[start] == '\t')) ++start;
  std::size_t end = start;
  while (end < command.size() && command[end] != ' ' && command[end] != '\t' &&
         command[end] != '\n' && command[end] != ';' && command[end] != '|' &&
         command[end] != '&')
    ++end;
  return command.substr(start, end - start);
}

}  // namespace

LocalLock::~LocalLock() {
  if (!lock_.held()) return;
  log_.verbose("Unlocking \"" + lock_.path() + "\"");
  if (!lock_.release().ok()) log_.line("Couldn't unlock \"" + lock_.path() + "\"");
}

bool Evaluator::take_local_lock(const rc::Recipe& recipe, const std::vector<std::string>& folders,
                                const std::string& command, sys::Dotlock* lock) {
  if (!recipe.lockfile || session_.dry_run()) return true;
  const std::string lockext = session_.variables().get_or("LOCKEXT", ".lock");
  std::string name;
  if (!recipe.lockfile->empty()) {
    std::string error;
    if (!expand_value(*recipe.lockfile, expander(), &name, &error)) {
      log_at(recipe.position, "error: " + error);
      return false;
    }
  } else if (!folders.empty()) {
    if (folders.front() == "/dev/null") return true;  // never locked
    name = folders.front() + lockext;
  } else {
    const std::string target = appended_file(command);
    if (target.empty()) {
      log_.line("Couldn't determine implicit lockfile from \"" + command + "\"");
      name = lockext;
    } else {
      name = target + lockext;
    }
  }
  if (name == session_.variables().get_or("LOCKFILE", "")) {
    log_.line("Deadlock attempted on \"" + name + "\"");
    return true;
  }
  log_.verbose("Locking \"" + name + "\"");
  const sys::Status status =
      sys::Dotlock::acquire(session_.io(), name, session_.lock_policy(), session_.hostname(), lock);
  if (status.ok()) {
    if (lock->forced()) log_.line("Forcing lock on \"" + name + "\"");
    return true;
  }
  if (status.err() == EEXIST) {
    // Held by another past TIMEOUT: running without the lock could interleave two
    // writers, so this recipe fails (procmail waits for ever).
    log_.line("Lock failure on \"" + name + "\": " + status.message());
    return false;
  }
  // The lock cannot be made at all (no such directory, no permission): procmail
  // goes on without it, and so does mailsift, saying so.
  log_.line("Lock failure on \"" + name + "\": " + status.message() + "; going on without it");
  return true;
}

bool Evaluator::run_action(const rc::Recipe& recipe, Control* control) {
  const rc::Action& action = recipe.action;
  bool delivering = false;
  bool success = false;
  program_took_message_ = false;
  switch (action.kind) {
    case rc::Action::Kind::kBlock:
      *control = run_block(recipe);
      return true;
    case rc::Action::Kind::kFolders:
      success = deliver_to_folders(recipe, &delivering);
      break;
    case rc::Action::Kind::kPipe:
      if (recipe.flags.filter) {
        success = run_filter(recipe);
      } else {
        success = run_pipe(recipe, &delivering);
      }
      break;
    case rc::Action::Kind::kForward:
      success = run_forward(recipe, &delivering);
      break;
    case rc::Action::Kind::kCapture:
      success = run_capture(recipe);
      break;
    case rc::Action::Kind::kNone:  // run_recipe never gets here
      return false;
  }
  if (!success && program_took_message_) {
    // A program without w that took the message and then failed: for the flow of
    // the rcfile it succeeded, as in procmail, and without "c" processing ends (the
    // message, stored nowhere, then goes to $DEFAULT).
    program_took_message_ = false;
    if (!recipe.flags.copy) *control = Control::kStop;
    return true;
  }
  if (success && delivering) {
    if (recipe.flags.copy) {
      after_copy_delivery();
    } else {
      delivered_ = true;
      *control = Control::kStop;
    }
  }
  return success;
}

// Flags that mean nothing on this kind of action: procmail's notices (the parser
// has already warned about them for "mailsift --check"). procmail says most of them
// as it reads the action line, whether or not the recipe runs (read_only: it does
// not, or it is in a block that is not entered), in this order.
void Evaluator::log_extraneous_flags(const rc::Recipe& recipe, bool runs) {
  using Kind = rc::Action::Kind;
  const rc::RecipeFlags& f = recipe.flags;
  const Kind kind = recipe.action.kind;
  if (f.filter && (kind == Kind::kFolders || kind == Kind::kCapture || kind == Kind::kBlock))
    log_.line("Extraneous filter-flag ignored");
  if (kind == Kind::kBlock) {
    if (recipe.lockfile && !f.copy) log_.line("Extraneous locallockfile ignored");
    if (f.deliver_body) log_.line("Extraneous deliver-body flag ignored");
    if (f.deliver_head) log_.line("Extraneous deliver-head flag ignored");
    if (f.ignore_write_errors) log_.line("Extraneous ignore-write-error flag ignored");
    if (f.raw) log_.line("Extraneous raw-mode flag ignored");
  }
  if (runs && f.copy && ((kind == Kind::kPipe && f.filter) || kind == Kind::kCapture))
    log_.line("Extraneous copy-flag ignored");
}

void Evaluator::after_copy_delivery() {
  // LOGABSTRACT=all: an abstract after each successful "c" delivery as well.
  const auto setting = session_.variables().get("LOGABSTRACT");
  if (setting && parse_number_or_boolean(*setting, -1) == 2) {
    log_.raw(format_abstract(message_, session_.variables().get_or("LASTFOLDER", ""),
                             session_.last_write_size()));
  }
}

bool Evaluator::deliver_to_folders(const rc::Recipe& recipe, bool* delivering) {
  *delivering = true;
  std::vector<ExpandedWord> expanded;
  std::string error;
  if (!expand_words(recipe.action.words, expander(), &expanded, &error)) {
    log_at(recipe.action.position, "error: " + error);
    return false;
  }
  if (expanded.empty() || expanded.front().text.empty()) {
    log_at(recipe.action.position, "error: the folder name is empty");
    return false;
  }
  std::vector<std::string> folders;
  for (const ExpandedWord& folder : expanded) {
    // Message data must not lead out of $MAILDIR (folder_guard.h): the recipe fails,
    // as after any failed delivery, and the message goes on to $DEFAULT.
    const std::string refusal = folder_refusal(folder);
    if (!refusal.empty()) {
      log_at(recipe.position, "Refusing folder \"" + folder.text + "\" of this recipe: " +
                                  refusal + "; the recipe fails");
      trace_action(recipe, "folder", folder.text, "refused: " + refusal);
      // A dry run shows it as the failure a real run logs.
      if (session_.dry_run()) session_.trace().failure(folder.text, "refused: " + refusal);
      return false;
    }
    folders.push_back(folder.text);
  }
  trace_action(recipe, "folder", folders.front(), "");
  LocalLock lock(log_);
  if (!take_local_lock(recipe, folders, "", lock.get())) return false;
  return session_.deliver(folders, message_, "", part_of(recipe.flags), recipe.flags.raw);
}

bool Evaluator::write_to_stdout(const rc::Recipe& recipe) {
  if (session_.dry_run()) {
    trace_action(recipe, "stdout", "|", "not written in a dry run");
    session_.trace().delivery("|", "stdout", false);
    session_.mark_delivered("|", 0);
    return true;
  }
  deliver::WriteFormat format = program_format(recipe.flags, false);
  std::size_t written = 0;
  const sys::Status status =
      deliver::write_message(session_.io(), STDOUT_FILENO, "stdout", message_, format, &written);
  if (!status.ok()) {
    log_.line("Error while writing to stdout: " + status.message());
    return false;
  }
  session_.set_lastfolder("|", written);
  session_.mark_delivered("|", written);
  return true;
}

bool Evaluator::run_pipe(const rc::Recipe& recipe, bool* delivering) {
  *delivering = true;
  const rc::Action& action = recipe.action;
  if (blank_only(action.raw)) return write_to_stdout(recipe);
  Command command;
  std::string error;
  if (!build_command(session_, action.raw, &action.words, expander(), &command, &error)) {
    log_at(action.position, "error: " + error);
    return false;
  }
  return deliver_to_program(recipe, command, false);
}

bool Evaluator::run_forward(const rc::Recipe& recipe, bool* delivering) {
  *delivering = true;
  Command command;
  std::string error;
  if (!build_forward(session_, recipe.action.words, expander(), &command, &error)) {
    log_at(recipe.action.position, "error: " + error);
    return false;
  }
  return deliver_to_program(recipe, command, true);
}

// A pipe or a forward: the program gets the message and must take all of it and
// exit 0. mailsift waits for every delivering program and counts the delivery only
// when it exits 0 (procmail, without w, counts it once the program has the message).
bool Evaluator::deliver_to_program(const rc::Recipe& recipe, const Command& command,
                                   bool forwarding) {
  if (session_.dry_run() && !forwarding && !command.via_shell && is_vacation_command(command.argv)) {
    // The auto-reply: say whether it would reply, and why not; send and record nothing.
    vacation::Settings settings;
    std::string note;
    const std::vector<std::string> environment = session_.variables().environment();
    if (!vacation::parse_settings({command.argv.begin() + 2, command.argv.end()}, environment,
                                  &settings, &note)) {
      note += "; not run in a dry run";
    } else {
      note = vacation::respond(session_.io(), message_, settings, true, environment, nullptr).log;
      note = note.substr(note.find(": ") + 2) + "; nothing sent in a dry run";
    }
    trace_action(recipe, "vacation", command.display, note);
    session_.trace().delivery(command.display, "program", false);
    session_.mark_delivered(command.display, 0);
    return true;
  }
  if (session_.dry_run()) {
    // Never run: a dry run counts the delivery as done.
    trace_action(recipe, forwarding ? "forward" : "pipe", command.display,
                 "not run in a dry run; taken as delivered");
    session_.trace().delivery(command.display, forwarding ? "forward" : "program", false);
    session_.mark_delivered(command.display, 0);
    return true;
  }
  // A forward is journaled only when asked (MAILSIFT_JOURNAL_FORWARDS): what a
  // program did cannot be checked, so a retry runs it again unless told not to.
  bool skipped = false;
  const std::string journal_key =
      forwarding ? session_.forward_journal_key(command.display, &skipped) : std::string();
  if (skipped) return true;
  LocalLock lock(log_);
  if (!take_local_lock(recipe, {}, command.display, lock.get())) return false;
  const sys::ProgramOutcome outcome = run_command(
      session_, command, message_input(program_format(recipe.flags, forwarding)), false);
  if (!outcome.started) return false;
  const bool write_failed = outcome.input_errno != 0 && !recipe.flags.ignore_write_errors;
  // procmail waits for a program only with w, W or a local lockfile; otherwise the
  // program has succeeded once it took the message (the flow flags see a success,
  // and without "c" processing ends). mailsift still counts a delivery only on exit 0.
  const bool procmail_waits =
      recipe.flags.wait || recipe.flags.wait_quietly || recipe.lockfile.has_value();
  if (write_failed) {
    log_.line("Error while writing to \"" + command.name + "\": " +
              std::strerror(outcome.input_errno));
  } else if (!outcome.succeeded() && procmail_waits) {
    log_program_failure(recipe.flags, command, outcome);
  } else if (!outcome.succeeded()) {
    program_took_message_ = true;
    const std::string code = std::to_string(outcome.procmail_code());
    if (recipe.flags.copy) {
      log_.line("Program failure (" + code + ") of \"" + command.name +
                "\": the copy is not stored there (procmail, not waiting for it without w, "
                "would count it)");
    } else {
      log_.line("Program failure (" + code + ") of \"" + command.name +
                "\": the message is not stored there; procmail, not waiting for it without w, "
                "would count it delivered and stop, so mailsift stops here too and the message "
                "goes on to $DEFAULT");
    }
  }
  // procmail sets LASTFOLDER once the program has ended, whatever became of it.
  session_.set_lastfolder(command.display, last_input_size_);
  if (write_failed || !outcome.succeeded()) return false;
  session_.mark_delivered(command.display, last_input_size_);
  if (!journal_key.empty()) session_.journal()->done({command.display});
  return true;
}

// "Program failure (n) of "x"" in the log; with W alone only under VERBOSE, as
// "Non-zero exitcode (n) from "x"".
void Evaluator::log_program_failure(const rc::RecipeFlags& flags, const Command& command,
                                    const sys::ProgramOutcome& outcome) {
  const std::string code = std::to_string(outcome.procmail_code());
  if (flags.wait_quietly && !flags.wait) {
    log_.verbose("Non-zero exitcode (" + code + ") from \"" + command.name + "\"");
  } else {
    log_.line("Program failure (" + code + ") of \"" + command.name + "\"");
  }
}

bool Evaluator::run_filter(const rc::Recipe& recipe) {
  const rc::Action& action = recipe.action;
  Command command;
  std::string error;
  if (!build_command(session_, action.raw, &action.words, expander(), &command, &error)) {
    log_at(action.position, "error: " + error);
    return false;
  }
  if (!session_.run_programs()) {
    trace_action(recipe, "filter", command.display,
                 "not run in a dry run without --run-programs: the message stays as it is");
    return true;
  }
  // The journal names the message as it was received: settled before a filter
  // changes it.
  session_.settle_journal();
  trace_action(recipe, "filter", command.display, "");
  LocalLock lock(log_);
  if (!take_local_lock(recipe, {}, command.display, lock.get())) return false;
  // The output becomes the new message as it comes, spooled like stdin when large,
  // so that a large message is held once, not once in memory and once more in its
  // new storage.
  deliver::FilteredMessageBuilder filtered(session_.io(), message_, part_of(recipe.flags),
                                           berkeley_, spool_directory_);
  const sys::ProgramOutcome outcome =
      run_command(session_, command, message_input(program_format(recipe.flags, false)), true,
                  -1, limits::kMaxFilterOutput, filtered.sink());
  if (!outcome.started) return false;
  const bool wait = recipe.flags.wait || recipe.flags.wait_quietly;
  const std::string code = std::to_string(outcome.procmail_code());
  bool rescue = false;
  if (!filtered.status().ok()) {
    // The output could not be kept (the spool file cannot be made or written): it is
    // not the message, whatever the filter did.
    log_.line("Couldn't keep the output of \"" + command.name +
              "\" as the message: " + filtered.status().message());
    rescue = true;
  } else if (!outcome.status.ok()) {
    // The run was given up half way (no thread or no memory; run_command logged
    // why): whatever came out is not known to be the whole output.
    rescue = true;
  } else if (outcome.output_truncated) {
    // A cut-off message is not the message: keep the old one.
    log_.line("The output of \"" + command.name + "\" is not used: it is cut off");
    rescue = true;
  } else if (outcome.signal != 0 || outcome.timed_out) {
    // A filter that crashed or hung: its output is not a message (mailsift keeps
    // the unfiltered one even without w; procmail would use whatever came out).
    log_.line("Program failure (" + code + ") of \"" + command.name + "\"");
    rescue = true;
  } else if (outcome.input_errno != 0 && !recipe.flags.ignore_write_errors) {
    // procmail says so first: the filter did not take the whole message.
    log_.line("Error while writing to \"" + command.name + "\": " +
              std::strerror(outcome.input_errno));
    rescue = true;
  } else if (wait && outcome.exit_status != 0) {
    log_program_failure(recipe.flags, command, outcome);
    rescue = true;
  } else if (filtered.output_size() == 0 && message_.size() > 0 && outcome.exit_status != 0) {
    // Nothing came out of a filter that failed (not found, crashed before writing):
    // procmail would deliver an empty message; mailsift keeps the old one.
    log_.line("Program failure (" + code + ") of \"" + command.name +
              "\": no output");
    rescue = true;
  }
  message::Message result;
  if (!rescue) {
    const sys::Status built = filtered.finish(&result);
    if (!built.ok()) {
      log_.line("Couldn't keep the output of \"" + command.name +
                "\" as the message: " + built.message());
      rescue = true;
    }
  }
  if (rescue) {
    log_.line("Rescue of unfiltered data succeeded");
    return false;
  }
  // The old message (and its spool file) goes here.
  message_ = std::move(result);
  header_area_.reset();
  views_.clear();
  return true;
}

bool Evaluator::run_capture(const rc::Recipe& recipe) {
  const rc::Action& action = recipe.action;
  Command command;
  std::string error;
  const bool forward = action.capture_forward;
  const bool built = forward ? build_forward(session_, action.words, expander(), &command, &error)
                             : build_command(session_, action.raw, &action.words, expander(),
                                             &command, &error);
  if (!built) {
    log_at(action.position, "error: " + error);
    return false;
  }
  if (!session_.run_programs()) {
    trace_action(recipe, "capture", action.capture_variable + "=| " + command.display,
                 "not run in a dry run without --run-programs: the variable keeps its value");
    return true;
  }
  trace_action(recipe, "capture", action.capture_variable + "=| " + command.display, "");
  LocalLock lock(log_);
  if (!take_local_lock(recipe, {}, command.display, lock.get())) return false;
  const sys::ProgramOutcome outcome = run_command(
      session_, command, message_input(program_format(recipe.flags, forward)), true);
  if (!outcome.started) return false;
  const bool wait = recipe.flags.wait || recipe.flags.wait_quietly;
  if (wait && !outcome.succeeded()) {
    log_program_failure(recipe.flags, command, outcome);
    // The variable keeps its old value (an unset one stays unset).
    if (session_.variables().is_set(action.capture_variable))
      log_.line("Rescue of unfiltered data succeeded");
    return false;
  }
  session_.assign(action.capture_variable, deliver::capture_value(outcome.output), true);
  message_data_[action.capture_variable] = 0;  // the command read the message
  // Without w or W the exit status does not matter (as in procmail).
  return wait ? outcome.succeeded() : outcome.signal == 0 && !outcome.timed_out;
}

Evaluator::Control Evaluator::run_block(const rc::Recipe& recipe) {
  if (recipe.flags.copy) {
    // "c" on a block: a clone runs the block and then the rest of the rcfile; this
    // process skips the block. The clone is a copy of this process. A dry run forks
    // too (nothing is written) and always waits, so that the trace reads in order.
    const bool dry = session_.dry_run();
    Trace& trace = session_.trace();
    if (dry) {
      trace_action(recipe, "block", "{ ... }",
                   "\"c\": a clone runs the block and the rest of the file (traced first), "
                   "then this process goes on after the block");
    }
    RetryJournal* journal = session_.settle_journal() ? session_.journal() : nullptr;
    const unsigned clone_number = journal != nullptr ? journal->next_clone_number() : 0;
    const pid_t pid = dry && !trace.open_clone_channel() ? -1 : start_clone();
    if (pid < 0) {
      if (dry) trace.close_clone_channel();  // no clone to report through it
      log_.line("Couldn't fork for the \"c\" block; it runs in this process instead");
    } else if (pid > 0) {
      if (dry) trace.absorb_clone();
      const bool wait = recipe.flags.wait || recipe.flags.wait_quietly;
      if (wait || dry) {
        const int status = wait_for_clone(pid);
        if (dry) trace_action(recipe, "block", "{ ... }", "the clone has finished: back in this "
                              "process, after the block");
        if (wait && status != 0) {
          if (recipe.flags.wait)
            log_.line("Program failure (" + std::to_string(status) + ") of \"mailsift\"");
          flow_.lastsucc = false;
          return Control::kNext;
        }
      } else {
        clones_.push_back(pid);
      }
      flow_.lastsucc = true;
      return Control::kNext;
    }
    if (pid == 0 && dry) trace.become_clone();
    // Its deliveries have keys of their own in the journal, and the journal is the
    // parent's to keep or remove.
    if (pid == 0 && clone_number != 0) journal->enter_clone(clone_number);
    // The lines held for stderr are the parent's to write, with its verdict, and the
    // ids its duplicate tests claimed are its to record.
    if (pid == 0) {
      log_.stop_holding();
      if (session_.duplicates() != nullptr) session_.duplicates()->enter_clone();
    }
    // The clone: its own clones are its own; the parent's are not, and the global
    // lockfile stays the parent's to remove (procmail: not inherited by the clone).
    clones_.clear();
    session_.forget_global_lock();
    session_.variables().unset("LOCKFILE");
  }
  if (!recipe.flags.copy) trace_action(recipe, "block", "{ ... }", "");
  {
    // procmail takes a block's lockfile as it enters the block and lets it go before
    // the first statement of the block (a stale one is forced): it guards nothing.
    LocalLock lock(log_);
    if (!take_local_lock(recipe, {std::string()}, "", lock.get())) return Control::kNext;
  }
  const Flow saved = flow_;
  flow_.prevcond = true;
  flow_.lastcond = true;
  flow_.lastsucc = true;
  const Control control = run_statements(recipe.action.block);
  flow_.prevcond = saved.prevcond;
  flow_.lastcond = saved.lastcond;
  return control;
}

}  // namespace mailsift::engine
