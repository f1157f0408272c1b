// The evaluator: runs parsed rcfiles (rc/ast.h) against one message, as procmail
// runs them: assignments with their side effects, recipes with procmail's flow state
// (the A a E e flags), conditions and weighted scores, actions (folders, programs,
// filters, captures, forwarding, nested blocks), INCLUDERC and SWITCHRC.
//
// An rcfile is read as it runs, one top-level statement at a time (rc/parser.h), and
// run as procmail runs it, mistakes and all: the notices in the tree are logged as
// they are passed. With MAILSIFT_STRICT=yes a file is parsed and checked whole
// first, and a file with errors is not run (its diagnostics are logged, and the
// message goes on to $DEFAULT).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/deliver/writer.h"
#include "mailsift/engine/commands.h"
#include "mailsift/engine/expand.h"
#include "mailsift/engine/log.h"
#include "mailsift/engine/rcfile.h"
#include "mailsift/engine/session.h"
#include "mailsift/engine/views.h"
#include "mailsift/message/message.h"
#include "mailsift/message/search_area.h"
#include "mailsift/rc/ast.h"
#include "mailsift/rc/regex_cache.h"
#include "mailsift/rc/text_index.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

// Bytes written to a program's stdin (they must outlive the run).
sys::InputWriter text_input(std::string_view text);

enum class RcfileResult {
  kUnreadable,  // could not be opened (the next rcfile is tried)
  kBroken,      // has errors and MAILSIFT_STRICT is on: logged, nothing in it was run
  kRan,         // ran to its end, or to a delivery that ends processing
};

// A recipe's local lockfile, removed (and, with VERBOSE, logged) when the action is
// done.
class LocalLock {
 public:
  explicit LocalLock(Log& log) : log_(log) {}
  LocalLock(const LocalLock&) = delete;
  LocalLock& operator=(const LocalLock&) = delete;
  ~LocalLock();
  sys::Dotlock* get() { return &lock_; }

 private:
  Log& log_;
  sys::Dotlock lock_;
};

// The joined header as conditions search it (Evaluator::message_area). It is indexed
// (rc::TextIndex) once enough regexes have searched it for the index to pay: an index
// costs about as much as a dozen literal scans of a header. (At namespace scope: as a
// nested class, clang cannot default-construct it inside std::optional.)
struct SearchedHeader {
  std::string text;
  int searches = 0;
  std::optional<rc::TextIndex> index;
};

class Evaluator {
 public:
  // message: the message as it is now; a filter replaces it. berkeley (-Y): a
  // filtered message's Content-Length is ignored too.
  // spool_directory: where a filter's output is spooled when it is too large to
  // hold in memory (as the message itself was: $TMPDIR, message/reader.h).
  Evaluator(Session& session, message::Message& message, bool berkeley,
            std::string spool_directory);
  ~Evaluator();

  // Reads, parses, checks and runs the rcfile at path (already resolved). With
  // trust, the file must pass rcfile_suspicion() (rcfile.h) first: a suspicious one
  // is logged and not run (kUnreadable, as procmail treats it). Files it includes
  // or switches to are not checked (procmail does not check them either).
  RcfileResult run_file(const std::string& path, const RcfileTrust* trust = nullptr);

  // A delivering recipe succeeded: nothing more runs (and $DEFAULT is not used).
  bool delivered() const { return delivered_; }
  // HOST named another host: the rcfiles end (procmail then tries the next one).
  bool host_mismatch() const { return session_.host_mismatch(); }

  // Children started by "c" on a block: waited for at the end of the run.
  void wait_for_clones();

  // For a process that ends after this delivery: the loaded rcfiles and their
  // regexes are handed to a holder that is never freed, instead of being freed one
  // by one when the Evaluator goes (for a thousand recipes that is a tenth of the
  // run; the kernel takes the memory back at once). The holder stays reachable, so
  // leak checkers do not report it. The Evaluator has no rules afterwards.
  void keep_rules_until_exit();

  // --explain: the recipe at `line` of the first rcfile (or the nearest one) is
  // explained on fd when it is reached; finish_explaining says so if it never was.
  void explain(int line, int fd) {
    explain_line_ = line;
    explain_fd_ = fd;
  }
  void finish_explaining(int exit_code);

  // Runs the TRAP command text with the message on its stdin and its output in the
  // log; returns its exit status (-1 when it could not be run).
  int run_trap(const std::string& text);

 private:
  // What running a statement leads to.
  enum class Control {
    kNext,       // go on with the next statement
    kStop,       // processing ends (delivered, HOST mismatch, or an error)
    kEndFile,    // SWITCHRC: the current file ends here
  };

  // The flow state of procmail's recipe loop (behaviour §3.7).
  struct Flow {
    bool lastcond = false;
    bool prevcond = false;
    bool lastsucc = false;
  };

  struct LoadedFile;
  LoadedFile* load(const std::string& path, const RcfileTrust* trust, RcfileResult* result);
  Control run_file_chain(const std::string& path, const RcfileTrust* trust,
                         RcfileResult* result);
  Control run_statements(const rc::Statements& statements);
  Control run_statement(const rc::Statement& statement);
  Control run_assignment(const rc::Assignment& assignment);
  Control run_recipe(const rc::Recipe& recipe);
  // A recipe's start-line words with a "$" or a backquote, expanded and scanned
  // (rc::Recipe::dynamic_flags): its flags and lockfile as procmail reads them.
  const rc::Recipe& with_dynamic_flags(const rc::Recipe& recipe, rc::Recipe* storage);
  // Notices (rc/ast.h): mistakes procmail passes over, logged where it would.
  void log_notice(const rc::Diagnostic& diagnostic);
  void log_notices(const rc::Notices& notices);
  void log_skipped_words(const rc::Recipe& recipe, bool expand);
  // The notices procmail logs while it reads past a block it does not enter.
  void log_skipped_block_notices(const rc::Statements& statements);

  // Conditions (conditions.cc).
  bool conditions_hold(const rc::Recipe& recipe, bool* error);
  // For a regex searched in a spooled body (B): whether the body holds all its
  // required literals, looked for window by window with each window's pages dropped
  // after it (rc::Regex::lacks_required_literal), so that a body rule the message
  // does not satisfy never holds the body in memory. nullopt for any other area.
  std::optional<bool> spooled_body_holds_literals(const rc::Regex& regex, std::string_view area);
  struct ConditionState;
  bool condition_holds(const rc::Recipe& recipe, const rc::Condition& condition,
                       ConditionState* state, bool* error);
  bool expand_quoted(const rc::Condition& condition, std::string* text, std::string* failure);
  // The text a condition searches: a message area, a variable's value (then in
  // *storage) or a view's text. subject: the condition's "NAME ??" or "view ??"
  // prefix, or nullptr.
  std::string_view area_for(const rc::Recipe& recipe, const rc::ConditionPrefix* subject,
                            std::string* storage);
  std::string_view message_area(message::Area area);

  // Actions (actions.cc). Each returns the action's success.
  bool run_action(const rc::Recipe& recipe, Control* control);
  bool deliver_to_folders(const rc::Recipe& recipe, bool* delivering);
  bool run_pipe(const rc::Recipe& recipe, bool* delivering);
  bool run_filter(const rc::Recipe& recipe);
  bool run_capture(const rc::Recipe& recipe);
  bool run_forward(const rc::Recipe& recipe, bool* delivering);
  bool deliver_to_program(const rc::Recipe& recipe, const Command& command, bool forwarding);
  void log_program_failure(const rc::RecipeFlags& flags, const Command& command,
                           const sys::ProgramOutcome& outcome);
  bool write_to_stdout(const rc::Recipe& recipe);
  Control run_block(const rc::Recipe& recipe);
  bool take_local_lock(const rc::Recipe& recipe, const std::vector<std::string>& folders,
                       const std::string& command_word, sys::Dotlock* lock);

  // "c" on a block: a copy of this process (0 in the copy, its pid here, -1 when
  // none could be made), and waiting for one (its exit status, -1 when killed).
  pid_t start_clone();
  int wait_for_clone(pid_t pid);

  // --explain (explain.cc).
  void choose_explained(const rc::Statements& statements);
  void explain_recipe(const rc::Recipe& recipe, bool flags_allowed, bool taken);
  void explain_condition(const rc::Recipe& recipe, const rc::Condition& condition, int index);
  std::string describe_recipe(const rc::Recipe& recipe) const;
  // Why the explained recipe was not reached: the recipe that ended processing, or
  // the block around it that was not entered (the first such event counts).
  void note_end_for_explaining(const rc::Recipe& recipe, const std::string& what);
  void note_skipped_block_for_explaining(const rc::Recipe& block);
  void say(const std::string& text);

  // Helpers.
  void trace_condition(const rc::Recipe& recipe, const rc::Condition& condition, bool result,
                       std::optional<double> score, const std::string& note,
                       const std::optional<std::string>& matched = std::nullopt);
  void trace_action(const rc::Recipe& recipe, const std::string& kind, const std::string& target,
                    const std::string& note);
  std::string current_file() const { return file_stack_.empty() ? std::string() : file_stack_.back(); }
  Expander expander();
  std::optional<std::string> run_backquote(const std::string& command);
  void log_at(const rc::Position& at, const std::string& text);
  void after_copy_delivery();
  void log_extraneous_flags(const rc::Recipe& recipe, bool runs);
  // The message (in the given form) written to a program's stdin; the bytes
  // written go to last_input_size_.
  sys::InputWriter message_input(const deliver::WriteFormat& format);

  Session& session_;
  Log& log_;
  message::Message& message_;
  rc::RegexCache regexes_;
  Flow flow_;
  std::vector<std::unique_ptr<LoadedFile>> files_;  // kept alive: the tree is walked
  std::vector<std::string> file_stack_;             // for $_ and include loops
  int switches_ = 0;
  bool delivered_ = false;
  bool executing_ = true;  // false while a skipped recipe's backquotes would run
  std::vector<pid_t> clones_;
  // Variables that hold message data besides MATCH (engine/folder_guard.h): set by a
  // capture, or assigned from message data. std::less<>: looked up by string_view
  // (once per variable expanded), without making a std::string of the name.
  // Each with the byte of its value from which it holds message data (the rcfile's
  // own text before it: "F=.lists.`cmd`" from 7 on).
  std::map<std::string, std::size_t, std::less<>> message_data_;
  std::size_t last_input_size_ = 0;
  // deliver_to_program: a program procmail would not wait for (no w, W or local
  // lockfile) took the message and then failed.
  bool program_took_message_ = false;
  // The message's search areas, made on first use (message_area).
  static constexpr int kSearchesBeforeIndex = 12;
  std::optional<SearchedHeader> header_area_;
  ViewCache views_;  // the views conditions have tested, for this message
  // The index of area when it is the joined header and it pays to have one.
  const rc::TextIndex* index_for(std::string_view area);
  int explain_line_ = 0;
  int explain_fd_ = -1;
  const rc::Recipe* explained_ = nullptr;
  std::string explained_file_;
  bool explained_reached_ = false;
  std::string explain_not_reached_;
  bool berkeley_ = false;
  std::string spool_directory_;
};

}  // namespace mailsift::engine
