#include "mailsift/sys/unique_name.h"

#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>

#include "mailsift/sys/hostname.h"

namespace mailsift::sys {
namespace {

TEST(EscapeHostname, Table) {
  struct Case {
    const char* name;
    std::string input;
    std::string want;
  };
  const Case cases[] = {
      {"plain", "mail.example.org", "mail.example.org"},
      {"slash", "a/b", "a\\057b"},
      {"colon", "a:b", "a\\072b"},
      {"both, repeated", "/:/:", "\\057\\072\\057\\072"},
      {"backslash untouched", "a\\b", "a\\b"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(escape_hostname(c.input), c.want) << c.name;
  }
}

TEST(UniqueMaildirName, Format) {
  const std::string name = unique_maildir_name("host:1/x");
  const std::regex pattern(R"(([0-9]+)\.M([0-9]+)P([0-9]+)Q([0-9]+)\.host\\0721\\057x)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(name, m, pattern)) << "got " << name;
  EXPECT_LT(std::stol(m[2]), 1000000) << "microseconds out of range in " << name;
  EXPECT_EQ(std::stol(m[3]), static_cast<long>(::getpid())) << name;
  EXPECT_EQ(name.find('/'), std::string::npos);
  EXPECT_EQ(name.find(':'), std::string::npos);
}

TEST(UniqueMaildirName, DistinctWithinOneProcess) {
  std::set<std::string> seen;
  constexpr int kNames = 10000;
  for (int i = 0; i < kNames; ++i) {
    const std::string name = unique_maildir_name("h");
    EXPECT_TRUE(seen.insert(name).second) << "duplicate " << name;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kNames));
}

TEST(UniqueMaildirName, EmptyHostnameStillNamesAHost) {
  const std::string name = unique_maildir_name("");
  EXPECT_NE(name.back(), '.') << name;
}

TEST(Hostname, IsTheNodeName) {
  struct utsname info {};
  ASSERT_EQ(::uname(&info), 0);
  EXPECT_EQ(hostname(), std::string(info.nodename));
  EXPECT_FALSE(hostname().empty());
}

}  // namespace
}  // namespace mailsift::sys
