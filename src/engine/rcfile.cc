#include "mailsift/engine/rcfile.h"

#include <cerrno>
#include <cstdio>

namespace mailsift::engine {
namespace {

std::string octal_mode(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

// Writable and searchable by the given class (S_IWOTH|S_IXOTH or the group's):
// anyone in it can replace a file there, unless the sticky bit forbids it.
bool replaceable_by(const struct stat& dir, mode_t write_bit, mode_t search_bit) {
  return (dir.st_mode & write_bit) != 0 && (dir.st_mode & search_bit) != 0 &&
         (dir.st_mode & S_ISVTX) == 0;
}

}  // namespace

std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter) {
  if (name.empty() || name[0] == '/') return name;
  if (mail_filter || name.rfind("./", 0) == 0) return name;
  return home + "/" + name;
}

bool rcfile_is_checked(const std::string& name, bool mail_filter) {
  if (!name.empty() && name[0] == '/') return true;
  return !mail_filter && name.rfind("./", 0) != 0;
}

std::string rcfile_suspicion(sys::Io& io, const std::string& path, const struct stat& file,
                             const RcfileTrust& trust) {
  if (path == "/dev/null") return {};
  if (file.st_uid != trust.recipient_uid && file.st_uid != 0)
    return "it belongs to uid " + std::to_string(file.st_uid) + ", not to uid " +
           std::to_string(trust.recipient_uid) + " (the recipient) or root";
  if ((file.st_mode & S_IWOTH) != 0)
    return "everyone may write to it (mode " + octal_mode(file.st_mode) + ")";
  if (trust.default_rcfile && (file.st_mode & S_IWGRP) != 0 &&
      file.st_gid != trust.recipient_gid)
    return "its group (gid " + std::to_string(file.st_gid) +
           ") may write to it and is not the recipient's own group (mode " +
           octal_mode(file.st_mode) + ")";
  const std::string directory = sys::dirname_of(path);
  struct stat dir {};
  if (io.stat(directory.c_str(), &dir) != 0)
    return "its directory \"" + directory + "\" cannot be checked";
  if (replaceable_by(dir, S_IWOTH, S_IXOTH))
    return "everyone may replace it: its directory \"" + directory +
           "\" is writable by all and has no sticky bit (mode " + octal_mode(dir.st_mode) + ")";
  if (trust.default_rcfile && replaceable_by(dir, S_IWGRP, S_IXGRP) &&
      dir.st_gid != trust.recipient_gid)
    return "its group may replace it: its directory \"" + directory +
           "\" is writable by group gid " + std::to_string(dir.st_gid) +
           ", which is not the recipient's own group, and has no sticky bit (mode " +
           octal_mode(dir.st_mode) + ")";
  return {};
}

int read_rcfile(sys::Io& io, const std::string& path, const RcfileTrust* trust,
                std::string* text, std::string* suspicion) {
  suspicion->clear();
  const int fd = io.open(path.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  int saved = 0;
  if (trust != nullptr) {
    // The checks look at the file that was opened, not at whatever the name
    // points to a moment later.
    struct stat file {};
    if (io.fstat(fd, &file) != 0) {
      saved = errno;
      io.close(fd);
      errno = saved;
      return -1;
    }
    *suspicion = rcfile_suspicion(io, path, file, *trust);
    if (!suspicion->empty()) {
      io.close(fd);
      errno = EPERM;
      return -1;
    }
  }
  const int rc = sys::read_whole_fd(io, fd, text);
  saved = errno;
  io.close(fd);
  errno = saved;
  return rc;
}

}  // namespace mailsift::engine
