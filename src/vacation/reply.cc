// The reply's bytes (RFC 5230 section 5, RFC 3834 section 3).
#include <algorithm>
#include <ctime>
#include <vector>
#include <string_view>

#include "mailsift/message/mime/encoded_words.h"
#include "mailsift/vacation/vacation.h"

namespace mailsift::vacation {
namespace {

bool plain_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x7f || (static_cast<unsigned char>(c) < 0x20 && c != '\t'))
      return false;
  return true;
}

unsigned byte(char c) { return static_cast<unsigned char>(c); }

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = byte(bytes[i]) << 16 | byte(bytes[i + 1]) << 8 | byte(bytes[i + 2]);
    out += kDigits[v >> 18 & 63];
    out += kDigits[v >> 12 & 63];
    out += kDigits[v >> 6 & 63];
    out += kDigits[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = byte(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= byte(bytes[i + 1]) << 8;
    out += kDigits[v >> 18 & 63];
    out += kDigits[v >> 12 & 63];
    out += i + 1 < bytes.size() ? kDigits[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// Control characters become blanks, bytes that are not UTF-8 become U+FFFD, and the
// text is cut at 900 bytes: a header line is at most 998.
std::string clean_text(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < 900;) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t length = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    bool whole = length != 0 && i + length <= text.size() && c < 0xf5;
    for (std::size_t k = 1; whole && k < length; ++k)
      whole = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (whole) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
  return out;
}

// A header value in UTF-8: as it is when it is plain ASCII with no "=?" (which a
// reader would decode), else RFC 2047 encoded words of at most 39 bytes each (whole
// characters; a word of 68 characters), one per folded line.
std::string header_text(std::string_view raw) {
  const std::string text = clean_text(raw);
  if (plain_ascii(text) && text.find("=?") == std::string::npos) return text;
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(at + 39, text.size());
    while (end > at + 1 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
      --end;  // not inside a character
    if (!out.empty()) out += "\n ";
    out += "=?UTF-8?B?" + base64(std::string_view(text).substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

std::string rfc5322_date(std::time_t now) {
  struct tm local {};
  ::localtime_r(&now, &local);
  char text[64];
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S %z", &local);
  return text;
}

std::string first_value(const message::Message& message, std::string_view name) {
  const auto* field = message.headers().find(name);
  return field == nullptr ? std::string() : message::mime::unfolded_value(field->value);
}

// The "<left@right>" ids of a field, each printable ASCII without blanks.
std::vector<std::string> message_ids(std::string_view text) {
  std::vector<std::string> ids;
  std::size_t at = 0;
  while ((at = text.find('<', at)) != std::string_view::npos) {
    const std::size_t end = text.find('>', at);
    if (end == std::string_view::npos) break;
    const std::string_view id = text.substr(at, end - at + 1);
    const bool plain = std::all_of(id.begin(), id.end(), [](char c) {
      return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
    });
    if (plain && id.size() <= 250 && id.find('@') != std::string_view::npos &&
        id.find('<', 1) == std::string_view::npos)
      ids.emplace_back(id);
    at = end + 1;
  }
  return ids;
}

}  // namespace

std::string reply_message(const message::Message& message, const Settings& settings,
                          const std::string& to, std::time_t now, const std::string& message_id) {
  std::string subject;
  if (settings.subject) {
    subject = *settings.subject;
  } else {
    const auto* field = message.headers().find("Subject");
    const std::string original =
        field == nullptr ? std::string() : message::mime::field_text(field->value).text;
    subject = "Auto: " + (original.empty() ? std::string("(no subject)") : original);
  }
  std::string out;
  if (!settings.from.empty()) out += "From: " + settings.from + "\n";
  out += "To: " + to + "\n";
  out += "Subject: " + header_text(subject) + "\n";
  out += "Date: " + rfc5322_date(now) + "\n";
  out += "Message-ID: " + message_id + "\n";
  // In-Reply-To and References (RFC 5322 section 3.6.4): message ids only, the last
  // ten of the original's References, one per line.
  const std::vector<std::string> original_ids = message_ids(first_value(message, "Message-ID"));
  if (!original_ids.empty()) {
    const std::string& id = original_ids.front();
    out += "In-Reply-To: " + id + "\n";
    std::vector<std::string> references = message_ids(first_value(message, "References"));
    if (references.size() > 10) references.erase(references.begin(), references.end() - 10);
    out += "References:";
    for (const std::string& reference : references) out += " " + reference + "\n";
    out += " " + id + "\n";
  }
  out += "Auto-Submitted: auto-replied (vacation)\n";
  out += "MIME-Version: 1.0\n";
  out += "Content-Type: text/plain; charset=UTF-8\n";
  out += "Content-Transfer-Encoding: 8bit\n";
  out += "\n";
  out += settings.text;
  if (!settings.text.empty() && settings.text.back() != '\n') out += '\n';
  return out;
}

}  // namespace mailsift::vacation
