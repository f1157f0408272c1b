// Session: the state of one run for one recipient: variables (with the side
// effects of procmail's special variables), the log, lock settings, and what has
// been stored so far.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "mailsift/deliver/folder.h"
#include "mailsift/engine/duplicates.h"
#include "mailsift/engine/expand.h"
#include "mailsift/engine/log.h"
#include "mailsift/engine/retry_journal.h"
#include "mailsift/engine/trace.h"
#include "mailsift/engine/variables.h"
#include "mailsift/message/message.h"
#include "mailsift/sys/dotlock.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

class Session {
 public:
  Session(sys::Io& io, Log& log, Variables variables);

  // NAME=value (or unset when value is nullopt), then the variable's side effect:
  // MAILDIR changes directory, LOGFILE moves the log, LOG writes to it, UMASK sets
  // the umask, VERBOSE, LOCKSLEEP, LOCKTIMEOUT, SUSPEND, TIMEOUT, LOCKFILE takes the
  // global lock, SHIFT drops positional arguments, HOST ends the rcfiles when it is
  // not this host's name. `quiet`: no "Assigning" line (captures).
  void assign(const std::string& name, const std::optional<std::string>& value,
              bool quiet = false);

  const Variables& variables() const { return variables_; }
  Variables& variables() { return variables_; }
  VariableLookup lookup() const;

  // Delivers to the folders of one action. `dotlock` is taken while an mbox is
  // written ("" for none). True when the message is durably stored; failures are
  // logged with the step that failed. In a dry run nothing is written: the folders
  // are traced, and a failure the file system already shows is predicted.
  bool deliver(const std::vector<std::string>& folders, const message::Message& message,
               const std::string& dotlock, deliver::Part part = deliver::Part::kWhole,
               bool raw = false);

  // A program or forward that received the message and exited 0: the message is
  // delivered. `lastfolder` is what LASTFOLDER becomes.
  void mark_delivered(const std::string& lastfolder, std::size_t bytes_written);
  // LASTFOLDER for a program that was given the message (procmail sets it once the
  // program has ended, whatever became of it).
  // (With the bytes the program was given: an abstract names them when processing
  // ends without a delivery, as procmail's does.)
  void set_lastfolder(const std::string& lastfolder, std::size_t bytes_written);

  // The delivery journal of this run (retry_journal.h); nullptr: none (dry runs,
  // tests). Not owned.
  void set_journal(RetryJournal* journal) { journal_ = journal; }
  // The duplicate tests of this run (duplicates.h); nullptr: none (tests). Not owned.
  void set_duplicates(DuplicateTests* duplicates) { duplicates_ = duplicates; }
  DuplicateTests* duplicates() { return duplicates_; }
  RetryJournal* journal() { return journal_; }
  const RetryJournal* journal() const { return journal_; }
  // Settles where the journal is and reads an earlier attempt's (once; before the
  // first delivery, and before a "c" clone is started, so that the clone's records
  // are not taken for an earlier attempt's). False when there is none to use.
  bool settle_journal();
  // The journal key of a forward when MAILSIFT_JOURNAL_FORWARDS is "yes" (then the
  // journal's current destination), "" otherwise. *skipped: an earlier attempt
  // forwarded it (logged, LASTFOLDER set, counted as delivered).
  std::string forward_journal_key(const std::string& command, bool* skipped);

  // Where the message went, in order: each action that stored it (or a journal skip
  // of one) as LASTFOLDER names it. For a log line per delivery (LMTP).
  const std::vector<std::string>& delivered_to() const { return delivered_to_; }
  bool stored() const { return !delivered_to_.empty(); }
  // The deliveries that failed, in order (at most kMaxFailuresKept; the rest are
  // counted): what the verdict for the mail server names (verdict.h).
  struct FailedDelivery {
    std::string folder;  // absolute, for the administrator who reads it
    std::string reason;  // the failed step, e.g. `mkdir "/h/u/Mail/x": Permission denied`
    std::string role;    // "$DEFAULT" or "$ORGMAIL" for the fall-back, else ""
    int error = 0;       // the errno of the failed step (ENOSPC: the disk is full)
  };
  const std::vector<FailedDelivery>& failures() const { return failures_; }
  std::size_t failures_not_kept() const { return failures_not_kept_; }
  static constexpr std::size_t kMaxFailuresKept = 4;
  // EXITCODE was assigned during the run (the command line or an rcfile): only then
  // does it decide the exit status. One inherited from the caller's environment
  // (-p -m keeps it) does not, as in procmail.
  bool exitcode_assigned() const { return exitcode_assigned_; }
  // $? and $= (behaviour §3.2).
  void set_last_status(int status) { last_status_ = status; }
  void set_last_score(long score) { last_score_ = score; }
  // HOST was set to a name other than this host's: the rcfiles end (procmailrc(5)).
  bool host_mismatch() const { return host_mismatch_; }
  void clear_host_mismatch() { host_mismatch_ = false; }
  const sys::LockPolicy& lock_policy() const { return lock_; }
  // TIMEOUT: how long a program may run (0: no limit) and a lock be waited for.
  unsigned timeout_seconds() const { return lock_.give_up_after_seconds; }
  const std::string& hostname() const { return hostname_; }
  Log& log() { return log_; }
  sys::Io& io() { return io_; }
  // Releases the global LOCKFILE (at the end of the run).
  void release_global_lock();
  // In a clone ("c" on a block): the global lock is the parent's to release.
  void forget_global_lock();
  const std::string& current_rcfile() const { return current_rcfile_; }

  // A dry run: deliveries, lockfiles and LOGFILE are only traced, and programs other
  // than "?" conditions, filters, captures and backquotes (those with run_programs)
  // are never run.
  void set_dry_run(Trace* trace, bool run_programs) {
    trace_ = trace;
    run_programs_ = run_programs;
  }
  bool dry_run() const { return trace_ != nullptr; }
  bool run_programs() const { return trace_ == nullptr || run_programs_; }
  Trace& trace() { return trace_ != nullptr ? *trace_ : no_trace_; }
  // The deliveries that follow are the fall-back ($DEFAULT, $ORGMAIL).
  void set_fallback(bool fallback) { fallback_ = fallback; }
  std::size_t last_write_size() const { return last_write_size_; }
  bool default_assigned() const { return default_assigned_; }
  bool maildir_assigned() const { return maildir_assigned_; }
  void set_current_rcfile(std::string name) { current_rcfile_ = std::move(name); }
  mode_t umask() const { return umask_; }

 private:
  void take_global_lock(const std::string& path);
  // Writes the message to the folders, or in a dry run predicts what writing would do.
  sys::Status store(const std::vector<std::string>& folders, const message::Message& message,
                    const deliver::DeliveryOptions& options, deliver::DeliveryReport* report);
  // The journal key of this delivery, with options->hooks set; "" when the journal
  // is not used. *skipped: an earlier attempt stored it (then LASTFOLDER is set).
  static std::string current_directory();
  std::string journal_key(const std::vector<std::string>& folders,
                          deliver::DeliveryOptions* options, bool* skipped);

  sys::Io& io_;
  Log& log_;
  Variables variables_;
  mode_t umask_ = 077;
  sys::LockPolicy lock_;
  std::string hostname_;
  std::string current_rcfile_;
  std::vector<std::string> delivered_to_;
  std::vector<FailedDelivery> failures_;
  std::size_t failures_not_kept_ = 0;
  bool exitcode_assigned_ = false;
  bool default_assigned_ = false;
  bool maildir_assigned_ = false;
  std::size_t last_write_size_ = 0;
  int last_status_ = 0;
  long last_score_ = 0;
  bool host_mismatch_ = false;
  sys::Dotlock global_lock_;
  Trace* trace_ = nullptr;
  Trace no_trace_;
  RetryJournal* journal_ = nullptr;
  DuplicateTests* duplicates_ = nullptr;
  bool run_programs_ = false;
  bool fallback_ = false;
};

}  // namespace mailsift::engine
