#include "mailsift/rc/regex_cache.h"

#include <utility>

namespace mailsift::rc {

const Regex& RegexCache::get(std::string_view procmail_text, bool case_sensitive) {
  std::string key;
  key.reserve(procmail_text.size() + 1);
  key += case_sensitive ? 'D' : 'i';
  key += procmail_text;
  auto found = regexes_.find(key);
  if (found != regexes_.end()) return found->second;
  Regex regex = Regex::compile(procmail_text, case_sensitive);
  return regexes_.emplace(std::move(key), std::move(regex)).first->second;
}

}  // namespace mailsift::rc
