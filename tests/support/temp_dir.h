// TempDir: a fresh directory for one test, removed with everything in it afterwards.
#pragma once

#include <string>
#include <vector>

namespace mailsift::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Whole contents of a file ("" when it cannot be read); exists() by lstat.
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& contents);
bool exists(const std::string& path);
// Names in a directory, sorted (empty when it cannot be read).
std::vector<std::string> list_dir(const std::string& path);

}  // namespace mailsift::testing
