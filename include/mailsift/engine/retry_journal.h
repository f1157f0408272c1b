// RetryJournal: the delivery journal of one run (state/journal.h) as the engine
// uses it, so that the mail server's retry after exit 75 stores exactly one copy in
// every folder (mailsiftrc(5), DELIVERY JOURNAL).
//
// - Each delivery of the run to folders has a key: the folders (made absolute),
//   how many deliveries to the same folders came before it in this process, and,
//   in a "c" clone, the clone's number.
// - No folder holds the message durably without a durable intent: for maildir,
//   MH and directory folders the name and inode of the file about to be linked
//   (for a maildir a staged copy, a link to the file that the sync of new/ after
//   the link commits with it, state/journal.h; otherwise synced); for an mbox a
//   pending record beside the journal (state/pending_append.h). Once the message
//   is durable, a done record (not synced).
// - A retry skips a destination that has a done record, or whose intent (or, its
//   line lost in a power cut, staged copy) names a file that is there (also moved
//   from new/ to cur/ by a mail reader). An mbox
//   append that a killed attempt left is settled by the next delivery into that mbox
//   (settle_mbox): cut back when torn, recorded as done when whole.
// - The journal is kept after the run, whatever its exit code: a run killed after
//   its last delivery is retried by the mail server although nothing failed, and
//   only the journal can tell. So the very same bytes delivered again to the same
//   recipient within limits::kJournalRetentionSeconds count as a retry (a mail
//   server never sends them twice: its Received line differs).
// - So it is on by default only when a mail server delivers (-d, or the RECIPIENT
//   variable that Postfix local(8), Exim's pipe transport, qmail and Courier set, or
//   MAIL_CONFIG, which Postfix sets for pipe(8) too),
//   not when someone runs a saved message by hand, where procmail's behaviour (a
//   second run stores a second copy) is what is expected. MAILSIFT_JOURNAL turns
//   it on ("yes", or a directory) or off ("no") anywhere.
// - Programs are not journaled: what a program did cannot be checked. Forwards are
//   when MAILSIFT_JOURNAL_FORWARDS=yes: done once $SENDMAIL has exited 0 (a kill
//   between that and the record forwards the message again).
// A journal that cannot be read or written is logged and the delivery goes on as
// without one: never a lost message, at worst a second copy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mailsift/deliver/commit_hooks.h"
#include "mailsift/engine/log.h"
#include "mailsift/message/message.h"
#include "mailsift/state/journal.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

class RetryJournal final : public deliver::CommitHooks {
 public:
  // The journal of `message` (as received: ready() must come before a filter changes
  // it; the caller keeps it alive) for `recipient` (with its arguments), named by
  // message::retry_digest when ready() first finds the journal on: a run without
  // one never reads the message for it. on_by_default: this run is a mail server's
  // delivery (see run.cc), so the journal is on unless MAILSIFT_JOURNAL says
  // otherwise; a run by hand has it only when asked.
  RetryJournal(sys::Io& io, Log& log, const message::Message& message, std::string recipient,
               bool on_by_default);
  // For tests: a journal already named.
  RetryJournal(sys::Io& io, Log& log, std::string name, bool on_by_default);
  bool on_by_default() const { return on_by_default_; }
  // ready() has decided (once per run).
  bool settled() const { return settled_; }
  // The journal is read and written in this run.
  bool active() const { return usable_; }

  // Called before each delivery: on the first call the journal's directory is
  // settled (`directory`: $MAILSIFT_JOURNAL, else $HOME/.mailsift/journal; relative
  // to `cwd`, the directory relative folder names lead to) and an earlier attempt's
  // journal read. False when the journal is off ("no", "off" or empty), or could
  // not be read (logged).
  bool ready(const std::string& directory, const std::string& cwd);

  // The key for the next delivery to `folders`.
  std::string next_key(const std::vector<std::string>& folders, const std::string& cwd);
  // The key for the next forward by this command (MAILSIFT_JOURNAL_FORWARDS).
  std::string next_forward_key(const std::string& command);
  // True when an earlier attempt stored this destination; *stored gets what it stored.
  bool already_stored(const std::string& key, std::vector<std::string>* stored);
  // The destination the hooks speak of until the next begin().
  void begin(const std::string& key) { key_ = key; }
  // The current destination holds the message.
  void done(const std::vector<std::string>& stored);

  // "c" clones: the parent numbers each clone it starts; the clone marks itself.
  unsigned next_clone_number() { return ++clones_started_; }
  void enter_clone(unsigned number);

  // The run has ended. The journal is kept when it records a stored copy, and
  // records older than limits::kJournalRetentionSeconds are removed (at most once
  // per limits::kJournalPruneInterval), with the staged copies no longer needed
  // (at once when mailbox_full: the run failed for want of space). Nothing in a
  // clone (its parent decides).
  void finish(bool mailbox_full = false);

  // deliver::CommitHooks
  void before_link(const std::string& target, ino_t inode) override;
  void before_maildir_link(const std::string& file, const std::string& target,
                           ino_t inode) override;
  Unfinished settle_mbox(sys::Io& io, int fd, const std::string& path,
                         const struct stat& st) override;
  void before_append(const std::string& path, const struct stat& st, off_t offset,
                     std::size_t length) override;
  void append_durable(const std::string& path) override;
  void append_abandoned(const std::string& path) override;

 private:
  // Logs a journal failure once and stops writing to the journal.
  void broken(const sys::Status& status);
  bool present(const state::JournalEntry& entry) const;
  // The file in new/ (or cur/) that a staged copy of `key` proves stored, or "";
  // not the one `tried` (an intent line's) names.
  std::string present_by_staged_copy(const std::string& key,
                                     const state::JournalEntry* tried) const;
  void prune_now_and_then();
  void settle_staged_copies_now();
  void settle_staged_copies(const std::vector<std::string>& names, time_t now,
                            std::size_t start);
  // The pending-append record of an mbox (named by its absolute path).
  std::string pending_record(const std::string& mbox) const;

  sys::Io& io_;
  Log& log_;
  const message::Message* message_ = nullptr;
  std::string recipient_;
  std::string name_;
  bool on_by_default_;
  bool settled_ = false;
  bool usable_ = false;
  std::unique_ptr<state::RunJournal> journal_;
  std::map<std::string, unsigned> seen_;
  std::string key_;
  std::string cwd_;  // where relative folder names of the current delivery lead
  std::string prefix_;  // "c<n>/" in a clone
  unsigned clones_started_ = 0;
  bool in_clone_ = false;
};

}  // namespace mailsift::engine
