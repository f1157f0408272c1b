#include "mailsift/engine/folder_guard.h"

#include <algorithm>

namespace mailsift::engine {
namespace {

bool all_literal(const ExpandedWord& word, std::size_t begin, std::size_t end) {
  return std::all_of(word.origins.begin() + static_cast<std::ptrdiff_t>(begin),
                     word.origins.begin() + static_cast<std::ptrdiff_t>(end),
                     [](Origin o) { return o == Origin::kLiteral; });
}

}  // namespace

std::string folder_refusal(const ExpandedWord& folder) {
  const std::string& text = folder.text;
  if (folder.origins.size() != text.size()) return "its origin is unknown";
  if (!text.empty() && text[0] == '/' && folder.origins[0] == Origin::kMessage)
    return "it is an absolute name taken from the message";
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find('/', begin);
    if (end == std::string::npos) end = text.size();
    const std::string_view component(text.data() + begin, end - begin);
    if (component == ".." && !all_literal(folder, begin, end)) {
      const bool from_message =
          std::find(folder.origins.begin() + static_cast<std::ptrdiff_t>(begin),
                    folder.origins.begin() + static_cast<std::ptrdiff_t>(end),
                    Origin::kMessage) != folder.origins.begin() + static_cast<std::ptrdiff_t>(end);
      return std::string("a \"..\" in it comes from ") +
             (from_message ? "the message" : "a variable") + ", not from the rcfile's text";
    }
    if (!component.empty() && component[0] == '.' && folder.origins[begin] == Origin::kMessage)
      return "a name beginning with \".\" (\"" + std::string(component) +
             "\") is taken from the message";
    begin = end + 1;
  }
  return {};
}

}  // namespace mailsift::engine
