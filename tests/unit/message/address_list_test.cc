#include "mailsift/message/mime/address_list.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::message::mime {
namespace {

// Each address as "text|name", joined by "; ".
std::string shown(std::string_view value) {
  std::string out;
  for (const Address& address : parse_address_list(value)) {
    if (!out.empty()) out += "; ";
    out += address.text() + "|" + address.name;
  }
  return out;
}

TEST(AddressList, ReadsWhatAReaderReads) {
  struct Row {
    const char* name;
    const char* value;
    const char* want;
  };
  const Row rows[] = {
      {"bare", "alice@example.org", "alice@example.org|"},
      {"angle with name", "Alice Liddell <alice@Example.ORG>", "alice@example.org|Alice Liddell"},
      {"quoted name that looks like an address",
       "\"boss@corp.example\" <x@evil.example>", "x@evil.example|boss@corp.example"},
      {"unquoted name with an address in it (lenient)",
       "boss@corp.example <x@evil.example>", "x@evil.example|boss@corp.example"},
      {"comment as the name", "alice@example.org (Alice Liddell)",
       "alice@example.org|Alice Liddell"},
      {"comment that looks like an address", "x@evil.example (boss@corp.example)",
       "x@evil.example|boss@corp.example"},
      {"list", "a@x.example, B <b@y.example>,c@z.example",
       "a@x.example|; b@y.example|B; c@z.example|"},
      {"group", "Team: a@x.example, b@y.example;, c@z.example",
       "a@x.example|; b@y.example|; c@z.example|"},
      {"empty group", "undisclosed-recipients:;", ""},
      {"route", "<@relay.example,@other.example:a@x.example>", "a@x.example|"},
      {"quoted local part", "\"john doe\"@example.org", "\"john doe\"@example.org|"},
      {"local part with +", "a+lists@example.org", "a+lists@example.org|"},
      {"encoded name", "=?UTF-8?Q?J=C3=B6rg?= <j@example.de>", "j@example.de|Jörg"},
      {"encoded word holding specials", "=?UTF-8?Q?Smith=2C_John_<x@y>?= <j@example.com>",
       "j@example.com|Smith, John <x@y>"},
      {"encoded word inside quotes", "\"=?UTF-8?Q?J=C3=B6rg?=\" <j@example.de>",
       "j@example.de|Jörg"},
      {"missing >", "Alice <alice@example.org", "alice@example.org|Alice"},
      {"missing > before the next", "A <a@x.example, b@y.example",
       "a@x.example|A; b@y.example|"},
      {"folded", "Alice\n Liddell\n <alice@example.org>", "alice@example.org|Alice Liddell"},
      {"no domain", "root", "root|"},
      {"domain literal", "a@[192.0.2.1]", "a@[192.0.2.1]|"},
      {"obsolete dotted name", "John Q. Public <jqp@example.com>",
       "jqp@example.com|John Q. Public"},
      {"escaped quote in a name", "\"a \\\"b\\\" c\" <d@e.example>", "d@e.example|a \"b\" c"},
      {"nested comment", "a@b.example (x (y) z)", "a@b.example|x (y) z"},
      {"a phrase alone is no address", "Some People", ""},
      {"stray commas", ",, a@b.example ,,", "a@b.example|"},
      {"empty", "", ""},
  };
  for (const Row& row : rows) EXPECT_EQ(shown(row.value), row.want) << row.name;
}

TEST(AddressList, PartsOfAnAddress) {
  const auto addresses = parse_address_list("\"Sales Dept\" <Sales+EU@Shop.Example.COM>");
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(addresses[0].local, "Sales+EU");  // the local part keeps its case
  EXPECT_EQ(addresses[0].domain, "shop.example.com");
  EXPECT_EQ(addresses[0].name, "Sales Dept");
}

TEST(AddressList, HostileInputIsLinear) {
  // A long run of what could open nested constructs is read once.
  std::string value(200000, '(');
  EXPECT_TRUE(parse_address_list(value).empty());
  value.assign(200000, '<');
  static_cast<void>(parse_address_list(value));
  value.clear();
  for (int i = 0; i < 50000; ++i) value += "@:a,(c)";
  static_cast<void>(parse_address_list(value));
  value.clear();
  for (int i = 0; i < 20000; ++i) value += "a" + std::to_string(i) + "@x.example, ";
  EXPECT_EQ(parse_address_list(value).size(), 20000u);
}

}  // namespace
}  // namespace mailsift::message::mime
