// Header text as views read it: RFC 2047 encoded words (what --explain shows people,
// and header.NAME views decoded to UTF-8), and the addresses of an address field
// (address.* views). The input is any header text, as a message brings it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mailsift/message/mime/address_list.h"
#include "mailsift/message/mime/charset.h"
#include "mailsift/message/mime/encoded_words.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mailsift::fuzz::check;
  namespace mime = mailsift::message::mime;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const bool has = mime::has_encoded_words(text);
  const std::string decoded = mime::decode_encoded_words(text);
  // Decoding only ever shortens: "=?cs?B?xxxx?=" gives at most 3 bytes per 4, "=XX"
  // one byte, and only blanks between words are dropped.
  check(decoded.size() <= text.size(), "decoding never lengthens the text");
  if (!has) check(decoded == text, "text without encoded words is left as it is");
  // What is left after decoding is decoded again only where its bytes form new
  // words; it must not crash either (explain decodes what it shows).
  static_cast<void>(mime::decode_encoded_words(decoded));

  const mime::DecodedText shown = mime::field_text(text);
  if (!shown.unknown_charset) check(mime::is_utf8(shown.text), "converted text is UTF-8");

  for (const mime::Address& address : mime::parse_address_list(text)) {
    check(!address.local.empty() || !address.domain.empty(), "an address is never empty");
    for (const char c : address.domain) check(c < 'A' || c > 'Z', "a domain is lowercased");
    check(!address.text().empty(), "an address has a text");
  }
  return 0;
}
