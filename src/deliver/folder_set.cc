#include "mailsift/deliver/folder_set.h"

#include <sys/stat.h>

#include <cerrno>

#include "mailsift/deliver/folder_kind.h"
#include "mailsift/limits.h"

namespace mailsift::deliver {

// procmail's "several folders in one action" (behaviour §7.6): the first folder
// gets the message, every further one a hard link to that very file, so all of
// them share the first folder's bytes (From_ line, trailing newline). A failed
// link is not a failed delivery: the message is stored, and a retry by the MTA
// would store it a second time.
namespace {

sys::Status check_folder_count(const std::vector<std::string>& names) {
  if (names.empty()) {
    return sys::Status::error(sys::Step::kConfig, EINVAL, "", "no folder named");
  }
  if (names.size() > limits::kMaxFoldersPerAction) {
    return sys::Status::error(sys::Step::kConfig, E2BIG, names.front(),
                              "more than " + std::to_string(limits::kMaxFoldersPerAction) +
                                  " folders in one action");
  }
  return sys::Status::ok_status();
}

// Only a directory-type first folder leaves a file that further names can link to.
bool further_names_link(const FolderName& first) {
  return first.kind != FolderKind::kMbox && first.kind != FolderKind::kDevNull;
}

// One line for all further names, as procmail logs it.
std::string skipped_line(const std::vector<std::string>& names) {
  std::string skipped;
  for (std::size_t i = 1; i < names.size(); ++i) skipped += (i > 1 ? " " : "") + names[i];
  return "Skipped \"" + skipped + "\"";
}

// The failures the file system already shows before anything is written: a missing
// or non-directory parent, a file where a directory is needed and the reverse.
sys::Status probe_folder(sys::Io& io, const FolderName& name) {
  if (name.kind == FolderKind::kDevNull) return sys::Status::ok_status();
  const bool wants_directory = name.kind != FolderKind::kMbox;
  struct stat st {};
  if (io.stat(name.path.c_str(), &st) == 0) {
    if (wants_directory && !S_ISDIR(st.st_mode)) {
      return sys::Status::error(sys::Step::kMkdir, ENOTDIR, name.path,
                                "unable to treat as directory");
    }
    if (!wants_directory && S_ISDIR(st.st_mode)) {
      return sys::Status::error(sys::Step::kOpen, EISDIR, name.path);
    }
    return sys::Status::ok_status();
  }
  const sys::Step step = wants_directory ? sys::Step::kMkdir : sys::Step::kOpen;
  if (errno != ENOENT) return sys::Status::error(step, errno, name.path);
  const std::string parent = sys::dirname_of(name.path);
  if (io.stat(parent.c_str(), &st) != 0) return sys::Status::error(step, errno, name.path);
  if (!S_ISDIR(st.st_mode)) return sys::Status::error(step, ENOTDIR, name.path);
  return sys::Status::ok_status();
}

}  // namespace

sys::Status deliver_to_folders(sys::Io& io, const std::vector<std::string>& names,
                               const message::Message& message, const DeliveryOptions& options,
                               DeliveryReport* report) {
  if (auto count = check_folder_count(names); !count.ok()) return count;
  const FolderName first = classify_folder(io, names.front(), false);
  const auto folder = make_folder(first);
  const std::size_t before = report->stored.size();
  const sys::Status status = folder->deliver(io, message, options, report);
  report->kinds.resize(report->stored.size(), first.kind);
  if (!status.ok() || names.size() == 1) return status;

  const bool can_link = further_names_link(first) && report->stored.size() > before;
  const std::string stored_file = can_link ? report->stored[before] : std::string();
  if (!can_link) {
    report->warnings.push_back(skipped_line(names));
    return status;
  }
  for (std::size_t i = 1; i < names.size(); ++i) {
    const FolderName further = classify_folder(io, names[i], true);
    std::string created;
    const sys::Status linked =
        make_folder(further)->link_existing(io, stored_file, options, &created);
    if (linked.ok()) {
      report->stored.push_back(created);
      report->kinds.push_back(further.kind);
    } else {
      report->warnings.push_back("Couldn't make link to \"" + names[i] + "\": " +
                                 linked.message());
    }
  }
  return sys::Status::ok_status();
}

sys::Status predict_delivery(sys::Io& io, const std::vector<std::string>& names,
                             DeliveryReport* report) {
  if (auto count = check_folder_count(names); !count.ok()) return count;
  const FolderName first = classify_folder(io, names.front(), false);
  if (auto status = probe_folder(io, first); !status.ok()) return status;
  report->stored.push_back(names.front());
  report->kinds.push_back(first.kind);
  if (names.size() == 1) return sys::Status::ok_status();
  if (!further_names_link(first)) {
    report->warnings.push_back(skipped_line(names));
    return sys::Status::ok_status();
  }
  for (std::size_t i = 1; i < names.size(); ++i) {
    const FolderName further = classify_folder(io, names[i], true);
    sys::Status status = further_names_link(further)
                             ? probe_folder(io, further)
                             : sys::Status::error(sys::Step::kLink, ENOTDIR, names[i],
                                                  "not a directory folder");
    if (status.ok()) {
      report->stored.push_back(names[i]);
      report->kinds.push_back(further.kind);
    } else {
      report->warnings.push_back("Couldn't make link to \"" + names[i] + "\": " +
                                 status.message());
    }
  }
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
