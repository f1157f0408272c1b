// Finding an rcfile named on the command line, and deciding whether to trust one.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>

#include "mailsift/sys/io.h"

namespace mailsift::engine {

// Where an rcfile named on the command line is (procmail(1)): absolute names as
// they are, "./x" (and, with -m, any relative name) relative to the current
// directory, other relative names relative to $HOME.
std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter);

// Whether an rcfile named on the command line gets the ownership and permission
// checks below: absolute and $HOME-relative names do; "./x" and relative -m names
// (files the invoker points at in the current directory) do not, as in procmail.
bool rcfile_is_checked(const std::string& name, bool mail_filter);

// Whom an rcfile must belong to, and how strictly it is looked at (procmail(1),
// NOTES; checked against procmail 3.23pre as Debian builds it).
struct RcfileTrust {
  uid_t recipient_uid = 0;
  // The recipient's primary group: it may write the default rcfile and its
  // directory (procmail built with GROUP_PER_USER, as Debian's is).
  gid_t recipient_gid = 0;
  // $HOME/.procmailrc found without being named: group write permission counts too.
  bool default_rcfile = false;
};

// Why procmail would refuse this rcfile ("Suspicious rcfile"), in words for the log,
// or "" when it may be used. file: the rcfile's own status, from the opened file
// (symbolic links followed, as procmail does). The directory checked is that of
// `path` as written (stat through io). Refused:
// - a file owned by anyone but the recipient or root;
// - a file writable by everyone;
// - a directory writable and searchable by everyone, without the sticky bit;
// - for the default rcfile only: a file writable by its group, or a directory
//   writable and searchable by its group without the sticky bit, unless that group
//   is the recipient's primary group.
// "/dev/null" is always accepted.
std::string rcfile_suspicion(sys::Io& io, const std::string& path, const struct stat& file,
                             const RcfileTrust& trust);

// Reads an rcfile for running. With trust, the checks above are made on the opened
// file (no window between the check and the read). Returns 0, or -1 with errno set
// when it cannot be read, or -1 with *suspicion set (errno EPERM) when it is refused.
int read_rcfile(sys::Io& io, const std::string& path, const RcfileTrust* trust,
                std::string* text, std::string* suspicion);

}  // namespace mailsift::engine
