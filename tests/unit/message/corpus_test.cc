// The message corpus in tests/data/messages: explicit expectations for the awkward
// cases, and, where /usr/bin/procmail is installed, a byte-for-byte comparison of
// every corpus message as mailsift and procmail store it.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "mailsift/message/reader.h"
#include "temp_dir.h"
#include "test_time.h"

namespace mailsift::message {
namespace {

const std::string kCorpus = std::string(MAILSIFT_TEST_DATA) + "/messages/";

std::string corpus(const std::string& name) {
  const std::string path = kCorpus + name;
  if (!testing::exists(path)) ADD_FAILURE() << "missing corpus file " << path;
  return testing::read_file(path);
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const std::string& name : testing::list_dir(kCorpus)) {
    if (name.size() > 4 && name.substr(name.size() - 4) == ".eml") out.push_back(name);
  }
  return out;
}

TEST(Corpus, HasTheAwkwardCases) {
  const std::vector<std::string> files = corpus_files();
  for (const char* want :
       {"crlf.eml", "nul-and-8bit.eml", "folded-headers.eml", "no-body.eml",
        "no-final-newline.eml", "header-only.eml", "empty.eml", "leading-empty-lines.eml",
        "from-line.eml", "from-in-body.eml", "quoted-from-in-body.eml",
        "content-length-right.eml", "content-length-too-large.eml",
        "content-length-narrow.eml"}) {
    EXPECT_NE(std::find(files.begin(), files.end(), want), files.end()) << want;
  }
}

struct CorpusCase {
  const char* file;
  std::size_t want_head_size;
  std::size_t want_fields;
  std::string want_sender;
  std::size_t want_protected;
};

// Read verbatim (no -f, no -d).
TEST(Corpus, Verbatim) {
  const CorpusCase cases[] = {
      {"empty.eml", 0, 0, "", 0},
      {"crlf.eml", 93, 6, "", 0},  // no "\n\n": all head; every line a "field"
      {"header-only.eml", 56, 2, "", 0},
      {"no-body.eml", 38, 2, "", 0},
      {"folded-headers.eml", 96, 4, "", 0},
      {"leading-empty-lines.eml", 53, 2, "", 0},
      {"from-line.eml", 117, 3, "alice@example.org", 0},
      {"content-length-right.eml", 87, 2, "a@example.org", 23},
      {"content-length-too-large.eml", 88, 2, "a@example.org", 13},
      {"content-length-narrow.eml", 83, 2, "a@example.org", 9},
  };
  for (const CorpusCase& c : cases) {
    const std::string input = corpus(c.file);
    const Message m = message_from_bytes(input, ReadOptions());
    EXPECT_EQ(m.head().size(), c.want_head_size) << c.file;
    EXPECT_EQ(m.size(), input.size()) << c.file;
    EXPECT_EQ(m.headers().fields().size(), c.want_fields) << c.file;
    EXPECT_EQ(m.envelope_sender(), c.want_sender) << c.file;
    EXPECT_EQ(m.content_length_protected(), c.want_protected) << c.file;
  }
}

TEST(Corpus, ContentLengthFieldsRewritten) {
  struct Case {
    const char* file;
    const char* want_field;
  } cases[] = {
      {"content-length-right.eml", "Content-Length: 23"},
      {"content-length-too-large.eml", "Content-Length:     13"},
      {"content-length-narrow.eml", "content-length:9"},
      // 33 wide: the number is right-aligned in the first 26, the rest blanks.
      {"content-length-wide.eml", "Content-Length:                         5       "},
  };
  for (const Case& c : cases) {
    const Message m = message_from_bytes(corpus(c.file), ReadOptions());
    const std::string_view head = m.head();
    const std::string want = std::string("\n") + c.want_field + "\n";
    EXPECT_NE(head.find(want), std::string_view::npos) << c.file << ": got head " << head;
  }
}

TEST(Corpus, FoldedHeaders) {
  const Message m = message_from_bytes(corpus("folded-headers.eml"), ReadOptions());
  ASSERT_NE(m.headers().find("x-long"), nullptr);
  EXPECT_EQ(m.headers().find("x-long")->value, " one\n\ttwo\n\tthree");
  EXPECT_EQ(m.headers().find("subject")->value, " a folded\n  subject line");
}

TEST(Corpus, LongFromLineDroppedWhenManaged) {
  test::use_utc();
  ReadOptions options;
  options.now = test::kNow;
  options.from_line.manage = true;
  options.from_line.invoker = "inv";
  const Message m = message_from_bytes(corpus("from-line-too-long.eml"), options);
  EXPECT_EQ(m.from_line(), std::string("From inv  ") + test::kNowText + "\n");
  EXPECT_EQ(m.head().substr(m.from_line().size()),
            "Subject: From_ line of 2051 bytes\n\n");
}

// ---- comparison with procmail ----------------------------------------------------

constexpr const char* kProcmail = "/usr/bin/procmail";

std::string invoker_name() {
  const struct passwd* pw = ::getpwuid(::getuid());
  return pw != nullptr ? pw->pw_name : std::to_string(::getuid());
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct Mode {
  const char* name;
  std::vector<std::string> args;
  bool manage;
  std::optional<std::string> sender;
  bool berkeley;
};

// procmail stores the message it read; a raw pipe recipe that waits ("wr") hands it
// back unchanged, so its bytes are exactly procmail's head + body.
TEST(Corpus, SameBytesAsProcmail) {
  if (::access(kProcmail, X_OK) != 0) GTEST_SKIP() << kProcmail << " not installed";
  if (::getuid() != 0) GTEST_SKIP() << "procmail comparison needs root (as in CI)";
  test::use_utc();  // procmail inherits TZ
  const Mode modes[] = {
      {"verbatim", {}, false, std::nullopt, false},
      {"-f -", {"-f", "-"}, true, "-", false},
      {"-f x@y", {"-f", "x@y"}, true, "x@y", false},
      {"-Y -f -", {"-Y", "-f", "-"}, true, "-", true},
  };
  const std::vector<std::string> files = corpus_files();
  ASSERT_FALSE(files.empty());
  for (const std::string& file : files) {
    const std::string input = corpus(file);
    for (const Mode& mode : modes) {
      testing::TempDir dir;
      testing::write_file(dir / "rc", ":0wr\n| cat > " + dir.path() + "/out\n");
      std::string command = "cd " + shell_quote(dir.path()) + " && " + kProcmail;
      for (const std::string& arg : mode.args) command += " " + shell_quote(arg);
      command += " ./rc < " + shell_quote(kCorpus + file) + " 2>/dev/null";
      const std::time_t before = std::time(nullptr);
      const int rc = std::system(command.c_str());
      const std::time_t after = std::time(nullptr);
      ASSERT_EQ(rc, 0) << command;
      const std::string want = testing::read_file(dir / "out");

      // A generated date is procmail's clock: try each second the run took.
      std::string got;
      for (std::time_t t = before; t <= after; ++t) {
        ReadOptions options;
        options.now = t;
        options.from_line.manage = mode.manage;
        options.from_line.sender = mode.sender;
        options.from_line.invoker = invoker_name();
        options.berkeley = mode.berkeley;
        const Message m = message_from_bytes(input, options);
        got = std::string(m.head()) + std::string(m.body());
        if (got == want) break;
      }
      EXPECT_EQ(got, want) << file << " with " << mode.name;
    }
  }
}

}  // namespace
}  // namespace mailsift::message
