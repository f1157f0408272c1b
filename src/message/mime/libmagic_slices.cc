// libmagic's compiled database walked a slice at a time: see libmagic_slices.h.
#include "mailsift/message/mime/libmagic_slices.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <type_traits>
#include <utility>

namespace mailsift::message::mime {
namespace {

// The compiled format, version 18 (file 5.39 and later: file.h, struct magic). The
// file is a header record, then the entries of set 0 (the tests, in the order
// they are tried), then those of set 1 (the named entries). Each record is 376
// bytes; the header record holds the magic number, the version and the two counts.
constexpr std::size_t kRecord = 376;
constexpr std::uint32_t kMagicNumber = 0xF11E041C;
constexpr std::uint32_t kVersion = 18;
// Fields of an entry record used here.
constexpr std::size_t kContLevel = 0;  // uint16: 0 for an entry, >0 for its continuations
constexpr std::size_t kFlag = 2;       // uint8
constexpr std::size_t kRelation = 4;   // uint8
constexpr std::size_t kType = 6;       // uint8
constexpr std::size_t kMimeType = 224; // char[80]
constexpr std::uint8_t kBinaryTest = 0x20;  // BINTEST
constexpr std::uint8_t kTypeByte = 1;       // FILE_BYTE

// What the entry that ends a slice names: no database names it.
constexpr char kEndOfSlice[] = "x-mailsift/end-of-slice";

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::uintptr_t page_down(std::uintptr_t at) { return at & ~(page_size() - 1); }
std::uintptr_t page_up(std::uintptr_t at) { return page_down(at + page_size() - 1); }

void write_header(char* record, std::uint32_t tests, std::uint32_t names) {
  std::memset(record, 0, kRecord);
  const std::uint32_t header[4] = {kMagicNumber, kVersion, tests, names};
  std::memcpy(record, header, sizeof header);
}

// "0 byte x" with the end-of-slice type: matches any content of 2 bytes or more
// (libmagic answers shorter ones before it looks at entries).
void write_end_of_slice(char* record) {
  std::memset(record, 0, kRecord);
  record[kFlag] = static_cast<char>(kBinaryTest);
  record[kRelation] = 'x';
  record[kType] = static_cast<char>(kTypeByte);
  std::memcpy(record + kMimeType, kEndOfSlice, sizeof kEndOfSlice);
}

bool has_entries(const std::string& text_file) {
  std::ifstream in(text_file);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#') return true;
  }
  return false;
}

bool is_regular(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

bool load_libmagic(LibmagicApi* api, std::string* why) {
  void* library = ::dlopen("libmagic.so.1", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = ::dlerror();
    *why = std::string("cannot load libmagic: ") + (error != nullptr ? error : "?");
    return false;
  }
  const auto find = [&](const char* name, auto* out) {
    *out = reinterpret_cast<std::remove_pointer_t<decltype(out)>>(::dlsym(library, name));
    return *out != nullptr;
  };
  if (!find("magic_open", &api->open) || !find("magic_load", &api->load) ||
      !find("magic_load_buffers", &api->load_buffers) || !find("magic_buffer", &api->buffer) ||
      !find("magic_error", &api->error) || !find("magic_close", &api->close) ||
      !find("magic_getpath", &api->getpath) || !find("magic_setparam", &api->setparam)) {
    *why = "libmagic lacks a function mailsift uses";
    return false;
  }
  return true;
}

std::string default_compiled_database(const LibmagicApi& api) {
  const char* path = api.getpath(nullptr, 0);
  if (path == nullptr) return {};
  std::string compiled;
  const std::string list = path;
  std::size_t from = 0;
  while (from <= list.size()) {
    std::size_t end = list.find(':', from);
    if (end == std::string::npos) end = list.size();
    const std::string part = list.substr(from, end - from);
    from = end + 1;
    if (part.empty()) break;  // libmagic reads no further
    // A name with ".mime" in it, or a NAME.mime.mgc beside it, makes libmagic load
    // it with other flags (its old convention): loaded whole.
    if (part.find(".mime") != std::string::npos) return {};
    // libmagic's order: NAME.mgc when it exists, else NAME itself as text.
    const bool named_mgc = part.size() > 4 && part.compare(part.size() - 4, 4, ".mgc") == 0;
    const std::string stem = named_mgc ? part.substr(0, part.size() - 4) : part;
    if (::access((stem + ".mime.mgc").c_str(), R_OK) == 0) return {};
    const std::string mgc = stem + ".mgc";
    if (is_regular(mgc)) {
      if (!compiled.empty()) return {};  // two databases: loaded whole
      compiled = mgc;
      continue;
    }
    struct stat st {};
    if (::stat(part.c_str(), &st) != 0) continue;  // libmagic skips it too
    if (!S_ISREG(st.st_mode) || has_entries(part)) return {};
  }
  return compiled;
}

// Record r of the file is at r * kRecord: 0 the header, 1..tests the tests,
// tests+1.. the names.
std::unique_ptr<SlicedMagicDatabase> SlicedMagicDatabase::open(const LibmagicApi& api,
                                                               const std::string& path, int flags,
                                                               std::size_t slice_bytes,
                                                               std::string* why) {
  std::unique_ptr<SlicedMagicDatabase> db(new SlicedMagicDatabase(api));
  db->flags_ = flags;
  db->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (db->fd_ < 0) {
    *why = "cannot open " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  const int fd = db->fd_;
  struct stat st {};
  std::uint32_t header[4] = {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(2 * kRecord) ||
      st.st_size % static_cast<off_t>(kRecord) != 0 ||
      ::pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header) ||
      header[0] != kMagicNumber || header[1] != kVersion) {
    *why = path + " is not a compiled database of version 18";
    return nullptr;
  }
  db->identity_ = {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  const std::size_t records = static_cast<std::size_t>(st.st_size) / kRecord;
  const std::size_t tests = header[2];
  const std::size_t names = header[3];
  if (tests == 0 || names == 0 || tests + names + 1 != records) {
    *why = path + ": its counts do not add up";
    return nullptr;
  }

  // The names, mapped privately from the last test's slot, which holds their header.
  const std::uintptr_t offset = tests * kRecord;
  const std::uintptr_t start = page_down(offset);
  Mapping& m = db->names_;
  m.length = (offset - start) + (names + 1) * kRecord;
  void* base = ::mmap(nullptr, m.length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, static_cast<off_t>(start));
  if (base == MAP_FAILED) {
    *why = std::string("cannot map ") + path + ": " + std::strerror(errno);
    return nullptr;
  }
  m.base = static_cast<char*>(base);
  m.records = m.base + (offset - start);
  m.bytes = (names + 1) * kRecord;
  write_header(m.records, 0, static_cast<std::uint32_t>(names));
  if (::mprotect(m.base, m.length, PROT_READ) != 0) {
    *why = std::string("cannot protect the mapping of ") + path;
    return nullptr;
  }
  db->drop_names();

  // The tests, cut where an entry begins (its continuations stay with it).
  bool readable = true;
  const auto level_of = [&](std::size_t test) {
    std::uint16_t level = 0;
    if (::pread(fd, &level, sizeof level, static_cast<off_t>((1 + test) * kRecord + kContLevel)) !=
        static_cast<ssize_t>(sizeof level))
      readable = false;
    return level;
  };
  const std::size_t per_slice = std::max<std::size_t>(1, slice_bytes / kRecord);
  std::size_t largest = 0;
  for (std::size_t first = 0; first < tests && readable;) {
    std::size_t end = std::min(first + per_slice, tests);
    while (end < tests && readable && level_of(end) != 0) ++end;
    db->slices_.push_back(Slice{first, end, nullptr, false});
    largest = std::max(largest, end - first);
    first = end;
  }
  if (!readable) {
    *why = "cannot read " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  // Room for the largest slice with its two slots, its pages mapped at once (one
  // call, not a fault a page).
  db->buffer_length_ = (largest + 2) * kRecord;
  void* buffer = ::mmap(nullptr, db->buffer_length_, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (buffer == MAP_FAILED) {
    *why = std::string("no memory for a slice of ") + path + ": " + std::strerror(errno);
    return nullptr;
  }
  db->buffer_ = static_cast<char*>(buffer);
  return db;
}

// A slice's cookie is made when a content first gets that far, on the buffer that
// every slice is read into in turn (libmagic keeps only its address, the count of
// its entries, and the regular expressions it compiled for them).
bool SlicedMagicDatabase::load(std::size_t k) {
  Slice& slice = slices_[k];
  if (slice.tried) return slice.cookie != nullptr;
  slice.tried = true;
  // The slice is in the buffer (read): libmagic reads its header now, its entries
  // when the cookie is used.
  const std::size_t tests = slice.end - slice.first;
  // After the first slice, the checks libmagic makes before its entries (tar, CDF)
  // are made already.
  magic_t cookie = api_.open(k == 0 ? flags_ : flags_ | MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_CDF);
  if (cookie == nullptr) {
    error_ = "libmagic: magic_open failed";
    return false;
  }
  // An "indirect" entry tries the whole database on a part of the content, and a
  // cookie holds one slice: one indirection is an error here, and the content is
  // then tried with the database whole.
  const std::size_t one = 1;
  void* buffers[2] = {buffer_, names_.records};
  std::size_t sizes[2] = {(tests + 2) * kRecord, names_.bytes};
  if (api_.setparam(cookie, MAGIC_PARAM_INDIR_MAX, &one) != 0 ||
      api_.load_buffers(cookie, buffers, sizes, 2) != 0) {
    const char* why = api_.error(cookie);
    error_ = std::string("libmagic cannot load a slice of its database: ") + (why != nullptr ? why : "?");
    api_.close(cookie);
    return false;
  }
  slice.cookie = cookie;
  return true;
}

// Reads slice k's tests into the buffer, after its header slot, and the
// end-of-slice entry after them.
bool SlicedMagicDatabase::read(std::size_t k) {
  if (in_buffer_ == k) return true;
  const Slice& slice = slices_[k];
  const std::size_t tests = slice.end - slice.first;
  char* to = buffer_ + kRecord;
  std::size_t left = tests * kRecord;
  off_t from = static_cast<off_t>((1 + slice.first) * kRecord);
  while (left > 0) {
    const ssize_t n = ::pread(fd_, to, left, from);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      error_ = std::string("cannot read libmagic's database: ") + (n < 0 ? std::strerror(errno) : "cut short");
      in_buffer_ = kNone;
      return false;
    }
    to += n;
    from += n;
    left -= static_cast<std::size_t>(n);
  }
  write_header(buffer_, static_cast<std::uint32_t>(tests + 1), 0);
  write_end_of_slice(buffer_ + (tests + 1) * kRecord);
  in_buffer_ = k;
  return true;
}

SlicedMagicDatabase::~SlicedMagicDatabase() {
  for (Slice& slice : slices_)
    if (slice.cookie != nullptr) api_.close(slice.cookie);
  if (names_.base != nullptr) ::munmap(names_.base, names_.length);
  if (buffer_ != nullptr) ::munmap(buffer_, buffer_length_);
  if (fd_ >= 0) ::close(fd_);
}

// The names' pages but the one holding the header this wrote (dropping it would
// bring the file's bytes back): they are the page cache's, mapped again if used.
void SlicedMagicDatabase::drop_names() {
  const auto records = reinterpret_cast<std::uintptr_t>(names_.records);
  const std::uintptr_t first = page_up(records + kRecord);
  const std::uintptr_t last = page_up(records + names_.bytes);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

// Each slice is read once and tried on every content it has no answer for yet.
std::vector<std::string> SlicedMagicDatabase::types_of(const std::vector<std::string_view>& contents) {
  std::vector<std::string> types(contents.size());
  std::vector<std::size_t> open(contents.size());
  for (std::size_t i = 0; i < open.size(); ++i) open[i] = i;
  std::vector<std::size_t> still;
  // A database changed in place (not replaced, as packages do) no longer matches
  // the cuts, the counts libmagic was given, or what it compiled: not used again.
  struct stat st {};
  if (!broken_ && (::fstat(fd_, &st) != 0 ||
                   Identity{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec} != identity_)) {
    error_ = "libmagic's database changed";
    broken_ = true;
  }
  if (broken_) return types;  // every content "": the whole database answers
  for (std::size_t k = 0; k < slices_.size() && !open.empty(); ++k) {
    if (!read(k) || !load(k)) {
      // The contents not answered yet get "" (the whole database answers them), and
      // so will every content from now on.
      broken_ = true;
      drop_names();
      return types;
    }
    still.clear();
    for (const std::size_t i : open) {
      const char* answer = api_.buffer(slices_[k].cookie, contents[i].data(), contents[i].size());
      if (answer == nullptr) {
        const char* why = api_.error(slices_[k].cookie);
        error_ = std::string("libmagic: ") + (why != nullptr ? why : "no answer");
      } else if (std::strcmp(answer, kEndOfSlice) == 0) {
        still.push_back(i);
      } else {
        types[i] = answer;
      }
    }
    open.swap(still);
  }
  drop_names();
  // No entry found anything: what libmagic says then (of content of 2 bytes or more:
  // shorter content is answered by the first slice).
  for (const std::size_t i : open) types[i] = "application/octet-stream";
  return types;
}

std::string SlicedMagicDatabase::type_of(std::string_view content) {
  return types_of({content}).front();
}

}  // namespace mailsift::message::mime
