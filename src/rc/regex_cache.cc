#include "mailsift/rc/regex_cache.h"

#include <utility>

namespace mailsift::rc {

const Regex& RegexCache::get(std::string_view procmail_text, bool case_sensitive,
                             bool after_backslash) {
  const int mode = (case_sensitive ? 1 : 0) + (after_backslash ? 2 : 0);
  Map& regexes = by_case_[mode];
  auto found = regexes.find(procmail_text);
  if (found != regexes.end()) return found->second;
  if (last_ && last_mode_ == mode && last_text_ == procmail_text) return *last_;
  if (last_ && last_->built())
    by_case_[last_mode_].emplace(std::move(last_text_), std::move(*last_));
  last_.reset();
  last_text_.assign(procmail_text);
  last_mode_ = mode;
  return last_.emplace(Regex::compile(procmail_text, case_sensitive, after_backslash));
}

}  // namespace mailsift::rc
