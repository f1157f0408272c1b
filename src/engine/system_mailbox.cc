#include "mailsift/engine/system_mailbox.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace mailsift::engine {
namespace {

// The group Debian's procmail is setgid to: a spool of that group gets umask 007.
gid_t mail_group() {
  const struct group* mail = ::getgrnam("mail");
  return mail != nullptr ? mail->gr_gid : static_cast<gid_t>(-1);
}

// Whether the recipient could make an entry in a directory (procmail makes the
// spool directory as the recipient, even when root runs -d).
bool recipient_may_write(const struct stat& dir, const sys::Account& recipient) {
  if (dir.st_uid == recipient.uid) return (dir.st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
  if (dir.st_gid == recipient.gid) return (dir.st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
  return (dir.st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

bool bogus(const struct stat& st, uid_t uid) {
  if (st.st_uid != uid || (st.st_mode & S_IWUSR) == 0 || S_ISLNK(st.st_mode)) return true;
  if (S_ISDIR(st.st_mode)) return (st.st_mode & S_IXUSR) == 0;
  return st.st_nlink != 1;
}

}  // namespace

std::string bogus_name(const std::string& directory, const std::string& login, ino_t inode) {
  // procmail's ultoan(): base 64 over A-Z a-z 0-9 - _, the least significant digit
  // first, no padding.
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string digits;
  unsigned long long n = inode;
  do {
    digits += kDigits[n % 64];
    n /= 64;
  } while (n != 0);
  return directory + "/BOGUS." + login + "." + digits;
}

ScreeningResult screen_system_mailbox(sys::Io& io, Log& log, const std::string& mailbox,
                                      const sys::Account& recipient, bool delivery_mode,
                                      unsigned suspend_seconds) {
  ScreeningResult result;
  const uid_t uid = recipient.uid;
  const bool root = ::geteuid() == 0;
  const std::string directory = sys::dirname_of(mailbox);
  auto couldnt_create = [&] {
    log.line("Couldn't create \"" + mailbox + "\"");
    result.orgmail_unusable = true;
    return result;
  };

  struct stat dir {};
  if (io.stat(directory.c_str(), &dir) != 0) {
    // The recipient makes it, even when root runs -d.
    struct stat parent {};
    if (root && (io.stat(sys::dirname_of(directory).c_str(), &parent) != 0 ||
                 !recipient_may_write(parent, recipient)))
      return couldnt_create();
    if (io.mkdir(directory.c_str(), 0700) != 0) return couldnt_create();
    if (root) (void)io.chown(directory.c_str(), uid, recipient.gid);
    if (io.stat(directory.c_str(), &dir) != 0) return couldnt_create();
  }
  const bool world_usable = (dir.st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
  const mode_t umask_bits =
      dir.st_uid != uid && ((dir.st_mode & S_ISGID) != 0 || !world_usable) &&
              dir.st_gid == mail_group()
          ? 007
          : 077;
  const bool group_may_keep = world_usable || dir.st_uid == uid;

  struct stat st {};
  bool exists = io.lstat(mailbox.c_str(), &st) == 0;
  if (exists && bogus(st, uid)) {
    // Another delivery may be making it right now: look again after a while.
    io.sleep_unless_signalled(suspend_seconds);
    exists = io.lstat(mailbox.c_str(), &st) == 0;
    if (exists && bogus(st, uid)) {
      const std::string target = bogus_name(directory, recipient.name, st.st_ino);
      log.line("Renaming bogus mailbox \"" + mailbox + "\" info \"" + target + "\"");
      if (io.rename(mailbox.c_str(), target.c_str()) != 0) return couldnt_create();
      exists = false;
    }
  }
  mode_t mode = st.st_mode;
  if (exists) {
    const mode_t bits = st.st_mode & 07777;
    if (delivery_mode &&
        ((bits & S_ISUID) != 0 || (!S_ISDIR(st.st_mode) && (bits & S_ISGID) != 0))) {
      log.line("Autoforwarding mailbox found");
      result.autoforwarding = true;
      return result;
    }
    const mode_t forbidden = bits & umask_bits & (group_may_keep ? 07777 : ~mode_t{S_IRGRP | S_IWGRP});
    if ((bits & (S_IXUSR | S_ISUID | S_ISGID | S_ISVTX)) == 0 && forbidden != 0) {
      log.line("Enforcing stricter permissions on \"" + mailbox + "\"");
      (void)io.chmod(mailbox.c_str(), bits & ~umask_bits);
    }
  } else {
    const int fd =
        io.open(mailbox.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return couldnt_create();
    mode = S_IFREG | (0666 & ~umask_bits);
    bool made = io.fchmod(fd, 0666 & ~umask_bits) == 0;
    // The group: the spool's (a setgid spool gives it), or the recipient's in a
    // spool of the recipient's own.
    const gid_t group = dir.st_uid == uid ? recipient.gid : static_cast<gid_t>(-1);
    if (root) made = made && io.fchown(fd, uid, group) == 0;
    io.close(fd);
    if (!made) {
      (void)io.unlink(mailbox.c_str());
      return couldnt_create();
    }
  }
  // A lockfile someone else left beside a mailbox its group cannot write: moved away,
  // silently, as procmail does.
  if (!S_ISDIR(mode) && (mode & S_IWGRP) == 0) {
    const std::string lock = mailbox + ".lock";
    struct stat lock_st {};
    if (io.lstat(lock.c_str(), &lock_st) == 0 && lock_st.st_uid != uid && lock_st.st_uid != 0)
      (void)io.rename(lock.c_str(), bogus_name(directory, recipient.name, lock_st.st_ino).c_str());
  }
  return result;
}

}  // namespace mailsift::engine
