// Compiled regexes by text and case mode, each compiled once per run: the checker
// compiles every static regex before the first message byte is matched, and the
// evaluator finds them here (and adds the ones built from variables at run time).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mailsift/rc/regex.h"

namespace mailsift::rc {

class RegexCache {
 public:
  // The regex for procmail_text, compiled on first use. Check ok() on the result.
  const Regex& get(std::string_view procmail_text, bool case_sensitive);
  std::size_t size() const { return by_case_[0].size() + by_case_[1].size(); }

 private:
  // Looked up by string_view: a condition's regex is found again for every message
  // without building a key.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>()(text);
    }
  };
  using Map = std::unordered_map<std::string, Regex, Hash, std::equal_to<>>;
  Map by_case_[2];  // [0]: case-insensitive, [1]: case-sensitive (D)
};

}  // namespace mailsift::rc
