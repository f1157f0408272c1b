// The checker: what can be known about an rcfile before it runs. It parses every
// regex that does not depend on variables (so a broken regex is an error with its
// position, never a silent "no match") and leaves them in the cache for the run.
#pragma once

#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/regex_cache.h"

namespace mailsift::rc {

// Appends a diagnostic for each static regex that is malformed, positioned at the
// byte the regex error points at. build_matchers (mailsift --check) also builds each
// matcher, which only fails for a regex too large for RE2's memory limit; a delivery
// leaves that to the first use, so that a large rcfile does not build matchers that
// the message never needs.
void check_regexes(const Statements& statements, RegexCache* cache, bool build_matchers,
                   std::vector<Diagnostic>* diagnostics);

}  // namespace mailsift::rc
