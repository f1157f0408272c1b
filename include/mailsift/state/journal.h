// The delivery journal: what one run has stored so far, kept so that the mail
// server's retry after exit 75 stores no second copy (mailsiftrc(5), DELIVERY
// JOURNAL). One small file per recipient and message, named by
// message::retry_digest, in a directory inside the mailbox tree.
//
// Records, one line each, fields separated by spaces and %-escaped (a byte below
// 0x21, '%' and 0x7f as %XX):
//   mailsift-journal 1                 the first line
//   intent KEY TARGET INODE            a directory-type folder is about to link its
//                                      synced file (INODE) as TARGET
//   done KEY STORED...                 the destination KEY holds the message (STORED:
//                                      what LASTFOLDER became)
// KEY names one delivery of the run (engine/retry_journal.h). A line that does not
// parse (a torn last line, a corrupt file) is skipped: it can only cost a second
// copy, never a message, since a destination counts as stored only by a "done"
// line or by finding the very file its "intent" (or staged copy, below) names.
//
// Staged copies: a maildir delivery's file is also linked into the directory as
// "RUN.KEYHASH.NAME" (RUN the journal file's name, KEYHASH 16 hex digits of the
// KEY, NAME the file's name in new/), with its intent line (not synced), after the
// file is synced and before it is linked into new/. The sync of new/ that the
// delivery makes after that link commits the staged copy and the journal file's
// name with it (file systems that journal their metadata commit in order; the
// line's bytes may still be lost), so the staged copy is an intent record that
// costs no sync of its own. It is removed once the run's lines are surely written
// out, or once it is the file's only name (settle_staged_copies). A retry that
// lost the lines (a power cut) counts the folder as stored when the staged copy's
// file is there (its inode in new/ or cur/).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::state {

struct JournalEntry {
  bool done = false;
  std::vector<std::string> stored;  // with done
  // The last intent: where the file was to be linked, and its inode (0: none).
  std::string target;
  ino_t inode = 0;
};

class RunJournal {
 public:
  // directory: the journal directory (made, with its parent, on first write, mode
  // 0700); name: the file's name in it.
  RunJournal(sys::Io& io, std::string directory, std::string name);
  ~RunJournal();
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  const std::string& directory() const { return directory_; }
  const std::string& path() const { return path_; }

  // Reads what an earlier attempt left. The common case, no journal, costs one
  // open(2) that fails with ENOENT and is no error. *skipped: lines that did not
  // parse. A journal that cannot be read is an error (the caller logs it and
  // delivers without the journal).
  sys::Status load(std::size_t* skipped);
  // True when load() found a journal: this run is a retry.
  bool found() const { return found_; }
  const JournalEntry* find(const std::string& key) const;

  // Creates the file (and its directory) if this run has not yet (not synced).
  sys::Status ensure_created();
  // Appends an intent and makes it durable before returning (fsync): it must be on
  // disk before the message can be in the folder.
  sys::Status record_intent(const std::string& key, const std::string& target, ino_t inode);
  // The same, not synced: for the line that goes with a staged copy.
  sys::Status stage_intent(const std::string& key, const std::string& target, ino_t inode);
  // Links `file` into the directory as the staged copy of KEY whose name in new/ is
  // `name` (see above). Fails on another file system (EXDEV), among others: the
  // caller then records a synced intent instead.
  sys::Status stage_copy(const std::string& file, const std::string& key,
                         const std::string& name);
  // The staged copies of KEY that an earlier attempt left: their names in new/ and
  // inodes. Reads the directory (only a retry asks).
  std::vector<std::pair<std::string, ino_t>> staged_copies(const std::string& key) const;
  // Appends a done record. Not synced: if it is lost, the retry finds the file its
  // intent names (or the mbox settles it), so a lost "done" costs nothing.
  sys::Status record_done(const std::string& key, const std::vector<std::string>& stored);
  // Reads the file again: true when it has a done record (a clone's too).
  bool any_done_on_disk();
  // The run has ended and no retry will come: the file goes, with the run's staged
  // copies (unlinks; if a crash undoes them, the records only describe copies that
  // exist).
  void remove();

 private:
  // Opens the file for appending, made (with its directory) if missing; *created:
  // by this call (its first line is still to be written).
  sys::Status open_for_append(bool* created);
  sys::Status append(const std::string& line, bool sync);
  sys::Status append_intent(const std::string& key, const std::string& target, ino_t inode,
                            bool sync);

  std::string staged_prefix(const std::string& key) const;

  sys::Io& io_;
  std::string directory_;
  std::string name_;
  std::string path_;
  std::map<std::string, JournalEntry> entries_;
  bool found_ = false;
  bool staged_any_ = false;  // stage_copy made a link
  int fd_ = -1;
};

// The escaped form of one field, and back. unescape_field: false when malformed.
std::string escape_field(const std::string& field);
bool unescape_field(const std::string& escaped, std::string* field);

// Appends "done KEY STORED..." to another run's journal (an mbox append that a
// killed run finished, found complete by a later delivery). The file must exist.
sys::Status append_done(sys::Io& io, const std::string& journal_path, const std::string& key,
                        const std::vector<std::string>& stored);

// Makes `directory` (and its parent) with mode 0700 when missing. 0 or -1 (errno).
int make_state_directory(sys::Io& io, const std::string& directory);

// True for a staged copy's name (RUN.KEYHASH.NAME, RUN and KEYHASH in hex).
bool is_staged_copy_name(const std::string& name);
// True for the name of a file the journal makes: a run's journal (hex), an mbox
// record ("mbox-" and hex), a staged copy. Nothing else is ever removed from the
// directory, which MAILSIFT_JOURNAL may set to one that holds mail.
bool is_journal_file_name(const std::string& name);

// Removes the staged copies among `names` (the files of `directory`) that are the
// only name of their file (the message was deleted from its folder, or never got
// there: such a copy proves nothing) or were made more than min_age seconds before
// now (by then the run's lines, which stand in for them, are written out: the
// kernel writes dirty data back within 30 s by default). Looks at no more than
// `budget` of them, from the start-th on, wrapping around. Returns how many were
// removed.
std::size_t settle_staged_copies(sys::Io& io, const std::string& directory,
                                 const std::vector<std::string>& names, time_t now,
                                 time_t min_age, std::size_t budget, std::size_t start);

// Removes the journal's files (is_journal_file_name) in `directory` last changed
// more than max_age seconds before now, looking at no more than `budget` files (a
// run spends bounded time on it), from the start-th name on, wrapping around:
// callers vary `start` so that calls over time reach every file of a large
// directory. Returns how many were removed.
std::size_t prune_old_files(sys::Io& io, const std::string& directory, time_t now, time_t max_age,
                            std::size_t budget, std::size_t start);
// The same over `names`, the directory's files as already listed.
std::size_t prune_old_files(sys::Io& io, const std::string& directory,
                            const std::vector<std::string>& names, time_t now, time_t max_age,
                            std::size_t budget, std::size_t start);

}  // namespace mailsift::state
