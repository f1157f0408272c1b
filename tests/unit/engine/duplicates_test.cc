#include "mailsift/engine/duplicates.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "faulty_io.h"
#include "mailsift/message/reader.h"
#include "mailsift/rc/views.h"
#include "temp_dir.h"

namespace mailsift::engine {
namespace {

using testing::TempDir;

message::Message message_of(const std::string& text) {
  return message::message_from_bytes(text, message::ReadOptions());
}

const std::string kMessage =
    "From: a@example.org\n"
    "Message-ID:\n  <one@example.org> \n"
    "X-Ticket: T-17\n"
    "Subject: hello\n\nbody\n";

class DuplicateTestsTest : public ::testing::Test {
 protected:
  DuplicateTestsTest() : log_fd_(::open((dir_ / "log").c_str(), O_WRONLY | O_CREAT, 0600)) {
    vars_.set("HOME", dir_ / "home");
    ::mkdir((dir_ / "home").c_str(), 0700);
  }
  ~DuplicateTestsTest() override { ::close(log_fd_); }
  // One run: the test's line for `handle`, then the run's end (exit 0 or not).
  std::string run(const std::string& text, bool delivered, const std::string& handle = "default",
                  sys::Io& io = sys::real_io(), bool dry_run = false,
                  const std::string& recipient = "bob") {
    Log log(io, log_fd_);
    DuplicateTests tests(io, log, dry_run, recipient);
    const message::Message message = message_of(text);
    const std::string line = tests.line(handle, message, vars_);
    EXPECT_EQ(tests.line(handle, message, vars_), line) << "a second test agrees";
    tests.finish(delivered);
    return line;
  }
  std::string log() const { return testing::read_file(dir_ / "log"); }

  TempDir dir_;
  int log_fd_;
  Variables vars_;
};

TEST_F(DuplicateTestsTest, TheViewNameIsAHandle) {
  std::string error;
  const auto view = rc::resolve_view("duplicate.lists", &error);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->kind, rc::View::Kind::kDuplicate);
  EXPECT_EQ(view->field, "lists");
  EXPECT_FALSE(rc::resolve_view("duplicate.a.b", &error));
}

TEST_F(DuplicateTestsTest, TheMessageIdUnfoldedAndTrimmedIsTheDefaultId) {
  EXPECT_EQ(duplicate_id(message_of(kMessage), vars_), "<one@example.org>");
  vars_.set("DUPLICATE_HEADER", "x-ticket");
  EXPECT_EQ(duplicate_id(message_of(kMessage), vars_), "T-17");
  vars_.set("DUPLICATE_ID", "built by the rules");
  EXPECT_EQ(duplicate_id(message_of(kMessage), vars_), "built by the rules");
}

TEST_F(DuplicateTestsTest, RecordedOnlyWhenTheRunEndsWell) {
  EXPECT_EQ(run(kMessage, /*delivered=*/false), "new");
  EXPECT_EQ(run(kMessage, true), "new");
  EXPECT_EQ(run(kMessage, true), "duplicate");
  EXPECT_EQ(run(kMessage, true, "other-handle"), "new");
  // The store: one table per handle, under $HOME/.mailsift/duplicates.
  EXPECT_TRUE(testing::read_file(dir_ / "home/.mailsift/duplicates/default.table").size() > 0);
}

// One message for two addresses that a pipe(8) service delivers as one user (the
// address's parts are the arguments): each gets its copy.
TEST_F(DuplicateTestsTest, EachRecipientHasIdsOfItsOwn) {
  const std::string anna = std::string("vmail") + '\0' + "anna";
  const std::string carl = std::string("vmail") + '\0' + "carl";
  EXPECT_EQ(run(kMessage, true, "default", sys::real_io(), false, anna), "new");
  EXPECT_EQ(run(kMessage, true, "default", sys::real_io(), false, carl), "new");
  EXPECT_EQ(run(kMessage, true, "default", sys::real_io(), false, anna), "duplicate");
}

TEST_F(DuplicateTestsTest, AMessageWithoutAnIdIsNeverADuplicate) {
  const std::string text = "From: a@example.org\nSubject: no id\n\nbody\n";
  EXPECT_EQ(run(text, true), "new");
  EXPECT_EQ(run(text, true), "new");
}

TEST_F(DuplicateTestsTest, APeriodOfItsOwnAndFromTheLastSighting) {
  testing::FaultyIo io;
  io.use_fake_time(1'800'000'000);
  vars_.set("DUPLICATE_SECONDS", "60");
  EXPECT_EQ(run(kMessage, true, "default", io), "new");
  io.use_fake_time(1'800'000'050);
  EXPECT_EQ(run(kMessage, true, "default", io), "duplicate");
  io.use_fake_time(1'800'000'061);
  EXPECT_EQ(run(kMessage, true, "default", io), "new") << "61 s after the first sighting";
  vars_.set("DUPLICATE_LAST", "yes");
  io.use_fake_time(1'800'000'100);
  EXPECT_EQ(run(kMessage, true, "default", io), "duplicate");
  io.use_fake_time(1'800'000'150);
  EXPECT_EQ(run(kMessage, true, "default", io), "duplicate") << "50 s after the latest";
  vars_.set("DUPLICATE_SECONDS", "soon");
  EXPECT_EQ(run(kMessage, true, "default", io), "duplicate");
  EXPECT_NE(log().find("DUPLICATE_SECONDS=\"soon\" is not a number of seconds"), std::string::npos);
}

TEST_F(DuplicateTestsTest, ADryRunLooksButRecordsNothing) {
  EXPECT_EQ(run(kMessage, true, "default", sys::real_io(), /*dry_run=*/true), "new");
  EXPECT_EQ(run(kMessage, true), "new") << "the dry run recorded nothing";
  EXPECT_EQ(run(kMessage, true, "default", sys::real_io(), true), "duplicate");
}

TEST_F(DuplicateTestsTest, AStoreThatFailsIsLoggedAndTheMessageIsNew) {
  EXPECT_EQ(run(kMessage, true), "new");
  // Unreadable.
  testing::FaultyIo unreadable;
  unreadable.add(testing::fault_on(testing::Op::kOpen, EACCES, "default.table"));
  EXPECT_EQ(run(kMessage, true, "default", unreadable), "new");
  EXPECT_NE(log().find("Duplicate test \"duplicate.default\": open"), std::string::npos) << log();
  EXPECT_NE(log().find("the message is taken as new"), std::string::npos);
  // Corrupt.
  testing::write_file(dir_ / "home/.mailsift/duplicates/default.table", "garbage");
  EXPECT_EQ(run(kMessage, true), "new");
  EXPECT_NE(log().find("not a duplicate table"), std::string::npos) << log();
  // No directory can be made for it.
  vars_.set("MAILSIFT_DUPLICATES", dir_ / "file/under/a/file");
  testing::write_file(dir_ / "file", "");
  EXPECT_EQ(run(kMessage, true), "new");
  // Turned off.
  vars_.set("MAILSIFT_DUPLICATES", "no");
  EXPECT_EQ(run(kMessage, true), "new");
}

TEST_F(DuplicateTestsTest, AFullDiskAtTheRecordIsLoggedAndTheNextRunFindsItNew) {
  testing::FaultyIo full;
  full.add(testing::fault_on(testing::Op::kWrite, ENOSPC, "default.table", 2));  // 1: header
  EXPECT_EQ(run(kMessage, true, "default", full), "new");
  EXPECT_NE(log().find("couldn't record the message"), std::string::npos) << log();
  EXPECT_EQ(run(kMessage, true), "new");
}

}  // namespace
}  // namespace mailsift::engine
