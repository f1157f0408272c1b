#include "mailsift/engine/exit_status.h"

namespace mailsift::engine {

int exit_code(const Outcome& outcome, const ExitPolicy& policy) {
  const int not_stored = policy.procmail_codes && !policy.fail_softly ? kExitCantCreate
                                                                      : kExitTempFail;
  switch (outcome.kind) {
    case Outcome::Kind::kUsage:
      return kExitUsage;
    case Outcome::Kind::kUnknownUser:
    case Outcome::Kind::kAutoforwardingMailbox:
      return kExitNoUser;
    case Outcome::Kind::kInsufficientPrivileges:
      // A configuration mistake of the MTA, not of the message: retry.
      return policy.procmail_codes ? kExitNoPermission : kExitTempFail;
    case Outcome::Kind::kInternalError:
      return kExitTempFail;
    case Outcome::Kind::kStored:
    case Outcome::Kind::kNotStored:
      break;
  }
  // A deliberate EXITCODE from the rules wins, as in procmail (truncated to 8 bits
  // like any exit status).
  if (outcome.exitcode) return *outcome.exitcode & 0xff;
  return outcome.kind == Outcome::Kind::kStored ? kExitOk : not_stored;
}

const char* failure_folder_name(int exit_code) {
  return exit_code == kExitTempFail ? "**Requeued**" : "**Bounced**";
}

}  // namespace mailsift::engine
