// A message made from bytes with the reader's default options (no From_ line is
// added or changed), for tests of everything that takes a Message.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "mailsift/message/reader.h"
#include "temp_dir.h"

namespace mailsift::testing {

inline message::Message parse(std::string bytes) {
  return message::message_from_bytes(std::move(bytes), message::ReadOptions());
}

// The same, but with the body spooled to an unlinked file in spool_dir and mapped, as
// the reader keeps a message over limits::kMaxInMemoryMessage (whatever its size: the
// in-memory limit is 0). Throws when the message cannot be read.
inline message::Message parse_spooled(const std::string& bytes, const std::string& spool_dir) {
  const std::string input = spool_dir + "/parse_spooled.input";
  write_file(input, bytes);
  const int fd = ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  ::unlink(input.c_str());
  if (fd < 0) throw std::runtime_error("parse_spooled: cannot open " + input);
  message::ReadOptions options;
  options.in_memory_limit = 0;
  options.spool_directory = spool_dir;
  message::Message m;
  const sys::Status status = message::read_message(sys::real_io(), fd, options, &m);
  ::close(fd);
  if (!status.ok()) throw std::runtime_error("parse_spooled: " + status.message());
  return m;
}

}  // namespace mailsift::testing
