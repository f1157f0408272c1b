#include "mailsift/formail/id_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace mailsift::formail {
namespace {

bool lock(int fd, short type) {
  struct flock request {};
  request.l_type = type;
  request.l_whence = SEEK_SET;
  while (::fcntl(fd, F_SETLKW, &request) != 0)
    if (errno != EINTR) return false;
  return true;
}

std::string read_all(int fd) {
  std::string bytes;
  char chunk[8192];
  off_t offset = 0;
  for (;;) {
    const ssize_t got = ::pread(fd, chunk, sizeof chunk, offset);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    bytes.append(chunk, static_cast<std::size_t>(got));
    offset += got;
  }
  return bytes;
}

bool write_at(int fd, const std::string& bytes, long offset) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = ::pwrite(fd, bytes.data() + done, bytes.size() - done,
                                   static_cast<off_t>(offset) + static_cast<off_t>(done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

}  // namespace

bool seen_before(int fd, long max_length, const std::string& key, bool* write_failed) {
  const bool locked = lock(fd, F_WRLCK);
  const std::string cache = read_all(fd);
  long position = 0;
  constexpr int kEnd = -1;
  auto next = [&]() -> int {
    if (position >= static_cast<long>(cache.size())) return kEnd;
    return static_cast<unsigned char>(cache[static_cast<std::size_t>(position++)]);
  };
  // formail compares the file's bytes with the key's chars as signed: a key byte over
  // 127 never matches, and the end of the file matches a byte 0xff.
  auto key_at = [&](std::size_t i) -> int {
    return i < key.size() ? static_cast<int>(static_cast<signed char>(key[i])) : 0;
  };

  long insert_at = max_length;
  bool found = false;
  do {
    std::size_t matched = 0;
    int c;
    while ((c = next()) == key_at(matched)) {
      if (c == 0) {
        found = true;
        break;
      }
      ++matched;
    }
    if (found) break;
    bool skip_rest = c != 0;
    if (c == 0 && matched == 0 && insert_at == max_length) {
      insert_at = position - 1;  // the end of the ring
      skip_rest = true;
    }
    if (skip_rest) {
      int rest;
      while ((rest = next()) != kEnd && rest != 0) {
      }
      if (rest == kEnd) break;
    }
  } while (position < max_length);

  if (!found) {
    if (insert_at >= max_length) insert_at = 0;
    std::string record = key;
    record.append(2, '\0');  // the key's end and the ring's
    if (!write_at(fd, record, insert_at)) *write_failed = true;
  }
  if (locked) lock(fd, F_UNLCK);
  return found;
}

}  // namespace mailsift::formail
