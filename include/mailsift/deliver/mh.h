// An MH folder ("dir/."): the message is stored under the next free number.
#pragma once

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

class MhFolder final : public Folder {
 public:
  explicit MhFolder(std::string path) : path_(std::move(path)) {}
  FolderKind kind() const override { return FolderKind::kMh; }
  std::string describe() const override { return path_ + "/."; }
  sys::Status deliver(sys::Io& io, const message::Message& message,
                      const DeliveryOptions& options, DeliveryReport* report) override;
  sys::Status link_existing(sys::Io& io, const std::string& stored_file,
                            const DeliveryOptions& options, std::string* created) override;

 private:
  std::string path_;
};

}  // namespace mailsift::deliver
