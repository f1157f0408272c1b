#include "mailsift/rc/views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ast_dump.h"
#include "mailsift/rc/parser.h"

namespace mailsift::rc {
namespace {

TEST(Views, NameShape) {
  EXPECT_EQ(view_name_length("header.subject ?? x", 0), 14u);
  EXPECT_EQ(view_name_length("address.from.domain??", 0), 19u);
  EXPECT_EQ(view_name_length("header.X-Mailer ??", 0), 15u);
  EXPECT_EQ(view_name_length("SUBJECT ?? x", 0), 0u);      // a variable
  EXPECT_EQ(view_name_length("Header.subject", 0), 0u);    // views are lowercase
  EXPECT_EQ(view_name_length("header. subject", 0), 0u);
  EXPECT_EQ(view_name_length("header.subject.", 0), 0u);
  EXPECT_EQ(view_name_length("header", 0), 0u);
}

TEST(Views, ResolvesKnownNames) {
  std::string error;
  auto header = resolve_view("header.X-Mailer", &error);
  ASSERT_TRUE(header);
  EXPECT_EQ(header->kind, View::Kind::kHeader);
  EXPECT_EQ(header->field, "x-mailer");
  auto detail = resolve_view("address.recipients.detail", &error);
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->kind, View::Kind::kAddress);
  EXPECT_EQ(detail->field, "recipients");
  EXPECT_EQ(detail->part, View::Part::kDetail);
  for (const std::string_view field : address_fields()) {
    EXPECT_TRUE(resolve_view("address." + std::string(field), &error)) << field;
    EXPECT_TRUE(resolve_view("address." + std::string(field) + ".name", &error)) << field;
  }
  EXPECT_EQ(address_header_fields("reply-to"), std::vector<std::string_view>{"reply-to"});
  EXPECT_EQ(address_header_fields("recipients").size(), 15u);
}

TEST(Views, UnknownNamesNameTheNearest) {
  const std::pair<const char*, const char*> rows[] = {
      {"address.form", "address.from"},
      {"address.to.domian", "address.to.domain"},
      {"heder.subject", "header.subject"},
      {"address.recipient.user", "address.recipients.user"},
      {"header.x.y", "header.y"},
  };
  for (const auto& [name, nearest] : rows) {
    std::string error;
    EXPECT_FALSE(resolve_view(name, &error)) << name;
    EXPECT_NE(error.find("unknown view \"" + std::string(name) + "\""), std::string::npos) << error;
    EXPECT_NE(error.find("the nearest is \"" + std::string(nearest) + "\""), std::string::npos)
        << error;
  }
}

TEST(Views, ConditionPrefix) {
  const std::pair<const char*, const char*> rows[] = {
      {"header.subject ?? ^Hello", "* view(header.subject) regex \"^Hello\"@1:19"},
      {"! address.from.domain??example", "* not view(address.from.domain) regex \"example\"@1:24"},
      {"100^1 address.to ?? x", "* weight(100,1) view(address.to) regex \"x\"@1:21"},
      {"header.subject ?? < 10", "* view(header.subject) less \"10\"@1:21"},
      // Not a view: procmail reads these as regexes, and so does mailsift.
      {"header.subject", "* regex \"header.subject\"@1:1"},
      {"header.subject ?", "* regex \"header.subject ?\"@1:1"},
      {"Header.subject ?? x", "* regex \"Header.subject ?? x\"@1:1"},
  };
  for (const auto& [input, want] : rows) {
    std::vector<Diagnostic> diagnostics;
    const Condition condition = parse_condition(input, Position{1, 1}, &diagnostics);
    EXPECT_EQ(testing::dump_condition(condition), want) << input;
    EXPECT_TRUE(diagnostics.empty()) << input;
  }
}

TEST(Views, UnknownViewIsAnErrorAtItsPlace) {
  std::vector<Diagnostic> diagnostics;
  parse_condition("! mime.filenam ?? \\.exe$", Position{4, 3}, &diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].severity, Severity::kError);
  EXPECT_EQ(diagnostics[0].position.line, 4);
  EXPECT_EQ(diagnostics[0].position.column, 5);
  EXPECT_NE(diagnostics[0].message.find("unknown view \"mime.filenam\""), std::string::npos);
}

}  // namespace
}  // namespace mailsift::rc
