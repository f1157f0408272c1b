// Text in a declared charset, converted to UTF-8 for views (rc views: header.NAME,
// address.*.name, mime.text). glibc's iconv does the converting; names that mail
// uses and iconv rejects or reads differently from mail readers ("ks_c_5601-1987",
// "iso-8859-8-i", "x-mac-roman", "unknown-8bit", "iso-8859-1" written for
// windows-1252 text) are mapped first, as the WHATWG encoding standard maps them.
#pragma once

#include <string>
#include <string_view>

namespace mailsift::message::mime {

struct Utf8Text {
  std::string text;
  // False when the charset is unknown to iconv, or bytes in it could not be
  // converted: those bytes are in text as they came (views report
  // "unknown-charset").
  bool converted = true;
};

// The iconv name mailsift uses for a charset as mail writes it (any case; an RFC
// 2231 language suffix "*en" is dropped). Empty for "unknown-8bit" and its kind:
// no charset is known, the bytes are kept when they are not UTF-8.
std::string iconv_charset(std::string_view declared);

// bytes, written in `charset`, as UTF-8. cut: the bytes are the start of a longer
// text, cut at a limit; a character the cut split at their end is left out instead
// of counting as bytes that could not be converted.
Utf8Text to_utf8(std::string_view bytes, std::string_view charset, bool cut = false);

// True when text in this charset can be converted (iconv knows it, or it is UTF-8 or
// ASCII under another name).
bool charset_known(std::string_view declared);

// True when text is well-formed UTF-8 (no overlongs, no surrogates).
bool is_utf8(std::string_view text);

}  // namespace mailsift::message::mime
