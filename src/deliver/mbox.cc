#include "mailsift/deliver/mbox.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "mailsift/deliver/commit_hooks.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/sys/dotlock.h"
#include "mailsift/sys/kernel_lock.h"

namespace mailsift::deliver {
namespace {

// procmail creates a new mbox with mode 0667 less the umask (verified: UMASK=022
// gives 0645, UMASK=077 gives 0600); the x bit for others is its "new mail" bit.
constexpr mode_t kNewMboxMode = 0667;

// Cuts the file back to the length it had before this delivery and makes that
// durable, so a failed append leaves no partial message for the next one to be
// glued onto. Returns a phrase for the failure's aftermath.
// *done: the cut is made and durable.
std::string truncate_back(sys::Io& io, int fd, off_t old_size, bool* done = nullptr) {
  if (done != nullptr) *done = false;
  if (io.ftruncate(fd, old_size) != 0) {
    return "could not truncate back to " + std::to_string(old_size) +
           " bytes: " + std::strerror(errno);
  }
  if (io.fsync(fd) != 0) {
    return "truncated back to " + std::to_string(old_size) +
           " bytes, but fsync after truncating failed: " + std::strerror(errno);
  }
  if (done != nullptr) *done = true;
  return "truncated back to " + std::to_string(old_size) + " bytes";
}

// After close() failed the descriptor is gone (and with it the kernel lock), so the
// file is opened again, locked again, and cut back only if it still has exactly the
// length this delivery left: if another writer appended meanwhile, cutting would
// destroy its message, so the file is left alone and the aftermath says so.
std::string truncate_after_close(sys::Io& io, const std::string& path,
                                 const DeliveryOptions& options, off_t old_size,
                                 off_t our_end) {
  const int fd = io.open(path.c_str(), O_WRONLY | O_NOCTTY, 0);
  if (fd < 0) {
    return std::string("could not reopen to truncate: ") + std::strerror(errno);
  }
  std::string detail;
  struct stat st {};
  if (!sys::kernel_lock(io, fd, path, options.lock).ok()) {
    detail = "could not lock again to truncate";
  } else if (io.fstat(fd, &st) != 0) {
    detail = std::string("could not fstat to truncate: ") + std::strerror(errno);
  } else if (st.st_size != our_end) {
    detail = "not truncated: the file changed after the failed close";
  } else {
    detail = truncate_back(io, fd, old_size);
  }
  io.close(fd);
  return detail;
}

// Opens the mbox for appending (O_APPEND: every write lands at the end, whatever
// others wrote meanwhile). A regular file, or one about to be created, is opened
// for reading too (*readable), so that ends_mid_line can look at its last byte;
// with O_NOATIME where the kernel allows it (the owner), so that this read does
// not make new mail look read to biff and shells. Anything else (a FIFO, a device)
// is opened write-only, as procmail does: read-write, a FIFO would not wait for a
// reader. So is a mailbox this user may write but not read.
int open_for_append(sys::Io& io, const std::string& path, mode_t mode, bool* readable) {
  constexpr int kAppend = O_APPEND | O_CREAT | O_NOCTTY;
  struct stat st {};
  const bool regular =
      io.stat(path.c_str(), &st) == 0 ? S_ISREG(st.st_mode) : errno == ENOENT;
  *readable = false;
  if (regular) {
    int fd = io.open(path.c_str(), O_RDWR | O_NOATIME | kAppend, mode);
    if (fd < 0 && errno == EPERM) fd = io.open(path.c_str(), O_RDWR | kAppend, mode);
    if (fd >= 0) {
      *readable = true;
      return fd;
    }
    if (errno != EACCES && errno != EPERM) return -1;
  }
  return io.open(path.c_str(), O_WRONLY | kAppend, mode);
}

// What ends a torn tail: the newline its last line lacks and an empty line, the
// separator mail readers expect before a From_ line.
constexpr std::string_view kEndOfTornTail = "\n\n";

// True when the mbox (`st` as locked) does not end in a newline. A delivery killed
// in the middle of its append (SIGKILL, a crash, a power cut before the data
// reached the disk), or one whose truncate-back failed, leaves the file ending
// inside a message; whatever comes next would be glued onto that message's last
// line, and its From_ line would no longer start a line. A complete message ends
// in a newline in any case, since procmail and mailsift add one when it lacks one
// (only a raw "r" delivery can end without, and appending after it would glue all
// the same). A read that fails changes nothing: the message is appended as is.
bool ends_mid_line(sys::Io& io, int fd, const struct stat& st) {
  if (!S_ISREG(st.st_mode) || st.st_size == 0) return false;
  char last = '\n';
  if (io.pread(fd, &last, 1, st.st_size - 1) != 1) return false;
  return last != '\n';
}

// True when the dotlock could not be made because the directory does not let this
// user create files (as opposed to a lock held by another, or a full disk).
bool dotlock_not_permitted(const sys::Status& status) {
  return status.err() == EACCES || status.err() == EPERM || status.err() == EROFS;
}

}  // namespace

sys::Status MboxFolder::deliver(sys::Io& io, const message::Message& message,
                                const DeliveryOptions& options, DeliveryReport* report) {
  // 1. The dotlock first, then the kernel lock: the order of Debian policy §22.6,
  // so that mailsift interlocks with mutt, Postfix local(8) and procmail. procmail
  // delivers even when it cannot get the dotlock; mailsift never risks interleaving
  // two messages, so a dotlock held by another and not released within
  // give_up_after_seconds fails the delivery (Step::kLock) and the MTA retries later.
  // A directory in which this user may not create files at all (Debian's /var/mail
  // is root:mail 2775 and mailsift is not setgid mail) cannot hold anyone's dotlock
  // made by this user either; there the kernel lock alone guards the write, with a
  // warning, as Postfix local(8) does when it cannot dotlock.
  sys::Dotlock dotlock;
  if (!options.dotlock.empty()) {
    report->notes.push_back("Locking \"" + options.dotlock + "\"");
    sys::Status locked =
        sys::Dotlock::acquire(io, options.dotlock, options.lock, options.hostname, &dotlock);
    if (!locked.ok() && dotlock_not_permitted(locked)) {
      report->warnings.push_back(locked.message() + "; using the kernel lock only");
    } else if (!locked.ok()) {
      return locked;
    }
    if (dotlock.forced()) {
      report->warnings.push_back("removed the stale lock \"" + options.dotlock + "\"");
    }
  }

  // 2. Open for appending; every write lands at the end, whatever others did.
  const mode_t mode = kNewMboxMode & ~options.umask;
  report->lastfolder_note = report->notes.size();
  report->notes.push_back("Opening \"" + path_ + "\"");
  bool readable = false;
  const int fd = open_for_append(io, path_, mode, &readable);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, path_);

  // 3. The kernel lock, bounded like the dotlock.
  report->notes.push_back("Acquiring kernel-lock");
  sys::Status status = sys::kernel_lock(io, fd, path_, options.lock);
  if (!status.ok()) {
    io.close(fd);
    return status;
  }

  // 4. The length to come back to if anything fails.
  struct stat st {};
  if (io.fstat(fd, &st) != 0) {
    status = sys::Status::error(sys::Step::kStat, errno, path_);
    io.close(fd);
    return status;
  }
  // 4a. An append that a killed delivery left unfinished is settled first (the
  // journal's pending record; commit_hooks.h): it may be cut back, or found to be
  // this very message, stored whole by an earlier attempt.
  if (options.hooks != nullptr) {
    const auto unfinished = options.hooks->settle_mbox(io, fd, path_, st);
    if (unfinished == CommitHooks::Unfinished::kOursComplete) {
      io.close(fd);
      report->warnings.push_back("\"" + path_ + "\" already holds this message, stored by an "
                                 "earlier attempt (delivery journal)");
      report->stored.push_back(path_);
      return sys::Status::ok_status();
    }
    if (io.fstat(fd, &st) != 0) {
      status = sys::Status::error(sys::Step::kStat, errno, path_);
      io.close(fd);
      return status;
    }
  }
  const off_t old_size = st.st_size;
  // The "new mail" bit: when the umask lets others' x bit through, procmail sets it
  // on a mailbox that lacks it (biff and shells look at it). Cosmetic: a failure
  // does not matter.
  if ((options.umask & S_IXOTH) == 0 && (st.st_mode & S_IXOTH) == 0)
    (void)::fchmod(fd, (st.st_mode & 07777) | S_IXOTH);

  // 5. A torn tail (see ends_mid_line) is ended with an empty line first, so that
  // this message's From_ line starts a line of its own instead of vanishing into
  // the cut-off message before it.
  std::size_t repair = 0;
  if (readable && ends_mid_line(io, fd, st)) {
    if (sys::write_all(io, fd, kEndOfTornTail.data(), kEndOfTornTail.size()) != 0) {
      status = sys::Status::error(sys::Step::kWrite, errno, path_);
    } else {
      repair = kEndOfTornTail.size();
    }
  }

  // 6-7. Write and make durable; any failure cuts the file back before the lock
  // is let go, so no reader ever sees a partial message.
  std::size_t written = 0;
  const WriteFormat format = format_for(FolderKind::kMbox, options);
  if (status.ok() && options.hooks != nullptr) {
    options.hooks->before_append(path_, st, old_size,
                                 repair + rendered_size(io, message, format));
  }
  if (status.ok()) {
    status = write_message(io, fd, path_, message, format, &written);
  }
  if (status.ok() && io.fsync(fd) != 0) {
    status = sys::Status::error(sys::Step::kFsync, errno, path_);
  }
  if (!status.ok()) {
    bool cut = false;
    const std::string aftermath = truncate_back(io, fd, old_size, &cut);
    // A cut that failed leaves the journal's record for the next delivery to settle.
    if (cut && options.hooks != nullptr) options.hooks->append_abandoned(path_);
    io.close(fd);  // also releases the kernel lock
    return status.with_aftermath(aftermath);
  }

  // 8. Close. Closing releases the kernel lock in the same step, so no explicit
  // unlock leaves a moment in which another writer could append before the close
  // has reported on our data (NFS reports write errors at close).
  if (io.close(fd) != 0) {
    const int err = errno;
    const off_t our_end = old_size + static_cast<off_t>(repair + written);
    const std::string aftermath = truncate_after_close(io, path_, options, old_size, our_end);
    return sys::Status::error(sys::Step::kClose, err, path_).with_aftermath(aftermath);
  }
  // Recorded as done only now: a close that fails cuts the message back out. The
  // kernel lock has gone with the close; a delivery that takes it before the
  // pending record is removed finds this append whole and says so in the journal
  // too, which changes nothing.
  if (options.hooks != nullptr) options.hooks->append_durable(path_);
  if (repair > 0) {
    report->warnings.push_back("\"" + path_ + "\" ended in the middle of a line (an earlier "
                               "delivery was cut off, or wrote raw); an empty line now ends it");
  }

  // 9. The message is stored; a lock that cannot be removed is only worth a warning
  // (a stale lock is broken after LOCKTIMEOUT).
  if (dotlock.held()) report->notes.push_back("Unlocking \"" + options.dotlock + "\"");
  if (sys::Status unlocked = dotlock.release(); !unlocked.ok()) {
    report->warnings.push_back(unlocked.message());
  }
  report->stored.push_back(path_);
  report->bytes_written = written;
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
