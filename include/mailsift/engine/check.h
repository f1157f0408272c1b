// "mailsift --check RCFILE...": what can be known about rcfiles without a message.
// Each file is parsed whole, its fixed regexes compiled and its warnings looked for
// (rc/lint.h); INCLUDERC and SWITCHRC files whose names are known without running
// anything (written out, or built from $HOME and variables assigned literally before)
// are checked too, each once.
#pragma once

#include <string>
#include <vector>

#include "mailsift/sys/io.h"

namespace mailsift::engine {

struct CheckReport {
  std::string text;  // every diagnostic, "file:line:col: severity: message", source
                     // line and caret, in file order
  int errors = 0;
  int warnings = 0;
};

// home: $HOME for names such as "$HOME/.procmail/lists.rc". Files are read
// through io (the real file system when omitted).
CheckReport check_rcfiles(const std::vector<std::string>& paths, const std::string& home,
                          sys::Io& io = sys::real_io());

// The exit status of "mailsift --check": 1 when there is an error, else 0.
int check_exit_status(const CheckReport& report);

}  // namespace mailsift::engine
