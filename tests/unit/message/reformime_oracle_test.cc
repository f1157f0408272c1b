// The structure oracle: for every message of a corpus, the part paths, declared
// types and file names mailsift's walker finds agree with `reformime -i` (Debian's
// maildrop), apart from mailsift's deliberate differences:
//  - an entity without MIME-Version: reformime reads its Content-Type as text/plain
//    (RFC 2045 §4), mail readers and mailsift read what it declares;
//  - a base64 or quoted-printable message/rfc822 part: mailsift walks inside it;
//  - where a message can be read two ways (anomalies), mailsift walks every reading;
//  - a boundary written in RFC 2231's form ("boundary*=us-ascii''x"): reformime does
//    not read it, mailsift (and Python's email) does;
//  - a Content-Type that is not a type ("text"): reformime shows it, mailsift reads
//    text/plain (RFC 2045 §5.2) and says bad-content-type;
//  - file names: mailsift decodes RFC 2047 words in quoted values and takes out bidi
//    controls (the names are compared after doing the same to reformime's).
// The corpus: Python's email test messages (Debian libpython3.11-testsuite), the
// project's test messages and the MIME cases of tests/data/mime.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mailsift/message/mime/encoded_words.h"
#include "mailsift/message/mime/structure.h"
#include "mailsift/message/reader.h"

namespace mailsift::message::mime {
namespace {

namespace fs = std::filesystem;

struct Section {
  std::string type;
  std::set<std::string> names;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string without_directory(std::string name) {
  const std::size_t slash = name.find_last_of("/\\");
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// reformime -i's sections: path -> type and file names.
std::map<std::string, Section> reformime_sections(const fs::path& message) {
  std::map<std::string, Section> out;
  const std::string command = "reformime -i < '" + message.string() + "' 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::string text;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  pclose(pipe);
  std::istringstream lines(text);
  std::string line;
  std::string path;
  while (std::getline(lines, line)) {
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "section") path = value;
    if (key == "content-type") out[path].type = value;
    if (key == "content-name" || key == "content-disposition-filename")
      out[path].names.insert(filename_as_shown(decode_to_utf8(without_directory(value)).text));
  }
  return out;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const char* dir : {"/usr/lib/python3.11/test/test_email/data", MAILSIFT_TEST_DATA "/messages",
                          MAILSIFT_TEST_DATA "/mime"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && (name.rfind("msg_", 0) == 0 || entry.path().extension() == ".eml"))
        files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The parent section of a path ("1.2.1" -> "1.2"), or "".
std::string parent_of(const std::string& path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

TEST(ReformimeOracle, WalkerAgreesWithReformime) {
  ASSERT_EQ(std::system("command -v reformime > /dev/null"), 0)
      << "reformime (Debian maildrop) is the oracle; .ci/setup --test installs it";
  const std::vector<fs::path> files = corpus();
  ASSERT_GT(files.size(), 60u) << "the corpus (libpython3.11-testsuite) is missing";
  int compared = 0;
  int sections = 0;
  for (const fs::path& file : files) {
    const std::string text = slurp(file);
    const Message message = message_from_bytes(text, ReadOptions());
    const MimeStructure ours = walk_message(message);
    std::map<std::string, const MimePart*> by_path;
    for (const MimePart& part : ours.parts) by_path.emplace(part.path, &part);
    const bool ambiguous = std::any_of(ours.anomalies.begin(), ours.anomalies.end(), [](const std::string& a) {
      return a.rfind("duplicate-", 0) == 0;
    });
    const bool bad_type = std::find(ours.anomalies.begin(), ours.anomalies.end(), "bad-content-type") !=
                          ours.anomalies.end();
    const bool extended_boundary = text.find("boundary*") != std::string::npos;
    const auto theirs = reformime_sections(file);
    ASSERT_FALSE(theirs.empty()) << file;
    ++compared;
    for (const auto& [path, section] : theirs) {
      ++sections;
      const auto it = by_path.find(path);
      // reformime reads an entity without MIME-Version as text/plain, and so does not
      // see the parts mailsift (and readers) find below it.
      if (it == by_path.end()) {
        ADD_FAILURE() << file << ": reformime has section " << path << " (" << section.type
                      << "), mailsift has not";
        continue;
      }
      const MimePart& part = *it->second;
      const bool no_mime_version = section.type == "text/plain" && part.types.front() != "text/plain";
      if (no_mime_version) continue;  // the first deliberate difference
      if (ambiguous) continue;
      if (!bad_type || section.type.find('/') != std::string::npos) {
        EXPECT_EQ(part.types.front(), section.type) << file << " section " << path;
      }
      for (const std::string& name : section.names) {
        EXPECT_NE(std::find(part.filenames.begin(), part.filenames.end(), name), part.filenames.end())
            << file << " section " << path << ": reformime's name \"" << name << "\"";
      }
    }
    // mailsift's parts beyond reformime's: only inside what reformime reads as text
    // (no MIME-Version), inside an encoded message/rfc822, or in an ambiguous message.
    for (const MimePart& part : ours.parts) {
      if (theirs.count(part.path) != 0 || ambiguous || extended_boundary) continue;
      std::string up = parent_of(part.path);
      bool explained = false;
      while (!up.empty() && !explained) {
        const auto mine = by_path.find(up);
        const auto them = theirs.find(up);
        if (them != theirs.end() && mine != by_path.end() &&
            (mine->second->encoding != TransferEncoding::kIdentity ||
             (them->second.type == "text/plain" && mine->second->types.front() != "text/plain")))
          explained = true;
        up = parent_of(up);
      }
      EXPECT_TRUE(explained) << file << ": mailsift has section " << part.path << " ("
                             << part.types.front() << "), reformime has not";
    }
  }
  EXPECT_GT(compared, 60);
  EXPECT_GT(sections, 150);
}

}  // namespace
}  // namespace mailsift::message::mime
