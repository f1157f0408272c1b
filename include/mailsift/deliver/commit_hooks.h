// CommitHooks: what a folder tells the delivery journal (engine/retry_journal.h)
// at the moments a crash would otherwise leave a copy behind that a retry cannot
// see. The deliver layer only calls them; it knows nothing of the journal. A hook
// never fails a delivery: a journal that cannot be written is logged by its owner
// and the message is delivered as without one.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

#include "mailsift/sys/io.h"

namespace mailsift::deliver {

class CommitHooks {
 public:
  virtual ~CommitHooks() = default;

  // An MH or directory folder (a maildir, through before_maildir_link's default)
  // has written and synced the message to a temporary file (`inode`) and is about
  // to link it as `target`: from the link on it can be in the folder. Called again
  // for each new target tried.
  virtual void before_link(const std::string& target, ino_t inode) = 0;
  // The same for a maildir, whose temporary file is `file` (in tmp/) and `target` in
  // new/: the folder syncs new/ after the link, and on file systems that commit
  // metadata in order that sync commits with the link the names the hook made just
  // before it, such as a link of `file` elsewhere (not the bytes it wrote). Not
  // pure: a hook that does not care need not say so.
  virtual void before_maildir_link(const std::string& file, const std::string& target,
                                   ino_t inode) {
    (void)file;
    before_link(target, inode);
  }

  // What settle_mbox found an earlier, unfinished append into this mbox to be.
  enum class Unfinished {
    kNone,          // there was none, or it was dealt with: append as usual
    kOursComplete,  // it was this very delivery's, by an earlier attempt, and is whole:
                    // the message is there; write nothing
  };
  // An mbox, both locks held, `st` its state: an append that a killed delivery left
  // is dealt with here (the file may be cut back through fd).
  virtual Unfinished settle_mbox(sys::Io& io, int fd, const std::string& path,
                                 const struct stat& st) = 0;
  // About to append `length` bytes to the mbox at `offset` (still locked).
  virtual void before_append(const std::string& path, const struct stat& st, off_t offset,
                             std::size_t length) = 0;
  // The append is durable and the file closed.
  virtual void append_durable(const std::string& path) = 0;
  // The append failed and the file was cut back to where it began: nothing is
  // left to settle.
  virtual void append_abandoned(const std::string& path) = 0;
};

}  // namespace mailsift::deliver
