// RFC 2047 encoded words in header text (what --explain shows people): the input is
// any header text, as a message brings it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mailsift/message/encoded_words.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mailsift::fuzz::check;
  namespace message = mailsift::message;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const bool has = message::has_encoded_words(text);
  const std::string decoded = message::decode_encoded_words(text);
  // Decoding only ever shortens: "=?cs?B?xxxx?=" gives at most 3 bytes per 4, "=XX"
  // one byte, and only blanks between words are dropped.
  check(decoded.size() <= text.size(), "decoding never lengthens the text");
  if (!has) check(decoded == text, "text without encoded words is left as it is");
  // What is left after decoding is decoded again only where its bytes form new
  // words; it must not crash either (explain decodes what it shows).
  static_cast<void>(message::decode_encoded_words(decoded));
  return 0;
}
