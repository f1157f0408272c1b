// libmagic's compiled database walked a slice at a time (mime.sniffed).
//
// libmagic maps its whole compiled database (8 MB on Debian 12). Content that no
// entry matches early (random bytes: an encrypted or compressed attachment) walks
// every entry of the database's first set, and 5.9 MB of its pages become part of
// the delivery's memory. Here the first set is cut into slices, each loaded
// (magic_load_buffers) into a cookie of its own, all of them on one buffer: a
// content is tried slice after slice, each slice read into the buffer from the
// file (the page cache) when its turn comes. Several contents are tried together,
// so that each slice is read once for all of them.
//
// The answer is the one a single cookie on the whole database gives. libmagic
// tries the entries in their compiled order and stops at the first that finds
// something. Each slice ends with an entry that always matches and names a type no
// database has, so that "tried every entry of the slice" is told apart from
// "stopped in it" (also where the entry that stopped it has no MIME type: libmagic
// then answers application/octet-stream, as the whole database would). The named
// entries ("name", called by "use": the database's second set) are one more
// buffer that every cookie shares.
#pragma once

#include <magic.h>
#include <sys/types.h>

#include <ctime>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::message::mime {

// What mailsift asks of libmagic: the MIME type only; no text, encoding, token, CSV
// or JSON checks (slow on text, and text parts are not sniffed), no looking inside
// compressed data (MAGIC_COMPRESS forks a decompressor).
constexpr int kSniffFlags = MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TEXT |
                            MAGIC_NO_CHECK_ENCODING | MAGIC_NO_CHECK_TOKENS | MAGIC_NO_CHECK_CSV |
                            MAGIC_NO_CHECK_JSON | MAGIC_NO_CHECK_APPTYPE;

// The libmagic functions mailsift calls, from a dlopen of libmagic.so.1.
struct LibmagicApi {
  magic_t (*open)(int) = nullptr;
  int (*load)(magic_t, const char*) = nullptr;
  int (*load_buffers)(magic_t, void**, std::size_t*, std::size_t) = nullptr;
  const char* (*buffer)(magic_t, const void*, std::size_t) = nullptr;
  const char* (*error)(magic_t) = nullptr;
  void (*close)(magic_t) = nullptr;
  const char* (*getpath)(const char*, int) = nullptr;
  int (*setparam)(magic_t, int, const void*) = nullptr;
};

// Loads libmagic (once a process; it stays loaded). False, and why, when the
// library or one of the functions is missing.
bool load_libmagic(LibmagicApi* api, std::string* why);

// The compiled database libmagic loads by default (its MAGIC variable, or the
// path it was built with), when that path names one compiled database and,
// besides, only text files without entries (Debian's /etc/magic holds comments
// alone). "" otherwise: the database is then loaded whole, as libmagic does.
std::string default_compiled_database(const LibmagicApi& api);

class SlicedMagicDatabase {
 public:
  // The compiled database at `path`, its first set cut into slices of about
  // slice_bytes, each in a cookie opened with `flags`. Null, and why, when the file
  // is not a compiled database of the format this knows (version 18: libmagic 5.39
  // and later), or cannot be mapped or loaded.
  static std::unique_ptr<SlicedMagicDatabase> open(const LibmagicApi& api, const std::string& path,
                                                   int flags, std::size_t slice_bytes,
                                                   std::string* why);
  ~SlicedMagicDatabase();
  SlicedMagicDatabase(const SlicedMagicDatabase&) = delete;
  SlicedMagicDatabase& operator=(const SlicedMagicDatabase&) = delete;

  // libmagic's answer for content; "" when libmagic failed (error() says why), which
  // it does also where an "indirect" entry would have tried the whole database on a
  // part of the content, and for every content once a slice could not be loaded or
  // the file changed in place: the caller asks the whole database then. A slice is
  // loaded the first time a content gets that far.
  std::string type_of(std::string_view content);
  // The same for several contents, with each slice read once for all of them.
  std::vector<std::string> types_of(const std::vector<std::string_view>& contents);
  std::string error() const { return error_; }
  std::size_t slices() const { return slices_.size(); }

 private:
  // The names, mapped privately from the file: the slot before them holds a header.
  struct Mapping {
    char* base = nullptr;  // the mapping, from a page boundary
    std::size_t length = 0;
    char* records = nullptr;  // the header slot, where libmagic's buffer starts
    std::size_t bytes = 0;    // the buffer's length
  };
  struct Slice {
    std::size_t first = 0;  // its tests, [first, end)
    std::size_t end = 0;
    magic_t cookie = nullptr;
    bool tried = false;  // to load
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  explicit SlicedMagicDatabase(const LibmagicApi& api) : api_(api) {}
  bool load(std::size_t slice);
  bool read(std::size_t slice);
  void drop_names();

  // The database file as it was opened.
  struct Identity {
    dev_t device;
    ino_t inode;
    off_t size;
    time_t seconds;
    long nanoseconds;
    bool operator==(const Identity&) const = default;
  };

  LibmagicApi api_;
  int flags_ = 0;
  int fd_ = -1;
  Identity identity_{};
  bool broken_ = false;  // a slice could not be loaded or read, or the file changed
  Mapping names_;
  std::vector<Slice> slices_;
  // Where each slice is read when it is used: a header slot, its tests, the
  // end-of-slice entry. Its pages stay this process's: the database's are not
  // mapped, so a walk through it adds no more than a slice to the memory.
  char* buffer_ = nullptr;
  std::size_t buffer_length_ = 0;
  std::size_t in_buffer_ = kNone;
  std::string error_;
};

}  // namespace mailsift::message::mime
