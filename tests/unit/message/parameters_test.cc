#include "mailsift/message/mime/parameters.h"

#include <gtest/gtest.h>

#include <string>

#include "mailsift/limits.h"

namespace mailsift::message::mime {
namespace {

std::string first(const StructuredValue& value, const char* name) {
  const auto values = parameter_values(value, name);
  return values.empty() ? "(none)" : values.front();
}

// RFC 2231 sections 3 and 4, every example, and what mail carries.
TEST(Parameters, Rfc2231) {
  struct Row {
    const char* name;
    const char* value;
    const char* parameter;
    const char* want;
  };
  const Row rows[] = {
      {"3: continuations", "message/external-body; access-type=URL;\n URL*0=\"ftp://\";\n"
                           " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
       "url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"},
      {"4: charset and language",
       "application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A", "title",
       "This is ***fun***"},
      {"4.1: continuations with charset",
       "application/x-stuff;\n title*0*=us-ascii'en'This%20is%20even%20more%20;\n"
       " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\n title*2=\"isn't it!\"",
       "title", "This is even more ***fun*** isn't it!"},
      {"UTF-8 file name", "attachment; filename*=UTF-8''%E2%82%AC.exe", "filename", "€.exe"},
      {"a character split between segments",
       "attachment; filename*0*=UTF-8''%E2%82; filename*1*=%AC.exe", "filename", "€.exe"},
      {"segments out of order", "attachment; name*1=\"b\"; name*0=\"a\"", "name", "ab"},
      {"latin-1, no language", "attachment; filename*=iso-8859-1''caf%E9.txt", "filename",
       "café.txt"},
      {"RFC 2047 in a quoted value", "attachment; filename=\"=?UTF-8?B?4oKsLmV4ZQ==?=\"",
       "filename", "€.exe"},
      {"an unquoted value with blanks", "attachment; filename=my file.exe ; size=3", "filename",
       "my file.exe"},
      {"a comment", "text/plain (a comment); charset=\"utf-8\" (another)", "charset", "utf-8"},
      {"names in any case", "text/plain; CharSet=UTF-8", "charset", "UTF-8"},
      {"a backslash before a letter stays", "attachment; filename=\"C:\\dir\\a.exe\"", "filename",
       "C:\\dir\\a.exe"},
      {"an escaped quote", "attachment; filename=\"a\\\"b\"", "filename", "a\"b"},
  };
  for (const Row& row : rows) {
    const StructuredValue value = parse_structured_value(row.value);
    EXPECT_EQ(first(value, row.parameter), row.want) << row.name;
    EXPECT_FALSE(value.duplicate_parameter) << row.name;
  }
  EXPECT_EQ(parse_structured_value(" Multipart/Mixed ; boundary=x").token, "multipart/mixed");
}

TEST(Parameters, TwoReadingsAreBothKept) {
  const StructuredValue value =
      parse_structured_value("attachment; filename=\"a.pdf\"; filename*=UTF-8''b.exe");
  EXPECT_EQ(parameter_values(value, "filename"), (std::vector<std::string>{"a.pdf", "b.exe"}));
  EXPECT_TRUE(value.duplicate_parameter);
  const StructuredValue boundaries = parse_structured_value("multipart/mixed; boundary=a; boundary=b");
  EXPECT_EQ(parameter_values(boundaries, "boundary").size(), 2u);
  EXPECT_TRUE(boundaries.duplicate_parameter);
}

TEST(Parameters, UnknownCharsetKeepsTheBytes) {
  const StructuredValue value = parse_structured_value("attachment; filename*=x-none''caf%E9");
  EXPECT_EQ(first(value, "filename"), "caf\xe9");
  EXPECT_TRUE(value.unknown_charset);
}

TEST(Parameters, Limits) {
  std::string many = "text/plain";
  for (int i = 0; i < 1000; ++i) many += "; p" + std::to_string(i) + "=v";
  const StructuredValue value = parse_structured_value(many);
  EXPECT_TRUE(value.parameter_limit);
  EXPECT_EQ(value.parameters.size(), limits::kMaxMimeParameters);
  // Values of their own and a name's segments joined are each one parameter, in any
  // order (found by the fuzzer: "x=1; x=2; x*0=a" gave three values counted as two).
  std::string mixed = "text/plain; x=1; x=2; x*0=a; x*1=b";
  for (int i = 0; i < 1000; ++i) mixed += "; p" + std::to_string(i) + "=v";
  const StructuredValue mixed_value = parse_structured_value(mixed);
  EXPECT_TRUE(mixed_value.parameter_limit);
  EXPECT_EQ(mixed_value.parameters.size(), limits::kMaxMimeParameters);
  EXPECT_EQ(parameter_values(mixed_value, "x"), (std::vector<std::string>{"1", "2", "ab"}));
  std::string segments = "attachment";
  for (int i = 0; i < 500; ++i) segments += "; name*" + std::to_string(i) + "=x";
  const StructuredValue split = parse_structured_value(segments);
  EXPECT_TRUE(split.segment_limit);
  EXPECT_EQ(first(split, "name"), std::string(limits::kMaxRfc2231Segments, 'x'));
  // A huge value is read once.
  const StructuredValue huge = parse_structured_value("a/b; name=\"" + std::string(10 << 20, 'x') + "\"");
  EXPECT_EQ(first(huge, "name").size(), std::size_t{10} << 20);
}

}  // namespace
}  // namespace mailsift::message::mime
