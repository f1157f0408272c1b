#include "mailsift/message/mime/encoded_words.h"

#include <vector>

#include "mailsift/message/mime/charset.h"

#include "ascii.h"

namespace mailsift::message::mime {
namespace {

using ascii::base64_value;
using ascii::hex_value;

std::optional<std::string> decode_b(std::string_view text) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

std::optional<std::string> decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      out += ' ';
    } else if (text[i] == '=') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The pieces of a text: runs of plain bytes, and encoded words with the blanks
// between two adjacent words dropped (RFC 2047 §6.2).
struct Piece {
  bool encoded = false;
  std::string_view charset;  // encoded
  std::string bytes;
};

std::vector<Piece> pieces_of(std::string_view text) {
  std::vector<Piece> pieces;
  auto plain = [&](std::string_view bytes) {
    if (bytes.empty()) return;
    if (pieces.empty() || pieces.back().encoded) pieces.push_back({});
    pieces.back().bytes.append(bytes);
  };
  std::size_t i = 0;
  bool last_was_word = false;
  std::size_t blanks_from = std::string_view::npos;  // blanks not yet placed
  while (i < text.size()) {
    if (text[i] == '=' && i + 1 < text.size() && text[i + 1] == '?') {
      if (std::optional<EncodedWord> word = read_encoded_word(text, i)) {
        if (blanks_from != std::string_view::npos && !last_was_word)
          plain(text.substr(blanks_from, i - blanks_from));
        blanks_from = std::string_view::npos;
        pieces.push_back({true, word->charset, std::move(word->bytes)});
        i = word->end;
        last_was_word = true;
        continue;
      }
    }
    if (is_blank(text[i])) {
      if (blanks_from == std::string_view::npos) blanks_from = i;
      ++i;
      continue;
    }
    const std::size_t from = blanks_from == std::string_view::npos ? i : blanks_from;
    blanks_from = std::string_view::npos;
    plain(text.substr(from, i + 1 - from));
    ++i;
    last_was_word = false;
  }
  if (blanks_from != std::string_view::npos) plain(text.substr(blanks_from));
  return pieces;
}

}  // namespace

std::optional<EncodedWord> read_encoded_word(std::string_view text, std::size_t at) {
  if (text.compare(at, 2, "=?") != 0) return std::nullopt;
  const std::size_t charset_end = text.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end == at + 2 ||
      charset_end + 2 >= text.size() || text[charset_end + 2] != '?')
    return std::nullopt;
  const std::string_view charset = text.substr(at + 2, charset_end - at - 2);
  for (const char c : charset)
    if (is_blank(c) || c == '\n' || c == '\r' || c == '=') return std::nullopt;
  const char encoding = text[charset_end + 1];
  const std::size_t data_start = charset_end + 3;
  const std::size_t close = text.find("?=", data_start);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view data = text.substr(data_start, close - data_start);
  if (data.find_first_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
  std::optional<std::string> decoded;
  if (encoding == 'B' || encoding == 'b') decoded = decode_b(data);
  if (encoding == 'Q' || encoding == 'q') decoded = decode_q(data);
  if (!decoded) return std::nullopt;
  return EncodedWord{charset, std::move(*decoded), close + 2};
}

bool has_encoded_words(std::string_view text) {
  const std::size_t at = text.find("=?");
  return at != std::string_view::npos && text.find("?=", at + 2) != std::string_view::npos;
}

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  for (const Piece& piece : pieces_of(text)) out += piece.bytes;
  return out;
}

DecodedText decode_to_utf8(std::string_view text) {
  DecodedText out;
  if (text.find("=?") == std::string_view::npos) {
    out.text.assign(text);
    out.unknown_charset = !is_utf8(text);
    return out;
  }
  const std::vector<Piece> pieces = pieces_of(text);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    if (!pieces[k].encoded) {
      out.text += pieces[k].bytes;
      if (!is_utf8(pieces[k].bytes)) out.unknown_charset = true;
      continue;
    }
    // Adjacent words in one charset are one text: a multibyte character may be
    // split between them.
    std::string joined = pieces[k].bytes;
    const std::string charset = iconv_charset(pieces[k].charset);
    while (k + 1 < pieces.size() && pieces[k + 1].encoded &&
           iconv_charset(pieces[k + 1].charset) == charset)
      joined += pieces[++k].bytes;
    Utf8Text converted = to_utf8(joined, pieces[k].charset);
    if (!converted.converted) out.unknown_charset = true;
    out.text += converted.text;
  }
  return out;
}

std::string unfolded_value(std::string_view value) {
  std::string unfolded;
  unfolded.reserve(value.size());
  for (const char c : value)
    if (c != '\n' && c != '\r') unfolded += c;
  std::size_t front = 0;
  while (front < unfolded.size() && is_blank(unfolded[front])) ++front;
  std::size_t back = unfolded.size();
  while (back > front && is_blank(unfolded[back - 1])) --back;
  return unfolded.substr(front, back - front);
}

DecodedText field_text(std::string_view value) {
  DecodedText out = decode_to_utf8(unfolded_value(value));
  std::string_view shown = out.text;
  std::size_t front = 0;
  while (front < shown.size() && is_blank(shown[front])) ++front;
  std::size_t back = shown.size();
  while (back > front && is_blank(shown[back - 1])) --back;
  out.text = out.text.substr(front, back - front);
  return out;
}

}  // namespace mailsift::message::mime
