// SipHash with a 128-bit result (Aumasson and Bernstein, "SipHash: a fast
// short-input PRF", 2012; the 128-bit variant of the reference implementation):
// names for the records the delivery journal keeps (state/). It is fast (a few
// instructions a byte) and, unlike a checksum, its output does not collide for
// inputs anyone would meet by chance; it is used with fixed keys, so it is not a
// secret and not a message authenticator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailsift::sys {

class SipHash128 {
 public:
  // SipHash-c-d: c rounds per 8-byte word, d in the finalisation. 2 and 4 are the
  // reference's (its test vectors check the code); the journal uses 1 and 3, half
  // the instructions a byte (Rust's and Python's hash tables use SipHash-1-3).
  SipHash128(std::uint64_t k0, std::uint64_t k1, int c_rounds = 2, int d_rounds = 4);
  void update(std::string_view bytes);
  // The 16 bytes of the result as 32 lowercase hex digits. Call once.
  std::string hex_digest();

 private:
  void compress(std::uint64_t m);
  void rounds(int n);

  std::uint64_t v0_, v1_, v2_, v3_;
  int c_rounds_;
  int d_rounds_;
  std::uint64_t tail_ = 0;     // bytes not yet in a whole 8-byte word
  std::size_t tail_size_ = 0;
  std::uint64_t total_ = 0;    // bytes hashed
};

}  // namespace mailsift::sys
