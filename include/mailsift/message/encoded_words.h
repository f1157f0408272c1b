// RFC 2047 encoded words ("=?UTF-8?B?SGVsbG8=?=", "=?ISO-8859-1?Q?caf=E9?=") in header
// text: finding and decoding them, for explanations to people (rules still match the
// header as it arrived, as procmail's do).
#pragma once

#include <string>
#include <string_view>

namespace mailsift::message {

// True when text holds something that looks like an encoded word.
bool has_encoded_words(std::string_view text);

// text with every well-formed encoded word replaced by its decoded bytes (in the
// word's own charset; not converted), and the blanks between two adjacent encoded
// words dropped as RFC 2047 §6.2 says. Malformed words are left as they are.
std::string decode_encoded_words(std::string_view text);

}  // namespace mailsift::message
