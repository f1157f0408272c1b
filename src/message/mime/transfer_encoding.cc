#include "mailsift/message/mime/transfer_encoding.h"

#include <array>

#include "ascii.h"

namespace mailsift::message::mime {
namespace {

using ascii::base64_value;
using ascii::hex_value;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lowered_token(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '(' || c == ';') break;  // a comment, or parameters nobody should write
    if (is_space(c) || c == '"') continue;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// The longest run of quoted-printable held back for a line that has not ended: a
// hostile part with no line ends is decoded in pieces of this size.
constexpr std::size_t kMaxPendingLine = 4096;

}  // namespace

TransferEncoding transfer_encoding(std::string_view value, bool* known) {
  const std::string token = lowered_token(value);
  if (known != nullptr)
    *known = token.empty() || token == "7bit" || token == "8bit" || token == "binary" ||
             token == "base64" || token == "quoted-printable";
  if (token == "base64") return TransferEncoding::kBase64;
  if (token == "quoted-printable") return TransferEncoding::kQuotedPrintable;
  return TransferEncoding::kIdentity;
}

namespace {

// base64's alphabet as a table: the value of each letter, kNotBase64 for anything else.
constexpr unsigned char kNotBase64 = 0xFF;
constexpr std::array<unsigned char, 256> kBase64Values = [] {
  std::array<unsigned char, 256> table{};
  table.fill(kNotBase64);
  for (int c = 0; c < 256; ++c) {
    const int v = base64_value(static_cast<char>(c));
    if (v >= 0) table[static_cast<std::size_t>(c)] = static_cast<unsigned char>(v);
  }
  return table;
}();

}  // namespace

void TransferDecoder::base64(std::string_view in, std::string* out) {
  // At most three bytes for every four letters (and what is left from the last call).
  const std::size_t start = out->size();
  out->resize(start + (in.size() / 4 + 2) * 3);
  char* to = out->data() + start;
  const auto* from = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    // Four letters in a row, on a byte boundary (the common case: a line of them):
    // three bytes at once, as the letter-by-letter path below would give them.
    if (count_ == 0 && !padded_ && i + 4 <= n) {
      const unsigned a = kBase64Values[from[i]], b = kBase64Values[from[i + 1]],
                     c = kBase64Values[from[i + 2]], d = kBase64Values[from[i + 3]];
      if ((a | b | c | d) < 64) {
        const unsigned quad = (a << 18) | (b << 12) | (c << 6) | d;
        *to++ = static_cast<char>(quad >> 16);
        *to++ = static_cast<char>((quad >> 8) & 0xFFu);
        *to++ = static_cast<char>(quad & 0xFFu);
        i += 4;
        continue;
      }
    }
    const char ch = in[i++];
    if (is_space(ch)) continue;
    if (ch == '=') {
      padded_ = true;
      continue;
    }
    const unsigned v = kBase64Values[static_cast<unsigned char>(ch)];
    if (v == kNotBase64) {
      bad_ = true;  // skipped, as readers skip it
      continue;
    }
    if (padded_) {
      // Data after the padding: readers go on decoding (a concatenation of two
      // encoded files); the bits so far are dropped.
      bad_ = true;
      padded_ = false;
      bits_ = 0;
      count_ = 0;
    }
    bits_ = (bits_ << 6) | v;
    count_ += 6;
    if (count_ >= 8) {
      count_ -= 8;
      *to++ = static_cast<char>((bits_ >> count_) & 0xFFu);
      bits_ &= (1u << count_) - 1u;
    }
  }
  out->resize(static_cast<std::size_t>(to - out->data()));
}

void TransferDecoder::quoted_printable_line(std::string_view line, bool ends_line,
                                            std::string* out) {
  // Trailing blanks before a line end were added in transport (RFC 2045 §6.7 (3)).
  if (ends_line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
  }
  bool soft = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '=') {
      out->push_back(line[i]);
      continue;
    }
    if (i + 1 == line.size()) {
      soft = ends_line;  // "=" at the end of a line: a soft line break
      if (!ends_line) out->push_back('=');
      continue;
    }
    const int hi = i + 2 < line.size() ? hex_value(line[i + 1]) : -1;
    const int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      bad_ = true;
      out->push_back('=');  // kept as it is
      continue;
    }
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (ends_line && !soft) out->push_back('\n');
}

void TransferDecoder::feed(std::string_view in, std::string* out) {
  switch (encoding_) {
    case TransferEncoding::kIdentity:
      out->append(in);
      return;
    case TransferEncoding::kBase64:
      base64(in, out);
      return;
    case TransferEncoding::kQuotedPrintable:
      break;
  }
  while (!in.empty()) {
    const std::size_t newline = in.find('\n');
    if (newline == std::string_view::npos) {
      pending_.append(in);
      if (pending_.size() > kMaxPendingLine) {
        // Keep a possible "=XX" and trailing blanks back; decode the rest.
        std::size_t keep = pending_.size() - 2;
        while (keep > 0 && (pending_[keep - 1] == ' ' || pending_[keep - 1] == '\t')) --keep;
        if (keep > 0 && pending_[keep - 1] == '=') --keep;
        quoted_printable_line(std::string_view(pending_).substr(0, keep), false, out);
        pending_.erase(0, keep);
      }
      return;
    }
    if (pending_.empty()) {
      quoted_printable_line(in.substr(0, newline), true, out);
    } else {
      pending_.append(in.substr(0, newline));
      quoted_printable_line(pending_, true, out);
      pending_.clear();
    }
    in.remove_prefix(newline + 1);
  }
}

void TransferDecoder::finish(std::string* out) {
  if (encoding_ == TransferEncoding::kBase64) {
    if (count_ >= 6) bad_ = true;  // a lone character: 6 bits, no byte
    bits_ = 0;
    count_ = 0;
    return;
  }
  if (encoding_ == TransferEncoding::kQuotedPrintable && !pending_.empty()) {
    quoted_printable_line(pending_, false, out);
    pending_.clear();
  }
}

std::string decode_transfer(std::string_view in, TransferEncoding encoding, bool* bad) {
  TransferDecoder decoder(encoding);
  std::string out;
  decoder.feed(in, &out);
  decoder.finish(&out);
  if (bad != nullptr) *bad = decoder.bad();
  return out;
}

}  // namespace mailsift::message::mime
