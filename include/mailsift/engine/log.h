// Log: mailsift's diagnostics, in procmail's format so that mailstat and other log
// readers keep working. Lines go to stderr until LOGFILE names a file; then they
// are appended to it (and children's stderr follows, later).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailsift/sys/io.h"

namespace mailsift::engine {

class Log {
 public:
  Log(sys::Io& io, int stderr_fd) : io_(io), fd_(stderr_fd), stderr_fd_(stderr_fd) {}
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // "mailsift: <text>\n" (procmail writes "procmail: "; readers match the text).
  void line(std::string_view text);
  // Only when VERBOSE is on.
  void verbose(std::string_view text);
  // A line procmail would not write (mailsift's own word on a mistake procmail
  // passes over in silence): written only to a log file, never to stderr, which the
  // mail server may read as a failure. Before LOGFILE names a file such lines wait
  // (at most kMaxPendingNotes of them) and are written when it does.
  void note(std::string_view text);
  static constexpr std::size_t kMaxPendingNotes = 64;
  // Exactly these bytes (LOG=..., the abstract).
  void raw(std::string_view text);

  // LOGFILE=path: append to path from now on (created 0666 & ~umask). An empty
  // path means /dev/null. On failure the log stays where it was and the failure is
  // logged there; returns false.
  bool open_file(const std::string& path, mode_t umask);
  bool file_open() const { return owned_fd_ >= 0; }
  int fd() const { return fd_; }

  // A mail server shows only the start of what its MDA wrote (Postfix: the first
  // line, in its log and in the bounce). From hold_stderr() on, lines bound for
  // stderr (not those for a LOGFILE) wait, at most kMaxHeldBytes of them, so that
  // release_stderr() can put the run's verdict (verdict.h) first. Programs' own
  // stderr is not held.
  void hold_stderr() { holding_ = true; }
  // Writes `first` (when holding and not empty: "mailsift: first\n"), then the
  // lines held; holding ends.
  void release_stderr(std::string_view first);
  // In a "c" clone: the lines held so far are the parent's to write, and the clone's
  // own go straight to stderr.
  void stop_holding();
  static constexpr std::size_t kMaxHeldBytes = 64 * 1024;

  void set_verbose(bool on) { verbose_ = on; }
  bool verbose_on() const { return verbose_; }

 private:
  sys::Io& io_;
  int fd_;
  int stderr_fd_;
  int owned_fd_ = -1;
  bool verbose_ = false;
  std::vector<std::string> pending_notes_;
  std::size_t dropped_notes_ = 0;
  bool holding_ = false;
  std::string held_;
  std::size_t dropped_held_ = 0;
};

}  // namespace mailsift::engine
