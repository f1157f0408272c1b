// Compiled regexes by text and case mode. A regex whose matcher was built (RE2: the
// costly part) is kept for the rest of the run; one that was only checked (a
// message that lacks its required literals never builds it) is kept only until the
// next regex is asked for, and checked again should it come back: a delivery
// through a large rcfile then does not keep a few hundred bytes for each of its
// regexes (pages the process would have to fault in).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mailsift/rc/regex.h"

namespace mailsift::rc {

class RegexCache {
 public:
  // The regex for procmail_text, compiled on first use. Check ok() on the result.
  // after_backslash: as for Regex::compile. The reference is valid until the next
  // call (longer when the regex is built by then).
  const Regex& get(std::string_view procmail_text, bool case_sensitive,
                   bool after_backslash = false);
  // The regexes kept (built ones, and the last one asked for).
  std::size_t size() const {
    std::size_t n = last_ ? 1 : 0;
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
  // The last regex asked for, while it is not built: its text and mode (an index
  // into by_case_).
  std::optional<Regex> last_;
  std::string last_text_;
  int last_mode_ = 0;
};

}  // namespace mailsift::rc
