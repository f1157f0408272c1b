#include "mailsift/message/mime/charset.h"

#include <gtest/gtest.h>

namespace mailsift::message::mime {
namespace {

TEST(Charset, NamesMailUsesMapToWhatReadersShow) {
  EXPECT_EQ(iconv_charset("ks_c_5601-1987"), "CP949");
  EXPECT_EQ(iconv_charset("ISO-8859-8-I"), "ISO-8859-8");
  EXPECT_EQ(iconv_charset("x-mac-roman"), "MACINTOSH");
  EXPECT_EQ(iconv_charset("iso-8859-1"), "WINDOWS-1252");
  EXPECT_EQ(iconv_charset("utf-8*en"), "utf-8");
  EXPECT_EQ(iconv_charset("\"koi8-r\""), "koi8-r");
  EXPECT_EQ(iconv_charset("unknown-8bit"), "");
}

TEST(Charset, ConvertsToUtf8) {
  EXPECT_EQ(to_utf8("\xc7\xd1\xb1\xb9\xbe\xee", "ks_c_5601-1987").text, "한국어");
  EXPECT_EQ(to_utf8("caf\x8e", "x-mac-roman").text, "café");
  EXPECT_EQ(to_utf8("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r").text, "Привет");
  EXPECT_EQ(to_utf8("\x93quoted\x94", "us-ascii").text, "“quoted”");
  // 7-bit charsets that write other characters with ASCII bytes.
  EXPECT_EQ(to_utf8("\x1b$B@A5a=q\x1b(B", "ISO-2022-JP").text, "請求書");
  EXPECT_EQ(to_utf8("+AOk-t+AOk-", "utf-7").text, "été");
  EXPECT_EQ(to_utf8("plain", "no-such-charset").text, "plain");  // ASCII needs no charset
  EXPECT_TRUE(to_utf8("plain", "no-such-charset").converted);
}

TEST(Charset, ConvertsTextLongerThanOnePiece) {
  // 200,000 two-byte characters: more UTF-8 than one iconv call is given room for.
  std::string latin;
  std::string expected;
  for (int i = 0; i < 200000; ++i) {
    latin += '\xe9';
    expected += "é";
  }
  const Utf8Text text = to_utf8(latin, "iso-8859-15");
  EXPECT_TRUE(text.converted);
  EXPECT_EQ(text.text, expected);
}

TEST(Charset, ACharacterSplitByACutIsLeftOut) {
  // "€" is E2 82 AC in UTF-8, 80 in windows-1252, A1 EA in GB2312... and 2 bytes in
  // Shift_JIS for "請" (90 BF). Cut after its first byte: not a conversion failure.
  EXPECT_FALSE(to_utf8("price \xe2\x82", "utf-8").converted);
  const Utf8Text utf8 = to_utf8("price \xe2\x82", "utf-8", true);
  EXPECT_TRUE(utf8.converted);
  EXPECT_EQ(utf8.text, "price ");
  const Utf8Text sjis = to_utf8("\x90\xbf\x90", "shift_jis", true);
  EXPECT_TRUE(sjis.converted);
  EXPECT_EQ(sjis.text, "請");
  EXPECT_FALSE(to_utf8("\x90\xbf\x90", "shift_jis").converted);
  // What is not UTF-8 before the cut still counts.
  EXPECT_FALSE(to_utf8("caf\xe9 \xe2\x82", "utf-8", true).converted);
}

TEST(Charset, KeepsWhatItCannotConvert) {
  const Utf8Text unknown = to_utf8("caf\xe9", "no-such-charset");
  EXPECT_EQ(unknown.text, "caf\xe9");
  EXPECT_FALSE(unknown.converted);
  // A byte that is not in the charset stays; the rest is converted.
  const Utf8Text mixed = to_utf8("\xa4\xa2x\xff\xfey", "euc-jp");
  EXPECT_FALSE(mixed.converted);
  EXPECT_EQ(mixed.text.substr(0, 4), "あx");
  EXPECT_EQ(mixed.text.back(), 'y');
}

// Found by encoded_words_fuzz: glibc's UCS-4 takes values past U+10FFFF and writes
// them as 6-byte sequences, which are not UTF-8; and a charset name with control bytes
// ("ucs4\r\0...") is no charset at all.
TEST(Charset, WhatIsNotUtf8AfterConvertingCountsAsNotConverted) {
  const Utf8Text wide = to_utf8(std::string("\x7f\xff\xff\xff", 4), "ucs-4");
  EXPECT_FALSE(wide.converted);
  const Utf8Text fine = to_utf8(std::string("\0\0\0A", 4), "ucs-4");
  EXPECT_TRUE(fine.converted);
  EXPECT_EQ(fine.text, "A");
  EXPECT_EQ(iconv_charset(std::string("ucs4\r\0\0F", 8)), "");
  EXPECT_FALSE(to_utf8("caf\xe9", std::string("latin1\r", 7)).converted);
}

TEST(Charset, Utf8Validity) {
  EXPECT_TRUE(is_utf8("Grüße 日本語 😀"));
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong "/"
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xe6\x97"));          // cut short
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

}  // namespace
}  // namespace mailsift::message::mime
