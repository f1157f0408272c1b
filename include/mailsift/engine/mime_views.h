// The mime.* views of one message (rc/views.h): the structure walked once, each
// part's content decoded, sniffed or converted only when a view needs it, and kept
// for the other mime views of the same message.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mailsift/message/message.h"
#include "mailsift/message/mime/charset.h"
#include "mailsift/message/mime/sniffer.h"
#include "mailsift/message/mime/structure.h"

namespace mailsift::engine {

struct MimeViewEnvironment {
  message::mime::ReleaseBody release;             // drops pages of a spooled body
  message::mime::Sniffer* sniffer = nullptr;      // libmagic unless a test fakes it
  std::function<void(const std::string&)> log;    // a limit that bites, a sniffer failure
};

class MimeViews {
 public:
  MimeViews() = default;
  // name: one of rc::mime_views().
  std::vector<std::string> lines(const std::string& name, const message::Message& message,
                                 const MimeViewEnvironment& environment);
  // mime.text with its lines joined by line breaks, as conditions see it: made so at
  // once, so that a large text is not held twice.
  std::string joined_text(const message::Message& message, const MimeViewEnvironment& environment);

 private:
  struct Facts {
    bool decoded = false;
    message::mime::DecodedPart content;  // head: up to what sniffing or text needs
    std::size_t kept = 0;                // how much head was asked for
    bool sniffed = false;
    std::string type;                    // libmagic's answer
  };
  void walk(const message::Message& message, const MimeViewEnvironment& environment);
  const Facts& decoded(std::size_t part, std::size_t keep, const MimeViewEnvironment& environment);
  const std::string& sniffed(std::size_t part, const MimeViewEnvironment& environment);
  bool sniffable(std::size_t part) const;
  void forget_content(std::size_t part);
  void decode_all(const MimeViewEnvironment& environment);
  std::string joined_text(const MimeViewEnvironment& environment);
  message::mime::Utf8Text utf8_of(std::size_t part, const Facts& facts, std::size_t keep) const;
  std::string part_line(std::size_t part, const MimeViewEnvironment& environment);
  void anomaly(const std::string& token, const MimeViewEnvironment& environment);

  std::optional<message::mime::MimeStructure> structure_;
  std::vector<Facts> facts_;
  std::size_t sniff_count_ = 0;
  bool sniffer_failed_ = false;
};

}  // namespace mailsift::engine
