#include "mailsift/sys/siphash.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::sys {
namespace {

// The reference implementation's vectors_sip128 (github.com/veorq/SipHash,
// vectors.h): key 00 01 .. 0f, message 00 01 .. (n-1).
struct Vector {
  std::size_t length;
  const char* want;
};
constexpr Vector kVectors[] = {
    {0, "a3817f04ba25a8e66df67214c7550293"},
    {1, "da87c1d86b99af44347659119b22fc45"},
    {2, "8177228da4a45dc7fca38bdef60affe4"},
    {3, "9c70b60c5267a94e5f33b6b02985ed51"},
    {4, "f88164c12d9c8faf7d0f6e7c7bcd5579"},
};

constexpr std::uint64_t kKey0 = 0x0706050403020100ULL;
constexpr std::uint64_t kKey1 = 0x0f0e0d0c0b0a0908ULL;

std::string message_of(std::size_t length) {
  std::string m;
  for (std::size_t i = 0; i < length; ++i) m += static_cast<char>(i);
  return m;
}

TEST(SipHash128, ReferenceVectors) {
  for (const auto& v : kVectors) {
    SipHash128 h(kKey0, kKey1);
    h.update(message_of(v.length));
    EXPECT_EQ(h.hex_digest(), v.want) << "length " << v.length;
  }
}

// Pieces of any size give the digest of their concatenation (the journal hashes a
// spooled body window by window).
TEST(SipHash128, PiecesEqualWhole) {
  const std::string whole = message_of(61) + "a longer tail that crosses several words";
  SipHash128 one(kKey0, kKey1);
  one.update(whole);
  const std::string want = one.hex_digest();
  for (std::size_t piece = 1; piece <= 17; ++piece) {
    SipHash128 h(kKey0, kKey1);
    for (std::size_t i = 0; i < whole.size(); i += piece) h.update(std::string_view(whole).substr(i, piece));
    EXPECT_EQ(h.hex_digest(), want) << "pieces of " << piece;
  }
}

// Fewer rounds give another function (the journal's SipHash-1-3), pieces or not.
TEST(SipHash128, RoundsAreParameters) {
  SipHash128 ref(kKey0, kKey1), fast(kKey0, kKey1, 1, 3), pieces(kKey0, kKey1, 1, 3);
  const std::string m = message_of(40);
  ref.update(m);
  fast.update(m);
  pieces.update(m.substr(0, 13));
  pieces.update(m.substr(13));
  const std::string f = fast.hex_digest();
  EXPECT_NE(ref.hex_digest(), f);
  EXPECT_EQ(pieces.hex_digest(), f);
}

// SipHash-1-3, the journal's, pinned: its digests name files that a later
// mailsift, after an upgrade between two attempts, must find again. (Values from
// the per-round loop that served every round count before the one-round path.)
TEST(SipHash128, OneThreeIsPinned) {
  const std::string m = message_of(64) + "an odd tail";
  SipHash128 whole(kKey0, kKey1, 1, 3), pieces(kKey0, kKey1, 1, 3);
  whole.update(m);
  for (std::size_t i = 0; i < m.size(); i += 5) pieces.update(std::string_view(m).substr(i, 5));
  EXPECT_EQ(whole.hex_digest(), "95ce6dc6cac6aa4a36b7edf836b62d95");
  EXPECT_EQ(pieces.hex_digest(), "95ce6dc6cac6aa4a36b7edf836b62d95");
}

TEST(SipHash128, KeyAndInputChangeTheDigest) {
  SipHash128 a(kKey0, kKey1), b(kKey0 + 1, kKey1), c(kKey0, kKey1);
  a.update("message");
  b.update("message");
  c.update("messagf");
  const std::string da = a.hex_digest();
  EXPECT_NE(da, b.hex_digest());
  EXPECT_NE(da, c.hex_digest());
}

}  // namespace
}  // namespace mailsift::sys
