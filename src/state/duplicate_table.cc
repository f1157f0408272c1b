#include "mailsift/state/duplicate_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "mailsift/sys/siphash.h"
#include "mailsift/sys/unique_name.h"

namespace mailsift::state {
namespace {

// "mailsift-duplicates 1", the slot count and the slot size, then zeros.
std::string header_bytes() {
  std::string header = "mailsift-duplicates 1 " + std::to_string(DuplicateTable::kDuplicateSlots) +
                       " " + std::to_string(DuplicateTable::kSlotBytes) + "\n";
  header.resize(DuplicateTable::kHeaderBytes, '\0');
  return header;
}

constexpr off_t kFileBytes = static_cast<off_t>(DuplicateTable::kHeaderBytes +
                                                DuplicateTable::kDuplicateSlots *
                                                    DuplicateTable::kSlotBytes);

off_t slot_offset(std::size_t slot) {
  return static_cast<off_t>(DuplicateTable::kHeaderBytes + slot * DuplicateTable::kSlotBytes);
}

std::int64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return static_cast<std::int64_t>(v);
}

void store64(std::uint8_t* p, std::int64_t value) {
  auto v = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) {
    p[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

bool empty_digest(const DuplicateDigest& digest) {
  for (const std::uint8_t byte : digest)
    if (byte != 0) return false;
  return true;
}

sys::Status not_a_table(const std::string& path) {
  return sys::Status::error(sys::Step::kRead, 0, path, "not a duplicate table");
}

}  // namespace

DuplicateDigest duplicate_digest(const std::string& handle, const std::string& id) {
  // Fixed keys: the digest names slots, it protects nothing.
  sys::SipHash128 hash(0x6d61696c73696674ULL, 0x6475706c69636174ULL, 1, 3);
  hash.update(handle);
  hash.update(std::string_view("\0", 1));
  hash.update(id);
  const std::string hex = hash.hex_digest();
  DuplicateDigest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i)
    digest[i] = static_cast<std::uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  // The all-zero digest marks an empty slot.
  if (empty_digest(digest)) digest[0] = 1;
  return digest;
}

DuplicateTable::DuplicateTable(sys::Io& io, std::string path) : io_(io), path_(std::move(path)) {}

DuplicateTable::~DuplicateTable() {
  if (fd_ >= 0) io_.close(fd_);  // and with it, every record lock of this process
}

sys::Status DuplicateTable::create_file() {
  const std::string temp = path_ + ".new." + sys::unique_maildir_name("table");
  const int fd = io_.open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_CLOEXEC, 0600);
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, temp);
  const std::string header = header_bytes();
  sys::Status status;
  if (sys::write_all(io_, fd, header.data(), header.size()) != 0) {
    status = sys::Status::error(sys::Step::kWrite, errno, temp);
  } else if (io_.ftruncate(fd, kFileBytes) != 0) {  // the slots: a hole until used
    status = sys::Status::error(sys::Step::kTruncate, errno, temp);
  } else if (io_.fsync(fd) != 0) {
    status = sys::Status::error(sys::Step::kFsync, errno, temp);
  }
  io_.close(fd);
  // Into place without replacing a table another delivery made meanwhile.
  if (status.ok() && io_.link(temp.c_str(), path_.c_str()) != 0 && errno != EEXIST)
    status = sys::Status::error(sys::Step::kLink, errno, path_);
  io_.unlink(temp.c_str());
  return status;
}

sys::Status DuplicateTable::open(bool create) {
  if (fd_ >= 0) return sys::Status::ok_status();
  // Read-only for a peek (a dry run), which never writes.
  const int mode = create ? O_RDWR : O_RDONLY;
  int fd = io_.open(path_.c_str(), mode | O_NOCTTY | O_CLOEXEC, 0);
  if (fd < 0 && errno == ENOENT && create) {
    if (sys::Status made = create_file(); !made.ok()) return made;
    fd = io_.open(path_.c_str(), mode | O_NOCTTY | O_CLOEXEC, 0);
  }
  if (fd < 0) return sys::Status::error(sys::Step::kOpen, errno, path_);
  struct stat st {};
  char header[kHeaderBytes];
  const std::string want = header_bytes();
  if (io_.fstat(fd, &st) != 0) {
    const int err = errno;
    io_.close(fd);
    return sys::Status::error(sys::Step::kStat, err, path_);
  }
  if (!S_ISREG(st.st_mode) || st.st_size != kFileBytes ||
      io_.pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      std::memcmp(header, want.data(), sizeof header) != 0) {
    io_.close(fd);
    return not_a_table(path_);
  }
  fd_ = fd;
  return sys::Status::ok_status();
}

std::size_t DuplicateTable::first_slot(const DuplicateDigest& digest) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[static_cast<std::size_t>(i)];
  // Windows never wrap around the end of the table.
  return static_cast<std::size_t>(v % (kDuplicateSlots - kDuplicateWindow + 1));
}

sys::Status DuplicateTable::read_window(std::size_t first, std::vector<Slot>* slots) {
  std::uint8_t bytes[kDuplicateWindow * kSlotBytes];
  const ssize_t n = io_.pread(fd_, bytes, sizeof bytes, slot_offset(first));
  if (n != static_cast<ssize_t>(sizeof bytes))
    return n < 0 ? sys::Status::error(sys::Step::kRead, errno, path_) : not_a_table(path_);
  slots->assign(kDuplicateWindow, Slot{});
  for (std::size_t i = 0; i < kDuplicateWindow; ++i) {
    const std::uint8_t* p = bytes + i * kSlotBytes;
    std::memcpy((*slots)[i].digest.data(), p, 16);
    (*slots)[i].time = load64(p + 16);
  }
  return sys::Status::ok_status();
}

bool DuplicateTable::seen_in(const std::vector<Slot>& slots, const DuplicateDigest& digest,
                             time_t now, time_t max_age) {
  for (const Slot& slot : slots) {
    if (slot.digest != digest) continue;
    // A time after now (recorded while the clock was ahead, or a damaged slot) does
    // not hold the id: at worst a second copy, never a message taken for a duplicate
    // until the clock catches up. The claim then records it afresh.
    if (slot.time <= 0 || slot.time > now) return false;
    return now - slot.time <= max_age;
  }
  return false;
}

sys::Status DuplicateTable::lock_window(std::size_t first, long wait_ms) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = slot_offset(first);
  lock.l_len = static_cast<off_t>(kDuplicateWindow * kSlotBytes);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (io_.fcntl_lock(fd_, F_SETLK, &lock) == 0) return sys::Status::ok_status();
    if (errno != EAGAIN && errno != EACCES && errno != EINTR)
      return sys::Status::error(sys::Step::kLock, errno, path_);
    if (std::chrono::steady_clock::now() >= deadline)
      return sys::Status::error(sys::Step::kLock, EAGAIN, path_,
                                "another delivery of the same id holds it");
    io_.sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

sys::Status DuplicateTable::claim(const DuplicateDigest& digest, time_t max_age, long wait_ms,
                                  bool* seen, bool refresh) {
  *seen = false;
  if (sys::Status opened = open(true); !opened.ok()) return opened;
  const std::size_t first = first_slot(digest);
  if (sys::Status locked = lock_window(first, wait_ms); !locked.ok()) return locked;
  std::vector<Slot> slots;
  if (sys::Status read = read_window(first, &slots); !read.ok()) return read;
  *seen = seen_in(slots, digest, io_.now(), max_age);
  claims_.push_back(Claim{digest, *seen, refresh});
  return sys::Status::ok_status();
}

sys::Status DuplicateTable::peek(const DuplicateDigest& digest, time_t now, time_t max_age,
                                 bool* seen) {
  *seen = false;
  if (sys::Status opened = open(false); !opened.ok()) {
    // No table yet: nothing was seen.
    return opened.err() == ENOENT ? sys::Status::ok_status() : opened;
  }
  std::vector<Slot> slots;
  if (sys::Status read = read_window(first_slot(digest), &slots); !read.ok()) return read;
  *seen = seen_in(slots, digest, now, max_age);
  return sys::Status::ok_status();
}

sys::Status DuplicateTable::finish(bool record, time_t now) {
  sys::Status status;
  if (record && fd_ >= 0) {
    for (const Claim& claim : claims_) {
      if (claim.seen && !claim.refresh) continue;  // kept as first recorded
      const std::size_t first = first_slot(claim.digest);
      std::vector<Slot> slots;
      if (sys::Status read = read_window(first, &slots); !read.ok()) {
        status = read;
        continue;
      }
      // Its own slot; else a free one; else the one recorded longest ago.
      std::size_t chosen = kDuplicateWindow;
      for (std::size_t i = 0; i < kDuplicateWindow && chosen == kDuplicateWindow; ++i)
        if (slots[i].digest == claim.digest) chosen = i;
      for (std::size_t i = 0; i < kDuplicateWindow && chosen == kDuplicateWindow; ++i)
        if (empty_digest(slots[i].digest)) chosen = i;
      if (chosen == kDuplicateWindow) {
        chosen = 0;
        for (std::size_t i = 1; i < kDuplicateWindow; ++i)
          if (slots[i].time < slots[chosen].time) chosen = i;
      }
      std::uint8_t bytes[kSlotBytes] = {};
      std::memcpy(bytes, claim.digest.data(), 16);
      store64(bytes + 16, static_cast<std::int64_t>(now));
      if (io_.pwrite(fd_, bytes, sizeof bytes, slot_offset(first + chosen)) !=
          static_cast<ssize_t>(sizeof bytes))
        status = sys::Status::error(sys::Step::kWrite, errno, path_);
    }
  }
  claims_.clear();
  if (fd_ >= 0) {
    struct flock unlock {};
    unlock.l_type = F_UNLCK;
    unlock.l_whence = SEEK_SET;
    (void)io_.fcntl_lock(fd_, F_SETLK, &unlock);  // the whole file (closing would too)
  }
  return status;
}

void DuplicateTable::forget() { claims_.clear(); }

}  // namespace mailsift::state
