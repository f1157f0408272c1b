// Variables: procmail's variables live in the environment, are exported to every
// program mailsift starts, and keep their order of first assignment.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailsift::engine {

class Variables {
 public:
  // Starts from an environment block ("NAME=value" strings). Unless preserve, only
  // TZ is kept (procmail(1) -p). Always dropped: entries without '=', later
  // duplicates, the dynamic-linker names (LD_*, _RLD*, LIBPATH, ELF_LD_*,
  // AOUT_LD_*), what the C library drops for a setuid program such as procmail
  // (GCONV_PATH, GETCONF_DIR, GLIBC_TUNABLES, HOSTALIASES, LOCALDOMAIN, LOCPATH,
  // MALLOC_*, NIS_PATH, NLSPATH, RESOLV_HOST_CONF, RES_OPTIONS, TMPDIR, TZDIR), and
  // what a shell would run first (BASH_ENV, SHELLOPTS, BASHOPTS, BASH_FUNC_*).
  static Variables from_environment(const char* const* environ, bool preserve);

  std::optional<std::string> get(std::string_view name) const;
  std::string get_or(std::string_view name, std::string_view fallback) const;
  bool is_set(std::string_view name) const { return get(name).has_value(); }
  void set(std::string_view name, std::string value);
  void unset(std::string_view name);

  // "NAME=value" for each variable, for a child's environment.
  std::vector<std::string> environment() const;

  // Positional arguments $1..$n (-a, or the words after a -m rcfile).
  std::vector<std::string> arguments;
  // $0: the name mailsift was run by (argv[0]), as procmail's $0 is its own.
  std::string program_name = "mailsift";

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

// procmail's number/boolean parser for variables such as VERBOSE, LOCKSLEEP and
// EXITCODE: a leading integer is its value; otherwise "on"/"y"/"t"/"e" → 1,
// "off"/"n"/"f"/"d" → 0, "a" → 2, anything else → fallback.
long parse_number_or_boolean(std::string_view text, long fallback);

}  // namespace mailsift::engine
