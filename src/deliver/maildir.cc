#include "mailsift/deliver/maildir.h"

#include <cerrno>
#include <cstring>

#include "directory_store.h"
#include "mailsift/deliver/writer.h"
#include "mailsift/limits.h"
#include "mailsift/sys/unique_name.h"

namespace mailsift::deliver {
namespace {

// The maildir and its three subdirectories, created as procmail creates them
// (0777 less the umask; it creates new/ first, then cur/ and tmp/).
sys::Status ensure_maildir(sys::Io& io, const std::string& path, mode_t umask) {
  sys::Status status = store::ensure_directory(io, path, umask);
  for (const char* sub : {"new", "cur", "tmp"}) {
    if (!status.ok()) break;
    status = store::ensure_directory(io, store::join(path, sub), umask);
  }
  return status;
}

// Hard-links `from` into new/, first under `name`, then under fresh unique names
// while the name is taken. link(2) never replaces an existing file, unlike the
// rename(2) some delivery agents use, so no message can be overwritten.
sys::Status link_into_new(sys::Io& io, const std::string& from, const std::string& new_dir,
                          std::string name, const std::string& hostname,
                          std::string* created, CommitHooks* hooks = nullptr,
                          ino_t inode = 0) {
  std::string target;
  for (int attempt = 0; attempt < limits::kUniqueNameAttempts; ++attempt) {
    if (attempt > 0) name = sys::unique_maildir_name(hostname);
    target = store::join(new_dir, name);
    if (hooks != nullptr) hooks->before_maildir_link(from, target, inode);
    if (io.link(from.c_str(), target.c_str()) == 0) {
      *created = target;
      return sys::Status::ok_status();
    }
    if (errno != EEXIST) return sys::Status::error(sys::Step::kLink, errno, target);
  }
  return sys::Status::error(sys::Step::kLink, EEXIST, target, "no free name in new/");
}

}  // namespace

// The maildir protocol (qmail's maildir(5), Postfix local(8)): write and fsync the
// file in tmp/, link it into new/, remove the tmp/ name, fsync new/. Only then is
// the message delivered; before that, every failure leaves new/ as it was and
// removes the tmp/ file.
sys::Status MaildirFolder::deliver(sys::Io& io, const message::Message& message,
                                   const DeliveryOptions& options, DeliveryReport* report) {
  sys::Status status = ensure_maildir(io, path_, options.umask);
  if (!status.ok()) return status;

  store::NewFile file;
  const std::string new_dir = store::join(path_, "new");
  status = store::write_new_file(io, store::join(path_, "tmp"), "", message,
                                 format_for(FolderKind::kMaildir, options), options, &file);
  report->bytes_written = file.written;
  if (!status.ok()) return status;

  std::string created;
  status = link_into_new(io, file.file.path(), new_dir, file.file.name(), options.hostname,
                         &created, options.hooks, file.inode);
  if (!status.ok()) return status;  // `file` removes the tmp/ name

  const std::string temp = file.file.path();
  if (file.file.remove() != 0) {
    // The message is in new/; a stale tmp/ file is cleaned up by mail readers.
    report->warnings.push_back("Couldn't remove temporary file \"" + temp +
                               "\": " + std::strerror(errno));
  }

  // Without this fsync the new/ entry may vanish in a crash although we reported
  // success. If it fails, the message is visible but not durable. We remove the
  // link again and report failure: the MTA keeps its copy and retries (or the
  // message goes to $DEFAULT), so it is neither lost nor stored twice. Keeping the
  // link and failing would duplicate it on retry; keeping it and succeeding would
  // break the delivery contract.
  status = store::sync_directory(io, new_dir);
  if (!status.ok()) return store::undo_unsynced_link(io, created, status);
  report->stored.push_back(created);
  return sys::Status::ok_status();
}

sys::Status MaildirFolder::link_existing(sys::Io& io, const std::string& stored_file,
                                         const DeliveryOptions& options,
                                         std::string* created) {
  sys::Status status = ensure_maildir(io, path_, options.umask);
  if (!status.ok()) return status;
  const std::string new_dir = store::join(path_, "new");
  std::string target;
  status = link_into_new(io, stored_file, new_dir, sys::unique_maildir_name(options.hostname),
                         options.hostname, &target);
  if (!status.ok()) return status;
  status = store::sync_directory(io, new_dir);
  if (!status.ok()) return store::undo_unsynced_link(io, target, status);
  *created = target;
  return sys::Status::ok_status();
}

}  // namespace mailsift::deliver
