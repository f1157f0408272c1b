// Finding a regex's required literal (regex_dialect.h, Pattern::required_literal) in
// the text to be searched, before any matcher is built: most conditions of a large
// rcfile look for a literal the message does not hold, and then neither translating
// nor compiling nor matching is needed. Private to the rc layer.
#pragma once

#include <string_view>

namespace mailsift::rc {

// ASCII letters in lower case; every other byte as it is (procmail folds only A-Z).
inline unsigned char ascii_lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c;
}

// True when text holds literal; with folded, ASCII letters match in either case
// (literal is in lower case). An empty literal is always held.
bool holds_literal(std::string_view text, std::string_view literal, bool folded);

}  // namespace mailsift::rc
