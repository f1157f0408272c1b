#include "mailsift/rc/text_index.h"

#include "literal_search.h"

namespace mailsift::rc {
namespace {

// Letters folded, so that a literal matched in either case is found.
std::uint32_t folded(char c) { return ascii_lower(static_cast<unsigned char>(c)); }

// The filter bit of the three bytes at p (a multiplicative hash of the folded bytes).
std::uint32_t bit_of(const char* p) {
  const std::uint32_t bytes = folded(p[0]) << 16 | folded(p[1]) << 8 | folded(p[2]);
  return (bytes * 0x9e3779b1u) >> 16;
}

}  // namespace

TextIndex::TextIndex(std::string_view text) : text_(text) {
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    const std::uint32_t bit = bit_of(text.data() + i);
    bits_[bit / 64] |= std::uint64_t{1} << (bit % 64);
  }
}

bool TextIndex::may_hold(std::string_view literal) const {
  if (literal.size() > text_.size()) return false;
  for (std::size_t i = 0; i + 3 <= literal.size(); ++i) {
    const std::uint32_t bit = bit_of(literal.data() + i);
    if ((bits_[bit / 64] >> (bit % 64) & 1) == 0) return false;
  }
  return true;
}

}  // namespace mailsift::rc
