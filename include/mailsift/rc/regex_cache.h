// Compiled regexes by text and case mode, each compiled once per run: the checker
// compiles every static regex before the first message byte is matched, and the
// evaluator finds them here (and adds the ones built from variables at run time).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "mailsift/rc/regex.h"

namespace mailsift::rc {

class RegexCache {
 public:
  // The regex for procmail_text, compiled on first use. Check ok() on the result.
  const Regex& get(std::string_view procmail_text, bool case_sensitive);
  std::size_t size() const { return regexes_.size(); }

 private:
  std::unordered_map<std::string, Regex> regexes_;
};

}  // namespace mailsift::rc
