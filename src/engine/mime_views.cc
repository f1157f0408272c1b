#include "mailsift/engine/mime_views.h"

#include <algorithm>

#include "mailsift/limits.h"
#include "mailsift/message/mime/charset.h"

namespace mailsift::engine {
namespace {

using message::mime::MimePart;

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  return out + "\"";
}

// The text's lines, CRLF taken as a line end, appended to joined: each after a
// line break but the first line of all (*any false).
void append_lines(std::string_view text, std::string* joined, bool* any) {
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t end = text.find('\n', from);
    if (end == std::string_view::npos) end = text.size();
    std::size_t stop = end;
    if (stop > from && text[stop - 1] == '\r') --stop;
    if (*any) *joined += '\n';
    joined->append(text, from, stop - from);
    *any = true;
    from = end + 1;
  }
}

std::vector<std::string> split_lines(std::string_view joined) {
  std::vector<std::string> lines;
  if (joined.empty()) return lines;
  std::size_t from = 0;
  for (;;) {
    const std::size_t end = joined.find('\n', from);
    lines.emplace_back(joined.substr(from, end == std::string_view::npos ? end : end - from));
    if (end == std::string_view::npos) return lines;
    from = end + 1;
  }
}

// Room for mime.text: UTF-8 may be longer than the decoded bytes it comes from.
// Pages of it that are never written are never mapped.
constexpr std::size_t kSmallText = 64u << 10;
constexpr std::size_t kLargeText = limits::kMaxDecodedTextInAll + limits::kMaxDecodedTextPerPart;

bool is_text_part(const MimePart& part) {
  return !part.container && (part.types.front() == "text/plain" || part.types.front() == "text/html");
}

}  // namespace

void MimeViews::anomaly(const std::string& token, const MimeViewEnvironment& environment) {
  const std::size_t before = structure_->anomalies.size();
  structure_->add_anomaly(token);
  if (structure_->anomalies.size() != before && token.size() > 6 &&
      token.compare(token.size() - 6, 6, "-limit") == 0 && environment.log)
    environment.log("MIME: the " + token + " bites: the views show what was read before it");
}

void MimeViews::walk(const message::Message& message, const MimeViewEnvironment& environment) {
  if (structure_) return;
  structure_ = message::mime::walk_message(message, environment.release);
  facts_.assign(structure_->parts.size(), Facts{});
  if (environment.log) {
    for (const std::string& token : structure_->anomalies)
      if (token.size() > 6 && token.compare(token.size() - 6, 6, "-limit") == 0)
        environment.log("MIME: the " + token + " bites: the views show what was read before it");
  }
}

const MimeViews::Facts& MimeViews::decoded(std::size_t part, std::size_t keep,
                                           const MimeViewEnvironment& environment) {
  Facts& facts = facts_[part];
  if (!facts.decoded || facts.kept < keep) {
    facts.content = message::mime::decode_part(structure_->parts[part], keep, environment.release);
    facts.kept = keep;
    facts.decoded = true;
    if (facts.content.bad) {
      const auto encoding = structure_->parts[part].encoding;
      anomaly(encoding == message::mime::TransferEncoding::kBase64 ? "bad-base64"
                                                                   : "bad-quoted-printable",
              environment);
    }
  }
  return facts;
}

// What was kept of a part's content goes once a view has used it; its size and
// whether it decoded cleanly stay.
void MimeViews::forget_content(std::size_t part) {
  Facts& facts = facts_[part];
  facts.content.head.clear();
  facts.content.head.shrink_to_fit();
  facts.kept = 0;
}

bool MimeViews::sniffable(std::size_t part) const {
  const MimePart& p = structure_->parts[part];
  return !p.container && !p.is_text();
}

const std::string& MimeViews::sniffed(std::size_t part, const MimeViewEnvironment& environment) {
  Facts& facts = facts_[part];
  if (facts.sniffed || environment.sniffer == nullptr || sniffer_failed_) return facts.type;
  if (sniff_count_ >= limits::kMaxSniffedParts) {
    anomaly("sniff-limit", environment);
    return facts.type;
  }
  // This part and the next ones a view will ask for, together (every view that
  // sniffs asks for every part in turn).
  std::vector<std::size_t> batch;
  for (std::size_t i = part; i < facts_.size() && batch.size() < limits::kSniffedPartsAtOnce &&
                             sniff_count_ + batch.size() < limits::kMaxSniffedParts;
       ++i) {
    if (sniffable(i) && !facts_[i].sniffed) batch.push_back(i);
  }
  sniff_count_ += batch.size();
  std::vector<std::string> heads;
  for (const std::size_t i : batch) {
    Facts& f = facts_[i];
    f.sniffed = true;
    // Only the start is decoded for it, unless the part is decoded whole already.
    if (f.decoded && f.kept >= limits::kMaxSniffedBytes) {
      heads.push_back(f.content.head);
    } else {
      heads.push_back(message::mime::decode_part(structure_->parts[i], limits::kMaxSniffedBytes,
                                                 environment.release, false)
                          .head);
    }
  }
  const std::vector<std::string> types =
      environment.sniffer->types_of(std::vector<std::string_view>(heads.begin(), heads.end()));
  // As when the parts are sniffed one by one: from the first part the sniffer fails
  // on, none has a type.
  for (std::size_t k = 0; k < batch.size() && !sniffer_failed_; ++k) {
    facts_[batch[k]].type = k < types.size() ? types[k] : std::string();
    if (facts_[batch[k]].type.empty()) {
      sniffer_failed_ = true;
      if (environment.log)
        environment.log("MIME: no type sniffed: " + environment.sniffer->error() +
                        " (mime.sniffed has no lines)");
    }
  }
  return facts.type;
}

// Every anomaly there is, whichever views were asked before: the walk's, each
// leaf decoded (a bad transfer encoding), charsets, and the limits the other views
// would meet (sniffing, text), found by counting and sizes, without sniffing.
void MimeViews::decode_all(const MimeViewEnvironment& environment) {
  std::size_t sniffable_parts = 0;
  std::size_t text_bytes = 0;
  for (std::size_t i = 0; i < structure_->parts.size(); ++i) {
    const MimePart& part = structure_->parts[i];
    if (part.container) continue;
    const bool text = is_text_part(part);
    // The text of a text part is decoded as mime.text would, to find bytes its
    // charset cannot convert.
    const Facts& facts = decoded(i, text ? limits::kMaxDecodedTextPerPart : 0, environment);
    if (sniffable(i)) ++sniffable_parts;
    if (text) {
      text_bytes += std::min(facts.content.size, limits::kMaxDecodedTextPerPart);
      if (facts.content.size > limits::kMaxDecodedTextPerPart || text_bytes > limits::kMaxDecodedTextInAll)
        anomaly("text-limit", environment);
    }
    if (part.is_text() && !part.charset.empty() && !message::mime::charset_known(part.charset)) {
      anomaly("unknown-charset", environment);
    } else if (text && !utf8_of(i, facts, limits::kMaxDecodedTextPerPart).converted) {
      anomaly("unknown-charset", environment);
    }
    forget_content(i);
  }
  if (sniffable_parts > limits::kMaxSniffedParts) anomaly("sniff-limit", environment);
}

// A text part's decoded content, as far as `keep`, in UTF-8.
message::mime::Utf8Text MimeViews::utf8_of(std::size_t part, const Facts& facts, std::size_t keep) const {
  const MimePart& p = structure_->parts[part];
  const std::string_view head = std::string_view(facts.content.head).substr(0, keep);
  return message::mime::to_utf8(head, p.charset.empty() ? "us-ascii" : p.charset,
                                facts.content.size > head.size());
}

// mime.text, its lines joined: each text part's decoded content, as far as the part's
// share of the limits.
std::string MimeViews::joined_text(const MimeViewEnvironment& environment) {
  std::string joined;
  bool any = false;
  std::size_t room = limits::kMaxDecodedTextInAll;
  bool cut = false;
  for (std::size_t i = 0; i < structure_->parts.size(); ++i) {
    if (!is_text_part(structure_->parts[i])) continue;
    if (room == 0 && cut) break;  // nothing more to hold, and the limit is said
    const std::size_t keep = std::min(limits::kMaxDecodedTextPerPart, room);
    const Facts& facts = decoded(i, keep, environment);
    if (facts.content.size > keep) {
      anomaly("text-limit", environment);
      cut = true;
    }
    room -= std::min(facts.content.size, keep);
    const message::mime::Utf8Text text = utf8_of(i, facts, keep);
    forget_content(i);
    if (!text.converted) anomaly("unknown-charset", environment);
    // A large text gets the room it may need at once: growing by doubling holds the
    // old and the new buffer together, three times the text.
    const std::size_t needs = joined.size() + text.text.size() + 1;
    if (needs > joined.capacity() && needs > kSmallText)
      joined.reserve(std::max({needs, kLargeText, joined.capacity() * 2}));
    append_lines(text.text, &joined, &any);
  }
  return joined;
}

std::string MimeViews::part_line(std::size_t i, const MimeViewEnvironment& environment) {
  const MimePart& part = structure_->parts[i];
  std::string line = "path=" + part.path + " depth=" + std::to_string(part.depth);
  for (const std::string& type : part.types) line += " type=" + type;
  if (sniffable(i)) {
    const std::string& type = sniffed(i, environment);
    if (!type.empty()) line += " sniffed=" + type;
  }
  if (!part.disposition.empty()) line += " disposition=" + part.disposition;
  if (!part.container) line += " size=" + std::to_string(decoded(i, 0, environment).content.size);
  for (const std::string& name : part.filenames) line += " name=" + quoted(name);
  return line;
}

std::string MimeViews::joined_text(const message::Message& message,
                                   const MimeViewEnvironment& environment) {
  walk(message, environment);
  return joined_text(environment);
}

std::vector<std::string> MimeViews::lines(const std::string& name, const message::Message& message,
                                          const MimeViewEnvironment& environment) {
  walk(message, environment);
  std::vector<std::string> lines;
  const auto& parts = structure_->parts;
  if (name == "type") {
    for (const MimePart& part : parts)
      for (const std::string& type : part.types) lines.push_back(type);
  } else if (name == "filename") {
    for (const MimePart& part : parts)
      for (const std::string& file : part.filenames) lines.push_back(file);
  } else if (name == "sniffed") {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (!sniffable(i)) continue;
      const std::string& type = sniffed(i, environment);
      if (!type.empty()) lines.push_back(type);
    }
  } else if (name == "parts") {
    for (std::size_t i = 0; i < parts.size(); ++i) lines.push_back(part_line(i, environment));
  } else if (name == "text") {
    lines = split_lines(joined_text(environment));
  } else if (name == "anomaly") {
    decode_all(environment);
    lines = structure_->anomalies;
  }
  // One line per fact: a line break inside a name is shown as a blank.
  for (std::string& line : lines)
    if (name != "text") std::replace_if(line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return lines;
}

}  // namespace mailsift::engine
