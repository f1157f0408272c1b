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

// Takes the account's supplementary groups (initgroups), gid and uid, in that order,
// then checks that all of them took effect: real and effective uid and gid are the
// account's, the supplementary groups are exactly the account's (getgrouplist), and
// neither setuid(0) nor setgid(0) succeeds any more. Only root may switch to another
// account; any failure is an error (the caller must not go on as root).
Status become(const Account& account);

// mailsift needs no setuid or setgid bit. If it has one anyway (real and effective
// ids differ), it gives the borrowed ids up for good at once, so that a user cannot
// use it to deliver as someone else. Returns true when it did so (the caller logs
// it); an error when the ids could not be given up (the caller must stop).
Status drop_set_id_privileges(bool* dropped);

}  // namespace mailsift::sys
