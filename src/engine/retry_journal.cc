#include "mailsift/engine/retry_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mailsift/limits.h"
#include "mailsift/message/retry_digest.h"
#include "mailsift/state/pending_append.h"

namespace mailsift::engine {
namespace {

std::string absolute(const std::string& path, const std::string& cwd) {
  if (!path.empty() && path.front() == '/') return path;
  if (cwd.empty() || cwd.back() == '/') return cwd + path;
  return cwd + "/" + path;
}

// The file whose time says when old records were last removed.
constexpr const char* kPruneMarker = "pruned";

bool journal_off(const std::string& setting) {
  return setting.empty() || setting == "no" || setting == "off";
}

std::string base_name(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

RetryJournal::RetryJournal(sys::Io& io, Log& log, const message::Message& message,
                           std::string recipient, bool on_by_default)
    : io_(io),
      log_(log),
      message_(&message),
      recipient_(std::move(recipient)),
      on_by_default_(on_by_default) {}

RetryJournal::RetryJournal(sys::Io& io, Log& log, std::string name, bool on_by_default)
    : io_(io), log_(log), name_(std::move(name)), on_by_default_(on_by_default) {}

bool RetryJournal::ready(const std::string& directory, const std::string& cwd) {
  if (settled_) return usable_;
  settled_ = true;
  if (journal_off(directory)) return false;
  if (message_ != nullptr) name_ = message::retry_digest(io_, *message_, recipient_);
  journal_ = std::make_unique<state::RunJournal>(io_, absolute(directory, cwd), name_);
  std::size_t skipped = 0;
  const sys::Status loaded = journal_->load(&skipped);
  if (!loaded.ok()) {
    log_.line("Delivery journal unreadable: " + loaded.message() +
              "; delivering as if this were the first attempt");
    return false;
  }
  if (skipped > 0)
    log_.line("Delivery journal \"" + journal_->path() + "\": " + std::to_string(skipped) +
              " records did not parse and were skipped");
  if (journal_->found())
    log_.line("Delivery journal \"" + journal_->path() +
              "\" found: an earlier attempt delivered this very message; the folders it "
              "stored are skipped");
  usable_ = true;
  return true;
}

std::string RetryJournal::next_key(const std::vector<std::string>& folders,
                                   const std::string& cwd) {
  std::string joined;
  for (const auto& folder : folders) {
    if (!joined.empty()) joined += '\n';
    joined += absolute(folder, cwd);
  }
  const unsigned n = seen_[joined]++;
  cwd_ = cwd;
  return prefix_ + joined + "#" + std::to_string(n);
}

std::string RetryJournal::next_forward_key(const std::string& command) {
  const std::string name = "!" + command;
  const unsigned n = seen_[name]++;
  return prefix_ + name + "#" + std::to_string(n);
}

bool RetryJournal::present(const state::JournalEntry& entry) const {
  if (entry.target.empty() || entry.inode == 0) return false;
  // The earlier attempt may have been killed after its link and before it synced
  // the folder: the link is made durable now, or the copy does not count (a second
  // copy rather than a message that a power cut could take away after exit 0).
  auto durable = [this](const std::string& dir) {
    return sys::fsync_directory(io_, dir) == 0;
  };
  struct stat st {};
  if (io_.lstat(entry.target.c_str(), &st) == 0)
    return st.st_ino == entry.inode && durable(sys::dirname_of(entry.target));
  // A maildir message a mail reader has seen moved from new/NAME to cur/NAME:2,...
  const std::string dir = sys::dirname_of(entry.target);
  if (base_name(dir) != "new") return false;
  const std::string cur = sys::dirname_of(dir) + "/cur";
  const std::string name = base_name(entry.target);
  std::vector<std::string> names;
  if (io_.list_directory(cur.c_str(), &names) != 0) return false;
  for (const auto& candidate : names) {
    if (candidate != name && candidate.rfind(name + ":", 0) != 0) continue;
    const std::string path = cur + "/" + candidate;
    if (io_.lstat(path.c_str(), &st) == 0 && st.st_ino == entry.inode) return durable(cur);
  }
  return false;
}

bool RetryJournal::already_stored(const std::string& key, std::vector<std::string>* stored) {
  if (!usable_ || !journal_->found()) return false;
  const state::JournalEntry* entry = journal_->find(key);
  if (entry != nullptr && entry->done) {
    *stored = entry->stored;
    return true;
  }
  std::string target;
  if (entry != nullptr && present(*entry)) target = entry->target;
  // The records are not synced: after a power cut, a staged copy may be all that
  // tells of a file linked into the maildir (also when an older attempt's intent
  // line survived and the last one's did not).
  if (target.empty()) target = present_by_staged_copy(key, entry);
  if (target.empty()) return false;
  *stored = {target};
  begin(key);
  done(*stored);
  return true;
}

std::string RetryJournal::present_by_staged_copy(const std::string& key,
                                                 const state::JournalEntry* tried) const {
  // The key's first folder (next_key): after this process's prefix, up to the next
  // folder's newline or the count's '#'.
  if (key.compare(0, prefix_.size(), prefix_) != 0) return {};
  const std::size_t start = prefix_.size();
  std::size_t end = key.find('\n', start);
  if (end == std::string::npos) end = key.rfind('#');
  if (end == std::string::npos || end <= start || key[start] != '/') return {};  // a forward's
  const std::string dir = key.substr(start, end - start);
  for (const auto& [name, inode] : journal_->staged_copies(key)) {
    state::JournalEntry entry;
    entry.target = dir + (dir.back() == '/' ? "" : "/") + "new/" + name;
    entry.inode = inode;
    if (tried != nullptr && tried->target == entry.target && tried->inode == entry.inode)
      continue;  // its intent line's file, already looked at
    if (present(entry)) return entry.target;
  }
  return {};
}

void RetryJournal::broken(const sys::Status& status) {
  log_.line("Delivery journal \"" + journal_->path() + "\" not written: " + status.message() +
            "; delivering without it (a retry may store a second copy)");
  usable_ = false;
}

void RetryJournal::done(const std::vector<std::string>& stored) {
  if (!usable_ || key_.empty()) return;
  const state::JournalEntry* entry = journal_->find(key_);
  if (entry != nullptr && entry->done) return;
  if (sys::Status status = journal_->record_done(key_, stored); !status.ok()) broken(status);
}

void RetryJournal::enter_clone(unsigned number) {
  in_clone_ = true;
  prefix_ += "c" + std::to_string(number) + "/";
  clones_started_ = 0;
}

void RetryJournal::finish(bool mailbox_full) {
  if (!settled_ || journal_ == nullptr || in_clone_) return;
  // A full mailbox: the staged copies of messages deleted to make room still hold
  // their space; they go now, not at the next hourly prune.
  if (mailbox_full) settle_staged_copies_now();
  // Kept whatever the exit code: a run killed after its last delivery (even after
  // exit 0 was decided) is retried by the mail server, and only this record can
  // tell the retry that the folders hold the message. One that stored nothing
  // has nothing for a retry to skip (a clone's records count: only the file knows).
  if (!journal_->any_done_on_disk()) {
    journal_->remove();
    return;
  }
  prune_now_and_then();
}

void RetryJournal::prune_now_and_then() {
  // At most once per kPruneInterval, marked by the time of a file: one stat(2) per
  // run otherwise.
  const std::string marker = journal_->directory() + "/" + kPruneMarker;
  const time_t now = io_.now();
  struct stat st {};
  if (io_.stat(marker.c_str(), &st) == 0 && now - st.st_mtime < limits::kJournalPruneInterval)
    return;
  const int fd = io_.open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) io_.close(fd);
  std::vector<std::string> names;
  if (io_.list_directory(journal_->directory().c_str(), &names) != 0) return;
  const std::size_t start = static_cast<std::size_t>(now) ^ static_cast<std::size_t>(::getpid());
  const std::size_t pruned =
      state::prune_old_files(io_, journal_->directory(), names, now,
                             limits::kJournalRetentionSeconds, limits::kJournalPruneBudget, start);
  if (pruned > 0)
    log_.verbose("Delivery journal: removed " + std::to_string(pruned) +
                 " records older than the mail server's retries");
  settle_staged_copies(names, now, start);
}

void RetryJournal::settle_staged_copies_now() {
  std::vector<std::string> names;
  if (io_.list_directory(journal_->directory().c_str(), &names) != 0) return;
  const time_t now = io_.now();
  settle_staged_copies(names, now, static_cast<std::size_t>(now));
}

void RetryJournal::settle_staged_copies(const std::vector<std::string>& names, time_t now,
                                        std::size_t start) {
  const std::size_t settled = state::settle_staged_copies(
      io_, journal_->directory(), names, now, limits::kJournalStagedCopySeconds,
      limits::kJournalStagedCopyBudget, start);
  if (settled > 0)
    log_.verbose("Delivery journal: removed " + std::to_string(settled) +
                 " staged copies no longer needed");
}

void RetryJournal::before_maildir_link(const std::string& file, const std::string& target,
                                       ino_t inode) {
  if (!usable_ || key_.empty()) return;
  const std::string where = absolute(target, cwd_);
  // The file, synced a moment ago, linked into the journal's directory as the
  // intent, with its line (which tells a retry where to look) unsynced: the
  // folder's sync of new/ after the link commits the staged copy and the journal
  // file's name with it (file systems that journal their metadata commit in
  // order); the line's bytes may be lost in a power cut, and the staged copy then
  // stands in. So the journal adds no sync or flush to a maildir delivery.
  // `file` as the folder named it: relative names lead from where the folder's did.
  if (!journal_->stage_copy(file, key_, base_name(where)).ok()) {
    before_link(target, inode);  // another file system (EXDEV), among others
    return;
  }
  if (sys::Status status = journal_->stage_intent(key_, where, inode); !status.ok())
    broken(status);
}

void RetryJournal::before_link(const std::string& target, ino_t inode) {
  if (!usable_ || key_.empty()) return;
  // The intent must be durable before the link.
  if (sys::Status status = journal_->record_intent(key_, absolute(target, cwd_), inode);
      !status.ok())
    broken(status);
}

deliver::CommitHooks::Unfinished RetryJournal::settle_mbox(sys::Io& io, int fd,
                                                           const std::string& path,
                                                           const struct stat& st) {
  if (!usable_) return Unfinished::kNone;
  const std::string record = pending_record(path);
  state::PendingAppend pending;
  const int found = state::read_pending_append(io, record, &pending);
  if (found == 0) return Unfinished::kNone;
  const std::string where = "\"" + path + "\"";
  if (found < 0) {
    // Nothing is cut on the word of a record that cannot be read.
    log_.line("Delivery journal: the record of an unfinished delivery into " + where +
              " is unreadable (" + std::strerror(errno) + "); the mailbox is left as it is");
    state::remove_pending_append(io, record);
    return Unfinished::kNone;
  }
  Unfinished result = Unfinished::kNone;
  const off_t end = pending.offset + pending.length;
  if (pending.device != st.st_dev || pending.inode != st.st_ino || st.st_size < pending.offset) {
    log_.line("Delivery journal: " + where + " was replaced or shortened since a delivery into "
              "it was cut off; it is left as it is");
  } else if (st.st_size == pending.offset) {
    // The delivery wrote nothing, or was cut back already.
  } else if (st.st_size < end) {
    // A torn message: cut back to where it began, as the delivery would have.
    if (io.ftruncate(fd, pending.offset) != 0 || io.fsync(fd) != 0) {
      log_.line("Delivery journal: couldn't cut " + where + " back to " +
                std::to_string(pending.offset) + " bytes: " + std::strerror(errno));
      return Unfinished::kNone;  // the record stays for the next delivery
    }
    log_.line("Delivery journal: cut " + where + " back to " + std::to_string(pending.offset) +
              " bytes, removing the " + std::to_string(st.st_size - pending.offset) +
              " bytes of a delivery that was cut off");
  } else if (st.st_size == end && io.fsync(fd) != 0) {
    // Whole, but the killed delivery may not have synced it, and it cannot be now:
    // it is not counted (the record stays, and the next delivery looks again).
    log_.line("Delivery journal: couldn't sync the last message in " + where + ": " +
              std::strerror(errno) + "; it is not counted as stored");
    return Unfinished::kNone;
  } else if (st.st_size == end) {
    // Whole and now durable (the killed delivery may have died before its fsync);
    // only its end was not recorded.
    if (pending.journal == journal_->path() && pending.key == key_) {
      result = Unfinished::kOursComplete;
    } else if (state::append_done(io, pending.journal, pending.key, {path}).ok()) {
      log_.line("Delivery journal: the last message in " + where +
                " is whole; recorded as stored for the delivery that was cut off");
    }
  } else {
    log_.line("Delivery journal: more was appended to " + where +
              " after a delivery into it was cut off; it is left as it is");
  }
  state::remove_pending_append(io, record);
  return result;
}

void RetryJournal::before_append(const std::string& path, const struct stat& st, off_t offset,
                                 std::size_t length) {
  if (!usable_ || key_.empty()) return;
  state::PendingAppend pending;
  pending.device = st.st_dev;
  pending.inode = st.st_ino;
  pending.offset = offset;
  pending.length = static_cast<off_t>(length);
  pending.journal = journal_->path();
  pending.key = key_;
  // The journal file must exist for a later delivery to record this append as done.
  sys::Status status = journal_->ensure_created();
  if (status.ok()) {
    status = state::write_pending_append(
        io_, journal_->directory(), pending_record(path),
        pending);
  }
  if (!status.ok()) broken(status);
}

std::string RetryJournal::pending_record(const std::string& mbox) const {
  return state::pending_append_path(journal_->directory(), absolute(mbox, cwd_));
}

void RetryJournal::append_durable(const std::string& path) {
  if (!usable_ || key_.empty()) return;
  done({path});
  state::remove_pending_append(io_, pending_record(path));
}

void RetryJournal::append_abandoned(const std::string& path) {
  if (journal_ == nullptr) return;
  state::remove_pending_append(io_, pending_record(path));
}

}  // namespace mailsift::engine
