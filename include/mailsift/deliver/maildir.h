// A maildir: create tmp/<unique> with O_EXCL, write, fsync, link() into new/ (never
// a rename that could replace), unlink the tmp name, fsync new/. Missing maildirs
// (and new/, cur/, tmp/) are created, as procmail creates them.
#pragma once

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

class MaildirFolder final : public Folder {
 public:
  explicit MaildirFolder(std::string path) : path_(std::move(path)) {}
  FolderKind kind() const override { return FolderKind::kMaildir; }
  std::string describe() const override { return path_ + "/"; }
  sys::Status deliver(sys::Io& io, const message::Message& message,
                      const DeliveryOptions& options, DeliveryReport* report) override;
  sys::Status link_existing(sys::Io& io, const std::string& stored_file,
                            const DeliveryOptions& options, std::string* created) override;

 private:
  std::string path_;
};

}  // namespace mailsift::deliver
