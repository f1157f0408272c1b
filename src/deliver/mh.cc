#include "mailsift/deliver/mh.h"

#include <cerrno>
#include <cstring>

#include "directory_store.h"
#include "mailsift/deliver/writer.h"

namespace mailsift::deliver {

// An MH folder: the message is written to a temporary file in the folder, then
// linked to the next message number (largest all-digit name + 1). Linking, unlike
// creating the numbered file directly, means a number never names a partly
// written message.
sys::Status MhFolder::deliver(sys::Io& io, const message::Message& message,
                              const DeliveryOptions& options, DeliveryReport* report) {
  sys::Status status = store::ensure_directory(io, path_, options.umask);
  if (!status.ok()) return status;

  store::NewFile file;
  status = store::write_new_file(io, path_, "_", message, format_for(FolderKind::kMh, options),
                                 options, &file);
  report->bytes_written = file.written;
  if (!status.ok()) return status;

  std::string created;
  status = store::link_next_number(io, file.file.path(), path_, &created, options.hooks,
                                   file.inode);
  if (!status.ok()) return status;  // `file` removes the temporary name

  const std::string temp = file.file.path();
  if (file.file.remove() != 0) {
    report->warnings.push_back("Couldn't remove temporary file \"" + temp +
                               "\": " + std::strerror(errno));
  }
  // Not durable until the folder is synced; see MaildirFolder::deliver for why a
  // failure here removes the message again.
  status = store::sync_directory(io, path_);
  if (!status.ok()) return store::undo_unsynced_link(io, created, status);
  report->stored.push_back(created);
  return sys::Status::ok_status();
}

sys::Status MhFolder::link_existing(sys::Io& io, const std::string& stored_file,
                                    const DeliveryOptions& options, std::string* created) {
  sys::Status status = store::ensure_directory(io, path_, options.umask);
  if (!status.ok()) return status;
  std::string target;
  status = store::link_next_number(io, stored_file, path_, &target);
  if (!status.ok()) return status;
  status = store::sync_directory(io, path_);
  if (!status.ok()) return store::undo_unsynced_link(io, target, status);
  *created = target;
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
