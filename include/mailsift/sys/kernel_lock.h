// Kernel (fcntl) write lock on an open file, as procmail and Postfix take it before
// appending to an mbox. Released when the descriptor is closed or by release().
#pragma once

#include <string>

#include "mailsift/sys/dotlock.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::sys {

// Takes an exclusive fcntl lock on the whole of fd (non-blocking attempts, retried
// every second until policy.give_up_after_seconds). `path` is for messages only.
Status kernel_lock(Io& io, int fd, const std::string& path, const LockPolicy& policy);
Status kernel_unlock(Io& io, int fd, const std::string& path);

}  // namespace mailsift::sys
