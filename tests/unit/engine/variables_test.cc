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

TEST(Variables, PreservedEnvironmentLosesWhatChangesLoadersAndShells) {
  // -p keeps the environment, but not what the C library drops for procmail (a
  // setuid program), nor (stricter than procmail) what a shell would run first.
  const char* env[] = {"LD_PRELOAD=/x.so",      "LD_LIBRARY_PATH=/x", "_RLD_ROOT=/x",
                       "LIBPATH=/x",            "ELF_LD_X=1",         "AOUT_LD_X=1",
                       "GCONV_PATH=/x",         "GETCONF_DIR=/x",     "GLIBC_TUNABLES=x",
                       "HOSTALIASES=/x",        "LOCALDOMAIN=x",      "LOCPATH=/x",
                       "MALLOC_CHECK_=3",       "MALLOC_ARENA_MAX=1", "NIS_PATH=/x",
                       "NLSPATH=/x",            "RESOLV_HOST_CONF=/x", "RES_OPTIONS=x",
                       "TMPDIR=/x",             "TZDIR=/x",           "BASH_ENV=/x.sh",
                       "SHELLOPTS=xtrace",      "BASHOPTS=extglob",   "BASH_FUNC_ls%%=() { :; }",
                       "PATH=/kept",            "TZ=UTC",             "LANG=C.UTF-8",
                       "MY_BASH_ENV=kept",      nullptr};
  const Variables kept = Variables::from_environment(env, true);
  for (const char* name :
       {"LD_PRELOAD", "LD_LIBRARY_PATH", "_RLD_ROOT", "LIBPATH", "ELF_LD_X", "AOUT_LD_X",
        "GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
        "MALLOC_CHECK_", "MALLOC_ARENA_MAX", "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF",
        "RES_OPTIONS", "TMPDIR", "TZDIR", "BASH_ENV", "SHELLOPTS", "BASHOPTS", "BASH_FUNC_ls%%"})
    EXPECT_FALSE(kept.is_set(name)) << name << " was kept";
  EXPECT_EQ(kept.environment(),
            (std::vector<std::string>{"PATH=/kept", "TZ=UTC", "LANG=C.UTF-8",
                                      "MY_BASH_ENV=kept"}));
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
