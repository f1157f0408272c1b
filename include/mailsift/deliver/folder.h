// Folder: one kind of destination behind one interface (fdm, Postfix local(8)).
// Every delivery starts as failed and reports success only once the data is durable
// on disk; on failure no partial message is visible in the folder.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mailsift/message/message.h"
#include "mailsift/sys/dotlock.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::deliver {

// Which part of the message an action writes (recipe flags h and b).
enum class Part { kWhole, kHeaderOnly, kBodyOnly };

struct DeliveryOptions {
  Part part = Part::kWhole;
  bool raw = false;            // flag r: no ">From" quoting, no added newline
  mode_t umask = 077;          // UMASK, applied to created files and directories
  std::string msgprefix = "msg.";  // MSGPREFIX, for directory folders
  std::string hostname;        // for unique names
  // A dotlock held while writing a file (mbox) folder: "$DEFAULT$LOCKEXT" for the
  // fall-back delivery, the recipe's local lockfile otherwise. Empty: none.
  std::string dotlock;
  sys::LockPolicy lock;
  // The delivery journal's hooks (commit_hooks.h); nullptr: none.
  class CommitHooks* hooks = nullptr;
};

enum class FolderKind { kMbox, kMaildir, kMh, kDirectory, kDevNull };
const char* folder_kind_name(FolderKind kind);

struct DeliveryReport {
  // What LASTFOLDER becomes: the folder as written for an mbox, the created file
  // for directory-type folders (one name per folder of the action).
  std::vector<std::string> stored;
  // The kind of each folder in stored, as classified (deliver_to_folders() and
  // predict_delivery() fill it; a single Folder::deliver() leaves it alone).
  std::vector<FolderKind> kinds;
  // Bytes written by the last write operation (for the log abstract).
  std::size_t bytes_written = 0;
  // Non-fatal problems the log should show (e.g. a secondary link that failed).
  std::vector<std::string> warnings;
  // What was done, step by step, in procmail's VERBOSE words ("Locking", "Opening",
  // "Acquiring kernel-lock", "Unlocking"), for the log when VERBOSE is on.
  std::vector<std::string> notes;
  // Where, among the notes, procmail would assign LASTFOLDER: an mbox does so before
  // it opens the file (this is that note's index); other kinds leave it unset, and
  // LASTFOLDER comes once the message is stored.
  std::optional<std::size_t> lastfolder_note;
};


class Folder {
 public:
  virtual ~Folder() = default;
  virtual FolderKind kind() const = 0;
  // The folder as it would be written in an rcfile ("inbox/", "lists/.", "mbox").
  virtual std::string describe() const = 0;
  // Stores one copy of the message. On success appends the stored name(s) to
  // report->stored; on failure nothing partial is left visible.
  virtual sys::Status deliver(sys::Io& io, const message::Message& message,
                              const DeliveryOptions& options, DeliveryReport* report) = 0;
  // Directory-type folders (maildir, MH, directory) can take a hard link to a file
  // already stored in another folder of the same action (procmail's "several
  // folders in one action"). Others return a failed Status.
  virtual sys::Status link_existing(sys::Io& io, const std::string& stored_file,
                                    const DeliveryOptions& options, std::string* created);
};

}  // namespace mailsift::deliver
