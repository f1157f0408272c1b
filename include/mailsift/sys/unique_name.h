// Unique file names for maildir and temporary files: unique across processes (pid),
// across time (seconds and microseconds), within one process (a counter), and across
// hosts (the host name, with '/' and ':' escaped as the maildir spec asks).
#pragma once

#include <string>

#include "mailsift/sys/io.h"

namespace mailsift::sys {

// "<sec>.M<usec>P<pid>Q<n>.<host>", as Dovecot and Postfix name maildir files.
std::string unique_maildir_name(const std::string& hostname);

// Host name with '/' written as "\057" and ':' as "\072" (maildir spec).
std::string escape_hostname(const std::string& hostname);

}  // namespace mailsift::sys
