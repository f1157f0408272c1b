#include "mailsift/engine/views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mailsift/message/reader.h"

namespace mailsift::engine {
namespace {

message::Message message_of(const std::string& text) {
  return message::message_from_bytes(text, message::ReadOptions());
}

std::vector<std::string> lines(const message::Message& message, const std::string& name) {
  std::string error;
  const std::optional<rc::View> view = rc::resolve_view(name, &error);
  EXPECT_TRUE(view) << error;
  return view ? view_lines(*view, message) : std::vector<std::string>{};
}

using Lines = std::vector<std::string>;

const std::string kMessage =
    "From sender@example.net  Thu Dec  3 10:00:00 2026\n"
    "From: \"boss@corp.example\" <x@Evil.Example>\n"
    "To: Team: =?UTF-8?Q?J=C3=B6rg?= <joerg+lists@example.de>, b@example.org;,\n"
    "  \"Sales Dept\" <Sales+EU@shop.example>\n"
    "Cc: carol@example.com (Carol)\n"
    "Resent-To: dave@example.net\n"
    "X-Envelope-To: eve@example.net\n"
    "Subject: =?UTF-8?B?5pel5pys6Kqe?=\n"
    "  =?ISO-8859-1?Q?caf=E9?=\n"
    "subject: second\n"
    "X-Trick: =?UTF-8?Q?a=0Ab?=\n"
    "\n"
    "To: not-a-header@example.com\n";

TEST(ViewLines, HeaderViews) {
  const message::Message m = message_of(kMessage);
  EXPECT_EQ(lines(m, "header.subject"), (Lines{"日本語café", "second"}));
  EXPECT_EQ(lines(m, "header.SUBJECT"), (Lines{"日本語café", "second"}));
  EXPECT_EQ(lines(m, "header.x-trick"), (Lines{"a b"}));  // one field, one line
  EXPECT_EQ(lines(m, "header.x-missing"), Lines{});
}

TEST(ViewLines, AddressViews) {
  const message::Message m = message_of(kMessage);
  EXPECT_EQ(lines(m, "address.from"), (Lines{"x@evil.example"}));
  EXPECT_EQ(lines(m, "address.from.name"), (Lines{"boss@corp.example"}));
  EXPECT_EQ(lines(m, "address.from.domain"), (Lines{"evil.example"}));
  EXPECT_EQ(lines(m, "address.to"),
            (Lines{"joerg+lists@example.de", "b@example.org", "Sales+EU@shop.example"}));
  EXPECT_EQ(lines(m, "address.to.user"), (Lines{"joerg", "b", "Sales"}));
  EXPECT_EQ(lines(m, "address.to.detail"), (Lines{"lists", "EU"}));
  EXPECT_EQ(lines(m, "address.to.local"), (Lines{"joerg+lists", "b", "Sales+EU"}));
  EXPECT_EQ(lines(m, "address.to.name"), (Lines{"Jörg", "Sales Dept"}));
  EXPECT_EQ(lines(m, "address.cc.name"), (Lines{"Carol"}));
  EXPECT_EQ(lines(m, "address.resent-to"), (Lines{"dave@example.net"}));
  // Every recipient field, as ^TO_ looks; never the body.
  EXPECT_EQ(lines(m, "address.recipients"),
            (Lines{"joerg+lists@example.de", "b@example.org", "Sales+EU@shop.example",
                   "carol@example.com", "dave@example.net", "eve@example.net"}));
  EXPECT_EQ(lines(m, "address.sender"), Lines{});
}

TEST(ViewCache, JoinsLinesAndForgetsOnClear) {
  message::Message m = message_of(kMessage);
  ViewCache cache;
  std::string error;
  const rc::View view = *rc::resolve_view("address.to.user", &error);
  EXPECT_EQ(cache.text(view, m), "joerg\nb\nSales");
  m = message_of("To: z@example.org\n\nbody\n");
  EXPECT_EQ(cache.text(view, m), "joerg\nb\nSales");  // kept for the same message
  cache.clear();
  EXPECT_EQ(cache.text(view, m), "z");
}

}  // namespace
}  // namespace mailsift::engine
