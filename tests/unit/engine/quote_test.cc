#include "../../../src/engine/quote.h"

#include <gtest/gtest.h>

#include <string>

namespace mailsift::engine {
namespace {

TEST(Clip, CutsLongTextAndMarksIt) {
  const std::string limit(limits::kMaxQuotedInLog, 'a');
  struct Case {
    std::string text;
    std::size_t limit;
    std::string want_clip;
    std::string want_line;
  } const cases[] = {
      {"", limits::kMaxQuotedInLog, "", ""},
      {"a\nb", limits::kMaxQuotedInLog, "a\nb", "a b"},
      {limit, limits::kMaxQuotedInLog, limit, limit},
      {limit + "b", limits::kMaxQuotedInLog, limit + "...", limit + "..."},
      {"\n" + limit, limits::kMaxQuotedInLog, "\n" + limit.substr(1) + "...",
       " " + limit.substr(1) + "..."},
      {"abc\ndef", 4, "abc\n...", "abc ..."},
      {"abcd", 4, "abcd", "abcd"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(clip(c.text, c.limit), c.want_clip)
        << "clip of " << c.text.size() << " bytes to " << c.limit;
    EXPECT_EQ(clip_to_line(c.text, c.limit), c.want_line)
        << "clip_to_line of " << c.text.size() << " bytes to " << c.limit;
  }
  EXPECT_EQ(clip(limit + "b"), limit + "...") << "the default limit is the log's";
}

}  // namespace
}  // namespace mailsift::engine
