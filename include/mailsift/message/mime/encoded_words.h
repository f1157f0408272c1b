// RFC 2047 encoded words ("=?UTF-8?B?SGVsbG8=?=", "=?ISO-8859-1?Q?caf=E9?=") in header
// text: finding them, and decoding them either to their raw bytes (what --explain
// shows beside the header as it arrived) or to UTF-8, as a mail reader shows them
// (the header.NAME and address views).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailsift::message::mime {

// True when text holds something that looks like an encoded word.
bool has_encoded_words(std::string_view text);

// One well-formed encoded word at text[at] ("=?charset?E?data?="): its charset as
// written (with any RFC 2231 "*language") and its decoded bytes; `end` is the offset
// just past it. nullopt when there is none at `at`.
struct EncodedWord {
  std::string_view charset;
  std::string bytes;
  std::size_t end = 0;
};
std::optional<EncodedWord> read_encoded_word(std::string_view text, std::size_t at);

// text with every well-formed encoded word replaced by its decoded bytes (in the
// word's own charset; not converted), and the blanks between two adjacent encoded
// words dropped as RFC 2047 §6.2 says. Malformed words are left as they are.
std::string decode_encoded_words(std::string_view text);

struct DecodedText {
  std::string text;
  // A charset was unknown, or bytes could not be converted (they are kept as they
  // came); raw 8-bit bytes outside encoded words that are not UTF-8 count too.
  bool unknown_charset = false;
};

// text as a mail reader shows it: each encoded word decoded and converted to UTF-8
// (adjacent words in one charset are joined before converting, so a character split
// between two words comes out whole), blanks between adjacent words dropped. Words
// are decoded wherever they stand, also inside quoted strings and parameters, where
// RFC 2047 forbids them and mail carries them, and readers decode them.
DecodedText decode_to_utf8(std::string_view text);

// A header field's raw value, unfolded (each line break taken out, the blank after it
// kept) and blanks trimmed at both ends; nothing decoded (an id, as RFC 7352 reads it).
std::string unfolded_value(std::string_view value);

// A header field's value as a reader shows it: unfolded_value, decoded by
// decode_to_utf8, blanks trimmed at both ends.
DecodedText field_text(std::string_view value);

}  // namespace mailsift::message::mime
