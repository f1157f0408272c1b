// The verdict: one line for the mail server on a run that did not end with exit 0.
//
// A mail server shows only the start of what its MDA wrote: Postfix puts the first
// line of the command's output in its log and in the bounce or delay notice, Exim
// the first line in its log. So a run delivering for a mail server (Log::
// hold_stderr) ends by writing this line first: the exit status, what it asks the
// server to do, and why (the folders that failed, each with its failed step, and the
// copies that were stored). It holds nothing of the message itself.
#pragma once

#include <string>

#include "mailsift/engine/session.h"

namespace mailsift::engine {

// What decided the exit status.
enum class VerdictCause {
  kDelivery,  // what was stored and what failed
  kExitcode,  // the rules set EXITCODE to it
  kTrap,      // TRAP's status (EXITCODE set, but not to a number)
};

// "" for exit 0.
std::string delivery_verdict(int code, const Session& session, VerdictCause cause);

// The longest verdict: longer lists of failures end with "...".
inline constexpr std::size_t kMaxVerdictBytes = 900;

}  // namespace mailsift::engine
