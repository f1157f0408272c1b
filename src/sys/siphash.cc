#include "mailsift/sys/siphash.h"

#include <bit>
#include <cstring>

namespace mailsift::sys {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

inline void sipround(std::uint64_t& v0, std::uint64_t& v1, std::uint64_t& v2,
                     std::uint64_t& v3) {
  v0 += v1;
  v1 = rotl(v1, 13);
  v1 ^= v0;
  v0 = rotl(v0, 32);
  v2 += v3;
  v3 = rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = rotl(v1, 17);
  v1 ^= v2;
  v2 = rotl(v2, 32);
}

}  // namespace

SipHash128::SipHash128(std::uint64_t k0, std::uint64_t k1, int c_rounds, int d_rounds)
    : v0_(0x736f6d6570736575ULL ^ k0),
      v1_(0x646f72616e646f6dULL ^ k1 ^ 0xee),  // 0xee: the 128-bit variant
      v2_(0x6c7967656e657261ULL ^ k0),
      v3_(0x7465646279746573ULL ^ k1),
      c_rounds_(c_rounds),
      d_rounds_(d_rounds) {}

void SipHash128::rounds(int n) {
  for (int i = 0; i < n; ++i) sipround(v0_, v1_, v2_, v3_);
}

void SipHash128::compress(std::uint64_t m) {
  v3_ ^= m;
  rounds(c_rounds_);
  v0_ ^= m;
}

void SipHash128::update(std::string_view bytes) {
  total_ += bytes.size();
  std::size_t i = 0;
  // Finish a partial word first, then whole little-endian words.
  while (tail_size_ != 0 && i < bytes.size()) {
    tail_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i++])) << (8 * tail_size_);
    if (++tail_size_ == 8) {
      compress(tail_);
      tail_ = 0;
      tail_size_ = 0;
    }
  }
  // The whole words, with the state in registers (compress() would store it after
  // each word: as many instructions as the round itself).
  std::uint64_t v0 = v0_, v1 = v1_, v2 = v2_, v3 = v3_;
  auto word = [&bytes](std::size_t at) {
    std::uint64_t m = 0;
    std::memcpy(&m, bytes.data() + at, sizeof m);  // one load: words are little-endian
    if constexpr (std::endian::native == std::endian::big) m = __builtin_bswap64(m);
    return m;
  };
  if (c_rounds_ == 1) {  // the journal's: no loop around the one round
    for (; i + 8 <= bytes.size(); i += 8) {
      const std::uint64_t m = word(i);
      v3 ^= m;
      sipround(v0, v1, v2, v3);
      v0 ^= m;
    }
  }
  for (; i + 8 <= bytes.size(); i += 8) {
    const std::uint64_t m = word(i);
    v3 ^= m;
    for (int r = 0; r < c_rounds_; ++r) sipround(v0, v1, v2, v3);
    v0 ^= m;
  }
  v0_ = v0;
  v1_ = v1;
  v2_ = v2;
  v3_ = v3;
  for (; i < bytes.size(); ++i) {
    tail_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * tail_size_);
    ++tail_size_;
  }
}

std::string SipHash128::hex_digest() {
  compress(tail_ | (total_ << 56));
  v2_ ^= 0xee;
  rounds(d_rounds_);
  const std::uint64_t first = v0_ ^ v1_ ^ v2_ ^ v3_;
  v1_ ^= 0xdd;
  rounds(d_rounds_);
  const std::uint64_t second = v0_ ^ v1_ ^ v2_ ^ v3_;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (const std::uint64_t word : {first, second}) {
    for (int b = 0; b < 8; ++b) {  // little-endian bytes, as the reference prints them
      const auto byte = static_cast<unsigned>((word >> (8 * b)) & 0xff);
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace mailsift::sys
