#include "mailsift/message/mime/encoded_words.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::message::mime {
namespace {

struct Row {
  const char* name;
  const char* text;
  const char* want;
};

TEST(EncodedWords, Decode) {
  const Row rows[] = {
      {"plain text", "Subject: hello", "Subject: hello"},
      {"base64", "Subject: =?UTF-8?B?R3LDvMOfZQ==?=", "Subject: Gr\xc3\xbc\xc3\x9f" "e"},
      {"Q with underscore and hex", "=?ISO-8859-1?Q?caf=E9_au_lait?=", "caf\xe9 au lait"},
      {"lower-case encoding letter", "=?utf-8?q?a=3Db?=", "a=b"},
      {"blanks between two words go", "=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"},
      {"blanks before plain text stay", "=?UTF-8?Q?a?= b", "a b"},
      {"malformed: no closing", "=?UTF-8?Q?abc", "=?UTF-8?Q?abc"},
      {"malformed: bad hex", "=?UTF-8?Q?a=ZZ?=", "=?UTF-8?Q?a=ZZ?="},
      {"malformed: unknown encoding", "=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="},
      {"malformed: bad base64", "=?UTF-8?B?a*b?=", "=?UTF-8?B?a*b?="},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(decode_encoded_words(row.text), row.want) << row.name;
  }
}

TEST(EncodedWords, Detect) {
  EXPECT_TRUE(has_encoded_words("Subject: =?UTF-8?B?eA==?="));
  EXPECT_FALSE(has_encoded_words("Subject: a=?b"));
  EXPECT_FALSE(has_encoded_words("Subject: plain"));
}

}  // namespace
}  // namespace mailsift::message::mime

namespace mailsift::message::mime {
namespace {

// RFC 2047 section 8, every example, and the cases mail carries beyond it; each
// decoded to UTF-8 as a reader shows the field (field_text).
TEST(EncodedWords, FieldTextAsAReaderShowsIt) {
  const Row rows[] = {
      // Section 8, the header examples.
      {"8: US-ASCII Q", "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
       "Keith Moore <moore@cs.utk.edu>"},
      {"8: ISO-8859-1 Q", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
       "Keld Jørn Simonsen <keld@dkuug.dk>"},
      {"8: word then plain text", "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
       "André Pirard <PIRARD@vm1.ulg.ac.be>"},
      {"8: two charsets across a fold",
       "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\n    "
       "=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
       "If you can read this you understand the example."},
      {"8: Olle", "=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
       "Olle Järnefors <ojarnef@admin.kth.se>"},
      {"8: Hebrew in a comment",
       "Nathaniel Borenstein <nsb@thumper.bellcore.com> (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
       "Nathaniel Borenstein <nsb@thumper.bellcore.com> (םולש ןב ילטפנ)"},
      // Section 8, the table of adjacent words.
      {"8: one word", "(=?ISO-8859-1?Q?a?=)", "(a)"},
      {"8: word and text", "(=?ISO-8859-1?Q?a?= b)", "(a b)"},
      {"8: two words", "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"8: two words, two blanks", "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"8: two words across a fold", "(=?ISO-8859-1?Q?a?=\n    =?ISO-8859-1?Q?b?=)", "(ab)"},
      {"8: underscore", "(=?ISO-8859-1?Q?a_b?=)", "(a b)"},
      {"8: blank encoded in the second word", "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)",
       "(a b)"},
      // What mail carries.
      {"a character split between two words", "=?UTF-8?B?5pel5g==?= =?UTF-8?B?nKzoqp4=?=",
       "日本語"},
      {"RFC 2231 language in the charset", "=?utf-8*ja?B?5pel5g==?==?UTF-8?B?nKzoqp4=?=",
       "日本語"},
      {"Latin-1 label, windows-1252 bytes", "=?iso-8859-1?B?R3L832UggA==?=", "Grüße €"},
      {"ks_c_5601-1987 (iconv does not know the name)", "=?ks_c_5601-1987?B?x9Gxub7u?=",
       "한국어"},
      {"iso-8859-8-i", "=?iso-8859-8-i?b?7eXs+SDv4SDp7Oj08A==?=", "םולש ןב ילטפנ"},
      {"inside a quoted string", "\"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\" <a@b>", "\"Grüße\" <a@b>"},
      {"inside a parameter", "attachment; filename=\"=?UTF-8?Q?=E2=82=AC.exe?=\"",
       "attachment; filename=\"€.exe\""},
      {"touching text", "re:=?UTF-8?Q?caf=C3=A9?=!", "re:café!"},
      {"blanks trimmed, folds taken out", "  \tHello\n\tworld  ", "Hello\tworld"},
      {"CRLF folds", "a\r\n b", "a b"},
      {"raw UTF-8 stays", "Grüße", "Grüße"},
      {"malformed words stay", "=?UTF-8?Q?a=ZZ?= =?UTF-8?X?b?=", "=?UTF-8?Q?a=ZZ?= =?UTF-8?X?b?="},
  };
  for (const Row& row : rows) {
    const DecodedText got = field_text(row.text);
    EXPECT_EQ(got.text, row.want) << row.name;
    EXPECT_FALSE(got.unknown_charset) << row.name;
  }
}

TEST(EncodedWords, WhatCannotBeConvertedStaysAsBytes) {
  {
    const DecodedText got = field_text("=?x-no-such-charset?Q?caf=E9?=");
    EXPECT_EQ(got.text, "caf\xe9");
    EXPECT_TRUE(got.unknown_charset);
  }
  {
    const DecodedText got = field_text("=?unknown-8bit?Q?caf=C3=A9?=");
    EXPECT_EQ(got.text, "café");  // no charset known, but the bytes are UTF-8
    EXPECT_FALSE(got.unknown_charset);
  }
  {
    const DecodedText got = field_text("=?UTF-8?Q?a=FFb?=");
    EXPECT_EQ(got.text, "a\xff" "b");
    EXPECT_TRUE(got.unknown_charset);
  }
  {
    const DecodedText got = field_text("raw \xe9t\xe9");
    EXPECT_EQ(got.text, "raw \xe9t\xe9");
    EXPECT_TRUE(got.unknown_charset);
  }
}

}  // namespace
}  // namespace mailsift::message::mime
