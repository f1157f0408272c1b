// A plain directory folder: the message is stored as $MSGPREFIX<number> (procmail
// uses the inode number of the file, written in its base 64).
#pragma once

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

class DirectoryFolder final : public Folder {
 public:
  explicit DirectoryFolder(std::string path) : path_(std::move(path)) {}
  FolderKind kind() const override { return FolderKind::kDirectory; }
  std::string describe() const override { return path_; }
  sys::Status deliver(sys::Io& io, const message::Message& message,
                      const DeliveryOptions& options, DeliveryReport* report) override;
  sys::Status link_existing(sys::Io& io, const std::string& stored_file,
                            const DeliveryOptions& options, std::string* created) override;

 private:
  std::string path_;
};

}  // namespace mailsift::deliver
