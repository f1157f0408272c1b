#include "mailsift/message/reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "mailsift/limits.h"
#include "mailsift/message/content_length.h"

namespace mailsift::message {

ReadOptions::ReadOptions()
    : in_memory_limit(limits::kMaxInMemoryMessage), spool_directory("/tmp") {}

namespace {

// The body of a spooled message: a read-only private mapping of the whole unlinked
// spool file, viewed from the body offset. The file disappears with the mapping.
class SpooledBody final : public BodyStorage {
 public:
  SpooledBody(void* map, std::size_t length, std::size_t offset)
      : map_(map), length_(length), offset_(offset) {}
  ~SpooledBody() override { ::munmap(map_, length_); }
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;

  std::string_view bytes() const override {
    return std::string_view(static_cast<const char*>(map_) + offset_, length_ - offset_);
  }
  bool spooled() const override { return true; }

 private:
  void* map_;
  std::size_t length_;
  std::size_t offset_;
};

// Closes a descriptor when it goes out of scope.
class FdGuard {
 public:
  FdGuard(sys::Io& io, int fd) : io_(io), fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) io_.close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }

 private:
  sys::Io& io_;
  int fd_;
};

// Where the head area of `text` ends (procmail §2.3): after any leading newlines, at
// the end of the first empty line; the whole text when there is none. A head longer
// than limits::kMaxHeaderBytes is cut at its last line end before the limit (and
// *cut is set).
std::size_t head_length(std::string_view text, bool* cut) {
  *cut = false;
  std::size_t start = 0;
  while (start < text.size() && text[start] == '\n') ++start;
  const std::string_view window = text.substr(0, limits::kMaxHeaderBytes);
  const std::size_t blank = window.find("\n\n", start);
  if (blank != std::string_view::npos) return blank + 2;
  if (text.size() <= limits::kMaxHeaderBytes) return text.size();
  *cut = true;
  const std::size_t nl = window.rfind('\n');
  return nl == std::string_view::npos || nl < start ? window.size() : nl + 1;
}

// Creates an unlinked read-write file in `dir`: O_TMPFILE where the file system has
// it, else a unique name that is unlinked at once.
sys::Status create_spool(sys::Io& io, const std::string& dir, int* fd_out) {
  int fd = io.open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    *fd_out = fd;
    return {};
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return sys::Status::error(sys::Step::kOpen, errno, dir, "creating the spool file");
  }
  static unsigned counter = 0;
  for (int attempt = 0; attempt < limits::kUniqueNameAttempts; ++attempt) {
    const std::string name = dir + "/.mailsift-spool." + std::to_string(::getpid()) + "." +
                             std::to_string(io.now()) + "." + std::to_string(++counter);
    fd = io.open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return sys::Status::error(sys::Step::kOpen, errno, name, "creating the spool file");
    }
    if (io.unlink(name.c_str()) != 0) {
      const int err = errno;
      io.close(fd);
      return sys::Status::error(sys::Step::kUnlink, err, name, "unlinking the spool file");
    }
    *fd_out = fd;
    return {};
  }
  return sys::Status::error(sys::Step::kOpen, EEXIST, dir, "no unique spool file name");
}

// Reads one chunk, retrying EINTR. Returns bytes read (0 at EOF) or -1 with errno.
ssize_t read_chunk(sys::Io& io, int fd, char* buf, std::size_t size) {
  for (;;) {
    const ssize_t n = io.read(fd, buf, size);
    if (n >= 0 || errno != EINTR) return n;
  }
}

sys::Status read_error(int err) {
  return sys::Status::error(sys::Step::kRead, err, {}, "reading the message");
}

// Builds the message from all of its input bytes. `memory` holds them when they were
// not spooled (it is consumed); otherwise `spool` is the mapped spool file.
Message assemble(std::string_view all, std::string* memory, void* map, std::size_t map_length,
                 const ReadOptions& options, std::time_t now) {
  const FromLineEdit edit = apply_from_line_policy(all, options.from_line, now);
  const std::string_view rest = all.substr(edit.consumed);
  bool head_cut = false;
  const std::size_t split = head_length(rest, &head_cut);
  std::string head = edit.replacement;
  head.append(rest.substr(0, split));
  const std::size_t body_offset = edit.consumed + split;

  std::unique_ptr<BodyStorage> body;
  if (memory != nullptr) {
    // In place, so the bytes are never held twice.
    memory->erase(0, body_offset);
    body = body_in_memory(std::move(*memory));
  } else if (body_offset < map_length) {
    body = std::make_unique<SpooledBody>(map, map_length, body_offset);
  } else {
    ::munmap(map, map_length);
    body = body_in_memory({});
  }

  std::size_t protected_bytes = 0;
  if (!options.berkeley) {
    protected_bytes = rewrite_content_length(head, body->bytes()).protected_bytes;
  }
  Message message(std::move(head), std::move(body));
  message.set_content_length_protected(protected_bytes);
  message.set_head_cut(head_cut);
  return message;
}

}  // namespace

sys::Status read_message(sys::Io& io, int fd, const ReadOptions& options, Message* out) {
  std::string memory;
  int spool_fd = -1;
  std::size_t spooled = 0;
  std::vector<char> chunk;

  for (;;) {
    if (spool_fd < 0) {
      const std::size_t old = memory.size();
      memory.resize(old + limits::kReadChunk);
      const ssize_t n = read_chunk(io, fd, memory.data() + old, limits::kReadChunk);
      if (n < 0) return read_error(errno);
      memory.resize(old + static_cast<std::size_t>(n));
      if (n == 0) break;
      if (memory.size() <= options.in_memory_limit) continue;
      // Too large to hold: move what we have to the spool file, then keep appending
      // there.
      sys::Status status = create_spool(io, options.spool_directory, &spool_fd);
      if (!status.ok()) return status;
      if (sys::write_all(io, spool_fd, memory.data(), memory.size()) != 0) {
        const int err = errno;
        io.close(spool_fd);
        return sys::Status::error(sys::Step::kWrite, err, options.spool_directory,
                                  "writing the spool file");
      }
      spooled = memory.size();
      std::string().swap(memory);
      chunk.resize(limits::kReadChunk);
      continue;
    }
    const ssize_t n = read_chunk(io, fd, chunk.data(), chunk.size());
    if (n < 0) {
      const int err = errno;
      io.close(spool_fd);
      return read_error(err);
    }
    if (n == 0) break;
    if (sys::write_all(io, spool_fd, chunk.data(), static_cast<std::size_t>(n)) != 0) {
      const int err = errno;
      io.close(spool_fd);
      return sys::Status::error(sys::Step::kWrite, err, options.spool_directory,
                                "writing the spool file");
    }
    spooled += static_cast<std::size_t>(n);
  }

  const std::time_t now = options.now != 0 ? options.now : io.now();
  if (spool_fd < 0) {
    const std::string_view all = memory;
    *out = assemble(all, &memory, nullptr, 0, options, now);
    return {};
  }

  FdGuard guard(io, spool_fd);
  void* map = ::mmap(nullptr, spooled, PROT_READ, MAP_PRIVATE, guard.get(), 0);
  if (map == MAP_FAILED) {
    return sys::Status::error(sys::Step::kMap, errno, options.spool_directory,
                              "mapping the spool file");
  }
  const std::string_view all(static_cast<const char*>(map), spooled);
  *out = assemble(all, nullptr, map, spooled, options, now);
  return {};
}

Message message_from_bytes(std::string bytes, const ReadOptions& options) {
  const std::time_t now = options.now != 0 ? options.now : std::time(nullptr);
  const std::string_view all = bytes;
  return assemble(all, &bytes, nullptr, 0, options, now);
}

}  // namespace mailsift::message
