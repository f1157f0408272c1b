// Writing message bytes to a descriptor in the form each kind of folder needs. The
// one place that knows procmail's rules for ">From " quoting and the trailing
// newline (behaviour §7.2, checklist item 12), shared by every backend and pipes.
#pragma once

#include <cstddef>
#include <string>

#include "mailsift/deliver/folder.h"
#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::deliver {

// The rules, as /usr/bin/procmail 3.22 applies them (tests/unit/deliver/writer_test.cc
// pins the bytes):
// - quote_from: a '>' goes before every "From " whose preceding newline is part of
//   the written data and not inside the Content-Length-protected body range. So the
//   first line (after any leading empty lines) is never quoted, nor the first body
//   line of a body-only write, nor a "From " right at the end of the protected range;
//   ">From " lines are left as they are (no quoting levels).
// - add_final_newline: one "\n" is added unless the written data ends in "\n\n"
//   (data shorter than 2 bytes always gets it).
// - skip_from_line: only when the head starts with the From_ line (no leading empty
//   lines) and the part includes the head.
struct WriteFormat {
  Part part = Part::kWhole;
  bool quote_from = false;        // mbox: ">" before "From " at a line start
  bool add_final_newline = false; // add "\n" unless the data ends in "\n\n"
  bool skip_from_line = false;    // maildir and forwarding: drop the From_ line and
                                  // the ">"-lines right after it
};

// The format procmail uses for each folder kind, given the recipe's raw flag.
WriteFormat format_for(FolderKind kind, const DeliveryOptions& options);

// Writes the message to fd in pieces of at most limits::kWriteChunk bytes, straight
// from the message's storage (a spooled body is never copied whole). *written gets
// the number of bytes written; on failure, those of the pieces written completely.
// Failure: Step::kWrite with the errno. `path` is for the Status only.
sys::Status write_message(sys::Io& io, int fd, const std::string& path,
                          const message::Message& message, const WriteFormat& format,
                          std::size_t* written);

// How many bytes write_message would write, without writing them.
std::size_t rendered_size(sys::Io& io, const message::Message& message,
                          const WriteFormat& format);

// The same bytes, as a string (tests; small messages).
std::string render_message(const message::Message& message, const WriteFormat& format);

}  // namespace mailsift::deliver
