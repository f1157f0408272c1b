#include "mailsift/formail/fields.h"

#include <algorithm>

namespace mailsift::formail {
namespace {

bool is_control(unsigned char c) { return c < 32 || c == 127; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b, std::size_t length) {
  if (a.size() < length || b.size() < length) return false;
  for (std::size_t i = 0; i < length; ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

void replace_all(std::string& text, std::string_view from, std::string_view to, std::size_t end) {
  for (std::size_t at = text.find(from); at != std::string::npos && at < end;
       at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

bool is_from_line(std::string_view text) { return text.substr(0, 5) == "From "; }

long break_field(std::string_view line) {
  std::size_t length = line.size();
  std::size_t p = 0;
  while (length != 0) {
    const auto c = static_cast<unsigned char>(line[p]);
    if (c == ':') return p != 0 ? static_cast<long>(p + 1) : 0;
    if (c == ' ' || c == '\t') {
      // Blanks may come right before the colon, after at least one character.
      if (p > 0) {
        std::size_t q = ++p;
        while (--length != 0 && (line[q] == ' ' || line[q] == '\t')) ++q;
        if (length != 0 && line[q] == ':') return static_cast<long>(q + 1);
        if (is_from_line(line)) return 5;
      }
      break;
    }
    --length;
    if (is_control(c)) break;
    ++p;
  }
  return -static_cast<long>(p);
}

Field make_field(std::string text, bool message_list) {
  Field field;
  const long length = break_field(text);
  field.name_length = length > 0 ? static_cast<std::size_t>(length)
                      : message_list ? 0
                                     : static_cast<std::size_t>(-length);
  field.text = std::move(text);
  return field;
}

FieldList::iterator find_prefix(const Field& field, FieldList& list, bool unique_list) {
  for (auto entry = list.begin(); entry != list.end(); ++entry) {
    if (field.name_length < entry->name_length ||
        !equal_ignoring_case(field.text, entry->text, entry->name_length))
      continue;
    if (unique_list && field.name_length > entry->name_length)
      return list.insert(entry, make_field(std::string(field.name()), false));
    return entry;
  }
  return list.end();
}

bool has_prefix(const Field& field, const FieldList& list) {
  return std::any_of(list.begin(), list.end(), [&](const Field& entry) {
    return field.name_length >= entry.name_length &&
           equal_ignoring_case(field.text, entry.text, entry.name_length);
  });
}

void concatenate(Field& field) {
  if (is_from_line(field.text) || field.text.empty()) return;
  std::replace(field.text.begin(), field.text.end() - 1, '\n', ' ');
}

void remove_blanks_before_colon(FieldList& header) {
  for (Field& field : header) {
    const std::size_t colon = field.name_length;
    if (colon < 2 || field.text[colon - 1] != ':') continue;
    std::size_t start = colon - 1;
    while (start > 0 && (field.text[start - 1] == ' ' || field.text[start - 1] == '\t')) --start;
    if (start == colon - 1) continue;
    field.text.erase(start, colon - 1 - start);
    field.name_length -= colon - 1 - start;
  }
}

void rename_field(Field& field, std::size_t old_length, std::string_view new_name) {
  std::string& text = field.text;
  const std::size_t body_end = text.empty() ? 0 : text.size() - 1;  // before the last newline
  if (is_from_line(text)) replace_all(text, "\n>", "\n ", body_end);
  const bool to_from_line = new_name.size() == 5 && is_from_line(new_name);
  if (to_from_line) {
    for (std::size_t i = 0; i + 1 < body_end; ++i)
      if (text[i] == '\n' && (text[i + 1] == ' ' || text[i + 1] == '\t')) text[i + 1] = '>';
  }
  if (to_from_line || (!new_name.empty() && new_name.back() == ':')) old_length = field.name_length;
  old_length = std::min(old_length, text.size());
  field.name_length = field.name_length + new_name.size() - old_length;
  text.replace(0, old_length, new_name);
}

}  // namespace mailsift::formail
