// Content-Length handling as procmail does it (procmail(1) -Y; behaviour §2.5):
// unless -Y, the first Content-Length field of the header is rewritten in place to
// the real body length, right-aligned in the field's existing width, or all nines
// when it does not fit; the body bytes it covers are exempt from ">From" quoting.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailsift::message {

struct ContentLengthResult {
  bool found = false;
  std::size_t protected_bytes = 0;  // body bytes exempt from From_ quoting
};

// Rewrites the first Content-Length field in `head` (the whole head area) in place.
// `body` is the message body; the real length excludes one final newline when the
// message ends in "\n\n".
ContentLengthResult rewrite_content_length(std::string& head, std::string_view body);

}  // namespace mailsift::message
