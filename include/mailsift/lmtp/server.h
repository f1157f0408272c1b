// mailsift --lmtp: one LMTP connection on a pair of descriptors (standard input and
// output under inetd, systemd Accept=yes or a Postfix pipe). Each recipient's delivery
// runs engine::run in a child that becomes that user first, as -d does; the message
// is spooled once, whatever the number of recipients.
#pragma once

#include <string>
#include <vector>

#include "mailsift/lmtp/protocol.h"

namespace mailsift::lmtp {

struct ServerSettings {
  Limits limits;
  unsigned idle_seconds = 300;  // no byte from the client for this long: 421, hang up
  // A command line, or a message (DATA to its end, BDAT to LAST), that the client is
  // still sending this long after it began (a byte now and then keeps idle_seconds
  // from biting): 421, hang up.
  unsigned command_seconds = 600;
  // One recipient's delivery that takes longer is killed and the recipient told 451
  // (below Postfix's lmtp_data_done_timeout, 600 s).
  unsigned delivery_seconds = 540;
  bool json_log = false;        // the log as JSON objects, one a line
  bool syslog = false;          // the log to syslog (facility mail), not standard error
  std::string hostname;         // in the greeting (default: the node name)
  const char* const* environ = nullptr;
  std::string system_mailbox_spool = "/var/mail";
};

// Serves one connection; returns the process exit status (0, or 75 when the
// connection could not be served at all).
int serve_connection(int in_fd, int out_fd, int log_fd, const ServerSettings& settings);

}  // namespace mailsift::lmtp

namespace mailsift::lmtp {

struct ListenSettings {
  // "unix:/path/to/socket" or "inet:127.0.0.1:2424" ("inet:[::1]:2424"); ignored when
  // systemd passes a listening socket (LISTEN_FDS, LISTEN_PID).
  std::string address;
  long max_connections = 20;  // more at once: 421 4.3.2, and the connection is closed
  ServerSettings server;
};

// mailsift --lmtp-listen ADDRESS: accepts connections and serves each in a child of
// its own (which makes a child per recipient, as serve_connection does), until
// SIGTERM or SIGINT; then it stops accepting and waits for the connections it serves.
// A unix socket is made mode 0666 (the directory it is in decides who may connect).
// Returns the exit status: 0, or 75 when it cannot listen.
int listen_and_serve(const ListenSettings& settings, int log_fd);

// The words after --lmtp (listen: false) or after --lmtp-listen ADDRESS (listen: true):
//   --log-format=text|json  --log=stderr|syslog  --idle-timeout=S  --command-timeout=S
//   --delivery-timeout=S
//   --max-recipients=N  --max-message-size=BYTES  --max-connections=N (listen only)
// false with *error for anything else.
bool parse_options(const std::vector<std::string>& words, bool listen, ListenSettings* settings,
                   std::string* error);

}  // namespace mailsift::lmtp
