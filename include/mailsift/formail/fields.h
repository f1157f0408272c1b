#pragma once
// Header fields as formail sees them: a field is its whole text (continuation lines and
// the final newline included) and the length of its name. The option lists (-a, -x, ...)
// hold fields too; their names match a message's fields as case-insensitive prefixes.

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <string_view>

namespace mailsift::formail {

struct Field;
using FieldList = std::list<Field>;

struct Field {
  std::string text;           // "Subject: hi\n", "From a@b  Thu ...\n>From ...\n"
  std::size_t name_length{};  // "Subject:" (8) or "From " (5); 0 when not a field
  // -u/-U entries: the message field kept so far for this name.
  std::optional<FieldList::iterator> kept;

  std::string_view name() const { return std::string_view(text).substr(0, name_length); }
  // Everything after the name, the final newline included.
  std::string_view rest() const { return std::string_view(text).substr(name_length); }
};

// formail's field-name rule: the length of the name up to and including the colon
// (blanks are allowed right before it), 5 for a "From " line, or minus the length of
// the part that could begin a name when the text is not a field.
long break_field(std::string_view line);

bool is_from_line(std::string_view text);

// A list entry made from text: its name is the field name, or the partial name for
// an option list ("X-" in -I X-). message_list: a message field that is not one has 0.
Field make_field(std::string text, bool message_list);

// The first entry of `list` whose name is a case-insensitive prefix of field's name.
// In a -u/-U list, a shorter entry is first made specific to this name (so "-u X-"
// keeps the first of each X- field), as formail does.
FieldList::iterator find_prefix(const Field& field, FieldList& list, bool unique_list = false);
bool has_prefix(const Field& field, const FieldList& list);

// -c: every newline but the last becomes a blank (From_ lines are left alone).
void concatenate(Field& field);

// Blanks before a field's colon are removed ("Subject : x" -> "Subject: x").
void remove_blanks_before_colon(FieldList& header);

// Renames a field: the first old_length bytes become new_name; a name ending in ':'
// replaces the whole old name, and a From_ line's continuation marks follow the kind.
void rename_field(Field& field, std::size_t old_length, std::string_view new_name);

}  // namespace mailsift::formail
