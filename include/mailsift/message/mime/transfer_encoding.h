// Content-Transfer-Encoding (RFC 2045 §6): base64 and quoted-printable undone, piece
// by piece, so that a part of a spooled body is decoded window by window and a
// reader never holds more of it than it keeps. Both are lenient as mail readers
// are: what is not part of the encoding is skipped (base64) or kept as it is
// (quoted-printable), and bad() says that something was.
#pragma once

#include <string>
#include <string_view>

namespace mailsift::message::mime {

enum class TransferEncoding { kIdentity, kBase64, kQuotedPrintable };

// The encoding a Content-Transfer-Encoding value names (any case, blanks and a
// comment around it allowed); 7bit, 8bit, binary and anything unknown are identity
// (*known is false for the unknown ones, when known is given).
TransferEncoding transfer_encoding(std::string_view value, bool* known = nullptr);

class TransferDecoder {
 public:
  explicit TransferDecoder(TransferEncoding encoding) : encoding_(encoding) {}
  // Appends the bytes `in` decodes to (as far as they go) to *out.
  void feed(std::string_view in, std::string* out);
  // The end of the input: what is held back is decoded.
  void finish(std::string* out);
  // Something was not of the encoding: a character outside base64's alphabet, data
  // after its padding, a quoted-printable "=" without two hex digits.
  bool bad() const { return bad_; }

 private:
  void base64(std::string_view in, std::string* out);
  void quoted_printable_line(std::string_view line, bool ends_line, std::string* out);

  TransferEncoding encoding_;
  bool bad_ = false;
  // base64
  unsigned bits_ = 0;
  int count_ = 0;
  bool padded_ = false;
  // quoted-printable: the part of a line not yet ended (its trailing blanks are
  // dropped if a line end follows them)
  std::string pending_;
};

// `in` decoded whole.
std::string decode_transfer(std::string_view in, TransferEncoding encoding, bool* bad = nullptr);

}  // namespace mailsift::message::mime
