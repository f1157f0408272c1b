#include "mailsift/message/search_area.h"

namespace mailsift::message {

std::string joined_header(const Message& message) {
  std::string header(message.head());
  // Only newlines inside the head: its last newline (which ends the empty line) is
  // followed by the body, and a body starting with a blank does not continue the
  // header (procmail: "x$$^^" still matches "Subject: x\n\n body").
  for (std::size_t i = 0; i + 1 < header.size(); ++i) {
    if (header[i] == '\n' && (header[i + 1] == ' ' || header[i + 1] == '\t')) header[i] = ' ';
  }
  return header;
}

std::string_view search_area(const Message& message, Area area, std::string* storage) {
  switch (area) {
    case Area::kBody:
      return message.body();
    case Area::kHeader:
      *storage = joined_header(message);
      return *storage;
    case Area::kHeaderAndBody:
      *storage = joined_header(message);
      return message.body_with_prefix(*storage);
  }
  return {};
}

}  // namespace mailsift::message
