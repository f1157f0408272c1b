#include "mailsift/engine/variables.h"

#include <gtest/gtest.h>

namespace mailsift::engine {
namespace {

TEST(ParseNumberOrBoolean, ProcmailRules) {
  struct Case {
    const char* input;
    long want;
  } const cases[] = {
      {"7", 7},   {"7x", 7},  {"  12", 12}, {"-3", -3}, {"on", 1},   {"ON", 1},
      {"off", 0}, {"yes", 1}, {"y", 1},     {"true", 1}, {"e", 1},   {"no", 0},
      {"false", 0}, {"d", 0}, {"all", 2},   {"A", 2},   {"", -9},    {"zzz", -9},
      {"o", -9},
  };
  for (const auto& c : cases)
    EXPECT_EQ(parse_number_or_boolean(c.input, -9), c.want) << "input [" << c.input << "]";
}

TEST(Variables, CleanEnvironmentKeepsOnlyTz) {
  const char* env[] = {"TZ=UTC", "HOME=/x", "LD_PRELOAD=/evil.so", "NOEQUALS", nullptr};
  const Variables clean = Variables::from_environment(env, false);
  EXPECT_EQ(clean.get("TZ"), "UTC");
  EXPECT_FALSE(clean.is_set("HOME"));
  const Variables kept = Variables::from_environment(env, true);
  EXPECT_EQ(kept.get("HOME"), "/x");
  EXPECT_FALSE(kept.is_set("LD_PRELOAD")) << "dynamic-linker variables are always dropped";
  EXPECT_FALSE(kept.is_set("NOEQUALS"));
}

TEST(Variables, DuplicatesKeepTheFirst) {
  const char* env[] = {"A=1", "A=2", nullptr};
  EXPECT_EQ(Variables::from_environment(env, true).get("A"), "1");
}

TEST(Variables, SetUnsetAndEnvironmentOrder) {
  Variables v;
  v.set("B", "2");
  v.set("A", "1");
  v.set("B", "3");
  EXPECT_EQ(v.environment(), (std::vector<std::string>{"B=3", "A=1"}));
  v.unset("B");
  EXPECT_EQ(v.environment(), (std::vector<std::string>{"A=1"}));
  EXPECT_EQ(v.get_or("B", "none"), "none");
}

}  // namespace
}  // namespace mailsift::engine
