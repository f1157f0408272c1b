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

// What deliver_to_folders() would do, found out without writing anything (for
// "mailsift --dry-run"): report->stored gets the names as written of the folders that
// would hold the message, report->warnings the lines a delivery would log. The
// failures the file system already shows are foreseen (a missing parent directory, a
// file where a directory is needed); what only writing would reveal (a full disk, a
// held lock, a permission the kernel checks at open) is not.
sys::Status predict_delivery(sys::Io& io, const std::vector<std::string>& names,
                             DeliveryReport* report);

}  // namespace mailsift::deliver
