#include "literal_search.h"

#include <cstring>

namespace mailsift::rc {
namespace {

bool is_lower_letter(unsigned char c) { return c >= 'a' && c <= 'z'; }

// How often a byte is expected in mail text, roughly: the byte searched for first is
// the rarest of the literal, so that fewer candidates need a full comparison. A
// folded letter counts double (both cases are searched for).
int commonness(unsigned char c, bool folded) {
  if (is_lower_letter(c)) return folded ? 6 : 3;
  if (c >= 'A' && c <= 'Z') return 3;
  if (c == ' ' || c == '.' || c == '-' || c == ':' || c == '\n') return 3;
  if (c >= '0' && c <= '9') return 2;
  return 1;
}

bool equal_at(const char* at, std::string_view literal, bool folded) {
  if (!folded) return std::memcmp(at, literal.data(), literal.size()) == 0;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    if (ascii_lower(static_cast<unsigned char>(at[i])) != static_cast<unsigned char>(literal[i]))
      return false;
  }
  return true;
}

// The next position at or after from where text holds byte (or its upper case when
// folded and it is a letter); text.size() when none.
class ByteFinder {
 public:
  ByteFinder(std::string_view text, unsigned char byte, bool folded)
      : text_(text), byte_(byte), both_(folded && is_lower_letter(byte)) {}

  std::size_t next(std::size_t from) {
    if (from >= text_.size()) return text_.size();
    if (!both_) return find(byte_, from);
    // Each case's next position is kept until it is passed, so every byte is looked
    // at by memchr at most once per case.
    if (lower_at_ < from || lower_at_ == kUnknown) lower_at_ = find(byte_, from);
    if (upper_at_ < from || upper_at_ == kUnknown)
      upper_at_ = find(static_cast<unsigned char>(byte_ ^ 0x20), from);
    return lower_at_ < upper_at_ ? lower_at_ : upper_at_;
  }

 private:
  static constexpr std::size_t kUnknown = static_cast<std::size_t>(-1);

  std::size_t find(unsigned char byte, std::size_t from) const {
    const void* hit = std::memchr(text_.data() + from, byte, text_.size() - from);
    return hit == nullptr ? text_.size()
                          : static_cast<std::size_t>(static_cast<const char*>(hit) - text_.data());
  }

  std::string_view text_;
  unsigned char byte_;
  bool both_;
  std::size_t lower_at_ = kUnknown;
  std::size_t upper_at_ = kUnknown;
};

}  // namespace

bool holds_literal(std::string_view text, std::string_view literal, bool folded) {
  if (literal.empty()) return true;
  if (literal.size() > text.size()) return false;
  std::size_t key = 0;
  for (std::size_t i = 1; i < literal.size(); ++i) {
    const auto c = static_cast<unsigned char>(literal[i]);
    if (commonness(c, folded) < commonness(static_cast<unsigned char>(literal[key]), folded))
      key = i;
  }
  ByteFinder finder(text, static_cast<unsigned char>(literal[key]), folded);
  const std::size_t last_start = text.size() - literal.size();
  for (std::size_t at = finder.next(key); at < text.size(); at = finder.next(at + 1)) {
    if (at < key) continue;
    const std::size_t start = at - key;
    if (start > last_start) return false;
    if (equal_at(text.data() + start, literal, folded)) return true;
  }
  return false;
}

}  // namespace mailsift::rc
