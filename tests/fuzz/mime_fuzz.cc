// The MIME walker, the transfer decoders, Content-Type parameters (RFC 2231) and the
// mime.* views computed from them (src/message/mime/, src/engine/mime_views.cc). The
// input is a whole message, as a mail server hands it over; libmagic is replaced by
// a fake (its own fuzzing is libmagic's business).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mailsift/engine/mime_views.h"
#include "mailsift/limits.h"
#include "mailsift/message/mime/parameters.h"
#include "mailsift/message/mime/structure.h"
#include "mailsift/message/reader.h"
#include "mailsift/rc/views.h"

namespace {

class FakeSniffer final : public mailsift::message::mime::Sniffer {
 public:
  std::string type_of(std::string_view content) override {
    return content.substr(0, 2) == "MZ" ? "application/x-dosexec" : "application/octet-stream";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mailsift::fuzz::check;
  namespace mime = mailsift::message::mime;
  namespace limits = mailsift::limits;
  const std::string text(reinterpret_cast<const char*>(data), size);

  const mime::StructuredValue value = mime::parse_structured_value(text);
  check(value.parameters.size() <= limits::kMaxMimeParameters, "parameters are bounded");

  const mailsift::message::Message message =
      mailsift::message::message_from_bytes(text, mailsift::message::ReadOptions());
  const std::string_view body = message.body();
  std::size_t released = 0;
  const mime::ReleaseBody release = [&](std::size_t from, std::size_t length) {
    check(from + length <= body.size(), "released pages are the body's");
    released += length;
  };
  const mime::MimeStructure structure = mime::walk_message(message, release);
  check(!structure.parts.empty(), "a message is at least one part");
  check(structure.parts.size() <= limits::kMaxMimeParts, "parts are bounded");
  for (const mime::MimePart& part : structure.parts) {
    check(part.depth >= 1 && part.depth <= limits::kMaxMimeDepth, "depth is bounded");
    check(!part.types.empty(), "a part has a type");
    if (part.body_offset != std::string_view::npos)
      check(part.body_offset + part.content.size() <= body.size(), "content lies in the body");
    if (!part.container) {
      const mime::DecodedPart decoded = mime::decode_part(part, 64, release);
      check(decoded.head.size() <= 64 && decoded.head.size() <= decoded.size, "head is bounded");
    }
  }

  FakeSniffer sniffer;
  mailsift::engine::MimeViewEnvironment environment;
  environment.sniffer = &sniffer;
  environment.release = release;
  mailsift::engine::MimeViews views;
  for (const std::string_view name : mailsift::rc::mime_views()) {
    for (const std::string& line : views.lines(std::string(name), message, environment))
      if (name != "text") check(line.find('\n') == std::string::npos, "one fact, one line");
  }
  return 0;
}
