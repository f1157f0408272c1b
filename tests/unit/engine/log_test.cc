#include "mailsift/engine/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "mailsift/sys/io.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::read_file;
using testing::TempDir;

// A file standing in for stderr, so that what reaches it can be read back.
class LogTest : public ::testing::Test {
 protected:
  LogTest()
      : stderr_path_(dir_ / "stderr"),
        stderr_fd_(::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)),
        log_(sys::real_io(), stderr_fd_) {}
  ~LogTest() override { ::close(stderr_fd_); }

  TempDir dir_;
  std::string stderr_path_;
  int stderr_fd_;
  Log log_;
};

// mailsift's word on a mistake procmail passes over in silence never reaches stderr
// (a mail server may read any output there as a failure): it waits for a log file.
TEST_F(LogTest, NotesWaitForALogFileAndNeverGoToStderr) {
  log_.line("Skipped \"x\"");
  log_.note("rc:2:1: error: first");
  log_.note("rc:3:1: error: second");
  EXPECT_EQ(read_file(stderr_path_), "mailsift: Skipped \"x\"\n");
  ASSERT_TRUE(log_.open_file(dir_ / "log", 022));
  log_.note("rc:4:1: error: third");
  EXPECT_EQ(read_file(dir_ / "log"),
            "mailsift: rc:2:1: error: first\n"
            "mailsift: rc:3:1: error: second\n"
            "mailsift: rc:4:1: error: third\n");
  EXPECT_EQ(read_file(stderr_path_), "mailsift: Skipped \"x\"\n");
}

TEST_F(LogTest, PendingNotesAreBounded) {
  for (std::size_t i = 0; i < Log::kMaxPendingNotes + 10; ++i)
    log_.note("rc:" + std::to_string(i + 1) + ":1: error: x");
  ASSERT_TRUE(log_.open_file(dir_ / "log", 022));
  const std::string text = read_file(dir_ / "log");
  EXPECT_NE(text.find("rc:64:1: error: x\n"), std::string::npos);
  EXPECT_EQ(text.find("rc:65:1:"), std::string::npos);
  EXPECT_NE(text.find("(10 more notes on the rcfile were not kept)"), std::string::npos) << text;
}

TEST_F(LogTest, NotesWithoutALogFileAreDropped) {
  log_.note("rc:1:1: error: never shown");
  EXPECT_EQ(read_file(stderr_path_), "");
}

// Delivering for a mail server, the lines bound for stderr wait, so that the verdict
// comes first (verdict.h); a LOGFILE opened meanwhile takes the lines after it only.
TEST_F(LogTest, HeldLinesFollowTheVerdict) {
  log_.hold_stderr();
  log_.line("Couldn't chdir to \"x\"");
  EXPECT_EQ(read_file(stderr_path_), "");
  ASSERT_TRUE(log_.open_file(dir_ / "log", 022));
  log_.line("Error while writing to \"y\"");
  log_.release_stderr("exit 75, not delivered");
  EXPECT_EQ(read_file(stderr_path_),
            "mailsift: exit 75, not delivered\nmailsift: Couldn't chdir to \"x\"\n");
  EXPECT_EQ(read_file(dir_ / "log"), "mailsift: Error while writing to \"y\"\n");
  // Once released, nothing is held; a second release writes nothing.
  log_.release_stderr("again");
  EXPECT_EQ(read_file(stderr_path_),
            "mailsift: exit 75, not delivered\nmailsift: Couldn't chdir to \"x\"\n");
}

TEST_F(LogTest, WithoutAVerdictTheHeldLinesAreWrittenAsTheyWere) {
  log_.hold_stderr();
  log_.line("one");
  log_.release_stderr("");
  EXPECT_EQ(read_file(stderr_path_), "mailsift: one\n");
}

TEST_F(LogTest, HeldLinesAreBounded) {
  log_.hold_stderr();
  const std::string long_line(1000, 'x');
  for (int i = 0; i < 100; ++i) log_.line(long_line);
  log_.release_stderr("verdict");
  const std::string text = read_file(stderr_path_);
  EXPECT_LE(text.size(), Log::kMaxHeldBytes + 200);
  EXPECT_EQ(text.rfind("mailsift: verdict\n", 0), 0u);
  EXPECT_NE(text.find("more lines were not kept)"), std::string::npos);
}

// A "c" clone: what the parent held is the parent's to write.
TEST_F(LogTest, AStoppedHoldDropsTheParentsLines) {
  log_.hold_stderr();
  log_.line("parent's");
  log_.stop_holding();
  log_.line("clone's");
  log_.release_stderr("no verdict from a clone");
  EXPECT_EQ(read_file(stderr_path_), "mailsift: clone's\n");
}

}  // namespace
}  // namespace mailsift::engine
