#include "mailsift/engine/log.h"

#include <cerrno>
#include <cstring>

#include "mailsift/sys/signals.h"

namespace mailsift::engine {

Log::~Log() {
  if (owned_fd_ >= 0) io_.close(owned_fd_);
}

void Log::raw(std::string_view text) {
  if (holding_ && owned_fd_ < 0) {
    if (held_.size() + text.size() <= kMaxHeldBytes) {
      held_ += text;
    } else {
      ++dropped_held_;
    }
    return;
  }
  // A log that cannot be written must not stop a delivery: errors are ignored.
  (void)sys::write_all(io_, fd_, text.data(), text.size());
}

void Log::release_stderr(std::string_view first) {
  if (!holding_) return;
  holding_ = false;
  std::string out;
  if (!first.empty()) {
    out = "mailsift: ";
    out += first;
    out += '\n';
  }
  out += held_;
  if (dropped_held_ > 0)
    out += "mailsift: (" + std::to_string(dropped_held_) + " more lines were not kept)\n";
  held_.clear();
  dropped_held_ = 0;
  // Straight to stderr: a LOGFILE opened since does not take the lines meant for it.
  if (!out.empty()) (void)sys::write_all(io_, stderr_fd_, out.data(), out.size());
}

void Log::stop_holding() {
  holding_ = false;
  held_.clear();
  dropped_held_ = 0;
}

void Log::line(std::string_view text) {
  std::string out = "mailsift: ";
  out += text;
  out += '\n';
  raw(out);
}

void Log::verbose(std::string_view text) {
  // SIGUSR1 / SIGUSR2 (sys/signals.h) turn VERBOSE off or on, as in procmail.
  if (const int request = sys::take_verbose_request(); request >= 0) verbose_ = request == 1;
  if (verbose_) line(text);
}

void Log::note(std::string_view text) {
  if (owned_fd_ >= 0) {
    line(text);
    return;
  }
  if (pending_notes_.size() < kMaxPendingNotes) {
    pending_notes_.emplace_back(text);
  } else {
    ++dropped_notes_;
  }
}

bool Log::open_file(const std::string& path, mode_t umask) {
  const std::string target = path.empty() ? "/dev/null" : path;
  const int fd = io_.open(target.c_str(), O_WRONLY | O_APPEND | O_CREAT,
                          static_cast<mode_t>(0666 & ~umask));
  if (fd < 0) {
    const int err = errno;
    line("Error while writing to \"" + target + "\": " + std::strerror(err));
    return false;
  }
  if (owned_fd_ >= 0) io_.close(owned_fd_);
  owned_fd_ = fd;
  fd_ = fd;
  for (const std::string& text : pending_notes_) line(text);
  if (dropped_notes_ > 0)
    line("(" + std::to_string(dropped_notes_) + " more notes on the rcfile were not kept)");
  pending_notes_.clear();
  dropped_notes_ = 0;
  return true;
}

}  // namespace mailsift::engine
