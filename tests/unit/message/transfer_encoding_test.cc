#include "mailsift/message/mime/transfer_encoding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace mailsift::message::mime {
namespace {

TEST(TransferEncoding, Names) {
  EXPECT_EQ(transfer_encoding(" BASE64 "), TransferEncoding::kBase64);
  EXPECT_EQ(transfer_encoding("Quoted-Printable (comment)"), TransferEncoding::kQuotedPrintable);
  bool known = false;
  EXPECT_EQ(transfer_encoding("8bit", &known), TransferEncoding::kIdentity);
  EXPECT_TRUE(known);
  EXPECT_EQ(transfer_encoding("x-uuencode", &known), TransferEncoding::kIdentity);
  EXPECT_FALSE(known);
}

TEST(TransferEncoding, Base64) {
  bool bad = true;
  EXPECT_EQ(decode_transfer("SGVs\r\nbG8s\nIHdv cmxk\n", TransferEncoding::kBase64, &bad),
            "Hello, world");
  EXPECT_FALSE(bad);
  EXPECT_EQ(decode_transfer("SGVsbG8=\n", TransferEncoding::kBase64, &bad), "Hello");
  EXPECT_FALSE(bad);
  // Characters outside the alphabet are skipped, as readers skip them, and counted.
  EXPECT_EQ(decode_transfer("SGV*sbG8=", TransferEncoding::kBase64, &bad), "Hello");
  EXPECT_TRUE(bad);
  // A lone character at the end.
  decode_transfer("SGVsbG8hQ", TransferEncoding::kBase64, &bad);
  EXPECT_TRUE(bad);
}

TEST(TransferEncoding, QuotedPrintable) {
  bool bad = true;
  EXPECT_EQ(decode_transfer("Caf=E9 =\ncr=C3=A8me  \nend", TransferEncoding::kQuotedPrintable, &bad),
            "Caf\xe9 cr\xc3\xa8me\nend");
  EXPECT_FALSE(bad);
  EXPECT_EQ(decode_transfer("a=\r\nb\r\n", TransferEncoding::kQuotedPrintable, &bad), "ab\n");
  EXPECT_EQ(decode_transfer("100% =ZZ", TransferEncoding::kQuotedPrintable, &bad), "100% =ZZ");
  EXPECT_TRUE(bad);
}

TEST(TransferEncoding, PieceByPieceIsTheSame) {
  const std::string base64 = "VGhlIHF1aWNrIGJyb3duIGZveA==\nanVtcHM=\n";
  const std::string qp = "The =E9quick=\n brown  \n=46ox=3D";
  for (const auto& [text, encoding] :
       {std::pair{base64, TransferEncoding::kBase64}, std::pair{qp, TransferEncoding::kQuotedPrintable}}) {
    const std::string whole = decode_transfer(text, encoding);
    for (std::size_t step = 1; step < 8; ++step) {
      TransferDecoder decoder(encoding);
      std::string pieces;
      for (std::size_t at = 0; at < text.size(); at += step)
        decoder.feed(std::string_view(text).substr(at, step), &pieces);
      decoder.finish(&pieces);
      EXPECT_EQ(pieces, whole) << "step " << step;
    }
  }
}

// The decoder takes four letters at a time where it can; fed a character at a time it
// never can. Both must give the same bytes and the same verdict, whatever the input
// (letters, line ends, padding in odd places, characters outside the alphabet).
TEST(TransferEncoding, Base64FourAtATimeIsLetterByLetter) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::mt19937 random(2026);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const std::size_t length = random() % 200;
    for (std::size_t i = 0; i < length; ++i) {
      const auto pick = random() % 100;
      text += pick < 85 ? kAlphabet[random() % 64]
              : pick < 92 ? '\n'
              : pick < 96 ? '='
              : pick < 98 ? ' '
                          : '*';
    }
    bool bad_whole = false;
    const std::string whole = decode_transfer(text, TransferEncoding::kBase64, &bad_whole);
    TransferDecoder decoder(TransferEncoding::kBase64);
    std::string single;
    for (const char c : text) decoder.feed(std::string_view(&c, 1), &single);
    decoder.finish(&single);
    EXPECT_EQ(whole, single) << text;
    EXPECT_EQ(bad_whole, decoder.bad()) << text;
  }
}

TEST(TransferEncoding, Base64OfEveryByte) {
  std::string bytes;
  for (int i = 0; i < 3 * 256; ++i) bytes += static_cast<char>((i * 7) & 0xFF);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[at])); };
    const unsigned quad = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    for (const int shift : {18, 12, 6, 0}) encoded += kAlphabet[(quad >> shift) & 63];
    if (encoded.size() % 77 == 76) encoded += '\n';
  }
  bool bad = true;
  EXPECT_EQ(decode_transfer(encoded, TransferEncoding::kBase64, &bad), bytes);
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace mailsift::message::mime
