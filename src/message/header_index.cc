#include "mailsift/message/header_index.h"

namespace mailsift::message {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// A field name is one or more printable characters other than blanks and the colon
// (RFC 5322 ftext); anything else makes the line a non-field line.
bool is_field_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127) return false;
  }
  return true;
}

HeaderField make_field(std::string_view text, std::size_t offset, std::size_t end) {
  HeaderField field;
  field.offset = offset;
  field.raw = text.substr(offset, end - offset);
  std::string_view line = field.raw;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos && is_field_name(line.substr(0, colon))) {
    field.name = line.substr(0, colon);
    field.value = line.substr(colon + 1);
  } else {
    field.value = line;  // not a field: kept whole, with an empty name
  }
  return field;
}

}  // namespace

HeaderIndex::HeaderIndex(std::string_view fields) {
  std::size_t pos = 0;
  while (pos < fields.size()) {
    // An empty line ends the header; the index does not go past it.
    if (fields[pos] == '\n') break;
    const std::size_t start = pos;
    // The field runs to the end of its first line plus every following line that
    // starts with a blank (a folded continuation).
    for (;;) {
      const std::size_t nl = fields.find('\n', pos);
      if (nl == std::string_view::npos) {
        pos = fields.size();
        break;
      }
      pos = nl + 1;
      if (pos >= fields.size() || (fields[pos] != ' ' && fields[pos] != '\t')) break;
    }
    fields_.push_back(make_field(fields, start, pos));
  }
}

const HeaderField* HeaderIndex::find(std::string_view name) const {
  for (const HeaderField& field : fields_) {
    if (!field.name.empty() && equal_ignoring_case(field.name, name)) return &field;
  }
  return nullptr;
}

std::vector<const HeaderField*> HeaderIndex::find_all(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const HeaderField& field : fields_) {
    if (!field.name.empty() && equal_ignoring_case(field.name, name)) out.push_back(&field);
  }
  return out;
}

}  // namespace mailsift::message
