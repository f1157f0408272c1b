// Feeding the message to a program (pipe actions, filters, captures, forwarding:
// behaviour §7.8-7.11) and turning a filter's output back into a message. How the
// program is started, fed and bounded by TIMEOUT is sys::run_program's business
// (sys/process.h); which argv to run (shell or direct) is the engine's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mailsift/deliver/folder.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/limits.h"
#include "mailsift/message/message.h"
#include "mailsift/message/reader.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/process.h"

namespace mailsift::deliver {

// What a pipe action, a filter or a capture writes (§7.8): the part the h/b flags
// choose, the From_ line kept, no ">From " quoting, and (unless raw, flag r) one
// "\n" added when the data does not already end in an empty line.
WriteFormat pipe_format(Part part, bool raw);

// What forwarding writes (§7.11): as pipe_format, but without the From_ line and
// the ">" lines right after it.
WriteFormat forward_format(Part part, bool raw);

// An InputWriter that writes the message in `format` through io (write_message):
// returns 0 or the errno of the failed write, and sets *written (when given) to the
// bytes written. The message, io and written must outlive the run_program call it is
// given to.
sys::InputWriter message_writer(sys::Io& io, const message::Message& message,
                                const WriteFormat& format, std::size_t* written = nullptr);

// Runs spec with the message (in `format`) on the program's stdin and waits for it
// (sys::run_program). ignore_write_errors (flag i): a failed write (EPIPE when the
// program did not read all of its input) is not reported, input_errno is then 0;
// otherwise the caller logs `Error while writing to "x"` and fails the action.
sys::ProgramOutcome pipe_message(const message::Message& message, const WriteFormat& format,
                                 const sys::ProgramSpec& spec, bool ignore_write_errors,
                                 sys::Io& io = sys::real_io());

// The message after a filter (§7.9), built from the filter's stdout as it comes
// (sys::ProgramSpec::output_sink) and re-analysed like a message read from stdin
// (message::MessageBuilder: head/body split, Content-Length unless berkeley; the
// From_ line is taken as it is, never generated or replaced):
// - kWhole: the output is the new message (an empty output, an empty message);
// - kHeaderOnly (fh): the output followed by the old body; the output should end in
//   an empty line, else its last lines and the body's first run together as header;
// - kBodyOnly (fb): the old head followed by the output.
// Like stdin, a new message larger than in_memory_limit is spooled to an unlinked
// file in spool_directory, so that it is held once; the old body that fh appends
// is read a window at a time (limits::kSpoolWindow) and its pages dropped again.
class FilteredMessageBuilder {
 public:
  // old must outlive the builder and stay unchanged until finish() returns.
  FilteredMessageBuilder(sys::Io& io, const message::Message& old, Part part, bool berkeley,
                         std::string spool_directory,
                         std::size_t in_memory_limit = limits::kMaxInMemoryMessage);

  // Takes the next piece of the output: 0, or the errno of the spool file that
  // could not take it (status() then says which step failed; later pieces are
  // refused the same way). Fits sys::OutputSink.
  int take(std::string_view piece);
  // take() as a sys::OutputSink; the builder must outlive it.
  sys::OutputSink sink();
  // Bytes of output taken so far.
  std::size_t output_size() const { return output_size_; }
  // ok, or why the output could not be kept (the spool file could not be created or
  // written; for fb, also when the old head could not be).
  const sys::Status& status() const { return status_; }

  // Ends the output and puts the new message in *out (fh: after appending the old
  // body). Failures: status()'s, or the spool steps of appending the old body, or
  // mapping the spool file (Step::kMap). On failure *out is unchanged and no spool
  // file is left. Call it once.
  sys::Status finish(message::Message* out);

 private:
  sys::Io& io_;
  const message::Message& old_;
  Part part_;
  message::MessageBuilder builder_;
  std::size_t output_size_ = 0;
  sys::Status status_;
};

// The same for an output already in memory (tests): the result is held in memory.
message::Message filtered_message(const message::Message& old, std::string output, Part part,
                                  bool berkeley);

// A capture's value (§7.10, "NAME=| cmd"): the output less exactly one trailing "\n".
std::string capture_value(std::string output);

// A backquote's value (§3.2.1): the output less all trailing newlines, unless it was
// cut at the output limit (truncated), when it is kept as it is.
std::string backquote_value(std::string output, bool truncated);

}  // namespace mailsift::deliver
