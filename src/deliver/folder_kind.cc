#include "mailsift/deliver/folder_kind.h"

#include <sys/stat.h>

#include <cerrno>

#include "mailsift/deliver/dev_null.h"
#include "mailsift/deliver/directory.h"
#include "mailsift/deliver/maildir.h"
#include "mailsift/deliver/mbox.h"
#include "mailsift/deliver/mh.h"

namespace mailsift::deliver {

const char* folder_kind_name(FolderKind kind) {
  switch (kind) {
    case FolderKind::kMbox: return "mbox";
    case FolderKind::kMaildir: return "maildir";
    case FolderKind::kMh: return "MH folder";
    case FolderKind::kDirectory: return "directory";
    case FolderKind::kDevNull: return "/dev/null";
  }
  return "unknown";
}

sys::Status Folder::link_existing(sys::Io& /*io*/, const std::string& /*stored_file*/,
                                  const DeliveryOptions& /*options*/, std::string* /*created*/) {
  return sys::Status::error(sys::Step::kLink, ENOTDIR, describe(),
                            std::string("a ") + folder_kind_name(kind()) +
                                " cannot take a link to a stored message");
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Trailing slashes off, but "/" stays "/".
void strip_slashes(std::string* path) {
  while (path->size() > 1 && path->back() == '/') path->pop_back();
}

}  // namespace

// procmailrc(5) and behaviour §7.1. The order matters: "x/." must be tested before
// "x/", and only names that are neither are looked up in the file system.
FolderName classify_folder(sys::Io& io, const std::string& name, bool secondary) {
  FolderName out{FolderKind::kMbox, name, name};
  if (name.size() > 2 && ends_with(name, "/.")) {
    out.kind = FolderKind::kMh;
    out.path.resize(name.size() - 2);
    strip_slashes(&out.path);
    return out;
  }
  if (name.size() >= 2 && name.back() == '/') {
    out.kind = FolderKind::kMaildir;
    strip_slashes(&out.path);
    return out;
  }
  // Further names of one action get hard links, so they are directories whatever
  // the file system says (created when missing); procmail does not special-case
  // /dev/null there either ("Unable to treat as directory").
  if (secondary) {
    out.kind = FolderKind::kDirectory;
    return out;
  }
  if (name == "/dev/null") {
    out.kind = FolderKind::kDevNull;
    return out;
  }
  struct stat st {};
  if (io.stat(name.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.kind = FolderKind::kDirectory;
  return out;
}

std::unique_ptr<Folder> make_folder(const FolderName& name) {
  switch (name.kind) {
    case FolderKind::kMbox: return std::make_unique<MboxFolder>(name.path);
    case FolderKind::kMaildir: return std::make_unique<MaildirFolder>(name.path);
    case FolderKind::kMh: return std::make_unique<MhFolder>(name.path);
    case FolderKind::kDirectory: return std::make_unique<DirectoryFolder>(name.path);
    case FolderKind::kDevNull: return std::make_unique<DevNullFolder>();
  }
  return std::make_unique<MboxFolder>(name.path);
}

}  // namespace mailsift::deliver
