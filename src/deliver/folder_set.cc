#include "mailsift/deliver/folder_set.h"

#include <cerrno>

#include "mailsift/deliver/folder_kind.h"
#include "mailsift/limits.h"

namespace mailsift::deliver {

// procmail's "several folders in one action" (behaviour §7.6): the first folder
// gets the message, every further one a hard link to that very file, so all of
// them share the first folder's bytes (From_ line, trailing newline). A failed
// link is not a failed delivery: the message is stored, and a retry by the MTA
// would store it a second time.
sys::Status deliver_to_folders(sys::Io& io, const std::vector<std::string>& names,
                               const message::Message& message, const DeliveryOptions& options,
                               DeliveryReport* report) {
  if (names.empty()) {
    return sys::Status::error(sys::Step::kConfig, EINVAL, "", "no folder named");
  }
  if (names.size() > limits::kMaxFoldersPerAction) {
    return sys::Status::error(sys::Step::kConfig, E2BIG, names.front(),
                              "more than " + std::to_string(limits::kMaxFoldersPerAction) +
                                  " folders in one action");
  }
  const FolderName first = classify_folder(io, names.front(), false);
  const auto folder = make_folder(first);
  const std::size_t before = report->stored.size();
  const sys::Status status = folder->deliver(io, message, options, report);
  if (!status.ok() || names.size() == 1) return status;

  const bool can_link = first.kind != FolderKind::kMbox && first.kind != FolderKind::kDevNull &&
                        report->stored.size() > before;
  const std::string stored_file = can_link ? report->stored[before] : std::string();
  if (!can_link) {
    // One line for all of them, as procmail logs it.
    std::string skipped;
    for (std::size_t i = 1; i < names.size(); ++i) skipped += (i > 1 ? " " : "") + names[i];
    report->warnings.push_back("Skipped \"" + skipped + "\"");
    return status;
  }
  for (std::size_t i = 1; i < names.size(); ++i) {
    const FolderName further = classify_folder(io, names[i], true);
    std::string created;
    const sys::Status linked =
        make_folder(further)->link_existing(io, stored_file, options, &created);
    if (linked.ok()) {
      report->stored.push_back(created);
    } else {
      report->warnings.push_back("Couldn't make link to \"" + names[i] + "\": " +
                                 linked.message());
    }
  }
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
