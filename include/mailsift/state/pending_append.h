// The intent record of an mbox append: a small file, one per mbox, that exists
// only while a delivery appends to that mbox (it is written, and made durable, under
// the mbox's locks before the first byte, and removed once the append is durable
// and recorded as done). A later delivery that takes the locks and finds it knows
// that the append before it never finished, and where it began: a killed delivery
// leaves no torn message for good (engine/retry_journal.h decides what to do).
//
// Its name is the mbox path's digest, so that finding it costs the next delivery
// one open(2) that fails with ENOENT.
#pragma once

#include <sys/types.h>

#include <string>

#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::state {

struct PendingAppend {
  dev_t device = 0;   // the mbox file
  ino_t inode = 0;
  off_t offset = 0;   // its length before the append
  off_t length = 0;   // the bytes the append was to add
  std::string journal;  // the run journal of the delivery (state/journal.h)
  std::string key;      // its destination key there
};

// "<directory>/mbox-<digest of mbox_path>".
std::string pending_append_path(const std::string& directory, const std::string& mbox_path);

// Writes the record durably (the file synced; the directory not, see
// RunJournal::open_for_append); makes the directory when missing.
sys::Status write_pending_append(sys::Io& io, const std::string& directory,
                                 const std::string& path, const PendingAppend& pending);

// 1: found and parsed into *pending; 0: none (the common case); -1: could not be
// read or does not parse (errno; EINVAL for a malformed record).
int read_pending_append(sys::Io& io, const std::string& path, PendingAppend* pending);

// Removes the record. 0 or -1 (errno). Not synced: a record that comes back after
// a crash describes an append that is complete, which the next delivery sees.
int remove_pending_append(sys::Io& io, const std::string& path);

}  // namespace mailsift::state
