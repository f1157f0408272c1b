// A message made from bytes with the reader's default options (no From_ line is
// added or changed), for tests of everything that takes a Message.
#pragma once

#include <string>
#include <utility>

#include "mailsift/message/reader.h"

namespace mailsift::testing {

inline message::Message parse(std::string bytes) {
  return message::message_from_bytes(std::move(bytes), message::ReadOptions());
}

}  // namespace mailsift::testing
