// procmail's SIGUSR1 and SIGUSR2: VERBOSE off and on while a delivery runs (procmail(1),
// SIGNALS). A handler only notes the request; the log takes it up (engine/log.h).
#pragma once

namespace mailsift::sys {

// Installs the handlers (with SA_RESTART: other calls go on; a sleep still ends
// early, as in procmail).
void install_verbose_signals();

// The last request since the previous call: 0 VERBOSE off, 1 on, -1 none.
int take_verbose_request();

}  // namespace mailsift::sys
