// The system mailbox screening procmail does at start-up in normal and -d mode (never
// with -m), before any rcfile runs (procmail's screenmailbox(); checked against
// Debian's procmail: tests/cli/system_mailbox.sh). On $ORGMAIL, /var/mail/USER:
//   - a missing spool directory is made (0700, the recipient's);
//   - a "bogus" mailbox (a symlink, not the recipient's, not owner-writable, a file
//     with several links, a directory the owner cannot search) is, after a wait of
//     SUSPEND seconds, renamed to BOGUS.USER.<inode> beside it ("Renaming bogus
//     mailbox"), and a fresh one made;
//   - in -d mode a setuid mailbox (or a setgid file) is an "Autoforwarding mailbox":
//     the delivery ends with 67;
//   - permission bits the spool's umask forbids are taken away ("Enforcing stricter
//     permissions");
//   - a missing mailbox is made empty (0660 on Debian's root:mail 2775 spool), the
//     recipient's;
//   - a USER.lock owned by someone else beside a mailbox its group cannot write is
//     renamed bogus, silently.
// mailsift is never setgid: it decides as Debian's procmail (setgid to the spool's
// group) decides, and where it lacks the privilege to act (a user in normal mode
// cannot write in /var/mail) it does what procmail does when that step fails:
// "Couldn't create", and $ORGMAIL is no more. Lines go to the log (stderr: no
// LOGFILE is open yet).
#pragma once

#include <string>

#include "mailsift/engine/log.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/privileges.h"

namespace mailsift::engine {

struct ScreeningResult {
  // The mailbox could not be made (or a bogus one moved away): $ORGMAIL is unset.
  bool orgmail_unusable = false;
  // -d mode, setuid mailbox: the delivery ends (exit 67, as procmail).
  bool autoforwarding = false;
};

// mailbox: $ORGMAIL. delivery_mode: -d. suspend_seconds: the wait before renaming a
// bogus mailbox (procmail's SUSPEND, 16: the screening comes before any assignment).
ScreeningResult screen_system_mailbox(sys::Io& io, Log& log, const std::string& mailbox,
                                      const sys::Account& recipient, bool delivery_mode,
                                      unsigned suspend_seconds);

// procmail's name for a bogus file: BOGUS.<login>.<inode in procmail's base 64>.
std::string bogus_name(const std::string& directory, const std::string& login, ino_t inode);

}  // namespace mailsift::engine
