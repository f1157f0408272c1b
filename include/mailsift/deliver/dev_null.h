// /dev/null: the message is discarded on purpose; that counts as delivered.
#pragma once

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

class DevNullFolder final : public Folder {
 public:
  FolderKind kind() const override { return FolderKind::kDevNull; }
  std::string describe() const override { return "/dev/null"; }
  sys::Status deliver(sys::Io& io, const message::Message& message,
                      const DeliveryOptions& options, DeliveryReport* report) override;
};

}  // namespace mailsift::deliver
