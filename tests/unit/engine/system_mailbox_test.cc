// The system mailbox screening on a spool of the test's own (a temporary directory
// owned by the user running the tests, so procmail's umask there is 077). The
// Debian spool, root:mail 2775, and the comparison with procmail are in
// tests/cli/system_mailbox.sh.
#include "mailsift/engine/system_mailbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "forwarding_io.h"
#include "mailsift/sys/privileges.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::exists;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// Records the waits (without waiting) and fails the calls a test names.
class ScreeningIo : public testing::ForwardingIo {
 public:
  void sleep_unless_signalled(unsigned seconds) override { waited += seconds; }
  int open(const char* path, int flags, mode_t mode) override {
    if (fail_open) {
      errno = EACCES;
      return -1;
    }
    return ForwardingIo::open(path, flags, mode);
  }
  int rename(const char* from, const char* to) override {
    if (fail_rename) {
      errno = EACCES;
      return -1;
    }
    return ForwardingIo::rename(from, to);
  }
  int fchmod(int fd, mode_t mode) override {
    if (fail_fchmod) {
      errno = EPERM;
      return -1;
    }
    return ForwardingIo::fchmod(fd, mode);
  }

  unsigned waited = 0;
  bool fail_open = false;
  bool fail_rename = false;
  bool fail_fchmod = false;
};

class SystemMailboxTest : public ::testing::Test {
 protected:
  SystemMailboxTest()
      : spool_(dir_ / "spool"),
        mailbox_(spool_ + "/" + account_.name),
        stderr_path_(dir_ / "stderr"),
        stderr_fd_(::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)),
        log_(io_, stderr_fd_) {
    ::mkdir(spool_.c_str(), 0755);
  }
  ~SystemMailboxTest() override { ::close(stderr_fd_); }

  ScreeningResult screen(bool delivery_mode) {
    return screen_system_mailbox(io_, log_, mailbox_, account_, delivery_mode, 16);
  }
  mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_mode;
  }
  ino_t inode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st.st_ino;
  }
  std::string logged() { return read_file(stderr_path_); }

  TempDir dir_;
  sys::Account account_ = sys::current_account();
  std::string spool_;
  std::string mailbox_;
  std::string stderr_path_;
  int stderr_fd_;
  ScreeningIo io_;
  Log log_;
};

// procmail's ultoan(): base 64 over A-Z a-z 0-9 - _, least significant digit first
// (the values seen on Debian's procmail).
TEST(BogusName, IsTheInodeInProcmailsBase64) {
  EXPECT_EQ(bogus_name("/var/mail", "u", 405881), "/var/mail/BOGUS.u.5FjB");
  EXPECT_EQ(bogus_name("/var/mail", "u", 405099), "/var/mail/BOGUS.u.r5iB");
  EXPECT_EQ(bogus_name("/var/mail", "joe", 1179654), "/var/mail/BOGUS.joe.GAgE");
  EXPECT_EQ(bogus_name("/s", "u", 0), "/s/BOGUS.u.A");
  EXPECT_EQ(bogus_name("/s", "u", 63), "/s/BOGUS.u._");
}

TEST_F(SystemMailboxTest, AMissingMailboxIsMadeEmpty) {
  const ScreeningResult result = screen(false);
  EXPECT_FALSE(result.orgmail_unusable);
  EXPECT_FALSE(result.autoforwarding);
  ASSERT_TRUE(exists(mailbox_));
  EXPECT_EQ(mode_of(mailbox_), S_IFREG | 0600);
  EXPECT_EQ(read_file(mailbox_), "");
  EXPECT_EQ(logged(), "");
  EXPECT_EQ(io_.waited, 0u);
}

TEST_F(SystemMailboxTest, AMissingSpoolIsMadeForTheRecipient) {
  mailbox_ = dir_ / "newspool/" + account_.name;
  EXPECT_FALSE(screen(true).orgmail_unusable);
  EXPECT_EQ(mode_of(dir_ / "newspool"), S_IFDIR | 0700);
  EXPECT_TRUE(exists(mailbox_));
}

TEST_F(SystemMailboxTest, AnAcceptableMailboxIsLeftAlone) {
  write_file(mailbox_, "From a\n\nkept\n");
  ::chmod(mailbox_.c_str(), 0600);
  const ino_t before = inode_of(mailbox_);
  EXPECT_FALSE(screen(true).orgmail_unusable);
  EXPECT_EQ(inode_of(mailbox_), before);
  EXPECT_EQ(read_file(mailbox_), "From a\n\nkept\n");
  EXPECT_EQ(logged(), "");
}

TEST_F(SystemMailboxTest, ASymlinkIsRenamedBogusAfterTheWaitAndReplaced) {
  write_file(dir_ / "target", "mine\n");
  ASSERT_EQ(::symlink((dir_ / "target").c_str(), mailbox_.c_str()), 0);
  const std::string bogus = bogus_name(spool_, account_.name, inode_of(mailbox_));
  EXPECT_FALSE(screen(false).orgmail_unusable);
  EXPECT_EQ(io_.waited, 16u);
  EXPECT_TRUE(S_ISLNK(mode_of(bogus)));
  EXPECT_EQ(mode_of(mailbox_), S_IFREG | 0600);
  EXPECT_EQ(read_file(dir_ / "target"), "mine\n");
  EXPECT_EQ(logged(), "mailsift: Renaming bogus mailbox \"" + mailbox_ + "\" info \"" + bogus +
                          "\"\n");
}

TEST_F(SystemMailboxTest, AMailboxWithTwoLinksIsBogus) {
  write_file(mailbox_, "x\n");
  ::chmod(mailbox_.c_str(), 0600);
  ASSERT_EQ(::link(mailbox_.c_str(), (dir_ / "other").c_str()), 0);
  const std::string bogus = bogus_name(spool_, account_.name, inode_of(mailbox_));
  screen(true);
  EXPECT_EQ(read_file(bogus), "x\n");
  EXPECT_EQ(read_file(mailbox_), "");
}

TEST_F(SystemMailboxTest, ABogusMailboxThatCannotBeMovedLeavesNoOrgmail) {
  ASSERT_EQ(::symlink("/nonexistent", mailbox_.c_str()), 0);
  io_.fail_rename = true;
  EXPECT_TRUE(screen(false).orgmail_unusable);
  EXPECT_TRUE(S_ISLNK(mode_of(mailbox_)));
  EXPECT_NE(logged().find("mailsift: Couldn't create \"" + mailbox_ + "\"\n"), std::string::npos)
      << logged();
}

TEST_F(SystemMailboxTest, AMailboxThatCannotBeMadeLeavesNoOrgmail) {
  io_.fail_open = true;
  EXPECT_TRUE(screen(false).orgmail_unusable);
  EXPECT_FALSE(exists(mailbox_));
  EXPECT_EQ(logged(), "mailsift: Couldn't create \"" + mailbox_ + "\"\n");
}

// A mailbox made with the wrong mode is not left behind half made.
TEST_F(SystemMailboxTest, AMailboxWhoseModeCannotBeSetIsRemoved) {
  io_.fail_fchmod = true;
  EXPECT_TRUE(screen(true).orgmail_unusable);
  EXPECT_FALSE(exists(mailbox_));
}

TEST_F(SystemMailboxTest, ASetuidMailboxEndsADeliveryModeRunOnly) {
  write_file(mailbox_, "");
  ::chmod(mailbox_.c_str(), 04600);
  EXPECT_FALSE(screen(false).autoforwarding);
  EXPECT_EQ(logged(), "");
  EXPECT_TRUE(screen(true).autoforwarding);
  EXPECT_EQ(logged(), "mailsift: Autoforwarding mailbox found\n");
  EXPECT_EQ(mode_of(mailbox_), S_IFREG | 04600);
}

// In a spool of the recipient's own the umask is 077: group and other bits go.
TEST_F(SystemMailboxTest, BitsForOthersAreTakenAway) {
  write_file(mailbox_, "");
  ::chmod(mailbox_.c_str(), 0646);
  screen(false);
  EXPECT_EQ(mode_of(mailbox_), S_IFREG | 0600);
  EXPECT_EQ(logged(), "mailsift: Enforcing stricter permissions on \"" + mailbox_ + "\"\n");
}

TEST_F(SystemMailboxTest, AnExecutableMailboxKeepsItsBits) {
  write_file(mailbox_, "");
  ::chmod(mailbox_.c_str(), 0744);
  screen(false);
  EXPECT_EQ(mode_of(mailbox_), S_IFREG | 0744);
  EXPECT_EQ(logged(), "");
}

}  // namespace
}  // namespace mailsift::engine
