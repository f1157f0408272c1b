#include "quote.h"

#include <algorithm>

namespace mailsift::engine {

std::string clip(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

std::string clip_to_line(std::string_view text, std::size_t limit) {
  std::string out = clip(text, limit);
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace mailsift::engine
