// mailsift --lmtp: one LMTP connection on a pair of descriptors (standard input and
// output under inetd, systemd Accept=yes or a Postfix pipe). Each recipient's delivery
// runs engine::run in a child that becomes that user first, as -d does; the message
// is spooled once, whatever the number of recipients.
#pragma once

#include <string>

#include "mailsift/lmtp/protocol.h"

namespace mailsift::lmtp {

struct ServerSettings {
  Limits limits;
  unsigned idle_seconds = 300;  // no byte from the client for this long: 421, hang up
  std::string hostname;         // in the greeting (default: the node name)
  const char* const* environ = nullptr;
  std::string system_mailbox_spool = "/var/mail";
};

// Serves one connection; returns the process exit status (0, or 75 when the
// connection could not be served at all).
int serve_connection(int in_fd, int out_fd, int log_fd, const ServerSettings& settings);

}  // namespace mailsift::lmtp
