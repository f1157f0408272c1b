#include "mailsift/engine/session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <algorithm>
#include <cstddef>
#include <limits>

#include "mailsift/deliver/folder_kind.h"
#include "mailsift/deliver/folder_set.h"
#include "mailsift/sys/hostname.h"

namespace mailsift::engine {
namespace {

// A number of seconds for TIMEOUT, LOCKSLEEP, LOCKTIMEOUT or SUSPEND; a negative or
// unreadable value keeps the current one. A value too large for the policy's
// unsigned field is clamped to the largest it holds (136 years: never, in
// practice), not cut to its low bits: TIMEOUT=4294967297 must not become 1 second.
// (procmail stores it in an int and so wraps; no one means a short time-out that way.)
unsigned seconds_from(const std::optional<std::string>& value, unsigned current) {
  if (!value) return current;
  const long n = parse_number_or_boolean(*value, -1);
  if (n < 0) return current;
  constexpr unsigned kLargest = std::numeric_limits<unsigned>::max();
  return static_cast<unsigned long>(n) > kLargest ? kLargest : static_cast<unsigned>(n);
}

}  // namespace

Session::Session(sys::Io& io, Log& log, Variables variables)
    : io_(io), log_(log), variables_(std::move(variables)), hostname_(sys::hostname()) {
  lock_.give_up_after_seconds = seconds_from(variables_.get("TIMEOUT"), lock_.give_up_after_seconds);
}

VariableLookup Session::lookup() const {
  return [this](std::string_view name) -> std::optional<std::string> {
    if (name == "$") return std::to_string(::getpid());
    if (name == "?") return std::to_string(last_status_);
    if (name == "=") return std::to_string(last_score_);
    if (name == "#") return std::to_string(variables_.arguments.size());
    if (name == "_") return current_rcfile_;
    if (name == "-") return variables_.get("LASTFOLDER");
    if (name.size() == 1 && name[0] >= '1' && name[0] <= '9') {
      const auto i = static_cast<std::size_t>(name[0] - '1');
      if (i < variables_.arguments.size()) return variables_.arguments[i];
      return std::nullopt;
    }
    if (name == "0") return variables_.program_name;
    return variables_.get(name);
  };
}

void Session::assign(const std::string& name, const std::optional<std::string>& value,
                     bool quiet) {
  if (value) {
    variables_.set(name, *value);
    if (!quiet) log_.verbose("Assigning \"" + name + "=" + *value + "\"");
  } else {
    variables_.unset(name);
    if (!quiet) log_.verbose("Assigning \"" + name + "\"");
  }
  const std::string text = value.value_or("");
  if (name == "EXITCODE") exitcode_assigned_ = true;
  if (name == "MAILDIR") {
    maildir_assigned_ = true;
    if (::chdir(text.c_str()) != 0) {
      log_.line("Couldn't chdir to \"" + text + "\": " + std::strerror(errno));
      variables_.set("MAILDIR", ".");
      log_.verbose("Assigning \"MAILDIR=.\"");
    }
  } else if (name == "LOGFILE") {
    if (!dry_run()) log_.open_file(text, umask_);
  } else if (name == "LOG") {
    log_.raw(text);
  } else if (name == "VERBOSE") {
    log_.set_verbose(parse_number_or_boolean(text, log_.verbose_on() ? 1 : 0) > 0);
  } else if (name == "UMASK") {
    char* end = nullptr;
    const long mask = std::strtol(text.c_str(), &end, 8);
    if (end != text.c_str() && mask >= 0) {
      umask_ = static_cast<mode_t>(mask) & 0777;
      ::umask(umask_);
    }
  } else if (name == "LOCKSLEEP") {
    lock_.sleep_seconds = seconds_from(value, lock_.sleep_seconds);
  } else if (name == "LOCKTIMEOUT") {
    lock_.stale_after_seconds = seconds_from(value, lock_.stale_after_seconds);
  } else if (name == "SUSPEND") {
    lock_.suspend_seconds = seconds_from(value, lock_.suspend_seconds);
  } else if (name == "TIMEOUT") {
    lock_.give_up_after_seconds = seconds_from(value, lock_.give_up_after_seconds);
  } else if (name == "DEFAULT") {
    default_assigned_ = true;
  } else if (name == "LOCKFILE") {
    if (!dry_run()) take_global_lock(text);
  } else if (name == "SHIFT") {
    const long n = parse_number_or_boolean(text, 0);
    if (n > 0) {
      auto& args = variables_.arguments;
      const auto drop = std::min(args.size(), static_cast<std::size_t>(n));
      args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(drop));
    }
  } else if (name == "HOST") {
    if (text != hostname_) host_mismatch_ = true;
  } else if (name == "DELIVERED") {
    // procmail forks and lets the MTA believe the message is delivered at once;
    // mailsift exits only when the message is stored, so the setting is ignored.
    if (parse_number_or_boolean(text, 0) > 0)
      log_.line("DELIVERED is ignored: mailsift exits only once the message is stored");
  }
}

void Session::take_global_lock(const std::string& path) {
  // A new name first lets the old lock go; an empty one only does that.
  if (global_lock_.held()) {
    if (global_lock_.path() == path) return;
    release_global_lock();
  }
  if (path.empty()) return;
  sys::Dotlock lock;
  const sys::Status status = sys::Dotlock::acquire(io_, path, lock_, hostname_, &lock);
  if (!status.ok()) {
    log_.line("Lock failure on \"" + path + "\": " + status.message());
    variables_.unset("LOCKFILE");
    return;
  }
  if (lock.forced()) log_.line("Forcing lock on \"" + path + "\"");
  global_lock_ = std::move(lock);
}

void Session::forget_global_lock() { global_lock_.abandon(); }

void Session::release_global_lock() {
  if (!global_lock_.held()) return;
  log_.verbose("Unlocking \"" + global_lock_.path() + "\"");
  const sys::Status status = global_lock_.release();
  if (!status.ok()) log_.line("Couldn't unlock \"" + global_lock_.path() + "\"");
  global_lock_ = sys::Dotlock();
}

void Session::set_lastfolder(const std::string& lastfolder, std::size_t bytes_written) {
  variables_.set("LASTFOLDER", lastfolder);
  last_write_size_ = bytes_written;
  log_.verbose("Assigning \"LASTFOLDER=" + lastfolder + "\"");
}

void Session::mark_delivered(const std::string& lastfolder, std::size_t bytes_written) {
  variables_.set("LASTFOLDER", lastfolder);
  last_write_size_ = bytes_written;
  delivered_to_.push_back(lastfolder);
}

sys::Status Session::store(const std::vector<std::string>& folders,
                           const message::Message& message,
                           const deliver::DeliveryOptions& options,
                           deliver::DeliveryReport* report) {
  if (dry_run()) return deliver::predict_delivery(io_, folders, report);
  return deliver::deliver_to_folders(io_, folders, message, options, report);
}

bool Session::deliver(const std::vector<std::string>& folders, const message::Message& message,
                      const std::string& dotlock, deliver::Part part, bool raw) {
  deliver::DeliveryOptions options;
  options.part = part;
  options.raw = raw;
  options.umask = umask_;
  options.msgprefix = variables_.get_or("MSGPREFIX", "msg.");
  options.hostname = hostname_;
  options.dotlock = dotlock;
  options.lock = lock_;
  bool skipped = false;
  const std::string key = journal_key(folders, &options, &skipped);
  if (skipped) return true;
  deliver::DeliveryReport report;
  sys::Status status = store(folders, message, options, &report);
  std::string first = folders.empty() ? std::string() : folders.front();
  if (!status.ok() && status.step() == sys::Step::kMkdir &&
      (status.err() == ENOTDIR || status.err() == EEXIST || status.err() == ENOENT)) {
    // A maildir or MH folder whose path is not a directory or whose directory is
    // missing: procmail then writes to the name as a file (behaviour §7.1), and so
    // does mailsift (which then fails as procmail does when the directory is
    // missing). A folder that cannot be made for want of permission or space fails
    // the delivery instead of becoming a file.
    const auto name = deliver::classify_folder(io_, first, false);
    if (name.kind == deliver::FolderKind::kMaildir || name.kind == deliver::FolderKind::kMh) {
      log_.line("Unable to treat as directory \"" + name.path + "\"");
      first = name.path;
      report = deliver::DeliveryReport();
      status = store({name.path}, message, options, &report);
    }
  }
  // procmail assigns LASTFOLDER before it opens a file, after it made a file in a
  // directory; VERBOSE shows it so.
  for (std::size_t i = 0; i < report.notes.size(); ++i) {
    if (report.lastfolder_note == i) log_.verbose("Assigning \"LASTFOLDER=" + first + "\"");
    log_.verbose(report.notes[i]);
  }
  for (const auto& warning : report.warnings) log_.line(warning);
  last_write_size_ = report.bytes_written;
  if (!status.ok()) {
    // procmail's words first (log readers know them), then why.
    if (status.step() == sys::Step::kLock) {
      log_.line("Lock failure on \"" + status.path() + "\": " + status.message());
    }
    log_.line("Error while writing to \"" + first + "\": " + status.message());
    if (dry_run()) trace().failure(first, status.message());
    if (failures_.size() < kMaxFailuresKept) {
      const std::string& written = folders.empty() ? first : folders.front();
      std::string role;
      if (fallback_ && written == variables_.get_or("DEFAULT", "")) role = "$DEFAULT";
      else if (fallback_ && written == variables_.get_or("ORGMAIL", "")) role = "$ORGMAIL";
      // Absolute, for the administrator who reads it in the mail server's log.
      std::string folder = written;
      if (!folder.empty() && folder.front() != '/') folder = current_directory() + "/" + folder;
      failures_.push_back({std::move(folder), status.message(), std::move(role), status.err()});
    } else {
      ++failures_not_kept_;
    }
    return false;
  }
  std::string lastfolder;
  for (std::size_t i = 0; i < report.stored.size(); ++i) {
    const std::string& name = report.stored[i];
    if (!lastfolder.empty()) lastfolder += ' ';
    lastfolder += name;
    if (dry_run()) {
      // In a dry run "stored" holds the folders as written, "kinds" how
      // predict_delivery classified them.
      trace().delivery(name, deliver::folder_kind_name(report.kinds[i]), fallback_);
    }
  }
  variables_.set("LASTFOLDER", lastfolder);
  if (!report.lastfolder_note) log_.verbose("Assigning \"LASTFOLDER=" + lastfolder + "\"");
  if (!key.empty()) journal_->done(report.stored);
  delivered_to_.push_back(lastfolder);
  return true;
}

std::string Session::current_directory() {
  char buffer[4096];
  return ::getcwd(buffer, sizeof buffer) != nullptr ? buffer : "";
}

bool Session::settle_journal() {
  if (journal_ == nullptr || dry_run()) return false;
  if (journal_->settled()) return journal_->active();
  // Unset: on for a mail server's delivery, off for a run by hand (journal_->
  // on_by_default()). "yes" or "on": on, in the default place; a path: on, there.
  auto setting = variables_.get("MAILSIFT_JOURNAL");
  if (!setting && !journal_->on_by_default()) setting = "no";
  if (!setting || *setting == "yes" || *setting == "on") {
    // Beside the user's other mail settings: not in $MAILDIR, which a Maildir++
    // reader (Dovecot, Courier) would list as a folder, and which rules change.
    const auto home = variables_.get("HOME");
    setting = home ? *home + "/.mailsift/journal" : std::string();
  }
  return journal_->ready(*setting, current_directory());
}

std::string Session::forward_journal_key(const std::string& command, bool* skipped) {
  *skipped = false;
  const auto wanted = variables_.get("MAILSIFT_JOURNAL_FORWARDS");
  if (!wanted || (*wanted != "yes" && *wanted != "on") || !settle_journal()) return {};
  std::string key = journal_->next_forward_key(command);
  std::vector<std::string> done;
  if (journal_->already_stored(key, &done)) {
    log_.line("Skipped \"" + command + "\": an earlier attempt forwarded the message "
              "(delivery journal)");
    mark_delivered(command, 0);
    *skipped = true;
    return {};
  }
  journal_->begin(key);
  return key;
}

std::string Session::journal_key(const std::vector<std::string>& folders,
                                 deliver::DeliveryOptions* options, bool* skipped) {
  *skipped = false;
  // /dev/null keeps no copy a retry could repeat.
  if (journal_ == nullptr || dry_run() || folders.empty() || folders.front() == "/dev/null")
    return {};
  if (!settle_journal()) return {};
  std::string key = journal_->next_key(folders, current_directory());
  std::vector<std::string> stored;
  if (journal_->already_stored(key, &stored)) {
    std::string lastfolder;
    for (const auto& name : stored) lastfolder += (lastfolder.empty() ? "" : " ") + name;
    log_.line("Skipped \"" + folders.front() + "\": an earlier attempt stored the message as \"" +
              lastfolder + "\" (delivery journal)");
    variables_.set("LASTFOLDER", lastfolder);
    delivered_to_.push_back(lastfolder);
    *skipped = true;
    return {};
  }
  journal_->begin(key);
  options->hooks = journal_;
  return key;
}

}  // namespace mailsift::engine
