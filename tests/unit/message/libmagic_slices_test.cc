// The sliced database gives libmagic's own answers (libmagic_slices.h): every type
// it gives is the one a cookie on the whole database gives, on real files of many
// kinds, random bytes, short and empty content; where it cannot (an "indirect"
// entry), it fails, and the sniffer asks the whole database.
#include "mailsift/message/mime/libmagic_slices.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "mailsift/limits.h"
#include "mailsift/message/mime/sniffer.h"

namespace mailsift::message::mime {
namespace {

namespace fs = std::filesystem;

// The start of up to `count` regular files under `root`, as much as is sniffed.
void add_files(const fs::path& root, std::size_t count, std::vector<std::string>* samples) {
  std::error_code error;
  std::size_t taken = 0;
  for (fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error), end;
       it != end && taken < count; it.increment(error)) {
    if (error) break;
    std::error_code e;
    if (!it->is_regular_file(e) || it->is_symlink(e)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string bytes(limits::kMaxSniffedBytes, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    samples->push_back(std::move(bytes));
    ++taken;
  }
}

std::vector<std::string> samples() {
  std::vector<std::string> out;
  for (const char* root : {"/usr/bin", "/usr/lib/x86_64-linux-gnu", "/usr/share", "/etc", "/usr/include"})
    add_files(root, 150, &out);
  // The start of files of many kinds.
  for (const std::string& head : {
           std::string("\x1f\x8b\x08\x00", 4), std::string("BZh91AY&SY"), std::string("\xfd" "7zXZ\x00", 6),
           std::string("PK\x03\x04\x14\x00\x00\x00\x08\x00", 10), std::string("%PDF-1.7\n"),
           std::string("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 16), std::string("GIF89a\x01\x00\x01\x00"),
           std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11), std::string("II*\x00\x08\x00\x00\x00", 8),
           std::string("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00", 16),
           std::string("\x7f" "ELF\x02\x01\x01\x00", 8), std::string("\xca\xfe\xba\xbe\x00\x00\x00\x34", 8),
           std::string("SQLite format 3\x00", 16), std::string("OggS\x00\x02", 6), std::string("fLaC\x00\x00\x00\x22", 8),
           std::string("RIFF\x24\x08\x00\x00WAVEfmt ", 16), std::string("RIFF\x24\x08\x00\x00AVI LIST", 16),
           std::string("\x00\x00\x00\x18" "ftypmp42\x00\x00\x00\x00", 16), std::string("\x1a\x45\xdf\xa3", 4),
           std::string("Rar!\x1a\x07\x00", 7), std::string("7z\xbc\xaf\x27\x1c\x00\x04", 8), std::string("!<arch>\n"),
           std::string("\xed\xab\xee\xdb\x03\x00\x00\x00", 8), std::string("%!PS-Adobe-3.0\n"), std::string("{\\rtf1\\ansi"),
           std::string("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8), std::string("\x78\x9f\x3e\x22\x00\x00", 6),
           std::string("-----BEGIN PGP MESSAGE-----\n"), std::string("\x30\x82\x03\x0b\x30\x82\x01\xf3", 8),
           std::string("MZ\x90\x00\x03\x00\x00\x00\x04\x00", 10), std::string("\x00\x01\x00\x00\x00", 5),
           std::string("wOFF\x00\x01\x00\x00", 8), std::string("\x28\xb5\x2f\xfd", 4), std::string("\x04\x22\x4d\x18", 4),
           std::string("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"),
           std::string("#!/bin/sh\necho hi\n"), std::string("\xfe\xed\xfa\xcf\x07\x00\x00\x01", 8)}) {
    out.push_back(head + std::string(4096 - head.size() % 4096, '\0'));
    out.push_back(head + std::string(300, 'a'));
  }
  std::mt19937_64 random(13);
  for (std::size_t size : {0u, 1u, 2u, 3u, 100u, 4096u, 65536u}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    out.push_back(bytes);
    out.push_back(std::string(size, '\0'));
    out.push_back(std::string(size, ' '));
  }
  // Where an entry without a MIME type stops libmagic (it answers
  // application/octet-stream) before a later one that has a type: an X11 cursor (a
  // later entry says image/x-xcursor), and a gzip header with a boot sector's
  // signature at byte 510 (a later entry says application/gzip).
  std::string cursor = std::string("Xcur\x10\x00\x00\x00\x00\x00\x01\x00\x2c\x01\x00\x00"
                                   "\x02\x00\xfd\xff\x18\x00\x00\x00\x20\x0e\x00\x00\x02\x00\xfd\xff", 32);
  out.push_back(cursor + std::string(4064, '\0'));
  std::string boot = std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xed\x5a\x6b\x6f\x1a\xcb", 16);
  while (boot.size() < 510) boot += static_cast<char>(0x40 + boot.size() % 50);
  out.push_back(boot + "\x55\xaa" + std::string(1000, '\x33'));
  // An ID3v2 tag before MPEG audio: libmagic tries the whole database again on what
  // follows the tag (an "indirect" entry).
  std::string id3 = std::string("ID3\x03\x00\x00\x00\x00\x00\x0a", 10) + std::string(10, '\0');
  id3 += std::string("\xff\xfb\x90\x64", 4) + std::string(2000, '\x55');
  out.push_back(id3);
  return out;
}

struct Whole {
  LibmagicApi api;
  magic_t cookie = nullptr;
  ~Whole() {
    if (cookie != nullptr) api.close(cookie);
  }
  std::string type_of(const std::string& content) {
    const char* type = api.buffer(cookie, content.data(), content.size());
    return type != nullptr ? type : "(error)";
  }
};

TEST(LibmagicSlices, AnswersAsTheWholeDatabase) {
  Whole whole;
  std::string why;
  ASSERT_TRUE(load_libmagic(&whole.api, &why)) << why;
  const std::string database = default_compiled_database(whole.api);
  ASSERT_FALSE(database.empty()) << "Debian's database is one compiled file and /etc/magic";
  whole.cookie = whole.api.open(kSniffFlags);
  ASSERT_NE(whole.cookie, nullptr);
  ASSERT_EQ(whole.api.load(whole.cookie, nullptr), 0);

  const std::vector<std::string> contents = samples();
  ASSERT_GT(contents.size(), 600u);
  std::vector<std::string> expected;
  for (const std::string& content : contents) expected.push_back(whole.type_of(content));

  // The sniffer's slices, and slices of 16 KiB (hundreds of them: many more cuts).
  for (const std::size_t slice_bytes : {std::size_t{512} << 10, std::size_t{16} << 10}) {
    const auto sliced = SlicedMagicDatabase::open(whole.api, database, kSniffFlags, slice_bytes, &why);
    ASSERT_TRUE(sliced) << why;
    EXPECT_GT(sliced->slices(), (std::size_t{4} << 20) / slice_bytes);
    std::set<std::string> types;
    std::size_t indirect = 0;
    std::size_t walked_through = 0;
    // Hundreds of slices are slower: every third content, and the crafted ones.
    const std::size_t step = slice_bytes < (std::size_t{64} << 10) ? 3 : 1;
    for (std::size_t i = 0; i < contents.size(); ++i) {
      if (i % step != 0 && i + 120 < contents.size()) continue;
      const std::string type = sliced->type_of(contents[i]);
      if (type.empty()) {
        // Only an "indirect" entry makes a slice fail where the whole database does not.
        EXPECT_NE(sliced->error().find("indirect"), std::string::npos) << sliced->error();
        ++indirect;
        continue;
      }
      EXPECT_EQ(type, expected[i]) << "sample " << i << " (" << contents[i].size() << " bytes), "
                                   << slice_bytes << "-byte slices";
      types.insert(type);
      if (type == "application/octet-stream") ++walked_through;
    }
    EXPECT_GE(types.size(), 30u);  // many kinds, not one answer for all
    // Several contents at once, as the sniffer asks: the same answers.
    for (std::size_t from = 0; from < contents.size(); from += 8 * step) {
      std::vector<std::string_view> batch;
      std::vector<std::size_t> index;
      for (std::size_t i = from; i < std::min(from + 8 * step, contents.size()); i += step) {
        batch.emplace_back(contents[i]);
        index.push_back(i);
      }
      const std::vector<std::string> answers = sliced->types_of(batch);
      ASSERT_EQ(answers.size(), batch.size());
      for (std::size_t k = 0; k < batch.size(); ++k)
        if (!answers[k].empty()) {
          EXPECT_EQ(answers[k], expected[index[k]]) << "sample " << index[k] << " in a batch";
        }
    }
    EXPECT_GE(indirect, 1u);       // the ID3 sample
    EXPECT_LE(indirect, contents.size() / 20);
    EXPECT_GE(walked_through, 3u);  // random bytes: every slice tried
  }
}

TEST(LibmagicSlices, TheSnifferAsksTheWholeDatabaseWhereASliceCannotAnswer) {
  Whole whole;
  std::string why;
  ASSERT_TRUE(load_libmagic(&whole.api, &why)) << why;
  whole.cookie = whole.api.open(kSniffFlags);
  ASSERT_EQ(whole.api.load(whole.cookie, nullptr), 0);
  const std::vector<std::string> contents = samples();
  const std::string& id3 = contents.back();
  const auto sliced = SlicedMagicDatabase::open(whole.api, default_compiled_database(whole.api), kSniffFlags,
                                                512 << 10, &why);
  ASSERT_TRUE(sliced) << why;
  EXPECT_EQ(sliced->type_of(id3), "");  // an indirect entry: the slices cannot say
  EXPECT_EQ(libmagic_sniffer().type_of(id3), whole.type_of(id3));
  EXPECT_NE(whole.type_of(id3), "(error)");
  for (std::size_t i = 0; i < contents.size(); i += 7)
    EXPECT_EQ(libmagic_sniffer().type_of(contents[i]), whole.type_of(contents[i])) << "sample " << i;
}

// Debian's compiled database.
std::string database() {
  for (const char* path : {"/usr/lib/file/magic.mgc", "/usr/share/misc/magic.mgc"})
    if (fs::exists(path)) return path;
  return "/usr/lib/file/magic.mgc";
}

// The database libmagic loads by default, as $MAGIC names it.
class MagicPath : public testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(load_libmagic(&api_, &why)) << why;
    dir_ = testing::TempDir() + "/magic-path";
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::create_symlink(database(), dir_ + "/db.mgc");
    fs::create_symlink(database(), dir_ + "/two.mgc");
    std::ofstream(dir_ + "/comments") << "# Magic local data\n\n# nothing here\n";
    std::ofstream(dir_ + "/entries") << "# a local entry\n0 string MAILSIFT mailsift test\n";
    const char* old = std::getenv("MAGIC");
    saved_ = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
  }
  void TearDown() override {
    if (saved_) setenv("MAGIC", saved_->c_str(), 1); else unsetenv("MAGIC");
  }
  std::string with(const std::string& magic) {
    setenv("MAGIC", magic.c_str(), 1);
    return default_compiled_database(api_);
  }
  LibmagicApi api_;
  std::string dir_;
  std::optional<std::string> saved_;
};

TEST_F(MagicPath, OneCompiledDatabaseAndTextWithoutEntries) {
  EXPECT_EQ(with(dir_ + "/db"), dir_ + "/db.mgc");
  EXPECT_EQ(with(dir_ + "/db.mgc"), dir_ + "/db.mgc");
  EXPECT_EQ(with(dir_ + "/comments:" + dir_ + "/db"), dir_ + "/db.mgc");
  EXPECT_EQ(with(dir_ + "/absent:" + dir_ + "/db"), dir_ + "/db.mgc");  // libmagic skips it too
}

TEST_F(MagicPath, AnythingElseIsLoadedWhole) {
  EXPECT_EQ(with(dir_ + "/entries:" + dir_ + "/db"), "");
  EXPECT_EQ(with(dir_ + "/two:" + dir_ + "/db"), "");
  EXPECT_EQ(with(dir_ + ":" + dir_ + "/db"), "");  // a directory of text files
  EXPECT_EQ(with(":" + dir_ + "/db"), "");         // libmagic stops at an empty name
  EXPECT_EQ(with(dir_ + "/absent"), "");
  // libmagic's ".mime" convention loads with other flags.
  fs::create_symlink(database(), dir_ + "/db.mime.mgc");
  EXPECT_EQ(with(dir_ + "/db"), "");
  EXPECT_EQ(with(dir_ + "/db.mime.mgc"), "");
}

TEST(LibmagicSlices, ADatabaseChangedInPlaceIsNoLongerUsed) {
  LibmagicApi api;
  std::string why;
  ASSERT_TRUE(load_libmagic(&api, &why)) << why;
  const std::string copy = testing::TempDir() + "/changed.mgc";
  fs::copy_file(database(), copy, fs::copy_options::overwrite_existing);
  const auto sliced = SlicedMagicDatabase::open(api, copy, kSniffFlags, 512 << 10, &why);
  ASSERT_TRUE(sliced) << why;
  const std::string pdf = "%PDF-1.7\n" + std::string(500, 'a');
  EXPECT_EQ(sliced->type_of(pdf), "application/pdf");
  fs::last_write_time(copy, fs::last_write_time(copy) + std::chrono::seconds(5));
  EXPECT_EQ(sliced->type_of(pdf), "");
  EXPECT_NE(sliced->error().find("changed"), std::string::npos) << sliced->error();
}

TEST(LibmagicSlices, WhatIsNotADatabaseIsRefused) {
  LibmagicApi api;
  std::string why;
  ASSERT_TRUE(load_libmagic(&api, &why)) << why;
  const std::string path = testing::TempDir() + "/not-a-database.mgc";
  std::ofstream(path) << std::string(376 * 3, 'x');
  EXPECT_EQ(SlicedMagicDatabase::open(api, path, kSniffFlags, 1 << 19, &why), nullptr);
  EXPECT_NE(why.find("version 18"), std::string::npos) << why;
  EXPECT_EQ(SlicedMagicDatabase::open(api, path + ".absent", kSniffFlags, 1 << 19, &why), nullptr);
}

}  // namespace
}  // namespace mailsift::message::mime
