// The one place that turns the outcome of a run into a process exit code.
//
// mailsift's rule (DESIGN.md, "the delivery contract"): 0 only when the message is
// durably stored (or the rules deliberately discarded it); anything unknown is a
// temporary failure, 75 (EX_TEMPFAIL), because Postfix, Exim and Sendmail keep the
// message and retry on 75 and bounce on most other codes. Only a short reviewed list
// is permanent: an EXITCODE the rules set on purpose, and a recipient that does not
// exist or whose system mailbox is marked for autoforwarding (67, EX_NOUSER).
//
// --procmail-exit-codes restores procmail's codes for scripts that depend on them:
// 73 (EX_CANTCREAT) when nothing was stored, or 75 with -t; 77 for insufficient
// privileges.
#pragma once

#include <optional>

namespace mailsift::engine {

struct Outcome {
  enum class Kind {
    kStored,              // every delivery that counts is durable
    kNotStored,           // nothing (or not $DEFAULT either) could store it
    kUsage,               // -h: usage printed
    kUnknownUser,         // -d names no account
    kAutoforwardingMailbox,  // -d: the system mailbox is setuid (procmail's 67)
    kInsufficientPrivileges,  // -d USER by someone who is neither root nor USER
    kInternalError,       // a bug or an unexpected condition
  };
  Kind kind = Kind::kNotStored;  // every status starts as failed
  // EXITCODE as the rules left it, when they set it to a number (procmail's
  // renvint rules: see variables.h).
  std::optional<int> exitcode;
};

struct ExitPolicy {
  bool procmail_codes = false;  // --procmail-exit-codes
  bool fail_softly = false;     // -t
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitNoUser = 67;
inline constexpr int kExitCantCreate = 73;
inline constexpr int kExitTempFail = 75;
inline constexpr int kExitNoPermission = 77;

int exit_code(const Outcome& outcome, const ExitPolicy& policy);

// The folder the log abstract names when nothing was stored: "**Requeued**" for
// 75, "**Bounced**" for other failures.
const char* failure_folder_name(int exit_code);

}  // namespace mailsift::engine
