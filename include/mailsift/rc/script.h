// The old assignment-only reading of an rcfile, kept only until nothing uses it:
// rc/parser.h reads the whole language (and now holds parse_assignment_argument and
// format_diagnostic, which this header used to declare).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/parser.h"

namespace mailsift::rc {

struct Script {
  std::vector<Assignment> statements;
  std::vector<Diagnostic> diagnostics;  // errors; a script with any is not run
};

Script parse_script(std::string_view text);

}  // namespace mailsift::rc
