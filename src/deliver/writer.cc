#include "mailsift/deliver/writer.h"

#include <algorithm>
#include <cerrno>
#include <string_view>

#include "mailsift/limits.h"

namespace mailsift::deliver {
namespace {

constexpr std::string_view kFrom = "From ";

// Where the written bytes go: a descriptor (deliveries) or a string (tests). Bytes
// reach a descriptor in pieces of at most limits::kWriteChunk; a piece of the source
// that is already that large is written straight from the source, so a spooled body
// is never copied as a whole.
class Sink {
 public:
  virtual ~Sink() = default;
  // False on failure (the sink keeps the Status).
  virtual bool put(std::string_view bytes) = 0;
  // Puts message.body()[from, from + length) as it is. A descriptor sink lets the
  // kernel copy the range from the spool file when the body is spooled.
  virtual bool put_body(const message::Message& message, std::size_t from,
                        std::size_t length) = 0;
  // The writer is done reading body()[from, from + length): its pages may leave
  // memory (a spooled body's; see Message::release_body).
  virtual void done_with(const message::Message& message, std::size_t from,
                         std::size_t length) = 0;
  virtual bool finish() = 0;
};

class StringSink final : public Sink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  bool put(std::string_view bytes) override {
    out_->append(bytes);
    return true;
  }
  bool put_body(const message::Message& message, std::size_t from,
                std::size_t length) override {
    return put(message.body().substr(from, length));
  }
  void done_with(const message::Message&, std::size_t, std::size_t) override {}
  bool finish() override { return true; }

 private:
  std::string* out_;
};

// Counts what would be written (the journal records an mbox append's length before
// it starts). A spooled body's pages are let go as they are counted.
class CountingSink final : public Sink {
 public:
  explicit CountingSink(sys::Io& io) : io_(io) {}
  bool put(std::string_view bytes) override {
    count_ += bytes.size();
    return true;
  }
  bool put_body(const message::Message&, std::size_t, std::size_t length) override {
    count_ += length;
    return true;
  }
  void done_with(const message::Message& message, std::size_t from,
                 std::size_t length) override {
    message.release_body(io_, from, length);
  }
  bool finish() override { return true; }
  std::size_t count() const { return count_; }

 private:
  sys::Io& io_;
  std::size_t count_ = 0;
};

class FdSink final : public Sink {
 public:
  FdSink(sys::Io& io, int fd, const std::string& path) : io_(io), fd_(fd), path_(path) {
    buffer_.reserve(limits::kWriteChunk);
  }

  bool put(std::string_view bytes) override {
    while (!bytes.empty()) {
      if (buffer_.empty() && bytes.size() >= limits::kWriteChunk) {
        if (!write_out(bytes.substr(0, limits::kWriteChunk))) return false;
        bytes.remove_prefix(limits::kWriteChunk);
        continue;
      }
      const std::size_t room = limits::kWriteChunk - buffer_.size();
      const std::size_t take = bytes.size() < room ? bytes.size() : room;
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (buffer_.size() == limits::kWriteChunk && !flush()) return false;
    }
    return true;
  }

  // A spooled body range goes from the spool file to fd in the kernel (no page of
  // it enters this process); what the kernel cannot copy for this destination (an
  // mbox opened O_APPEND takes neither copy_file_range nor sendfile) is written from
  // the mapping a window at a time, each window's pages dropped after it.
  bool put_body(const message::Message& message, std::size_t from,
                std::size_t length) override {
    const message::BodyFile file = message.body_file();
    if (file.fd >= 0 && method_ != sys::KernelCopy::kUnavailable && length > 0) {
      if (!flush()) return false;  // the buffered bytes come first
      const std::size_t copied = sys::copy_file_data(
          io_, file.fd, file.offset + static_cast<off_t>(from), fd_, length, &method_);
      written_ += copied;
      if (copied < length && method_ != sys::KernelCopy::kUnavailable) {
        status_ = sys::Status::error(sys::Step::kWrite, errno, path_);
        return false;
      }
      from += copied;
      length -= copied;
    }
    const std::string_view body = message.body();
    while (length > 0) {
      const std::size_t take = length < limits::kSpoolWindow ? length : limits::kSpoolWindow;
      if (!put(body.substr(from, take))) return false;
      done_with(message, from, take);
      from += take;
      length -= take;
    }
    return true;
  }

  void done_with(const message::Message& message, std::size_t from,
                 std::size_t length) override {
    message.release_body(io_, from, length);
  }

  bool finish() override { return flush(); }

  std::size_t written() const { return written_; }
  const sys::Status& status() const { return status_; }

 private:
  bool flush() {
    if (buffer_.empty()) return true;
    const bool ok = write_out(buffer_);
    buffer_.clear();
    return ok;
  }

  // write_all retries short writes and EINTR; on failure the bytes of the failing
  // piece are not counted (the caller truncates the file back anyway).
  bool write_out(std::string_view piece) {
    if (sys::write_all(io_, fd_, piece.data(), piece.size()) != 0) {
      status_ = sys::Status::error(sys::Step::kWrite, errno, path_);
      return false;
    }
    written_ += piece.size();
    return true;
  }

  sys::Io& io_;
  int fd_;
  const std::string& path_;
  std::string buffer_;
  std::size_t written_ = 0;
  sys::KernelCopy method_ = sys::KernelCopy::kCopyFileRange;
  sys::Status status_;
};

// Writes the selected bytes of a message, applying the format's quoting and newline
// rules. Keeps the state that crosses from one source range to the next: whether
// the last byte emitted was a newline (a "From " at the start of the next range then
// starts a line) and the last two bytes (for the final newline rule).
class Emitter {
 public:
  Emitter(Sink& sink, bool quote) : sink_(sink), quote_(quote) {}

  // Never quotes anything in `bytes`.
  static constexpr std::size_t kNoQuoting = std::string_view::npos;

  // Emits `bytes`, putting a '>' before every "From " that follows a newline at
  // index >= quote_from of `bytes` (when the format quotes at all). A newline that
  // ended the previous call counts for a "From " at index 0 only if it was itself
  // in a quoting range. This is procmail's rule as observed with the binary: the
  // newline before the "From " must itself be part of the quoted data, so a "From "
  // that starts exactly where the Content-Length-protected range ends stays as it is.
  bool emit(std::string_view bytes, std::size_t quote_from) {
    if (bytes.empty()) return true;
    const bool quoting = quote_ && quote_from != kNoQuoting;
    if (quoting) {
      std::size_t done = 0;
      if (quote_from == 0 && after_quoting_newline_ &&
          bytes.substr(0, kFrom.size()) == kFrom) {
        if (!sink_.put(">")) return false;
      }
      for (std::size_t at = quote_from;;) {
        const std::size_t nl = bytes.find("\nFrom ", at);
        if (nl == std::string_view::npos) break;
        if (!sink_.put(bytes.substr(done, nl + 1 - done)) || !sink_.put(">")) return false;
        done = nl + 1;
        at = done;
      }
      if (!sink_.put(bytes.substr(done))) return false;
    } else if (!sink_.put(bytes)) {
      return false;
    }
    track(bytes, bytes.size());
    after_quoting_newline_ = quoting && bytes.back() == '\n' && bytes.size() - 1 >= quote_from;
    return true;
  }

  // Emits message.body()[from, from + length) unquoted, through Sink::put_body.
  bool emit_body_verbatim(const message::Message& message, std::size_t from,
                          std::size_t length) {
    if (length == 0) return true;
    if (!sink_.put_body(message, from, length)) return false;
    // Only the range's last two bytes are read here (the final newline rule).
    const std::size_t tail = length < 2 ? length : 2;
    track(message.body().substr(from + length - tail, tail), length);
    sink_.done_with(message, from + length - tail, tail);
    after_quoting_newline_ = false;
    return true;
  }

  // Emits message.body()[from, from + length) with quoting from its first byte, a
  // window of at most limits::kSpoolWindow bytes at a time, each window's pages given
  // up after it. A window ends after its last newline (unless it has none), so a
  // "From " at a line start never straddles two windows: the bytes are the same as
  // one emit() of the whole range.
  bool emit_body_quoted(const message::Message& message, std::size_t from,
                        std::size_t length) {
    const std::string_view body = message.body();
    const std::size_t end = from + length;
    while (from < end) {
      std::string_view window = body.substr(from, std::min(end - from, limits::kSpoolWindow));
      if (from + window.size() < end) {
        const std::size_t nl = window.rfind('\n');
        if (nl != std::string_view::npos) window = window.substr(0, nl + 1);
      }
      if (!emit(window, 0)) return false;
      sink_.done_with(message, from, window.size());
      from += window.size();
    }
    return true;
  }

  // The data so far ends in an empty line ("\n\n"); false when shorter than 2 bytes.
  bool ends_in_empty_line() const { return count_ >= 2 && last_[0] == '\n' && last_[1] == '\n'; }

 private:
  // Notes what was emitted: `tail` is its end (all of it, or at least its last two
  // bytes), `size` how many bytes it was.
  void track(std::string_view tail, std::size_t size) {
    if (tail.size() >= 2) {
      last_[0] = tail[tail.size() - 2];
      last_[1] = tail[tail.size() - 1];
    } else {
      last_[0] = last_[1];
      last_[1] = tail[0];
    }
    count_ += size;
  }

  Sink& sink_;
  bool quote_;
  bool after_quoting_newline_ = false;  // the written data starts at no line start
  char last_[2] = {0, 0};
  std::size_t count_ = 0;
};

// The head without the From_ line and the ">" lines right after it (maildir and
// forwarding; behaviour §7.5). Only when the head starts with the From_ line: a
// message kept with leading empty lines is written as it is.
std::string_view strip_from_line(const message::Message& message) {
  std::string_view head = message.head();
  const std::string_view from = message.from_line();
  if (from.empty() || head.substr(0, from.size()) != from) return head;
  head.remove_prefix(from.size());
  while (!head.empty() && head.front() == '>') {
    const std::size_t nl = head.find('\n');
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
  }
  return head;
}

bool emit_message(const message::Message& message, const WriteFormat& format, Sink& sink) {
  Emitter out(sink, format.quote_from);
  if (format.part != Part::kBodyOnly) {
    if (format.skip_from_line) {
      if (!out.emit(strip_from_line(message), 0)) return false;
    } else {
      // The first line (after any leading empty lines) is never quoted: it is the
      // From_ line, or whatever the message starts with (verified: "\nFrom a\n" is
      // stored as it is). Quoting starts with the newline that ends it.
      const std::string_view head = message.head();
      const std::size_t first = head.find_first_not_of('\n');
      const std::size_t end = first == std::string_view::npos ? first : head.find('\n', first);
      if (!out.emit(head, end == std::string_view::npos ? Emitter::kNoQuoting : end)) {
        return false;
      }
    }
  }
  if (format.part != Part::kHeaderOnly) {
    // The first content_length_protected() body bytes are exempt from quoting
    // (behaviour §2.5): a "From " starting inside them stays as it is. What is not
    // quoted is passed on as a range (copied by the kernel from a spool file).
    const std::size_t size = message.body().size();
    const std::size_t guarded = format.quote_from
                                    ? std::min(message.content_length_protected(), size)
                                    : size;
    if (!out.emit_body_verbatim(message, 0, guarded)) return false;
    if (!out.emit_body_quoted(message, guarded, size - guarded)) return false;
  }
  // procmail adds exactly one newline, so a message without a final newline ends
  // with a single one and no separating empty line (checklist item 12).
  if (format.add_final_newline && !out.ends_in_empty_line()) {
    if (!sink.put("\n")) return false;
  }
  return sink.finish();
}

}  // namespace

WriteFormat format_for(FolderKind kind, const DeliveryOptions& options) {
  WriteFormat format;
  format.part = options.part;
  switch (kind) {
    case FolderKind::kMbox:
      format.quote_from = !options.raw;
      format.add_final_newline = !options.raw;
      break;
    case FolderKind::kMh:
    case FolderKind::kDirectory:
      format.add_final_newline = !options.raw;
      break;
    case FolderKind::kMaildir:
      format.skip_from_line = true;
      break;
    case FolderKind::kDevNull:
      break;
  }
  return format;
}

sys::Status write_message(sys::Io& io, int fd, const std::string& path,
                          const message::Message& message, const WriteFormat& format,
                          std::size_t* written) {
  FdSink sink(io, fd, path);
  const bool ok = emit_message(message, format, sink);
  if (written != nullptr) *written = sink.written();
  if (!ok) return sink.status();
  return sys::Status::ok_status();
}

std::size_t rendered_size(sys::Io& io, const message::Message& message,
                          const WriteFormat& format) {
  CountingSink sink(io);
  emit_message(message, format, sink);
  return sink.count();
}

std::string render_message(const message::Message& message, const WriteFormat& format) {
  std::string out;
  StringSink sink(&out);
  emit_message(message, format, sink);
  return out;
}

}  // namespace mailsift::deliver
