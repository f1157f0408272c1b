#include "mailsift/sys/signals.h"

#include <signal.h>

namespace mailsift::sys {
namespace {

volatile sig_atomic_t verbose_request = -1;

extern "C" void note_verbose_request(int signal) { verbose_request = signal == SIGUSR2 ? 1 : 0; }

}  // namespace

void install_verbose_signals() {
  struct sigaction action = {};
  action.sa_handler = note_verbose_request;
  sigemptyset(&action.sa_mask);
  // Interrupted calls go on (a delivery must not fail for a signal); sleep() is
  // never restarted, so the signal still ends a wait.
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &action, nullptr);
  ::sigaction(SIGUSR2, &action, nullptr);
}

int take_verbose_request() {
  const int request = verbose_request;
  verbose_request = -1;
  return request;
}

}  // namespace mailsift::sys
