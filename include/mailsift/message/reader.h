// Reader: reads a whole message from a file descriptor before any rule runs.
#pragma once

#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

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

// Builds a Message from its bytes as they come, piece by piece: from stdin
// (read_message) or from a filter's output (deliver::FilteredMessageBuilder). Up to
// in_memory_limit bytes are held in memory; once more than that has come, they are
// copied once into an unlinked file in spool_directory (O_TMPFILE, else a unique
// name unlinked at once), every later piece is written there, and finish() maps the
// file read-only as the body's storage (message.h), so the bytes are held once.
// Not copyable; the Io must outlive the builder (the message does not need it).
class MessageBuilder {
 public:
  MessageBuilder(sys::Io& io, ReadOptions options);
  // Closes a spool file that no message took: being unlinked, it is gone then.
  ~MessageBuilder();
  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;

  // Takes the next bytes. Failures: kOpen/kUnlink (the spool file cannot be made),
  // kWrite (e.g. ENOSPC). After a failure the builder is spent: no spool file is
  // left, later calls and finish() return the same failure.
  sys::Status append(std::string_view bytes);
  // Bytes taken so far.
  std::size_t size() const { return size_; }
  // Whether the bytes have gone to a spool file.
  bool spooling() const { return spool_fd_ >= 0; }
  // Applies the From_ line policy and (unless berkeley) the Content-Length rewrite
  // to all the bytes taken, and puts the message in *out. Failures: an earlier
  // append's, kMap (the spool file cannot be mapped). On failure *out is unchanged
  // and no spool file is left. Call it once: the builder is spent afterwards.
  sys::Status finish(Message* out);

 private:
  sys::Status fail(sys::Status status);
  void close_spool();

  sys::Io& io_;
  ReadOptions options_;
  std::string memory_;  // the bytes while they are not spooled
  int spool_fd_ = -1;
  std::size_t size_ = 0;
  sys::Status failure_;
  bool spent_ = false;
};

// Reads fd to end of file (retrying EINTR) into `out` through a MessageBuilder.
// Failures: Step::kRead (reading fd), and the builder's (kOpen/kUnlink/kWrite/kMap).
// On any failure `out` is unchanged and no spool file is left: the caller must then
// exit with a temporary failure, since a partial message must never be delivered.
sys::Status read_message(sys::Io& io, int fd, const ReadOptions& options, Message* out);

// Builds a Message from bytes already in memory, never spooled (tests, fuzzing).
Message message_from_bytes(std::string bytes, const ReadOptions& options);

}  // namespace mailsift::message
