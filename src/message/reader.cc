#include "mailsift/message/reader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "mailsift/limits.h"
#include "mailsift/message/content_length.h"

namespace mailsift::message {

ReadOptions::ReadOptions()
    : in_memory_limit(limits::kMaxInMemoryMessage), spool_directory("/tmp") {}

namespace {

// Room reserved in front of the spool file's mapping, so that the joined header can
// be put right before the body for conditions on both (with_prefix) without copying
// the body. The joined header is as long as the head, for which the file's own head
// bytes make room, plus what a new From_ line adds. Address space only: no memory is
// there until such a condition runs. (A multiple of every page size.)
constexpr std::size_t kHeadRoom = 64u << 10;

// A read fault on a file mapping maps the cached pages around it too, in aligned
// blocks of this size ("fault-around"; the kernel's default), and they count as
// resident as well; releasing pages therefore drops whole blocks.
constexpr std::uintptr_t kFaultAround = 64u << 10;

std::uintptr_t page_size() { return static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)); }

// The spool file's first byte goes to an address aligned to this, so that addresses
// and file offsets fall on the same block boundaries: the kernel maps file pages in
// blocks aligned by file offset on a fault (fault-around), and release() drops them
// in blocks aligned by address.
constexpr std::uintptr_t kMapAlign = 2u << 20;

// Reserves kHeadRoom + length bytes of address space (no memory) whose byte kHeadRoom
// is aligned to kMapAlign, for the spool file's mapping. nullptr (errno set) when
// there is no such space.
char* reserve_mapping(std::size_t length) {
  const std::size_t span = kMapAlign + kHeadRoom + length;
  void* reserved =
      ::mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return nullptr;
  const auto lo = reinterpret_cast<std::uintptr_t>(reserved);
  const std::uintptr_t file = (lo + kHeadRoom + kMapAlign - 1) & ~(kMapAlign - 1);
  const std::uintptr_t start = file - kHeadRoom;
  const std::uintptr_t page = page_size();
  const std::uintptr_t end = (file + length + page - 1) & ~(page - 1);
  const std::uintptr_t span_end = (lo + span + page - 1) & ~(page - 1);
  // Give back what lies around the part that is used.
  if (start > lo) ::munmap(reserved, start - lo);
  if (span_end > end) ::munmap(reinterpret_cast<void*>(end), span_end - end);
  return reinterpret_cast<char*>(start);
}

// The body of a spooled message: a read-only private mapping of the whole unlinked
// spool file (after kHeadRoom bytes of reserved address space), viewed from the body
// offset, and the file's descriptor (for writers that let the kernel copy from it).
// The file disappears with both. They are unmapped and closed directly, not through
// an Io: the storage may outlive the Io the message was read with (a test's), and
// neither can fail in a way that matters.
class SpooledBody final : public BodyStorage {
 public:
  // area: kHeadRoom bytes, then the file's `length` bytes mapped; the body starts at
  // `offset` in the file.
  SpooledBody(char* area, std::size_t length, std::size_t offset, int fd)
      : area_(area), length_(length), offset_(offset), fd_(fd), readable_from_(area + kHeadRoom) {}
  ~SpooledBody() override {
    ::munmap(area_, kHeadRoom + length_);
    ::close(fd_);
  }
  SpooledBody(const SpooledBody&) = delete;
  SpooledBody& operator=(const SpooledBody&) = delete;

  std::string_view bytes() const override {
    return std::string_view(body_start(), length_ - offset_);
  }
  bool spooled() const override { return true; }
  BodyFile file() const override { return {fd_, static_cast<off_t>(offset_)}; }

  // The mapping is private and nothing writes the unlinked file, so any page of it
  // that this process has not written may be dropped at any time: a later read maps
  // the same bytes again from the page cache. The pages with_prefix wrote are kept.
  void release(sys::Io& io, std::size_t from, std::size_t length) const override {
    if (length == 0 || from >= length_ - offset_) return;
    const auto base = reinterpret_cast<std::uintptr_t>(area_ + kHeadRoom);
    const std::size_t end = std::min(offset_ + from + length, length_);
    std::uintptr_t first = (base + offset_ + from) & ~(kFaultAround - 1);
    std::uintptr_t last = (base + end + kFaultAround - 1) & ~(kFaultAround - 1);
    first = std::max({first, base, written_end_});
    last = std::min(last, (base + length_ + page_size() - 1) & ~(page_size() - 1));
    if (first >= last) return;
    (void)io.madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  }

  // The prefix goes right before the body, over the file's head bytes (and into the
  // head room): the pages it covers become private copies, written once, and the
  // body stays where it is (its first page, when shared with the prefix, is copied
  // with its bytes). Only a prefix longer than the room (a From_ line of more than
  // kHeadRoom bytes) or a failing mprotect falls back to a copy of the whole.
  std::string_view with_prefix(std::string_view prefix) const override {
    const std::string_view body = bytes();
    if (prefix.size() > kHeadRoom + offset_) return copied(prefix);
    char* start = body_start() - prefix.size();
    const std::string_view whole(start, prefix.size() + body.size());
    // Often the bytes are there already: the file's own head, when no From_ line was
    // changed and no field is folded, or the prefix of an earlier call. (The head
    // room is readable only where it was written.)
    if (start >= readable_from_ && whole.substr(0, prefix.size()) == prefix) return whole;
    if (!prefix.empty()) {
      const std::uintptr_t first = reinterpret_cast<std::uintptr_t>(start) & ~(page_size() - 1);
      const std::uintptr_t last =
          (reinterpret_cast<std::uintptr_t>(body_start()) + page_size() - 1) & ~(page_size() - 1);
      void* pages = reinterpret_cast<void*>(first);
      if (::mprotect(pages, last - first, PROT_READ | PROT_WRITE) != 0) return copied(prefix);
      written_end_ = std::max(written_end_, last);
      readable_from_ = std::min(readable_from_, static_cast<char*>(pages));
      std::memcpy(start, prefix.data(), prefix.size());
      (void)::mprotect(pages, last - first, PROT_READ);
    }
    return whole;
  }

 private:
  char* body_start() const { return area_ + kHeadRoom + offset_; }

  std::string_view copied(std::string_view prefix) const {
    copy_.reserve(prefix.size() + length_ - offset_);
    copy_.assign(prefix);
    copy_.append(bytes());
    return copy_;
  }

  char* area_;
  std::size_t length_;
  std::size_t offset_;
  int fd_;
  mutable char* readable_from_;             // start of the file, or of what with_prefix wrote
  mutable std::uintptr_t written_end_ = 0;  // end of the pages with_prefix wrote
  mutable std::string copy_;                // the fallback of with_prefix
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
// not spooled (it is consumed); otherwise `area` is the spool file's mapping (after
// kHeadRoom), `map_length` bytes, and `spool_fd` its descriptor, which the message
// then owns (or which are released).
Message assemble(std::string_view all, std::string* memory, char* area, std::size_t map_length,
                 int spool_fd, const ReadOptions& options, std::time_t now) {
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
    body = std::make_unique<SpooledBody>(area, map_length, body_offset, spool_fd);
  } else {
    ::munmap(area, kHeadRoom + map_length);
    ::close(spool_fd);
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

MessageBuilder::MessageBuilder(sys::Io& io, ReadOptions options)
    : io_(io), options_(std::move(options)) {
  // Room for everything that may stay in memory, taken at once: growing the string
  // step by step would copy it and briefly hold it twice. Only the pages written
  // are touched, so a small message costs no more than its size.
  memory_.reserve(std::min(options_.in_memory_limit, limits::kMaxInMemoryMessage));
}

MessageBuilder::~MessageBuilder() { close_spool(); }

void MessageBuilder::close_spool() {
  if (spool_fd_ >= 0) io_.close(spool_fd_);
  spool_fd_ = -1;
}

sys::Status MessageBuilder::fail(sys::Status status) {
  close_spool();
  std::string().swap(memory_);
  failure_ = std::move(status);
  spent_ = true;
  return failure_;
}

sys::Status MessageBuilder::append(std::string_view bytes) {
  if (spent_) return failure_;
  if (bytes.empty()) return {};
  if (spool_fd_ < 0) {
    if (memory_.size() + bytes.size() <= options_.in_memory_limit) {
      memory_.append(bytes);
      size_ += bytes.size();
      return {};
    }
    // Too large to hold: move what we have to the spool file, then go on there.
    int fd = -1;
    sys::Status status = create_spool(io_, options_.spool_directory, &fd);
    if (!status.ok()) return fail(std::move(status));
    spool_fd_ = fd;
    if (sys::write_all(io_, spool_fd_, memory_.data(), memory_.size()) != 0) {
      return fail(sys::Status::error(sys::Step::kWrite, errno, options_.spool_directory,
                                     "writing the spool file"));
    }
    std::string().swap(memory_);
  }
  if (sys::write_all(io_, spool_fd_, bytes.data(), bytes.size()) != 0) {
    return fail(sys::Status::error(sys::Step::kWrite, errno, options_.spool_directory,
                                   "writing the spool file"));
  }
  size_ += bytes.size();
  return {};
}

sys::Status MessageBuilder::finish(Message* out) {
  if (spent_) return failure_;
  spent_ = true;
  // What a second finish() or a later append() gets: never a success that hands
  // out nothing (fail() below replaces it with the real failure).
  failure_ = sys::Status::error(sys::Step::kRead, EALREADY, options_.spool_directory,
                                "the message was already made");
  const std::time_t now = options_.now != 0 ? options_.now : io_.now();
  if (spool_fd_ < 0) {
    std::string memory = std::move(memory_);
    const std::string_view all = memory;
    *out = assemble(all, &memory, nullptr, 0, -1, options_, now);
    return {};
  }

  const std::size_t spooled = size_;
  char* area = reserve_mapping(spooled);
  if (area == nullptr ||
      ::mmap(area + kHeadRoom, spooled, PROT_READ, MAP_PRIVATE | MAP_FIXED, spool_fd_, 0) ==
          MAP_FAILED) {
    const int err = errno;
    if (area != nullptr) ::munmap(area, kHeadRoom + spooled);
    return fail(sys::Status::error(sys::Step::kMap, err, options_.spool_directory,
                                   "mapping the spool file"));
  }
  // The message owns the mapping and the descriptor from here on.
  const int fd = std::exchange(spool_fd_, -1);
  const std::string_view all(area + kHeadRoom, spooled);
  *out = assemble(all, nullptr, area, spooled, fd, options_, now);
  // Finding the head's end (and a Content-Length field's check of the last bytes)
  // read pages of the mapping; the head is copied, the body is read again only by
  // what needs it (body conditions, writers). Nothing but memory use depends on it.
  if (out->body_spooled()) (void)io_.madvise(area + kHeadRoom, spooled, MADV_DONTNEED);
  return {};
}

sys::Status read_message(sys::Io& io, int fd, const ReadOptions& options, Message* out) {
  MessageBuilder builder(io, options);
  // Reads land here and are handed on: not cleared first (a string grown to read
  // into would zero 64 KiB per read, and touch pages a small message never uses).
  const auto chunk = std::make_unique_for_overwrite<char[]>(limits::kReadChunk);
  for (;;) {
    const ssize_t n = read_chunk(io, fd, chunk.get(), limits::kReadChunk);
    if (n < 0) return read_error(errno);
    if (n == 0) break;
    const sys::Status status =
        builder.append(std::string_view(chunk.get(), static_cast<std::size_t>(n)));
    if (!status.ok()) return status;
  }
  return builder.finish(out);
}

Message message_from_bytes(std::string bytes, const ReadOptions& options) {
  const std::time_t now = options.now != 0 ? options.now : std::time(nullptr);
  const std::string_view all = bytes;
  return assemble(all, &bytes, nullptr, 0, -1, options, now);
}

}  // namespace mailsift::message
