#include "mailsift/engine/rcfile.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "faulty_io.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(ResolveRcfile, Table) {
  struct Case {
    const char* name;
    bool mail_filter;
    const char* want;
  } const cases[] = {
      {"/etc/x", false, "/etc/x"},  {"./x", false, "./x"},   {"x", false, "/home/u/x"},
      {"sub/x", false, "/home/u/sub/x"}, {"x", true, "x"},   {"/etc/x", true, "/etc/x"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(resolve_rcfile(c.name, "/home/u", c.mail_filter), c.want)
        << c.name << " mail_filter=" << c.mail_filter;
}

TEST(RcfileIsChecked, AsProcmail) {
  struct Case {
    const char* name;
    bool mail_filter;
    bool want;
  } const cases[] = {
      {"/etc/x", false, true}, {"x", false, true},  {"./x", false, false},
      {"/etc/x", true, true},  {"x", true, false},  {"./x", true, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(rcfile_is_checked(c.name, c.mail_filter), c.want)
        << c.name << " mail_filter=" << c.mail_filter;
}

// One rcfile in a directory of its own, with the given modes; the recipient is the
// owner unless `foreign_owner`; the recipient's group is the file's unless
// `foreign_group`.
struct Layout {
  mode_t file_mode = 0644;
  mode_t dir_mode = 0755;
  bool default_rcfile = false;
  bool foreign_owner = false;
  bool foreign_group = false;
};

std::string suspicion_for(const TempDir& tmp, const Layout& setup) {
  const std::string dir = tmp / "d";
  ::mkdir(dir.c_str(), 0700);
  const std::string path = dir + "/rc";
  write_file(path, "# rules\n");
  if (::chmod(path.c_str(), setup.file_mode) != 0 || ::chmod(dir.c_str(), setup.dir_mode) != 0)
    return "<chmod failed>";
  struct stat file {};
  if (::stat(path.c_str(), &file) != 0) return "<stat failed>";
  RcfileTrust trust;
  trust.recipient_uid = file.st_uid;
  trust.recipient_gid = setup.foreign_group ? file.st_gid + 1 : file.st_gid;
  trust.default_rcfile = setup.default_rcfile;
  if (setup.foreign_owner) {
    // Neither the recipient nor root owns it: as root, give it away; otherwise the
    // recipient is someone else.
    if (::geteuid() == 0) {
      if (::chown(path.c_str(), 65534, static_cast<gid_t>(-1)) != 0) return "<chown failed>";
      if (::stat(path.c_str(), &file) != 0) return "<stat failed>";
      trust.recipient_uid = 1;
    } else {
      trust.recipient_uid = file.st_uid + 1;
    }
  }
  std::string reason = rcfile_suspicion(sys::real_io(), path, file, trust);
  ::chmod(dir.c_str(), 0700);
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
  return reason;
}

TEST(RcfileSuspicion, ProcmailsRules) {
  struct Case {
    const char* name;
    Layout setup;
    const char* want;  // a part of the reason; "" for accepted
  } const cases[] = {
      {"plain", {}, ""},
      {"world-writable file", {.file_mode = 0666}, "everyone may write to it (mode 0666)"},
      {"other-writable only", {.file_mode = 0602}, "everyone may write"},
      {"group-writable named rcfile", {.file_mode = 0664, .foreign_group = true}, ""},
      {"group-writable default rcfile, own group", {.file_mode = 0664, .default_rcfile = true},
       ""},
      {"group-writable default rcfile, other group",
       {.file_mode = 0664, .default_rcfile = true, .foreign_group = true},
       "its group (gid"},
      {"foreign owner", {.foreign_owner = true}, "not to uid"},
      {"world-writable directory", {.dir_mode = 0777}, "writable by all and has no sticky bit"},
      {"world-writable directory, other x only", {.dir_mode = 0757}, "writable by all"},
      {"world-writable directory without search", {.dir_mode = 0776}, ""},
      {"sticky world-writable directory", {.dir_mode = 01777}, ""},
      {"group-writable directory, named rcfile", {.dir_mode = 0775, .foreign_group = true}, ""},
      {"group-writable directory, default, own group",
       {.dir_mode = 0775, .default_rcfile = true}, ""},
      {"group-writable directory, default, other group",
       {.dir_mode = 0775, .default_rcfile = true, .foreign_group = true},
       "its group may replace it"},
      {"group-writable sticky directory, default, other group",
       {.dir_mode = 01775, .default_rcfile = true, .foreign_group = true}, ""},
      {"group-writable directory without search, default, other group",
       {.dir_mode = 0765, .default_rcfile = true, .foreign_group = true}, ""},
  };
  TempDir tmp;
  for (const auto& c : cases) {
    const std::string got = suspicion_for(tmp, c.setup);
    if (std::string(c.want).empty()) {
      EXPECT_EQ(got, "") << c.name;
    } else {
      EXPECT_NE(got.find(c.want), std::string::npos)
          << c.name << ": got [" << got << "], wanted it to contain [" << c.want << "]";
    }
  }
}

TEST(RcfileSuspicion, RootsFilesAreTrusted) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs a root-owned file in a private directory";
  TempDir tmp;
  const std::string path = tmp / "rc";
  write_file(path, "");
  struct stat file {};
  ASSERT_EQ(::stat(path.c_str(), &file), 0);
  RcfileTrust trust;
  trust.recipient_uid = 1234;
  trust.recipient_gid = 1234;
  EXPECT_EQ(rcfile_suspicion(sys::real_io(), path, file, trust), "");
}

TEST(RcfileSuspicion, DevNullIsAlwaysAccepted) {
  struct stat file {};
  ASSERT_EQ(::stat("/dev/null", &file), 0);
  RcfileTrust trust;
  trust.recipient_uid = 1234;
  trust.default_rcfile = true;
  EXPECT_EQ(rcfile_suspicion(sys::real_io(), "/dev/null", file, trust), "");
}

TEST(ReadRcfile, RefusesASuspiciousFileWithoutReadingIt) {
  TempDir tmp;
  const std::string path = tmp / "rc";
  write_file(path, "LOG=x\n");
  ASSERT_EQ(::chmod(path.c_str(), 0666), 0);
  RcfileTrust trust;
  trust.recipient_uid = ::geteuid();
  trust.recipient_gid = ::getegid();
  std::string text = "untouched";
  std::string suspicion;
  errno = 0;
  EXPECT_EQ(read_rcfile(sys::real_io(), path, &trust, &text, &suspicion), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(suspicion.find("everyone may write"), std::string::npos) << suspicion;
  EXPECT_EQ(text, "untouched");
  // Without trust (a "./rcfile"), the same file is read.
  EXPECT_EQ(read_rcfile(sys::real_io(), path, nullptr, &text, &suspicion), 0);
  EXPECT_EQ(text, "LOG=x\n");
  EXPECT_EQ(suspicion, "");
}

TEST(ReadRcfile, ChecksTheOpenedFile) {
  // The check is made with fstat on the descriptor that is then read: a failing
  // fstat fails the read (it never falls back to the name).
  TempDir tmp;
  const std::string path = tmp / "rc";
  write_file(path, "LOG=x\n");
  testing::FaultyIo io;
  io.add(testing::fault_on(testing::Op::kFstat, EIO, "rc"));
  RcfileTrust trust;
  trust.recipient_uid = ::geteuid();
  trust.recipient_gid = ::getegid();
  std::string text;
  std::string suspicion;
  EXPECT_EQ(read_rcfile(io, path, &trust, &text, &suspicion), -1);
  EXPECT_EQ(errno, EIO);
  EXPECT_EQ(io.fired(), 1);
  EXPECT_EQ(suspicion, "");
}

TEST(ReadRcfile, MissingFile) {
  TempDir tmp;
  RcfileTrust trust;
  std::string text;
  std::string suspicion;
  EXPECT_EQ(read_rcfile(sys::real_io(), tmp / "none", &trust, &text, &suspicion), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(suspicion, "");
}

}  // namespace
}  // namespace mailsift::engine
