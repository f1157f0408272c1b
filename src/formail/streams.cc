#include "mailsift/formail/streams.h"

#include "mailsift/sys/io.h"

#include <unistd.h>

#include <cerrno>

namespace mailsift::formail {

void write_error(std::string_view text) {
  (void)sys::write_all(sys::real_io(), 2, text.data(), text.size());
}

int Input::get() {
  if (next_ == buffer_.size()) {
    if (ended_ || fd_ < 0) return kEnd;
    buffer_.resize(65536);
    ssize_t got;
    do {
      got = ::read(fd_, buffer_.data(), buffer_.size());
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      ended_ = true;
      buffer_.clear();
      next_ = 0;
      return kEnd;
    }
    buffer_.resize(static_cast<std::size_t>(got));
    next_ = 0;
  }
  return static_cast<unsigned char>(buffer_[next_++]);
}

void Input::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ended_ = true;
}

Output::~Output() {
  if (fd_ >= 0) ::close(fd_);
}

void Output::open(int fd) {
  fd_ = fd;
  sink_ = false;
  failed_ = fd < 0;
  pending_.clear();
}

void Output::open_sink() {
  fd_ = -1;
  sink_ = true;
  failed_ = false;
  pending_.clear();
}

void Output::put(char c) {
  if (sink_) return;
  pending_ += c;
  if (pending_.size() >= 65536) flush();
}

void Output::put(std::string_view text) {
  if (sink_) return;
  pending_ += text;
  if (pending_.size() >= 65536) flush();
}

void Output::flush() {
  std::size_t done = 0;
  while (done < pending_.size() && !failed_ && fd_ >= 0) {
    const ssize_t wrote = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) failed_ = true;
    else done += static_cast<std::size_t>(wrote);
  }
  pending_.clear();
}

bool Output::close() {
  if (sink_) return true;
  flush();
  if (fd_ >= 0 && ::close(fd_) != 0) failed_ = true;
  fd_ = -1;
  sink_ = true;
  return !failed_;
}

}  // namespace mailsift::formail
