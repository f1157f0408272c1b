// Quoting a user's text (a condition, a regex, a folder, a header line) in a line of
// the log, the trace or an explanation: long text is cut, so that one huge value
// does not flood the line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mailsift/limits.h"

namespace mailsift::engine {

// text when it is at most `limit` bytes, else its first `limit` bytes and "...".
std::string clip(std::string_view text, std::size_t limit = limits::kMaxQuotedInLog);

// The same, on one line: each newline of the kept bytes shown as a blank.
std::string clip_to_line(std::string_view text, std::size_t limit = limits::kMaxQuotedInLog);

}  // namespace mailsift::engine
