#include "mailsift/deliver/directory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "directory_store.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/limits.h"
#include "mailsift/sys/unique_name.h"

namespace mailsift::deliver {
namespace store {

std::string join(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

sys::Status ensure_directory(sys::Io& io, const std::string& path, mode_t umask) {
  struct stat st {};
  if (io.stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return sys::Status::ok_status();
    return sys::Status::error(sys::Step::kMkdir, ENOTDIR, path, "unable to treat as directory");
  }
  if (io.mkdir(path.c_str(), kDirectoryMode & ~umask) == 0) {
    // The new entry must survive a crash too, or a message stored in it could
    // vanish with it.
    const std::string parent = sys::dirname_of(path);
    if (sys::fsync_directory(io, parent) != 0) {
      return sys::Status::error(sys::Step::kFsync, errno, parent,
                                "syncing the directory after creating \"" + path + "\" in it");
    }
    return sys::Status::ok_status();
  }
  const int err = errno;
  // Another delivery may have created it in the meantime.
  if (err == EEXIST && io.stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return sys::Status::ok_status();
  }
  if (err == EEXIST) {
    return sys::Status::error(sys::Step::kMkdir, ENOTDIR, path, "unable to treat as directory");
  }
  return sys::Status::error(sys::Step::kMkdir, err, path);
}

TempFile::TempFile(TempFile&& other) noexcept
    : io_(std::exchange(other.io_, nullptr)), path_(std::move(other.path_)) {
  other.path_.clear();
}

TempFile& TempFile::operator=(TempFile&& other) noexcept {
  if (this != &other) {
    remove();
    io_ = std::exchange(other.io_, nullptr);
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

std::string TempFile::name() const {
  const auto slash = path_.find_last_of('/');
  return slash == std::string::npos ? path_ : path_.substr(slash + 1);
}

int TempFile::remove() {
  if (io_ == nullptr || path_.empty()) return 0;
  const int rc = io_->unlink(path_.c_str());
  const int saved = errno;
  path_.clear();
  io_ = nullptr;
  errno = saved;
  return rc;
}

sys::Status write_new_file(sys::Io& io, const std::string& dir, const std::string& prefix,
                           const message::Message& message, const WriteFormat& format,
                           const DeliveryOptions& options, NewFile* out) {
  std::string path;
  int fd = -1;
  int err = EEXIST;
  for (int attempt = 0; attempt < limits::kUniqueNameAttempts && fd < 0; ++attempt) {
    path = join(dir, prefix + sys::unique_maildir_name(options.hostname));
    fd = io.open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY,
                 kMessageFileMode & ~options.umask);
    if (fd < 0) {
      err = errno;
      if (err != EEXIST) break;
    }
  }
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, err, path);
  // From here on, every failure removes the file again.
  out->file = TempFile(io, path);

  sys::Status status = write_message(io, fd, path, message, format, &out->written);
  if (status.ok()) {
    struct stat st {};
    if (io.fstat(fd, &st) != 0) {
      status = sys::Status::error(sys::Step::kStat, errno, path);
    } else {
      out->inode = st.st_ino;
    }
  }
  if (status.ok() && io.fsync(fd) != 0) status = sys::Status::error(sys::Step::kFsync, errno, path);
  // close(2) can report a delayed write error (NFS): checked like the writes.
  if (io.close(fd) != 0 && status.ok()) status = sys::Status::error(sys::Step::kClose, errno, path);
  if (!status.ok()) out->file.remove();
  return status;
}

sys::Status sync_directory(sys::Io& io, const std::string& dir) {
  if (sys::fsync_directory(io, dir) != 0) {
    return sys::Status::error(sys::Step::kFsync, errno, dir, "syncing the directory");
  }
  return sys::Status::ok_status();
}

namespace {

// The MH message number a name stands for: only names made of digits count ("8x"
// and "_tmp" are ignored, as procmail ignores them). False for others and for
// numbers too large to count up from.
bool mh_number(const std::string& name, unsigned long long* number) {
  constexpr std::size_t kMaxDigits = 18;  // stays far below the range of the type
  if (name.empty() || name.size() > kMaxDigits) return false;
  unsigned long long n = 0;
  for (const char c : name) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<unsigned long long>(c - '0');
  }
  *number = n;
  return true;
}

}  // namespace

sys::Status link_next_number(sys::Io& io, const std::string& from, const std::string& dir,
                             std::string* created, CommitHooks* hooks, ino_t inode) {
  // Each round looks at the folder afresh; within a round the number counts up on
  // EEXIST (another delivery took it meanwhile). Both are bounded, so a folder that
  // keeps answering EEXIST cannot make the delivery loop forever.
  std::string target;
  for (int round = 0; round < limits::kUniqueNameAttempts; ++round) {
    std::vector<std::string> names;
    if (io.list_directory(dir.c_str(), &names) != 0) {
      return sys::Status::error(sys::Step::kRead, errno, dir, "reading the folder");
    }
    unsigned long long largest = 0;
    for (const auto& name : names) {
      unsigned long long n = 0;
      if (mh_number(name, &n) && n > largest) largest = n;
    }
    for (int step = 0; step < limits::kUniqueNameAttempts; ++step) {
      target = join(dir, std::to_string(largest + 1 + static_cast<unsigned long long>(step)));
      if (hooks != nullptr) hooks->before_link(target, inode);
      if (io.link(from.c_str(), target.c_str()) == 0) {
        *created = target;
        return sys::Status::ok_status();
      }
      if (errno != EEXIST) return sys::Status::error(sys::Step::kLink, errno, target);
    }
  }
  return sys::Status::error(sys::Step::kLink, EEXIST, target, "no free message number");
}

std::string procmail_base64(unsigned long long value) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  do {
    out += kDigits[value & 63u];
    value >>= 6;
  } while (value != 0);
  return out;
}

sys::Status undo_unsynced_link(sys::Io& io, const std::string& created,
                               const sys::Status& sync_failure) {
  std::string aftermath;
  if (io.unlink(created.c_str()) == 0) {
    aftermath = "\"" + created + "\" removed again, as it was not durable";
  } else {
    aftermath = "\"" + created + "\" could not be removed again (" + std::strerror(errno) +
                "), a retry may duplicate it";
  }
  // The removal must be durable too, or a crash could bring the link back; its
  // failure changes nothing in what is reported.
  (void)sys::fsync_directory(io, sys::dirname_of(created));
  return sync_failure.with_aftermath(aftermath);
}

}  // namespace store

// A directory folder (procmail: an existing directory named without "/" or "/."):
// the message is written to a temporary file in the directory, then linked to
// $MSGPREFIX plus the file's inode number in procmail's base 64, so names look
// like procmail's ("msg.8Cyp"). A name that is taken (a file moved in from
// elsewhere) means a new temporary file, hence a new inode, as procmail does.
sys::Status DirectoryFolder::deliver(sys::Io& io, const message::Message& message,
                                     const DeliveryOptions& options, DeliveryReport* report) {
  sys::Status status = store::ensure_directory(io, path_, options.umask);
  if (!status.ok()) return status;
  const WriteFormat format = format_for(FolderKind::kDirectory, options);

  // Files whose final name was taken stay until the end, so that the next file
  // cannot get the same inode (and name) again; their destructors remove them.
  std::vector<store::NewFile> taken;
  std::string final_path;
  for (int attempt = 0; attempt < limits::kUniqueNameAttempts; ++attempt) {
    store::NewFile file;
    status = store::write_new_file(io, path_, "_", message, format, options, &file);
    report->bytes_written = file.written;
    if (!status.ok()) return status;
    const std::string target =
        store::join(path_, options.msgprefix + store::procmail_base64(file.inode));
    if (options.hooks != nullptr) options.hooks->before_link(target, file.inode);
    if (io.link(file.file.path().c_str(), target.c_str()) == 0) {
      final_path = target;
      const std::string temp = file.file.path();
      // The message is safe under its final name; a temporary name left behind is
      // only clutter, worth a line in the log.
      if (file.file.remove() != 0) {
        report->warnings.push_back("Couldn't remove temporary file \"" + temp +
                                   "\": " + std::strerror(errno));
      }
      break;
    }
    const int err = errno;
    if (err != EEXIST) return sys::Status::error(sys::Step::kLink, err, target);
    status = sys::Status::error(sys::Step::kLink, err, target);
    taken.push_back(std::move(file));
  }
  if (final_path.empty()) return status;
  taken.clear();

  status = store::sync_directory(io, path_);
  if (!status.ok()) return store::undo_unsynced_link(io, final_path, status);
  report->stored.push_back(final_path);
  return sys::Status::ok_status();
}

sys::Status DirectoryFolder::link_existing(sys::Io& io, const std::string& stored_file,
                                           const DeliveryOptions& options,
                                           std::string* created) {
  sys::Status status = store::ensure_directory(io, path_, options.umask);
  if (!status.ok()) return status;
  struct stat st {};
  if (io.stat(stored_file.c_str(), &st) != 0) {
    return sys::Status::error(sys::Step::kStat, errno, stored_file);
  }
  // Same inode, so the same name as procmail gives it.
  const std::string target = store::join(path_, options.msgprefix + store::procmail_base64(st.st_ino));
  if (io.link(stored_file.c_str(), target.c_str()) != 0) {
    return sys::Status::error(sys::Step::kLink, errno, target);
  }
  status = store::sync_directory(io, path_);
  if (!status.ok()) return store::undo_unsynced_link(io, target, status);
  *created = target;
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
