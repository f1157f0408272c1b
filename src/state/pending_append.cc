#include "mailsift/state/pending_append.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "mailsift/state/journal.h"
#include "mailsift/sys/siphash.h"

namespace mailsift::state {
namespace {

constexpr std::uint64_t kKey0 = 0x6d61696c73696674ULL;  // "mailsift"
constexpr std::uint64_t kKey1 = 0x6d626f7870656e64ULL;  // "mboxpend"

}  // namespace

std::string pending_append_path(const std::string& directory, const std::string& mbox_path) {
  sys::SipHash128 hash(kKey0, kKey1);
  hash.update(mbox_path);
  return directory + "/mbox-" + hash.hex_digest();
}

sys::Status write_pending_append(sys::Io& io, const std::string& directory,
                                 const std::string& path, const PendingAppend& p) {
  if (make_state_directory(io, directory) != 0)
    return sys::Status::error(sys::Step::kMkdir, errno, directory);
  const std::string text = "mailsift-pending-append 1 " +
                           std::to_string(static_cast<unsigned long long>(p.device)) + " " +
                           std::to_string(static_cast<unsigned long long>(p.inode)) + " " +
                           std::to_string(static_cast<long long>(p.offset)) + " " +
                           std::to_string(static_cast<long long>(p.length)) + " " +
                           escape_field(p.journal) + " " + escape_field(p.key) + "\n";
  const int fd = io.open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY | O_CLOEXEC, 0600);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, path);
  sys::Status status = sys::Status::ok_status();
  if (sys::write_all(io, fd, text.data(), text.size()) != 0) {
    status = sys::Status::error(sys::Step::kWrite, errno, path);
  } else if (io.fsync(fd) != 0) {
    status = sys::Status::error(sys::Step::kFsync, errno, path);
  }
  if (io.close(fd) != 0 && status.ok()) status = sys::Status::error(sys::Step::kClose, errno, path);
  // The directory is not synced: see RunJournal::open_for_append.
  if (!status.ok()) io.unlink(path.c_str());
  return status;
}

int read_pending_append(sys::Io& io, const std::string& path, PendingAppend* p) {
  const int fd = io.open(path.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  std::string text;
  const int rc = sys::read_whole_fd(io, fd, &text);
  const int err = errno;
  io.close(fd);
  if (rc != 0) {
    errno = err;
    return -1;
  }
  std::istringstream in(text);
  std::string magic, version, journal, key;
  unsigned long long device = 0, inode = 0;
  long long offset = -1, length = -1;
  in >> magic >> version >> device >> inode >> offset >> length >> journal >> key;
  if (!in || magic != "mailsift-pending-append" || version != "1" || offset < 0 || length < 0 ||
      !unescape_field(journal, &p->journal) || !unescape_field(key, &p->key)) {
    errno = EINVAL;
    return -1;
  }
  p->device = static_cast<dev_t>(device);
  p->inode = static_cast<ino_t>(inode);
  p->offset = static_cast<off_t>(offset);
  p->length = static_cast<off_t>(length);
  return 1;
}

int remove_pending_append(sys::Io& io, const std::string& path) {
  return io.unlink(path.c_str());
}

}  // namespace mailsift::state
