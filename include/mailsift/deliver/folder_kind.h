// Deciding what kind of folder a name denotes, as procmail does (procmailrc(5)):
// "x/." is an MH folder, "x/" a maildir, an existing directory a directory folder,
// /dev/null the bit bucket, anything else an mbox file.
#pragma once

#include <memory>
#include <string>

#include "mailsift/deliver/folder.h"
#include "mailsift/sys/io.h"

namespace mailsift::deliver {

struct FolderName {
  FolderKind kind;
  std::string path;      // the name without the trailing "/" or "/."
  std::string written;   // the name as written
};

// Classifies an expanded folder name. `secondary` is true for the second and later
// names of one action, where a plain name is always a directory folder.
FolderName classify_folder(sys::Io& io, const std::string& name, bool secondary);

// Makes the backend for a classified name.
std::unique_ptr<Folder> make_folder(const FolderName& name);

}  // namespace mailsift::deliver
