// An mbox file: lock (dotlock when asked, then fcntl), remember the length, end a
// torn tail (a file that does not end in a newline, left by a delivery that was
// killed) with an empty line, append, fsync; on any error truncate back to the old
// length before unlocking. The Status of a failure names the failed step and, as
// its aftermath, whether the file was cut back.
#pragma once

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

class MboxFolder final : public Folder {
 public:
  explicit MboxFolder(std::string path) : path_(std::move(path)) {}
  FolderKind kind() const override { return FolderKind::kMbox; }
  std::string describe() const override { return path_; }
  sys::Status deliver(sys::Io& io, const message::Message& message,
                      const DeliveryOptions& options, DeliveryReport* report) override;

 private:
  std::string path_;
};

}  // namespace mailsift::deliver
