#include "mailsift/sys/siphash.h"

namespace mailsift::sys {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

}  // namespace

SipHash128::SipHash128(std::uint64_t k0, std::uint64_t k1)
    : v0_(0x736f6d6570736575ULL ^ k0),
      v1_(0x646f72616e646f6dULL ^ k1 ^ 0xee),  // 0xee: the 128-bit variant
      v2_(0x6c7967656e657261ULL ^ k0),
      v3_(0x7465646279746573ULL ^ k1) {}

void SipHash128::rounds(int n) {
  for (int i = 0; i < n; ++i) {
    v0_ += v1_;
    v1_ = rotl(v1_, 13);
    v1_ ^= v0_;
    v0_ = rotl(v0_, 32);
    v2_ += v3_;
    v3_ = rotl(v3_, 16);
    v3_ ^= v2_;
    v0_ += v3_;
    v3_ = rotl(v3_, 21);
    v3_ ^= v0_;
    v2_ += v1_;
    v1_ = rotl(v1_, 17);
    v1_ ^= v2_;
    v2_ = rotl(v2_, 32);
  }
}

void SipHash128::compress(std::uint64_t m) {
  v3_ ^= m;
  rounds(2);
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
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t m = 0;
    for (int b = 7; b >= 0; --b) m = (m << 8) | static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(b)]);
    compress(m);
  }
  for (; i < bytes.size(); ++i) {
    tail_ |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * tail_size_);
    ++tail_size_;
  }
}

std::string SipHash128::hex_digest() {
  compress(tail_ | (total_ << 56));
  v2_ ^= 0xee;
  rounds(4);
  const std::uint64_t first = v0_ ^ v1_ ^ v2_ ^ v3_;
  v1_ ^= 0xdd;
  rounds(4);
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
