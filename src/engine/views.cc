#include "mailsift/engine/views.h"

#include "mailsift/message/mime/address_list.h"
#include "mailsift/message/mime/encoded_words.h"

namespace mailsift::engine {
namespace {

// One line per field: line breaks a decoded value brings are shown as blanks.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

void address_lines(const rc::View& view, const message::Message& message,
                   std::vector<std::string>* lines) {
  using Part = rc::View::Part;
  for (const std::string_view field : rc::address_header_fields(view.field)) {
    for (const message::HeaderField* header : message.headers().find_all(field)) {
      for (const message::mime::Address& address :
           message::mime::parse_address_list(header->value)) {
        const std::size_t plus = address.local.find('+');
        switch (view.part) {
          case Part::kWhole:
            lines->push_back(one_line(address.text()));
            break;
          case Part::kLocal:
            lines->push_back(one_line(address.local));
            break;
          case Part::kDomain:
            if (!address.domain.empty()) lines->push_back(one_line(address.domain));
            break;
          case Part::kUser:
            lines->push_back(one_line(address.local.substr(0, plus)));
            break;
          case Part::kDetail:
            if (plus != std::string::npos) lines->push_back(one_line(address.local.substr(plus + 1)));
            break;
          case Part::kName:
            if (!address.name.empty()) lines->push_back(one_line(address.name));
            break;
        }
      }
    }
  }
}

std::string key_of(const rc::View& view) {
  return std::to_string(static_cast<int>(view.kind)) + ":" + view.field + ":" +
         std::to_string(static_cast<int>(view.part));
}

}  // namespace

std::vector<std::string> view_lines(const rc::View& view, const message::Message& message,
                                    MimeViews* mime, const MimeViewEnvironment& environment) {
  std::vector<std::string> lines;
  switch (view.kind) {
    case rc::View::Kind::kHeader:
      for (const message::HeaderField* field : message.headers().find_all(view.field))
        lines.push_back(one_line(message::mime::field_text(field->value).text));
      break;
    case rc::View::Kind::kAddress:
      address_lines(view, message, &lines);
      break;
    case rc::View::Kind::kMime: {
      MimeViews local;
      lines = (mime != nullptr ? *mime : local).lines(view.field, message, environment);
      break;
    }
    case rc::View::Kind::kDuplicate:
      // Not a function of the message alone: the evaluator asks DuplicateTests.
      break;
  }
  return lines;
}

const std::string& ViewCache::text(const rc::View& view, const message::Message& message,
                                   const MimeViewEnvironment& environment) {
  const std::string key = key_of(view);
  auto it = texts_.find(key);
  if (it != texts_.end()) return it->second;
  std::string joined;
  if (view.kind == rc::View::Kind::kMime && view.field == "text") {
    joined = mime_.joined_text(message, environment);
  } else {
    const std::vector<std::string> lines = view_lines(view, message, &mime_, environment);
    for (std::size_t k = 0; k < lines.size(); ++k) {
      if (k > 0) joined += '\n';
      joined += lines[k];
    }
  }
  return texts_.emplace(key, std::move(joined)).first->second;
}

}  // namespace mailsift::engine
