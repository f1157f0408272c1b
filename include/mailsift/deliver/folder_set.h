// Delivering one message to the folders named in one action. The first folder
// gets the message; every further (directory-type) folder gets a hard link to that
// same file, as procmail does. If the first is an mbox, the others are skipped.
#pragma once

#include <string>
#include <vector>

#include "mailsift/deliver/folder.h"

namespace mailsift::deliver {

// Succeeds when the first folder stored the message; failed links to further
// folders are reported as warnings.
sys::Status deliver_to_folders(sys::Io& io, const std::vector<std::string>& names,
                               const message::Message& message, const DeliveryOptions& options,
                               DeliveryReport* report);

}  // namespace mailsift::deliver
