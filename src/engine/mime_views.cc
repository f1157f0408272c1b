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

// The text's lines, CRLF taken as a line end.
void add_lines(std::string_view text, std::vector<std::string>* lines) {
  std::size_t from = 0;
  while (from < text.size()) {
    std::size_t end = text.find('\n', from);
    if (end == std::string_view::npos) end = text.size();
    std::size_t stop = end;
    if (stop > from && text[stop - 1] == '\r') --stop;
    lines->emplace_back(text.substr(from, stop - from));
    from = end + 1;
  }
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
  ++sniff_count_;
  facts.sniffed = true;
  // Only the start is decoded for it, unless the part is decoded whole already.
  std::string head;
  if (facts.decoded && facts.kept >= limits::kMaxSniffedBytes) {
    head = facts.content.head;
  } else {
    head = message::mime::decode_part(structure_->parts[part], limits::kMaxSniffedBytes,
                                      environment.release, false)
               .head;
  }
  facts.type = environment.sniffer->type_of(head);
  if (facts.type.empty()) {
    sniffer_failed_ = true;
    if (environment.log)
      environment.log("MIME: no type sniffed: " + environment.sniffer->error() +
                      " (mime.sniffed has no lines)");
  }
  return facts.type;
}

// Every anomaly there is, whichever views were asked before: the walk's, each
// leaf decoded (a bad transfer encoding), charsets, and the limits the other views
// would meet (sniffing, text), found by counting and sizes, without sniffing.
void MimeViews::decode_all(const MimeViewEnvironment& environment) {
  std::size_t sniffable_parts = 0;
  for (std::size_t i = 0; i < structure_->parts.size(); ++i) {
    const MimePart& part = structure_->parts[i];
    if (part.container) continue;
    const bool text = part.types.front() == "text/plain" || part.types.front() == "text/html";
    // The text of a text part is decoded as mime.text would, to find bytes its
    // charset cannot convert.
    const Facts& facts = decoded(i, text ? limits::kMaxDecodedTextPerPart : 0, environment);
    if (sniffable(i)) ++sniffable_parts;
    if (text && facts.content.size > limits::kMaxDecodedTextPerPart) anomaly("text-limit", environment);
    if (part.is_text() && !part.charset.empty() && !message::mime::charset_known(part.charset)) {
      anomaly("unknown-charset", environment);
    } else if (text && !message::mime::to_utf8(facts.content.head, part.charset.empty() ? "us-ascii" : part.charset)
                            .converted) {
      anomaly("unknown-charset", environment);
    }
    forget_content(i);
  }
  if (sniffable_parts > limits::kMaxSniffedParts) anomaly("sniff-limit", environment);
}

std::vector<std::string> MimeViews::text_lines(const MimeViewEnvironment& environment) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < structure_->parts.size(); ++i) {
    const MimePart& part = structure_->parts[i];
    if (part.container || (part.types.front() != "text/plain" && part.types.front() != "text/html"))
      continue;
    const Facts& facts = decoded(i, limits::kMaxDecodedTextPerPart, environment);
    if (facts.content.size > limits::kMaxDecodedTextPerPart) anomaly("text-limit", environment);
    const message::mime::Utf8Text text =
        message::mime::to_utf8(facts.content.head, part.charset.empty() ? "us-ascii" : part.charset);
    if (!text.converted) anomaly("unknown-charset", environment);
    add_lines(text.text, &lines);
    forget_content(i);
  }
  return lines;
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
    lines = text_lines(environment);
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
