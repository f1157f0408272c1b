#include "mailsift/deliver/program.h"

#include <cstddef>
#include <utility>

#include "mailsift/message/reader.h"

namespace mailsift::deliver {

WriteFormat pipe_format(Part part, bool raw) {
  WriteFormat format;
  format.part = part;
  format.quote_from = false;
  format.add_final_newline = !raw;
  format.skip_from_line = false;
  return format;
}

WriteFormat forward_format(Part part, bool raw) {
  WriteFormat format = pipe_format(part, raw);
  format.skip_from_line = true;
  return format;
}

sys::InputWriter message_writer(sys::Io& io, const message::Message& message,
                                const WriteFormat& format, std::size_t* written) {
  return [&io, &message, format, written](int fd) {
    std::size_t count = 0;
    const sys::Status status = write_message(io, fd, "program", message, format, &count);
    if (written != nullptr) *written = count;
    return status.ok() ? 0 : status.err();
  };
}

sys::ProgramOutcome pipe_message(const message::Message& message, const WriteFormat& format,
                                 const sys::ProgramSpec& spec, bool ignore_write_errors,
                                 sys::Io& io) {
  sys::ProgramOutcome outcome = sys::run_program(spec, message_writer(io, message, format));
  if (ignore_write_errors) outcome.input_errno = 0;
  return outcome;
}

message::Message filtered_message(const message::Message& old, std::string output, Part part,
                                  bool berkeley) {
  std::string bytes;
  switch (part) {
    case Part::kWhole:
      bytes = std::move(output);
      break;
    case Part::kHeaderOnly:
      bytes = std::move(output);
      bytes.append(old.body());
      break;
    case Part::kBodyOnly:
      bytes.reserve(old.head().size() + output.size());
      bytes.append(old.head());
      bytes.append(output);
      break;
  }
  message::ReadOptions options;
  options.berkeley = berkeley;
  options.from_line = message::FromLinePolicy();  // verbatim: no From_ line made
  return message::message_from_bytes(std::move(bytes), options);
}

std::string capture_value(std::string output) {
  if (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

std::string backquote_value(std::string output, bool truncated) {
  if (truncated) return output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

}  // namespace mailsift::deliver
