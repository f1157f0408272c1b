// run(): one message, from stdin to an exit code. Reads the whole message, takes
// the recipient's identity, applies command-line assignments, runs the rcfile(s),
// delivers to $DEFAULT when nothing else stored the message, writes the log
// abstract, and returns the exit code (exit_status.h).
#pragma once

#include <string>
#include <vector>

#include "mailsift/engine/invocation.h"
#include "mailsift/engine/system_mailbox.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

struct RunContext {
  sys::Io* io = nullptr;          // nullptr: the real file system
  int stdin_fd = 0;
  int stderr_fd = 2;
  const char* const* environ = nullptr;
  // For tests: do not change the process's user ids, umask or cwd state beyond
  // what a delivery needs (run() still chdirs to MAILDIR).
  // The process ends when run() returns (the command line): the loaded rules are
  // then not freed (Evaluator::keep_rules_until_exit). Tests that call run() many
  // times leave it false.
  bool process_ends_after = false;
  // The spool of system mailboxes ($ORGMAIL's directory) that a run in normal or -d
  // mode screens first, as procmail does (system_mailbox.h). Empty (tests): no
  // screening. The command line sets /var/mail.
  std::string system_mailbox_spool;
  // Set when this process already is the one recipient (an LMTP worker, which takes
  // the identity once for many deliveries): run() neither looks the account up nor
  // changes ids, and takes the screening of the system mailbox, which needs root,
  // from `screened` (prepare_recipient() did it in the root process).
  const sys::Account* identity = nullptr;
  ScreeningResult screened;
  // The user who started mailsift, for a From_ line it makes (empty: the real uid's
  // name, looked up).
  std::string invoker;
  // When set, run() reports here on a delivery for one recipient, for the LMTP server:
  // where the message went (Session::delivered_to), and whether the run ends with 75
  // because a folder had no room (ENOSPC, EDQUOT: "mailbox full", 452 4.2.2).
  struct Report {
    std::vector<std::string> delivered_to;
    bool mailbox_full = false;
  };
  Report* report = nullptr;
};

int run(const Invocation& invocation, const RunContext& context);

// The root side of a delivery that another process carries out as the recipient
// with RunContext::identity (LMTP): the checks and the system mailbox screening that
// run() does before it changes ids. Returns kExitOk (exit_status.h) with *screening
// set, or the exit code the delivery ends with (an autoforwarding mailbox: 67; the
// reason is logged on context.stderr_fd).
int prepare_recipient(const Invocation& invocation, const RunContext& context,
                      const sys::Account& account, ScreeningResult* screening);

// mailsift needs no setuid or setgid bit. Installed with one anyway, it gives the
// borrowed ids up for good before it reads anything (a file named on the command
// line, the message), saying so on stderr_fd: so nobody can use it to read or
// deliver as another user. Returns kExitOk (exit_status.h), or the exit code to end
// with when the ids cannot be given up. Call it first thing in main.
int run_as_invoker(int stderr_fd);

}  // namespace mailsift::engine
