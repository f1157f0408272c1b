// The checker: what can be known about an rcfile before it runs. It compiles every
// regex that does not depend on variables (so a broken regex is an error with its
// position, never a silent "no match") and leaves them in the cache for the run.
#pragma once

#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/regex_cache.h"

namespace mailsift::rc {

// Appends a diagnostic for each static regex that does not compile, positioned at
// the byte the regex error points at.
void check_regexes(const Statements& statements, RegexCache* cache,
                   std::vector<Diagnostic>* diagnostics);

}  // namespace mailsift::rc
