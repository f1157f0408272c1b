// The trigram filter a searched header gets (rc::TextIndex): it may say "maybe" for a
// literal that is not there, never "no" for one that is, in either case of ASCII
// letters; and a regex searched with the index answers as without it.
#include "mailsift/rc/text_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "mailsift/rc/regex.h"

namespace mailsift::rc {
namespace {

std::string random_text(std::mt19937& random, std::string_view alphabet, std::size_t length) {
  std::string text;
  for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
  return text;
}

std::string flip_case(std::string text, std::mt19937& random) {
  for (char& c : text) {
    if (random() % 2 == 0 && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) c ^= 0x20;
  }
  return text;
}

TEST(TextIndex, NeverRulesOutALiteralTheTextHolds) {
  std::mt19937 random(7);
  const std::string alphabet = "abcXYZ:-. \n\xe9\xc9";
  for (int i = 0; i < 2000; ++i) {
    const std::string text = random_text(random, alphabet, 1 + random() % 300);
    const TextIndex index(text);
    EXPECT_TRUE(index.covers(text));
    for (int j = 0; j < 20; ++j) {
      const std::size_t at = random() % text.size();
      const std::string literal = text.substr(at, random() % 12);
      ASSERT_TRUE(index.may_hold(literal)) << "[" << literal << "] in [" << text << "]";
      ASSERT_TRUE(index.may_hold(flip_case(literal, random))) << "[" << literal << "]";
    }
  }
}

TEST(TextIndex, RulesOutMostLiteralsTheTextLacks) {
  std::mt19937 random(8);
  const std::string header = random_text(random, "abcdefghijklmnopqrstuvwxyz :\n", 3000);
  const TextIndex index(header);
  int ruled_out = 0;
  for (int i = 0; i < 1000; ++i) {
    // Digits and punctuation the header has none of.
    const std::string literal = random_text(random, "0123456789@#", 6);
    EXPECT_EQ(header.find(literal), std::string::npos);
    if (!index.may_hold(literal)) ++ruled_out;
  }
  EXPECT_GE(ruled_out, 990) << "a filter may let a few through, not many";
  EXPECT_FALSE(index.may_hold(std::string(3001, 'a'))) << "longer than the text";
  EXPECT_TRUE(index.may_hold("")) << "the empty literal is in every text";
  EXPECT_FALSE(index.covers(std::string(header)));  // same bytes, another address
}

TEST(TextIndex, SearchWithTheIndexAnswersAsWithout) {
  std::mt19937 random(9);
  const std::string alphabet = "abAB:-.^$|()[]*+?\\/ \n";
  int matched = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string source = random_text(random, alphabet, 1 + random() % 12);
    const Regex regex = Regex::compile(source, random() % 2 == 0);
    if (!regex.ok()) continue;
    const std::string area = random_text(random, "abAB:-. \n", random() % 40);
    const TextIndex index(area);
    std::string plain_match, indexed_match;
    const bool plain = regex.search(area, &plain_match);
    const bool indexed = regex.search(area, &indexed_match, nullptr, &index);
    ASSERT_EQ(indexed, plain) << "[" << source << "] on [" << area << "]";
    ASSERT_EQ(indexed_match, plain_match) << "[" << source << "] on [" << area << "]";
    matched += plain ? 1 : 0;
  }
  EXPECT_GT(matched, 300);
}

}  // namespace
}  // namespace mailsift::rc
