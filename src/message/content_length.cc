#include "mailsift/message/content_length.h"

namespace mailsift::message {
namespace {

// procmail formats the length into a buffer sized for a long; of a wider field only
// the first 26 characters carry the number (verified with procmail 3.22: a 31-wide
// field holding 29 becomes 24 blanks, "29", 5 blanks) and the rest become blanks.
constexpr std::size_t kMaxDigits = 26;

constexpr std::string_view kName = "content-length:";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_name(std::string_view line) {
  if (line.size() < kName.size()) return false;
  for (std::size_t i = 0; i < kName.size(); ++i) {
    if (lower(line[i]) != kName[i]) return false;
  }
  return true;
}

// Offset of the first line in head that starts with "Content-Length:" (any case),
// or npos.
std::size_t find_field(std::string_view head) {
  std::size_t pos = 0;
  while (pos < head.size()) {
    if (starts_with_name(head.substr(pos))) return pos;
    const std::size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return std::string_view::npos;
}

}  // namespace

ContentLengthResult rewrite_content_length(std::string& head, std::string_view body) {
  ContentLengthResult result;
  const std::size_t field = find_field(head);
  if (field == std::string_view::npos) return result;
  result.found = true;

  // The real length: the body, less one byte when the message's next-to-last byte is
  // a newline (procmail treats the final empty line as the mbox separator; it tests
  // only that byte, so a body "a\nb" counts 2).
  std::size_t length = body.size();
  const std::size_t total = head.size() + body.size();
  if (total > 1) {
    const char next_to_last = body.size() >= 2 ? body[body.size() - 2]
                              : body.size() == 1 ? head.back()
                                                 : head[head.size() - 2];
    if (next_to_last == '\n' && length > 0) --length;
  }

  // The field's width: everything after the colon up to the end of the line (a NUL
  // byte ends it too, as in procmail's C string handling).
  const std::size_t first = field + kName.size();
  std::size_t end = first;
  while (end < head.size() && head[end] != '\n' && head[end] != '\0') ++end;
  const std::size_t width = end - first;
  const std::size_t places = width < kMaxDigits ? width : kMaxDigits;

  const std::string digits = std::to_string(length);
  if (digits.size() <= places) {
    std::string text(width, ' ');
    text.replace(places - digits.size(), digits.size(), digits);
    head.replace(first, width, text);
    result.protected_bytes = length;
    return result;
  }
  // Too narrow: all nines, and that number is what the field then claims. Here
  // places < digits.size() <= 20, so nineteen nines at most: no overflow.
  std::size_t nines = 0;
  for (std::size_t i = 0; i < places; ++i) nines = nines * 10 + 9;
  head.replace(first, places, std::string(places, '9'));
  result.protected_bytes = nines < body.size() ? nines : body.size();
  return result;
}

}  // namespace mailsift::message
