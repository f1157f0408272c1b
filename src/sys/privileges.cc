#include "mailsift/sys/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
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
  if (account.uid != 0 && ::setuid(0) == 0)
    return Status::error(Step::kConfig, EPERM, account.name, "root privileges still held");
  return Status();
}

}  // namespace mailsift::sys
