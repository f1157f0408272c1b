// Reader: reads a whole message from a file descriptor before any rule runs.
#pragma once

#include <ctime>

#include "mailsift/message/from_line.h"
#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::message {

struct ReadOptions {
  FromLinePolicy from_line;
  bool berkeley = false;  // -Y: ignore Content-Length
  // Bytes; a larger input is spooled (default limits::kMaxInMemoryMessage). 0 spools
  // every non-empty message (tests).
  std::size_t in_memory_limit;
  std::string spool_directory;  // where the spool file is created (default "/tmp")
  std::time_t now = 0;          // time for generated From_ lines (0: io.now())
  ReadOptions();
};

// Reads fd to end of file (retrying EINTR) into `out`, then applies the From_ line
// policy and (unless berkeley) the Content-Length rewrite. An input larger than
// in_memory_limit is copied once into an unlinked file in spool_directory
// (O_TMPFILE, else a unique name unlinked at once) and its body is mapped read-only.
// Failures: Step::kRead (reading fd), kOpen/kUnlink/kWrite (the spool file, e.g.
// ENOSPC), kMap. On any failure `out` is unchanged and no spool file is left: the
// caller must then exit with a temporary failure, since a partial message must never
// be delivered.
sys::Status read_message(sys::Io& io, int fd, const ReadOptions& options, Message* out);

// Builds a Message from bytes already in memory (tests, filters).
Message message_from_bytes(std::string bytes, const ReadOptions& options);

}  // namespace mailsift::message
