#include "mailsift/message/encoded_words.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::message {
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
}  // namespace mailsift::message
