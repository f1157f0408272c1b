#include "mailsift/deliver/program.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <limits>
#include <utility>

#include "mailsift/limits.h"
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

namespace {

message::ReadOptions filter_read_options(bool berkeley, std::string spool_directory,
                                         std::size_t in_memory_limit) {
  message::ReadOptions options;
  options.berkeley = berkeley;
  options.from_line = message::FromLinePolicy();  // verbatim: no From_ line made
  options.in_memory_limit = in_memory_limit;
  options.spool_directory = std::move(spool_directory);
  return options;
}

}  // namespace

FilteredMessageBuilder::FilteredMessageBuilder(sys::Io& io, const message::Message& old,
                                               Part part, bool berkeley,
                                               std::string spool_directory,
                                               std::size_t in_memory_limit)
    : io_(io),
      old_(old),
      part_(part),
      builder_(io, filter_read_options(berkeley, std::move(spool_directory), in_memory_limit)) {
  // fb: the new message starts with the old head, before any output comes.
  if (part_ == Part::kBodyOnly) status_ = builder_.append(old_.head());
}

int FilteredMessageBuilder::take(std::string_view piece) {
  if (!status_.ok()) return status_.err() != 0 ? status_.err() : EIO;
  status_ = builder_.append(piece);
  if (!status_.ok()) return status_.err() != 0 ? status_.err() : EIO;
  output_size_ += piece.size();
  return 0;
}

sys::OutputSink FilteredMessageBuilder::sink() {
  return [this](std::string_view piece) { return take(piece); };
}

sys::Status FilteredMessageBuilder::finish(message::Message* out) {
  if (!status_.ok()) return status_;
  if (part_ == Part::kHeaderOnly) {
    // fh: the old body follows the new head. A spooled body is read a window at a
    // time, each window's pages dropped once copied, so that it is never resident
    // whole besides its new copy.
    const std::string_view body = old_.body();
    for (std::size_t from = 0; from < body.size(); from += limits::kSpoolWindow) {
      const std::size_t length = std::min(body.size() - from, limits::kSpoolWindow);
      status_ = builder_.append(body.substr(from, length));
      old_.release_body(io_, from, length);
      if (!status_.ok()) return status_;
    }
  }
  status_ = builder_.finish(out);
  return status_;
}

message::Message filtered_message(const message::Message& old, std::string output, Part part,
                                  bool berkeley) {
  FilteredMessageBuilder builder(sys::real_io(), old, part, berkeley, "/tmp",
                                 std::numeric_limits<std::size_t>::max());
  message::Message message;
  builder.take(output);
  builder.finish(&message);  // cannot fail: nothing is spooled
  return message;
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
