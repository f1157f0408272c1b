// Internal to the deliver layer: the steps that maildir, MH and directory folders
// share (creating folders, writing a message to a new file durably, linking it,
// syncing a directory). Implemented in directory.cc.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "mailsift/deliver/commit_hooks.h"
#include "mailsift/deliver/folder.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::deliver::store {

// Modes procmail gives what it creates (verified with /usr/bin/procmail 3.22 and
// UMASK=022: directories 0755, message files 0645): 0777 and 0667 less the umask.
// The x bit for others on a message file is procmail's "new mail" bit, kept for
// compatibility with tools that look at it.
inline constexpr mode_t kDirectoryMode = 0777;
inline constexpr mode_t kMessageFileMode = 0667;

// "dir/name" (no doubled slash when dir already ends in one).
std::string join(const std::string& dir, const std::string& name);

// Makes sure path is a directory, creating it (one level, mode 0777 & ~umask) when
// it does not exist. Fails with Step::kMkdir (ENOTDIR when the path exists but is
// not a directory: procmail's "Unable to treat as directory").
sys::Status ensure_directory(sys::Io& io, const std::string& path, mode_t umask);

// A file name that is unlinked when the object goes away, unless released: a
// delivery that fails at any step leaves no temporary file behind.
class TempFile {
 public:
  TempFile() = default;
  TempFile(sys::Io& io, std::string path) : io_(&io), path_(std::move(path)) {}
  TempFile(TempFile&& other) noexcept;
  TempFile& operator=(TempFile&& other) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { remove(); }

  const std::string& path() const { return path_; }
  // The last component of the path.
  std::string name() const;
  // Unlinks now; 0 or -1 with errno (no-op returning 0 when empty).
  int remove();

 private:
  sys::Io* io_ = nullptr;
  std::string path_;
};

// What write_new_file produced.
struct NewFile {
  TempFile file;
  std::size_t written = 0;  // bytes written (also on failure: complete pieces)
  ino_t inode = 0;
};

// Creates "<dir>/<prefix><unique name>" with O_WRONLY|O_CREAT|O_EXCL (a new name
// on EEXIST, up to limits::kUniqueNameAttempts), writes the message in `format`,
// fsyncs and closes it, checking each step. On failure the file is removed and the
// Status names the step (open, write, fsync, close).
sys::Status write_new_file(sys::Io& io, const std::string& dir, const std::string& prefix,
                           const message::Message& message, const WriteFormat& format,
                           const DeliveryOptions& options, NewFile* out);

// fsync of a directory, so that links and unlinks in it survive a crash.
// Failure: Step::kFsync naming the directory.
sys::Status sync_directory(sys::Io& io, const std::string& dir);

// Links `from` to "<dir>/<n>" for the next free MH message number n (largest
// all-digit name + 1, counting up on EEXIST). *created gets the new path. hooks
// (may be nullptr) hear of each target before it is tried; inode is from's.
sys::Status link_next_number(sys::Io& io, const std::string& from, const std::string& dir,
                             std::string* created, CommitHooks* hooks = nullptr,
                             ino_t inode = 0);

// procmail's base 64 for numbers in file names: 6-bit digits, least significant
// first, alphabet A-Z a-z 0-9 - _ (0 is "A").
std::string procmail_base64(unsigned long long value);

// After a link became visible but the directory sync failed: removes the link again
// (so an MTA retry does not duplicate the message) and returns the failure with,
// as its aftermath, whether the removal worked.
sys::Status undo_unsynced_link(sys::Io& io, const std::string& created,
                               const sys::Status& sync_failure);

}  // namespace mailsift::deliver::store
