// The one place that forks (and, later, execs).
#pragma once

#include <functional>

namespace mailsift::sys {

// Runs fn in a child process and waits for it. Returns the child's exit status, or
// -1 when it could not be started or was killed by a signal (callers treat that as
// a temporary failure).
int run_in_child(const std::function<int()>& fn);

}  // namespace mailsift::sys
