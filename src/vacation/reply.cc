// The reply's bytes (RFC 5230 section 5, RFC 3834 section 3).
#include <ctime>
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

// A header value in UTF-8: as it is when it is plain ASCII, else RFC 2047 encoded
// words of at most 45 bytes each (whole characters), one per folded line.
std::string header_text(std::string_view text) {
  if (plain_ascii(text)) return std::string(text);
  std::string out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(at + 45, text.size());
    while (end > at + 1 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80)
      --end;  // not inside a character
    if (!out.empty()) out += "\n ";
    out += "=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=";
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
  const std::string original_id = first_value(message, "Message-ID");
  if (!original_id.empty()) {
    out += "In-Reply-To: " + original_id + "\n";
    const std::string references = first_value(message, "References");
    out += "References: " + (references.empty() ? "" : references + "\n ") + original_id + "\n";
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
