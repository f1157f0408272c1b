// Warnings about rcfiles that parse but probably do not do what their author meant
// (for "mailsift --check"). Nothing here stops an rcfile from running.
#pragma once

#include <vector>

#include "mailsift/rc/ast.h"

namespace mailsift::rc {

// Appends a warning (Severity::kWarning) for:
// - a recipe that can never run: it follows, at the same level, a recipe without
//   conditions and without the flags A a E e c whose action always delivers;
// - a delivery to an mbox file (a folder name that is neither "dir/", "dir/." nor
//   /dev/null) without a local lockfile;
// - a regex holding non-ASCII bytes that is tried against the header, where such
//   text usually arrives RFC 2047 encoded ("=?UTF-8?B?...?=") and will not match;
// - a variable used but never assigned in the file nor set by mailsift itself;
// - text from the message ($MATCH, a variable set from a backquote or a capture) in
//   a folder name of a recipe that does not look at it first, or unquoted in a
//   command the shell reads;
// - a "c" copy into a folder with nothing delivering after it (the message then
//   lands in $DEFAULT too).
void lint_rcfile(const Statements& statements, std::vector<Diagnostic>* diagnostics);

// Appends a warning for procmail's traps that parse without a mistake: a line of
// plain words (a comment without "#": each word removes a variable), and "$@" on a
// command line more than once or inside a longer word (rc/traps.cc). Called by
// lint_rcfile. (The parser and the regex checker warn about the others.)
void lint_procmail_traps(const Statements& statements, std::vector<Diagnostic>* diagnostics);

}  // namespace mailsift::rc
