#include "mailsift/rc/regex_cache.h"

#include <utility>

namespace mailsift::rc {

const Regex& RegexCache::get(std::string_view procmail_text, bool case_sensitive,
                             bool after_backslash) {
  Map& regexes = by_case_[(case_sensitive ? 1 : 0) + (after_backslash ? 2 : 0)];
  auto found = regexes.find(procmail_text);
  if (found != regexes.end()) return found->second;
  return regexes
      .emplace(std::string(procmail_text),
               Regex::compile(procmail_text, case_sensitive, after_backslash))
      .first->second;
}

}  // namespace mailsift::rc
