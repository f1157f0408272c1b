#include "mailsift/message/retry_digest.h"

#include <algorithm>

#include "mailsift/sys/siphash.h"

namespace mailsift::message {
namespace {

// Fixed keys: the digest names files, it authenticates nothing (see siphash.h).
constexpr std::uint64_t kKey0 = 0x6d61696c73696674ULL;  // "mailsift"
constexpr std::uint64_t kKey1 = 0x6a6f75726e616c31ULL;  // "journal1"

// How much of a spooled body is hashed before its pages are let go.
constexpr std::size_t kWindow = 1 << 20;

bool is_delivery_date(std::string_view field) {
  constexpr std::string_view kName = "delivery-date:";
  if (field.size() < kName.size()) return false;
  for (std::size_t i = 0; i < kName.size(); ++i) {
    char c = field[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kName[i]) return false;
  }
  return true;
}

// The sender of a From_ line ("From sender date..."): the word after "From ".
std::string_view from_line_sender(std::string_view line) {
  constexpr std::string_view kFrom = "From ";
  if (line.substr(0, kFrom.size()) != kFrom) return line;
  line.remove_prefix(kFrom.size());
  const std::size_t start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) return {};
  line.remove_prefix(start);
  return line.substr(0, line.find_first_of(" \t\n"));
}

// The header fields with every Delivery-date field (and its continuation lines)
// left out. The fields between are hashed a run at a time: the hash takes whole
// words, and most messages have no such field at all.
void hash_fields(sys::SipHash128& hash, std::string_view fields) {
  bool skipping = false;
  std::size_t kept = 0;  // where the run of kept lines began
  std::size_t pos = 0;
  while (pos < fields.size()) {
    std::size_t end = fields.find('\n', pos);
    end = end == std::string_view::npos ? fields.size() : end + 1;
    const std::string_view line = fields.substr(pos, end - pos);
    const bool continuation = line[0] == ' ' || line[0] == '\t';
    if (!continuation) {
      const bool delivery_date = is_delivery_date(line);
      if (delivery_date && !skipping) hash.update(fields.substr(kept, pos - kept));
      if (!delivery_date && skipping) kept = pos;
      skipping = delivery_date;
    }
    pos = end;
  }
  if (!skipping) hash.update(fields.substr(kept));
}

}  // namespace

std::string retry_digest(sys::Io& io, const Message& message, std::string_view recipient) {
  sys::SipHash128 hash(kKey0, kKey1, 1, 3);
  // Lengths first, so that no two different (recipient, sender) pairs run together.
  const std::string_view sender = from_line_sender(message.from_line());
  const std::string prefix = std::to_string(recipient.size()) + ":" + std::string(recipient) +
                             std::to_string(sender.size()) + ":";
  hash.update(prefix);
  hash.update(sender);
  // The leading empty lines some messages have, then the fields (with the empty
  // line that ends them): the From_ line between them counts by its sender only.
  const std::string_view head = message.head();
  const std::string_view from_line = message.from_line();
  hash.update(head.substr(0, static_cast<std::size_t>(from_line.data() - head.data())));
  hash_fields(hash, message.header_fields());
  const std::string_view body = message.body();
  for (std::size_t from = 0; from < body.size(); from += kWindow) {
    const std::size_t length = std::min(kWindow, body.size() - from);
    hash.update(body.substr(from, length));
    message.release_body(io, from, length);
  }
  return hash.hex_digest();
}

}  // namespace mailsift::message
