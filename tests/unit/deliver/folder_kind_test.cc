#include "mailsift/deliver/folder_kind.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "mailsift/message/reader.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using testing::TempDir;

TEST(ClassifyFolder, Table) {
  TempDir dir;
  const std::string existing_dir = dir / "dir";
  ASSERT_EQ(::mkdir(existing_dir.c_str(), 0700), 0);
  const std::string existing_file = dir / "file";
  testing::write_file(existing_file, "x");
  const std::string missing = dir / "missing";

  struct Case {
    const char* name;
    std::string input;
    bool secondary;
    FolderKind want_kind;
    std::string want_path;
  };
  const Case cases[] = {
      {"maildir", "Mail/inbox/", false, FolderKind::kMaildir, "Mail/inbox"},
      {"maildir, extra slashes", "Mail/inbox///", false, FolderKind::kMaildir, "Mail/inbox"},
      {"two-character maildir", "x/", false, FolderKind::kMaildir, "x"},
      {"MH", "lists/.", false, FolderKind::kMh, "lists"},
      {"MH, extra slashes", "lists//.", false, FolderKind::kMh, "lists"},
      {"MH, absolute", "/var/mh/./.", false, FolderKind::kMh, "/var/mh/."},
      {"dev null", "/dev/null", false, FolderKind::kDevNull, "/dev/null"},
      {"existing directory", existing_dir, false, FolderKind::kDirectory, existing_dir},
      {"existing file", existing_file, false, FolderKind::kMbox, existing_file},
      {"missing name", missing, false, FolderKind::kMbox, missing},
      {"one character", "a", false, FolderKind::kMbox, "a"},
      {"root as a directory", "/", false, FolderKind::kDirectory, "/"},
      {"secondary missing is a directory", missing, true, FolderKind::kDirectory, missing},
      {"secondary file is a directory", existing_file, true, FolderKind::kDirectory,
       existing_file},
      {"secondary /dev/null is a directory", "/dev/null", true, FolderKind::kDirectory,
       "/dev/null"},
      {"secondary maildir", "md/", true, FolderKind::kMaildir, "md"},
      {"secondary MH", "mh/.", true, FolderKind::kMh, "mh"},
  };
  for (const auto& c : cases) {
    const FolderName got = classify_folder(sys::real_io(), c.input, c.secondary);
    EXPECT_EQ(got.kind, c.want_kind) << c.name << ": \"" << c.input << "\" is a "
                                     << folder_kind_name(got.kind) << ", want a "
                                     << folder_kind_name(c.want_kind);
    EXPECT_EQ(got.path, c.want_path) << c.name;
    EXPECT_EQ(got.written, c.input) << c.name;
  }
}

TEST(MakeFolder, BuildsEachKind) {
  struct Case {
    FolderName name;
    std::string want_describe;
  };
  const Case cases[] = {
      {{FolderKind::kMbox, "inbox", "inbox"}, "inbox"},
      {{FolderKind::kMaildir, "md", "md//"}, "md/"},
      {{FolderKind::kMh, "mh", "mh/."}, "mh/."},
      {{FolderKind::kDirectory, "dir", "dir"}, "dir"},
      {{FolderKind::kDevNull, "/dev/null", "/dev/null"}, "/dev/null"},
  };
  for (const auto& c : cases) {
    const auto folder = make_folder(c.name);
    ASSERT_NE(folder, nullptr);
    EXPECT_EQ(folder->kind(), c.name.kind) << folder_kind_name(c.name.kind);
    EXPECT_EQ(folder->describe(), c.want_describe) << folder_kind_name(c.name.kind);
  }
}

TEST(FolderKindName, Names) {
  EXPECT_STREQ(folder_kind_name(FolderKind::kMbox), "mbox");
  EXPECT_STREQ(folder_kind_name(FolderKind::kMaildir), "maildir");
  EXPECT_STREQ(folder_kind_name(FolderKind::kMh), "MH folder");
  EXPECT_STREQ(folder_kind_name(FolderKind::kDirectory), "directory");
  EXPECT_STREQ(folder_kind_name(FolderKind::kDevNull), "/dev/null");
}

TEST(DevNull, DeliversNothingAndSucceeds) {
  const auto message = message::message_from_bytes(
      "From a@b Mon Jan  1 00:00:00 2001\nSubject: x\n\nbody\n", message::ReadOptions());
  const auto folder = make_folder({FolderKind::kDevNull, "/dev/null", "/dev/null"});
  struct Case {
    Part part;
    std::size_t want_bytes;
  };
  // procmail's log abstract counts the bytes of the chosen part (46 for h here).
  const Case cases[] = {{Part::kWhole, 51}, {Part::kHeaderOnly, 46}, {Part::kBodyOnly, 5}};
  for (const auto& c : cases) {
    DeliveryOptions options;
    options.part = c.part;
    DeliveryReport report;
    const sys::Status st = folder->deliver(sys::real_io(), message, options, &report);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(report.stored, std::vector<std::string>{"/dev/null"});
    EXPECT_EQ(report.bytes_written, c.want_bytes);
  }
  std::string created;
  EXPECT_FALSE(folder->link_existing(sys::real_io(), "/etc/hostname", DeliveryOptions(), &created)
                   .ok());
  EXPECT_TRUE(created.empty());
}

}  // namespace
}  // namespace mailsift::deliver
