// Expanding a parsed value (rc/value.h) against the variables of a run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mailsift/rc/value.h"

namespace mailsift::engine {

// Looks up a variable by name, including the specials "$", "?", "#", "1".."9",
// "_", "-", "=", "@"; nullopt when unset.
using VariableLookup = std::function<std::optional<std::string>(std::string_view)>;

// Expands value in single-word mode (an assignment: no word splitting). Returns
// false and sets *error when the value needs something this version cannot do
// (a backquote command).
bool expand_value(const rc::Value& value, const VariableLookup& lookup, std::string* out,
                  std::string* error);

// "()" followed by text with regex metacharacters backslash-quoted ($\NAME).
std::string regex_quote(std::string_view text);

}  // namespace mailsift::engine
