// The one place that changes user ids. mailsift is never installed setuid: when an
// MTA runs it as root with -d USER, it becomes USER here before it reads any rcfile
// or opens any folder.
#pragma once

#include <sys/types.h>

#include <string>

#include "mailsift/sys/status.h"

namespace mailsift::sys {

struct Account {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;
};

// Looks a user up by name (as procmail: if that fails, the part before '@',
// lower-cased). False when there is no such user.
bool lookup_account(const std::string& name, Account* out);
// The account of the real uid (name = the uid in decimal when there is no entry).
Account current_account();

// Takes the account's groups, gid and uid, then checks that they took effect and
// that root cannot be regained. Only root may switch to another account.
Status become(const Account& account);

}  // namespace mailsift::sys
