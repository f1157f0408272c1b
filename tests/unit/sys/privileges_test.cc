#include "mailsift/sys/privileges.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <string>
#include <vector>

namespace mailsift::sys {
namespace {

// Runs check in a child process (changing ids cannot be undone) and returns what
// it reported: "" when every expectation held, else the first one that did not.
std::string in_child(const std::function<std::string()>& check) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(pipe_fds[0]);
    const std::string report = check();
    const ssize_t ignored = ::write(pipe_fds[1], report.data(), report.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string report;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    report.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "the child did not exit cleanly";
  return report;
}

std::vector<gid_t> current_groups() {
  const int count = ::getgroups(0, nullptr);
  std::vector<gid_t> groups(static_cast<std::size_t>(std::max(count, 0)));
  if (count > 0) ::getgroups(count, groups.data());
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::string ids_now() {
  return "uid " + std::to_string(::getuid()) + "/" + std::to_string(::geteuid()) + " gid " +
         std::to_string(::getgid()) + "/" + std::to_string(::getegid());
}

TEST(Become, TheCurrentAccountIsANoOp) {
  const Account me = current_account();
  EXPECT_TRUE(become(me).ok());
  EXPECT_EQ(::getuid(), me.uid);
}

TEST(LookupAccount, RetriesTheLocalPartInLowerCase) {
  Account root;
  ASSERT_TRUE(lookup_account("root", &root));
  Account again;
  EXPECT_TRUE(lookup_account("ROOT@example.org", &again));
  EXPECT_EQ(again.uid, root.uid);
  EXPECT_FALSE(lookup_account("no-such-user-mailsift-test", &again));
  EXPECT_FALSE(lookup_account("", &again));
}

TEST(Become, TakesUidGidAndExactlyTheUsersGroups) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  Account nobody;
  if (!lookup_account("nobody", &nobody)) GTEST_SKIP() << "no user nobody";
  const std::string report = in_child([&]() -> std::string {
    const Status status = become(nobody);
    if (!status.ok()) return "become failed: " + status.message();
    if (::getuid() != nobody.uid || ::geteuid() != nobody.uid || ::getgid() != nobody.gid ||
        ::getegid() != nobody.gid)
      return "ids after become: " + ids_now();
    // What the group database gives nobody, and nothing of root's.
    int count = 64;
    std::vector<gid_t> wanted(64);
    ::getgrouplist(nobody.name.c_str(), nobody.gid, wanted.data(), &count);
    wanted.resize(static_cast<std::size_t>(std::max(count, 0)));
    std::sort(wanted.begin(), wanted.end());
    std::vector<gid_t> have = current_groups();
    have.push_back(nobody.gid);
    std::sort(have.begin(), have.end());
    have.erase(std::unique(have.begin(), have.end()), have.end());
    if (have != wanted) return "supplementary groups are not nobody's";
    if (::setuid(0) == 0) return "setuid(0) succeeded after become";
    if (::setgid(0) == 0) return "setgid(0) succeeded after become";
    if (::seteuid(0) == 0) return "seteuid(0) succeeded after become";
    return "";
  });
  EXPECT_EQ(report, "");
}

TEST(Become, AnotherUserCannotSwitchAccounts) {
  if (::geteuid() != 0) {
    Account root;
    ASSERT_TRUE(lookup_account("root", &root));
    const Status status = become(root);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.err(), EPERM);
    return;
  }
  Account nobody;
  Account root;
  if (!lookup_account("nobody", &nobody) || !lookup_account("root", &root))
    GTEST_SKIP() << "no user nobody";
  const std::string report = in_child([&]() -> std::string {
    if (!become(nobody).ok()) return "could not become nobody";
    const Status status = become(root);
    if (status.ok()) return "nobody became root";
    if (status.err() != EPERM) return "wanted EPERM, got " + status.message();
    return "";
  });
  EXPECT_EQ(report, "");
}

TEST(DropSetIdPrivileges, NothingToDropWhenIdsAgree) {
  bool dropped = true;
  EXPECT_TRUE(drop_set_id_privileges(&dropped).ok());
  EXPECT_FALSE(dropped);
}

TEST(DropSetIdPrivileges, GivesBorrowedRootUpForGood) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to play a setuid/setgid program";
  Account nobody;
  if (!lookup_account("nobody", &nobody)) GTEST_SKIP() << "no user nobody";
  const std::string report = in_child([&]() -> std::string {
    // As a setuid-root, setgid-root program run by nobody: real ids nobody's,
    // effective and saved ids root's.
    if (::setgroups(0, nullptr) != 0) return "setgroups";
    if (::setresgid(nobody.gid, 0, 0) != 0 || ::setresuid(nobody.uid, 0, 0) != 0)
      return "could not set up the setuid state";
    bool dropped = false;
    const Status status = drop_set_id_privileges(&dropped);
    if (!status.ok()) return "drop failed: " + status.message();
    if (!dropped) return "said nothing was dropped";
    if (::geteuid() != nobody.uid || ::getegid() != nobody.gid)
      return "ids after the drop: " + ids_now();
    if (::setuid(0) == 0 || ::seteuid(0) == 0) return "root could be taken back";
    if (::setgid(0) == 0 || ::setegid(0) == 0) return "group root could be taken back";
    return "";
  });
  EXPECT_EQ(report, "");
}

}  // namespace
}  // namespace mailsift::sys
