#include "mailsift/engine/expand.h"

#include <gtest/gtest.h>

#include <map>

#include "mailsift/rc/value.h"

namespace mailsift::engine {
namespace {

std::string expand(const std::string& text, const std::map<std::string, std::string>& vars,
                   std::string* error = nullptr) {
  std::size_t pos = 0;
  std::vector<rc::Diagnostic> diagnostics;
  const rc::Value value = rc::parse_value(text, &pos, rc::Position{}, &diagnostics);
  std::string out;
  std::string err;
  const bool ok = expand_value(
      value,
      [&](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
      },
      &out, &err);
  if (error != nullptr) *error = err;
  return ok ? out : "<error>";
}

TEST(ExpandValue, Table) {
  const std::map<std::string, std::string> vars = {
      {"HOME", "/home/u"}, {"EMPTY", ""}, {"DOT", "a.c"}, {"1", "first"}};
  struct Case {
    const char* input;
    const char* want;
  } const cases[] = {
      {"$HOME/Mail", "/home/u/Mail"},
      {"${UNSET:-x}", "x"},
      {"${EMPTY:-x}", "x"},
      {"${EMPTY-x}", ""},
      {"${UNSET-x}", "x"},
      {"${HOME:+set}", "set"},
      {"${EMPTY:+set}", ""},
      {"${EMPTY+set}", "set"},
      {"${UNSET+set}", ""},
      {"$\\DOT", "()a\\.c"},
      {"\"$HOME x\"", "/home/u x"},
      {"'$HOME'", "$HOME"},
      {"$1-$2", "first-"},
      {"${UNSET:-$HOME}", "/home/u"},
  };
  for (const auto& c : cases) EXPECT_EQ(expand(c.input, vars), c.want) << c.input;
}

TEST(ExpandValue, BackquoteIsNotYetSupported) {
  std::string error;
  EXPECT_EQ(expand("`date`", {}, &error), "<error>");
  EXPECT_NE(error.find("backquote"), std::string::npos) << error;
}

}  // namespace
}  // namespace mailsift::engine
