// HeaderIndex: the header fields of a message, in order, with case-insensitive
// lookup by name. Folded lines stay part of their field.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace mailsift::message {

struct HeaderField {
  std::string_view name;   // as written, without the colon
  std::string_view value;  // after the colon, up to (not including) the final newline;
                           // folded lines keep their newlines and leading blanks
  std::string_view raw;    // the whole field including its final newline (if any)
  std::size_t offset = 0;  // offset of raw within the text that was indexed
};

class HeaderIndex {
 public:
  HeaderIndex() = default;
  // Indexes `fields` (header fields only: no From_ line, may end with the empty
  // line). A line that is not a field (no colon, or a name with blanks) is kept as
  // a field with an empty name, so nothing is lost. The views point into `fields`,
  // which must outlive the index.
  explicit HeaderIndex(std::string_view fields);

  const std::vector<HeaderField>& fields() const { return fields_; }
  // The first field with this name (case-insensitive), or nullptr.
  const HeaderField* find(std::string_view name) const;
  // Every field with this name, in order.
  std::vector<const HeaderField*> find_all(std::string_view name) const;

 private:
  std::vector<HeaderField> fields_;
};

}  // namespace mailsift::message
