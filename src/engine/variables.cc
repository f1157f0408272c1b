#include "mailsift/engine/variables.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace mailsift::engine {
namespace {

bool dropped_always(std::string_view name) {
  // procmail's own list: names that change what the run-time linker loads.
  for (std::string_view prefix : {"LD_", "_RLD", "ELF_LD_", "AOUT_LD_"})
    if (name.substr(0, prefix.size()) == prefix) return true;
  if (name == "LIBPATH") return true;
  // What the C library ignores in a setuid program: procmail is one (setuid root,
  // setgid mail), so its children never get these even with -p. mailsift is not,
  // and drops them itself.
  for (std::string_view unsafe :
       {"GCONV_PATH", "GETCONF_DIR", "GLIBC_TUNABLES", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH",
        "NIS_PATH", "NLSPATH", "RESOLV_HOST_CONF", "RES_OPTIONS", "TMPDIR", "TZDIR"})
    if (name == unsafe) return true;
  if (name.substr(0, 7) == "MALLOC_") return true;
  // Stricter than procmail, whose -p passes them on: files and functions a shell
  // started for a command line would read or run before the command itself.
  if (name == "BASH_ENV" || name == "SHELLOPTS" || name == "BASHOPTS") return true;
  return name.substr(0, 10) == "BASH_FUNC_";
}

}  // namespace

Variables Variables::from_environment(const char* const* environ, bool preserve) {
  Variables vars;
  if (environ == nullptr) return vars;
  for (const char* const* e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    const std::string_view name = entry.substr(0, eq);
    if (dropped_always(name) || vars.is_set(name)) continue;
    if (!preserve && name != "TZ") continue;
    vars.entries_.emplace_back(std::string(name), std::string(entry.substr(eq + 1)));
  }
  return vars;
}

std::optional<std::string> Variables::get(std::string_view name) const {
  for (const auto& [n, v] : entries_)
    if (n == name) return v;
  return std::nullopt;
}

std::string Variables::get_or(std::string_view name, std::string_view fallback) const {
  auto v = get(name);
  return v ? *v : std::string(fallback);
}

void Variables::set(std::string_view name, std::string value) {
  for (auto& [n, v] : entries_) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(value));
}

void Variables::unset(std::string_view name) {
  std::erase_if(entries_, [name](const auto& e) { return e.first == name; });
}

std::vector<std::string> Variables::environment() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [n, v] : entries_) out.push_back(n + "=" + v);
  return out;
}

long parse_number_or_boolean(std::string_view text, long fallback) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                             text[i] == '\v' || text[i] == '\f' || text[i] == '\r'))
    ++i;
  const std::string rest(text.substr(i));
  if (!rest.empty()) {
    const char* begin = rest.c_str();
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(begin, &end, 10);
    if (end != begin) return n;
  }
  if (rest.empty()) return fallback;
  const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(rest[0])));
  if (c == 'o' && rest.size() > 1) {
    const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(rest[1])));
    if (d == 'n') return 1;
    if (d == 'f') return 0;
    return fallback;
  }
  switch (c) {
    case 'y': case 't': case 'e': return 1;
    case 'n': case 'f': case 'd': return 0;
    case 'a': return 2;
    default: return fallback;
  }
}

}  // namespace mailsift::engine
