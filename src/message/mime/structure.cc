#include "mailsift/message/mime/structure.h"

#include <algorithm>

#include "mailsift/limits.h"
#include "mailsift/message/mime/parameters.h"

namespace mailsift::message::mime {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The bidi controls a file name can hide its extension with ("invoice\u202Efdp.exe"
// shows as "invoiceexe.pdf"): LRM, RLM, ALM, LRE..RLO, LRI..PDI.
constexpr std::string_view kBidiControls[] = {"\u200E", "\u200F", "\u061C", "\u202A", "\u202B",
                                              "\u202C", "\u202D", "\u202E", "\u2066", "\u2067",
                                              "\u2068", "\u2069"};

}  // namespace

std::string filename_as_shown(std::string name) {
  for (const std::string_view control : kBidiControls) {
    for (std::size_t at = name.find(control); at != std::string::npos; at = name.find(control, at))
      name.erase(at, control.size());
  }
  const std::size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name.erase(0, slash + 1);
  while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(0, 1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
  return name;
}

namespace {

void add_once(std::vector<std::string>* list, std::string value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(std::move(value));
}

// Where an entity's header ends: the offset of the body within text (after the
// empty line), or 0 when the text does not begin with a header field.
std::size_t body_start(std::string_view text, std::size_t* header_length) {
  // A first line that is not a field ("name:") means no header at all.
  std::size_t i = 0;
  while (i < text.size() && text[i] != ':' && text[i] != '\n' && text[i] != ' ' && text[i] != '\t')
    ++i;
  if (i == 0 || i >= text.size() || text[i] != ':') {
    const bool empty_line = !text.empty() && (text[0] == '\n' || starts_with(text, "\r\n"));
    *header_length = 0;
    return empty_line ? (text[0] == '\n' ? 1 : 2) : 0;
  }
  std::size_t from = 0;
  while (true) {
    const std::size_t newline = text.find('\n', from);
    if (newline == std::string_view::npos) {
      *header_length = text.size();
      return text.size();
    }
    const std::size_t next = newline + 1;
    if (next < text.size() && text[next] == '\n') {
      *header_length = next;
      return next + 1;
    }
    if (next + 1 < text.size() && text[next] == '\r' && text[next + 1] == '\n') {
      *header_length = next;
      return next + 2;
    }
    from = next;
  }
}

class Walker {
 public:
  Walker(MimeStructure* out, std::string_view body, const ReleaseBody& release)
      : out_(out), body_(body), release_(release) {}

  // One entity: its header fields and its body (a view into body_ or a buffer).
  void entity(const HeaderIndex& header, std::string_view content, const std::string& path,
              int depth, bool in_digest) {
    if (out_->parts.size() >= limits::kMaxMimeParts) {
      out_->add_anomaly("part-limit");
      return;
    }
    if (depth > limits::kMaxMimeDepth) {
      out_->add_anomaly("depth-limit");
      return;
    }
    if (header.fields().size() > limits::kMaxPartHeaderFields) out_->add_anomaly("header-limit");
    const std::size_t index = out_->parts.size();
    out_->parts.emplace_back();
    {
      MimePart& part = out_->parts.back();
      part.path = path;
      part.depth = depth;
      part.content = content;
      part.body_offset = offset_of(content);
    }

    std::vector<std::string> boundaries;
    std::vector<std::string> types;
    std::string charset;
    const auto content_types = header.find_all("content-type");
    if (content_types.size() > 1) out_->add_anomaly("duplicate-content-type");
    std::vector<std::string> filenames;
    std::vector<std::string> names;
    for (const HeaderField* field : content_types) {
      const StructuredValue value = parse_structured_value(field->value);
      note(value);
      const std::size_t slash = value.token.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == value.token.size()) {
        out_->add_anomaly("bad-content-type");
      } else {
        add_once(&types, value.token);
      }
      const auto found = parameter_values(value, "boundary");
      for (const std::string& b : found) add_once(&boundaries, b);
      if (found.size() > 1) out_->add_anomaly("duplicate-boundary");
      if (charset.empty()) {
        const auto charsets = parameter_values(value, "charset");
        if (!charsets.empty()) charset = charsets.front();
      }
      for (std::string& name : parameter_values(value, "name")) add_once(&names, filename_as_shown(name));
    }
    if (boundaries.size() > 1) out_->add_anomaly("duplicate-boundary");
    if (types.empty()) types.push_back(in_digest ? "message/rfc822" : "text/plain");

    std::string disposition;
    const auto dispositions = header.find_all("content-disposition");
    if (dispositions.size() > 1) out_->add_anomaly("duplicate-content-disposition");
    for (const HeaderField* field : dispositions) {
      const StructuredValue value = parse_structured_value(field->value);
      note(value);
      if (disposition.empty()) disposition = value.token;
      for (std::string& name : parameter_values(value, "filename"))
        add_once(&filenames, filename_as_shown(name));
    }
    if (!names.empty() && !filenames.empty()) {
      for (const std::string& name : names)
        if (std::find(filenames.begin(), filenames.end(), name) == filenames.end())
          out_->add_anomaly("name-filename-differ");
    }
    for (std::string& name : names) add_once(&filenames, std::move(name));
    filenames.erase(std::remove(filenames.begin(), filenames.end(), std::string()), filenames.end());

    TransferEncoding encoding = TransferEncoding::kIdentity;
    const auto encodings = header.find_all("content-transfer-encoding");
    if (encodings.size() > 1) out_->add_anomaly("duplicate-transfer-encoding");
    if (!encodings.empty()) {
      bool known = true;
      encoding = transfer_encoding(encodings.front()->value, &known);
      if (!known) out_->add_anomaly("unknown-transfer-encoding");
    }

    bool multipart = false;
    bool message = false;
    for (const std::string& type : types) {
      if (starts_with(type, "multipart/")) multipart = true;
      if (type == "message/rfc822" || type == "message/global") message = true;
    }
    {
      MimePart& part = out_->parts[index];
      part.types = types;
      part.disposition = disposition;
      part.filenames = std::move(filenames);
      part.charset = charset;
      part.encoding = encoding;
    }

    if (multipart) {
      if (encoding != TransferEncoding::kIdentity) out_->add_anomaly("encoding-on-multipart");
      if (boundaries.empty()) {
        out_->add_anomaly("multipart-without-boundary");
        return;
      }
      out_->parts[index].container = true;
      const bool digest = std::find(types.begin(), types.end(), "multipart/digest") != types.end();
      int number = 0;
      for (const std::string& boundary : boundaries) multipart_body(content, boundary, path, depth, digest, &number);
      return;
    }
    if (message) {
      out_->parts[index].container = true;
      std::string_view inner = content;
      if (encoding != TransferEncoding::kIdentity) {
        out_->add_anomaly("encoded-rfc822");
        TransferDecoder decoder(encoding);
        std::string decoded;
        std::size_t at = 0;
        while (at < content.size() && decoded.size() < limits::kMaxDecodedMessagePart) {
          const std::size_t n = std::min<std::size_t>(64u << 10, content.size() - at);
          decoder.feed(content.substr(at, n), &decoded);
          at += n;
        }
        decoder.finish(&decoded);
        if (decoded.size() > limits::kMaxDecodedMessagePart) {
          decoded.resize(limits::kMaxDecodedMessagePart);
          out_->add_anomaly("decoded-message-limit");
        }
        out_->buffers.push_back(std::move(decoded));
        inner = out_->buffers.back();
      }
      nested(inner, path + ".1", depth + 1, false);
    }
  }

  void nested_top(std::string_view text) { nested(text, "1", 1, false); }

  std::size_t offset_of(std::string_view content) const {
    if (content.data() >= body_.data() && content.data() <= body_.data() + body_.size())
      return static_cast<std::size_t>(content.data() - body_.data());
    return std::string_view::npos;
  }

 private:
  void note(const StructuredValue& value) {
    if (value.duplicate_parameter) out_->add_anomaly("duplicate-parameter");
    if (value.unknown_charset) out_->add_anomaly("unknown-charset");
    if (value.parameter_limit) out_->add_anomaly("parameter-limit");
    if (value.segment_limit) out_->add_anomaly("segment-limit");
  }

  // An entity given as text (header, empty line, body).
  void nested(std::string_view text, const std::string& path, int depth, bool in_digest) {
    std::size_t header_length = 0;
    const std::size_t start = body_start(text, &header_length);
    const HeaderIndex header(text.substr(0, header_length));
    entity(header, text.substr(start), path, depth, in_digest);
    // Reading the header mapped its pages again, after the walk over the enclosing
    // body had dropped them: without this, every part would keep them (64 KiB a part,
    // with the kernel's fault-around).
    release_range(text.substr(0, start));
  }

  // The parts of a multipart body between the lines "--boundary" and up to
  // "--boundary--"; the line end before a delimiter belongs to it (RFC 2046 §5.1.1).
  void multipart_body(std::string_view content, const std::string& boundary, const std::string& path,
                      int depth, bool digest, int* number) {
    const std::string delimiter = "--" + boundary;
    std::size_t line = 0;
    std::size_t part_start = std::string_view::npos;
    bool closed = false;
    std::size_t released = 0;
    while (line < content.size()) {
      const std::size_t end = std::min(content.find('\n', line), content.size());
      if (end - line >= delimiter.size() && content.compare(line, delimiter.size(), delimiter) == 0) {
        std::size_t rest = line + delimiter.size();
        const bool close = content.compare(rest, 2, "--") == 0;
        if (close) rest += 2;
        while (rest < end && is_blank(content[rest])) ++rest;
        if (rest == end) {
          if (part_start != std::string_view::npos) {
            std::size_t part_end = line;
            if (part_end > part_start && content[part_end - 1] == '\n') --part_end;
            if (part_end > part_start && content[part_end - 1] == '\r') --part_end;
            child(content.substr(part_start, part_end - part_start), path, depth, digest, number);
          }
          if (close) {
            closed = true;
            part_start = std::string_view::npos;
            break;
          }
          part_start = end + 1 <= content.size() ? end + 1 : content.size();
        }
      }
      line = end + 1;
      if (release_ && line - released >= limits::kSpoolWindow) {
        release_range(content.substr(released, line - released));
        released = line;
      }
    }
    if (!closed) {
      out_->add_anomaly("unclosed-multipart");
      if (part_start != std::string_view::npos && part_start < content.size())
        child(content.substr(part_start), path, depth, digest, number);
    }
  }

  void child(std::string_view text, const std::string& path, int depth, bool digest, int* number) {
    if (out_->parts.size() >= limits::kMaxMimeParts) {
      out_->add_anomaly("part-limit");
      return;
    }
    ++*number;
    nested(text, path + "." + std::to_string(*number), depth + 1, digest);
  }

  void release_range(std::string_view range) {
    const std::size_t at = offset_of(range);
    if (at != std::string_view::npos && release_) release_(at, range.size());
  }

  MimeStructure* out_;
  std::string_view body_;
  const ReleaseBody& release_;
};

}  // namespace

bool MimePart::is_text() const {
  return !container && !types.empty() && starts_with(types.front(), "text/");
}

void MimeStructure::add_anomaly(std::string_view token) {
  if (std::find(anomalies.begin(), anomalies.end(), token) == anomalies.end())
    anomalies.emplace_back(token);
}

MimeStructure walk_message(const Message& message, const ReleaseBody& release) {
  MimeStructure out;
  const std::string_view fields = message.header_fields();
  const std::size_t crlf_end = fields.find("\n\r\n");
  if (crlf_end != std::string_view::npos && fields.find("\n\n") > crlf_end) {
    // A CRLF message: procmail (and so Message) ends the header only at an empty
    // line without CR, readers at "\r\n\r\n". The walk reads it as readers do, on
    // the header and body as one text (pages are not released: its offsets are not
    // the body's).
    const std::string_view whole = message.body_with_prefix(fields);
    static const ReleaseBody kNone;
    Walker walker(&out, whole, kNone);
    walker.nested_top(whole);
    for (MimePart& part : out.parts) part.body_offset = std::string_view::npos;
    return out;
  }
  Walker walker(&out, message.body(), release);
  walker.entity(message.headers(), message.body(), "1", 1, false);
  return out;
}

DecodedPart decode_part(const MimePart& part, std::size_t keep, const ReleaseBody& release,
                        bool whole) {
  DecodedPart out;
  TransferDecoder decoder(part.encoding);
  std::string piece;
  const std::string_view content = part.content;
  constexpr std::size_t kStep = 64u << 10;
  std::size_t released = 0;
  for (std::size_t at = 0; at < content.size(); at += kStep) {
    piece.clear();
    decoder.feed(content.substr(at, std::min(kStep, content.size() - at)), &piece);
    out.size += piece.size();
    if (out.head.size() < keep) out.head.append(piece, 0, std::min(piece.size(), keep - out.head.size()));
    const std::size_t done = std::min(at + kStep, content.size());
    if (release && part.body_offset != std::string_view::npos &&
        (done - released >= limits::kSpoolWindow || (!whole && out.head.size() >= keep))) {
      release(part.body_offset + released, done - released);
      released = done;
    }
    if (!whole && out.head.size() >= keep && done < content.size()) {
      out.complete = false;
      out.bad = decoder.bad();
      return out;
    }
  }
  piece.clear();
  decoder.finish(&piece);
  out.size += piece.size();
  if (out.head.size() < keep) out.head.append(piece, 0, std::min(piece.size(), keep - out.head.size()));
  out.bad = decoder.bad();
  return out;
}

}  // namespace mailsift::message::mime
