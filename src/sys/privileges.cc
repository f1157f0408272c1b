#include "mailsift/sys/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <string>
#include <vector>

namespace mailsift::sys {
namespace {

bool from_passwd(const passwd* pw, Account* out) {
  if (pw == nullptr) return false;
  out->name = pw->pw_name;
  out->uid = pw->pw_uid;
  out->gid = pw->pw_gid;
  out->home = pw->pw_dir != nullptr && *pw->pw_dir != '\0' ? pw->pw_dir : "/";
  out->shell = pw->pw_shell != nullptr && *pw->pw_shell != '\0' ? pw->pw_shell : "/bin/sh";
  return true;
}

// The supplementary groups now in effect are the account's as the group database
// lists them (initgroups can quietly leave out groups past NGROUPS_MAX, and a failed
// call must not leave root's groups behind).
bool has_exactly_the_groups_of(const Account& account) {
  int count = 0;
  ::getgrouplist(account.name.c_str(), account.gid, nullptr, &count);
  std::vector<gid_t> wanted(static_cast<std::size_t>(std::max(count, 1)));
  count = static_cast<int>(wanted.size());
  if (::getgrouplist(account.name.c_str(), account.gid, wanted.data(), &count) < 0) return false;
  wanted.resize(static_cast<std::size_t>(count));
  const int have_count = ::getgroups(0, nullptr);
  if (have_count < 0) return false;
  std::vector<gid_t> have(static_cast<std::size_t>(have_count));
  if (have_count > 0 && ::getgroups(have_count, have.data()) != have_count) return false;
  // The kernel's list may or may not hold the primary group itself.
  have.push_back(account.gid);
  wanted.push_back(account.gid);
  for (auto* list : {&wanted, &have}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return wanted == have;
}

}  // namespace

bool lookup_account(const std::string& name, Account* out) {
  if (name.empty()) return false;
  if (from_passwd(::getpwnam(name.c_str()), out)) return true;
  // As procmail: "user@domain" and upper case are retried as "user".
  std::string local = name.substr(0, name.find('@'));
  std::transform(local.begin(), local.end(), local.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return local != name && from_passwd(::getpwnam(local.c_str()), out);
}

Account current_account() {
  Account account;
  if (from_passwd(::getpwuid(::getuid()), &account)) return account;
  account.uid = ::getuid();
  account.gid = ::getgid();
  account.name = std::to_string(account.uid);
  account.home = "/";
  account.shell = "/bin/sh";
  return account;
}

Status become(const Account& account) {
  if (::geteuid() == account.uid && ::getuid() == account.uid && ::getgid() == account.gid &&
      ::getegid() == account.gid)
    return Status();
  if (::geteuid() != 0)
    return Status::error(Step::kConfig, EPERM, account.name,
                         "only root can deliver as another user");
  // Groups first: once the uid has changed they can no longer be set.
  if (::initgroups(account.name.c_str(), account.gid) != 0)
    return Status::error(Step::kConfig, errno, account.name, "initgroups");
  if (::setgid(account.gid) != 0)
    return Status::error(Step::kConfig, errno, account.name, "setgid");
  if (::setuid(account.uid) != 0)
    return Status::error(Step::kConfig, errno, account.name, "setuid");
  // Verify: the ids took effect and root cannot be regained.
  if (::getuid() != account.uid || ::geteuid() != account.uid || ::getgid() != account.gid ||
      ::getegid() != account.gid)
    return Status::error(Step::kConfig, EPERM, account.name, "user ids did not change");
  if (!has_exactly_the_groups_of(account))
    return Status::error(Step::kConfig, EPERM, account.name,
                         "the supplementary groups are not the user's");
  if (account.uid != 0 && ::setuid(0) == 0)
    return Status::error(Step::kConfig, EPERM, account.name, "root privileges still held");
  if (account.uid != 0 && account.gid != 0 && ::setgid(0) == 0)
    return Status::error(Step::kConfig, EPERM, account.name, "group root still held");
  return Status();
}

Status drop_set_id_privileges(bool* dropped) {
  *dropped = false;
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  if (::geteuid() == uid && ::getegid() == gid) return Status();
  *dropped = true;
  // The group while the effective uid may still be root; saved ids too, so that
  // nothing can be taken back.
  if (::getegid() != gid && ::setresgid(gid, gid, gid) != 0)
    return Status::error(Step::kConfig, errno, std::to_string(uid), "setresgid");
  if (::geteuid() != uid && ::setresuid(uid, uid, uid) != 0)
    return Status::error(Step::kConfig, errno, std::to_string(uid), "setresuid");
  if (::geteuid() != uid || ::getegid() != gid)
    return Status::error(Step::kConfig, EPERM, std::to_string(uid),
                         "the setuid or setgid ids could not be given up");
  return Status();
}

}  // namespace mailsift::sys
