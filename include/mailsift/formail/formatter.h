#pragma once
// mailsift-formail's run: reads one message (or, with -s, a mailbox or digest) from
// standard input, rewrites each header as the options say, and writes the messages to
// standard output or to one program each. The order of its steps is formail's, so
// that the output bytes and the exit status are the same.

#include <string>

#include "mailsift/formail/options.h"

namespace mailsift::formail {

// Returns the exit status.
int run_formail(const std::string& program, Options options);

}  // namespace mailsift::formail
