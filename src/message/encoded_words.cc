#include "mailsift/message/encoded_words.h"

#include <optional>

namespace mailsift::message {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

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

// Decodes the encoded word starting at text[at] ("=?"); sets *end past it.
std::optional<std::string> decode_word(std::string_view text, std::size_t at, std::size_t* end) {
  const std::size_t charset_end = text.find('?', at + 2);
  if (charset_end == std::string_view::npos || charset_end + 2 >= text.size() ||
      text[charset_end + 2] != '?')
    return std::nullopt;
  const char encoding = text[charset_end + 1];
  const std::size_t data_start = charset_end + 3;
  const std::size_t close = text.find("?=", data_start);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view data = text.substr(data_start, close - data_start);
  if (data.find(' ') != std::string_view::npos) return std::nullopt;
  std::optional<std::string> decoded;
  if (encoding == 'B' || encoding == 'b') decoded = decode_b(data);
  if (encoding == 'Q' || encoding == 'q') decoded = decode_q(data);
  if (decoded) *end = close + 2;
  return decoded;
}

}  // namespace

bool has_encoded_words(std::string_view text) {
  const std::size_t at = text.find("=?");
  return at != std::string_view::npos && text.find("?=", at + 2) != std::string_view::npos;
}

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  std::string pending_blanks;
  while (i < text.size()) {
    if (text.compare(i, 2, "=?") == 0) {
      std::size_t end = 0;
      if (auto decoded = decode_word(text, i, &end)) {
        if (!last_was_word) out += pending_blanks;  // blanks between words go
        pending_blanks.clear();
        out += *decoded;
        i = end;
        last_was_word = true;
        continue;
      }
    }
    if (text[i] == ' ' || text[i] == '\t') {
      pending_blanks += text[i++];
      continue;
    }
    out += pending_blanks;
    pending_blanks.clear();
    out += text[i++];
    last_was_word = false;
  }
  return out + pending_blanks;
}

}  // namespace mailsift::message
