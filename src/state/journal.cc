#include "mailsift/state/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

namespace mailsift::state {
namespace {

constexpr const char* kFirstLine = "mailsift-journal 1\n";

bool needs_escape(unsigned char c) { return c <= 0x20 || c == '%' || c == 0x7f; }

std::vector<std::string> split_spaces(const std::string& line) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string::npos) end = line.size();
    words.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

// One record into *entries; false when the line does not parse.
bool apply_record(const std::string& line, std::map<std::string, JournalEntry>* entries) {
  const std::vector<std::string> words = split_spaces(line);
  if (words.size() < 2) return false;
  std::string key;
  if (!unescape_field(words[1], &key) || key.empty()) return false;
  if (words[0] == "intent" && words.size() == 4) {
    std::string target;
    if (!unescape_field(words[2], &target)) return false;
    char* end = nullptr;
    const unsigned long long inode = std::strtoull(words[3].c_str(), &end, 10);
    if (end == words[3].c_str() || *end != '\0') return false;
    JournalEntry& entry = (*entries)[key];
    entry.target = target;
    entry.inode = static_cast<ino_t>(inode);
    return true;
  }
  if (words[0] == "done" && words.size() >= 3) {
    std::vector<std::string> stored;
    for (std::size_t i = 2; i < words.size(); ++i) {
      std::string name;
      if (!unescape_field(words[i], &name)) return false;
      stored.push_back(name);
    }
    if (stored.size() == 1 && stored[0] == "-") stored.clear();
    JournalEntry& entry = (*entries)[key];
    entry.done = true;
    entry.stored = std::move(stored);
    return true;
  }
  return false;
}

std::string done_line(const std::string& key, const std::vector<std::string>& stored) {
  std::string line = "done " + escape_field(key);
  for (const auto& name : stored) line += " " + escape_field(name);
  if (stored.empty()) line += " -";
  return line + "\n";
}

int make_one_directory(sys::Io& io, const std::string& path) {
  if (io.mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return 0;
  return -1;
}

}  // namespace

std::string escape_field(const std::string& field) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(field.size());
  for (const char ch : field) {
    const auto c = static_cast<unsigned char>(ch);
    if (needs_escape(c)) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

bool unescape_field(const std::string& escaped, std::string* field) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    const auto c = static_cast<unsigned char>(escaped[i]);
    if (c != '%') {
      if (needs_escape(c)) return false;
      out += escaped[i];
      continue;
    }
    if (i + 2 >= escaped.size()) return false;
    const int high = hex(escaped[i + 1]);
    const int low = hex(escaped[i + 2]);
    if (high < 0 || low < 0) return false;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  *field = std::move(out);
  return true;
}

int make_state_directory(sys::Io& io, const std::string& directory) {
  struct stat st {};
  if (io.stat(directory.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
  const std::string parent = sys::dirname_of(directory);
  if (io.stat(parent.c_str(), &st) != 0 && make_one_directory(io, parent) != 0) return -1;
  return make_one_directory(io, directory);
}

RunJournal::RunJournal(sys::Io& io, std::string directory, std::string name)
    : io_(io),
      directory_(std::move(directory)),
      name_(std::move(name)),
      path_(directory_ + "/" + name_) {}

RunJournal::~RunJournal() {
  if (fd_ >= 0) io_.close(fd_);
}

sys::Status RunJournal::load(std::size_t* skipped) {
  *skipped = 0;
  const int fd = io_.open(path_.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return sys::Status::ok_status();
    return sys::Status::error(sys::Step::kOpen, errno, path_);
  }
  std::string text;
  const int rc = sys::read_whole_fd(io_, fd, &text);
  const int err = errno;
  io_.close(fd);
  if (rc != 0) return sys::Status::error(sys::Step::kRead, err, path_);
  found_ = true;
  std::istringstream lines(text);
  std::string line;
  bool first = true;
  while (std::getline(lines, line)) {
    if (first && line + "\n" == kFirstLine) {
      first = false;
      continue;
    }
    first = false;
    if (!apply_record(line, &entries_)) ++*skipped;
  }
  return sys::Status::ok_status();
}

const JournalEntry* RunJournal::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

sys::Status RunJournal::open_for_append(bool* created) {
  *created = false;
  if (fd_ >= 0) return sys::Status::ok_status();
  constexpr int kFlags = O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC;
  int fd = io_.open(path_.c_str(), kFlags | O_CREAT | O_EXCL, 0600);
  if (fd < 0 && errno == ENOENT) {  // the directory is made on first need
    if (make_state_directory(io_, directory_) != 0)
      return sys::Status::error(sys::Step::kMkdir, errno, directory_);
    fd = io_.open(path_.c_str(), kFlags | O_CREAT | O_EXCL, 0600);
  }
  *created = fd >= 0;
  if (fd < 0 && errno == EEXIST) fd = io_.open(path_.c_str(), kFlags, 0);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, path_);
  fd_ = fd;
  // The directory is not synced for the new name: on ext4 and XFS a later fsync
  // (of the intent record, or of the folder the message is linked into) commits
  // the name with it (the creation is in the same or an earlier journal
  // transaction), and a syncing of the directory would add a quarter of a
  // millisecond to every delivery (bench/results.md). Where a file system loses
  // the name in a power cut all the same, the retry delivers again: a second copy,
  // never a lost message.
  return sys::Status::ok_status();
}

sys::Status RunJournal::ensure_created() {
  bool created = false;
  if (sys::Status opened = open_for_append(&created); !opened.ok()) return opened;
  if (created &&
      sys::write_all(io_, fd_, kFirstLine, std::char_traits<char>::length(kFirstLine)) != 0)
    return sys::Status::error(sys::Step::kWrite, errno, path_);
  return sys::Status::ok_status();
}

sys::Status RunJournal::append(const std::string& line, bool sync) {
  bool created = false;
  if (sys::Status opened = open_for_append(&created); !opened.ok()) return opened;
  // One write(2) per record (the first line with the first): with O_APPEND,
  // records written by a "c" clone at the same time do not interleave.
  const std::string record = created ? kFirstLine + line : line;
  if (sys::write_all(io_, fd_, record.data(), record.size()) != 0)
    return sys::Status::error(sys::Step::kWrite, errno, path_);
  if (sync && io_.fsync(fd_) != 0) return sys::Status::error(sys::Step::kFsync, errno, path_);
  return sys::Status::ok_status();
}

sys::Status RunJournal::record_intent(const std::string& key, const std::string& target,
                                      ino_t inode) {
  return append_intent(key, target, inode, true);
}

sys::Status RunJournal::stage_intent(const std::string& key, const std::string& target,
                                     ino_t inode) {
  return append_intent(key, target, inode, false);
}

sys::Status RunJournal::append_intent(const std::string& key, const std::string& target,
                                      ino_t inode, bool sync) {
  const std::string line = "intent " + escape_field(key) + " " + escape_field(target) + " " +
                           std::to_string(static_cast<unsigned long long>(inode)) + "\n";
  sys::Status status = append(line, sync);
  if (!status.ok()) return status;
  JournalEntry& entry = entries_[key];
  entry.target = target;
  entry.inode = inode;
  return status;
}

std::string RunJournal::staged_prefix(const std::string& key) const {
  // FNV-1a, 64 bits: a name for the key within one run's journal, not a digest
  // anyone could aim at (the run's name is one, message::retry_digest).
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string prefix;
  prefix.reserve(name_.size() + 18);
  prefix += name_;
  prefix += '.';
  for (int shift = 60; shift >= 0; shift -= 4) prefix += kHex[(hash >> shift) & 0xf];
  prefix += '.';
  return prefix;
}

sys::Status RunJournal::stage_copy(const std::string& file, const std::string& key,
                                   const std::string& name) {
  const std::string link = directory_ + "/" + staged_prefix(key) + name;
  int rc = io_.link(file.c_str(), link.c_str());
  if (rc != 0 && errno == ENOENT) {  // the directory is made on first need
    if (make_state_directory(io_, directory_) != 0)
      return sys::Status::error(sys::Step::kMkdir, errno, directory_);
    rc = io_.link(file.c_str(), link.c_str());
  }
  if (rc != 0) return sys::Status::error(sys::Step::kLink, errno, link);
  staged_any_ = true;
  return sys::Status::ok_status();
}

std::vector<std::pair<std::string, ino_t>> RunJournal::staged_copies(
    const std::string& key) const {
  std::vector<std::pair<std::string, ino_t>> found;
  std::vector<std::string> names;
  if (io_.list_directory(directory_.c_str(), &names) != 0) return found;
  const std::string prefix = staged_prefix(key);
  for (const auto& name : names) {
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st {};
    const std::string path = directory_ + "/" + name;
    if (io_.lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
      found.emplace_back(name.substr(prefix.size()), st.st_ino);
  }
  return found;
}

sys::Status RunJournal::record_done(const std::string& key, const std::vector<std::string>& stored) {
  sys::Status status = append(done_line(key, stored), false);
  if (status.ok()) {
    JournalEntry& entry = entries_[key];
    entry.done = true;
    entry.stored = stored;
  }
  return status;
}

bool RunJournal::any_done_on_disk() {
  if (!found_ && fd_ < 0) return false;
  for (const auto& [key, entry] : entries_)
    if (entry.done) return true;
  // None by this process: a "c" clone's, which only the file knows.
  std::string text;
  if (sys::read_whole_file(io_, path_, &text) != 0) return true;  // keep what cannot be read
  std::map<std::string, JournalEntry> entries;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) apply_record(line, &entries);
  for (const auto& [key, entry] : entries)
    if (entry.done) return true;
  return false;
}

void RunJournal::remove() {
  const bool exists = found_ || fd_ >= 0;
  if (fd_ >= 0) {
    io_.close(fd_);
    fd_ = -1;
  }
  // A staged copy may be made when the file cannot be (its open failed): then the
  // copies go, and the file, which a "c" clone may have made, stays.
  if (exists) io_.unlink(path_.c_str());
  if (exists || staged_any_) {
    std::vector<std::string> names;
    if (io_.list_directory(directory_.c_str(), &names) == 0) {
      const std::string prefix = name_ + ".";
      for (const auto& name : names)
        if (name.compare(0, prefix.size(), prefix) == 0)
          io_.unlink((directory_ + "/" + name).c_str());
    }
  }
  entries_.clear();
  found_ = false;
  staged_any_ = false;
}

sys::Status append_done(sys::Io& io, const std::string& journal_path, const std::string& key,
                        const std::vector<std::string>& stored) {
  const int fd = io.open(journal_path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, journal_path);
  const std::string line = done_line(key, stored);
  sys::Status status = sys::Status::ok_status();
  if (sys::write_all(io, fd, line.data(), line.size()) != 0)
    status = sys::Status::error(sys::Step::kWrite, errno, journal_path);
  io.close(fd);
  return status;
}

namespace {

bool all_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

}  // namespace

bool is_journal_file_name(const std::string& name) {
  constexpr std::string_view kMboxRecord = "mbox-";
  if (all_hex(name)) return true;  // a run's journal (message::retry_digest)
  if (name.starts_with(kMboxRecord) && all_hex(std::string_view(name).substr(kMboxRecord.size())))
    return true;  // state/pending_append.h
  return is_staged_copy_name(name);
}

bool is_staged_copy_name(const std::string& name) {
  // RUN.KEYHASH.NAME: RUN hex digits (message::retry_digest), KEYHASH 16 of them.
  constexpr std::size_t kKeyHash = 16;
  const std::string_view text(name);
  const std::size_t first = text.find('.');
  if (first == std::string_view::npos) return false;
  const std::size_t second = first + 1 + kKeyHash;
  return second + 1 < text.size() && text[second] == '.' && all_hex(text.substr(0, first)) &&
         all_hex(text.substr(first + 1, kKeyHash));
}

std::size_t settle_staged_copies(sys::Io& io, const std::string& directory,
                                 const std::vector<std::string>& listed, time_t now,
                                 time_t min_age, std::size_t budget, std::size_t start) {
  std::vector<const std::string*> names;
  for (const auto& name : listed)
    if (is_staged_copy_name(name)) names.push_back(&name);
  if (names.empty()) return 0;
  std::size_t removed = 0;
  const std::size_t count = std::min(budget, names.size());
  for (std::size_t i = 0; i < count; ++i) {
    const std::string path = directory + "/" + *names[(start + i) % names.size()];
    struct stat st {};
    if (io.lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    // Alone, it names no file in a folder and proves nothing (the message was
    // deleted, or never linked); old, its run's lines are long written out.
    if (st.st_nlink > 1 && now - st.st_mtime <= min_age) continue;
    if (io.unlink(path.c_str()) == 0) ++removed;
  }
  return removed;
}

std::size_t prune_old_files(sys::Io& io, const std::string& directory, time_t now, time_t max_age,
                            std::size_t budget, std::size_t start) {
  std::vector<std::string> names;
  if (io.list_directory(directory.c_str(), &names) != 0) return 0;
  return prune_old_files(io, directory, names, now, max_age, budget, start);
}

std::size_t prune_old_files(sys::Io& io, const std::string& directory,
                            const std::vector<std::string>& names, time_t now, time_t max_age,
                            std::size_t budget, std::size_t start) {
  if (names.empty()) return 0;
  std::size_t removed = 0;
  const std::size_t count = std::min(budget, names.size());
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& name = names[(start + i) % names.size()];
    if (!is_journal_file_name(name)) continue;  // never a file the journal did not make
    const std::string path = directory + "/" + name;
    struct stat st {};
    if (io.lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (now - st.st_mtime <= max_age) continue;
    if (io.unlink(path.c_str()) == 0) ++removed;
  }
  return removed;
}

}  // namespace mailsift::state
