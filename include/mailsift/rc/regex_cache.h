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
  // after_backslash: as for Regex::compile.
  const Regex& get(std::string_view procmail_text, bool case_sensitive,
                   bool after_backslash = false);
  std::size_t size() const {
    std::size_t n = 0;
    for (const Map& map : by_case_) n += map.size();
    return n;
  }

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
  // [0]: case-insensitive, [1]: case-sensitive (D); [2], [3] the same after a
  // backslash.
  Map by_case_[4];
};

}  // namespace mailsift::rc
