#include "mailsift/state/duplicate_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "faulty_io.h"
#include "temp_dir.h"

namespace mailsift::state {
namespace {

using testing::TempDir;

constexpr time_t kWeek = 7L * 24 * 60 * 60;
constexpr time_t kT0 = 1'800'000'000;

class DuplicateTableTest : public ::testing::Test {
 protected:
  std::string path() const { return dir_ / "default.table"; }
  // Claims `id` in a table of its own at the time `now`, then ends the run
  // (recording or not).
  bool claim_and_finish(const std::string& id, time_t now, bool record, bool refresh = false,
                        time_t max_age = kWeek) {
    testing::FaultyIo clock;
    clock.use_fake_time(now);
    DuplicateTable table(clock, path());
    bool seen = true;
    const DuplicateDigest digest = duplicate_digest("default", id);
    EXPECT_TRUE(table.claim(digest, max_age, 1000, &seen, refresh).ok());
    EXPECT_TRUE(table.finish(record, now).ok());
    return seen;
  }
  TempDir dir_;
};

TEST_F(DuplicateTableTest, AnIdIsADuplicateOnlyOnceARunThatSawItEndedWell) {
  EXPECT_FALSE(claim_and_finish("<a@x>", kT0, /*record=*/false));
  EXPECT_FALSE(claim_and_finish("<a@x>", kT0 + 1, /*record=*/true));
  EXPECT_TRUE(claim_and_finish("<a@x>", kT0 + 2, true));
  EXPECT_FALSE(claim_and_finish("<b@x>", kT0 + 3, true));
  // The table is made once, at its full size, mode 0600.
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size),
            DuplicateTable::kHeaderBytes + DuplicateTable::kDuplicateSlots * DuplicateTable::kSlotBytes);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(DuplicateTableTest, TheHandleSeparatesIds) {
  EXPECT_NE(duplicate_digest("lists", "<a@x>"), duplicate_digest("default", "<a@x>"));
  EXPECT_EQ(duplicate_digest("lists", "<a@x>"), duplicate_digest("lists", "<a@x>"));
}

TEST_F(DuplicateTableTest, ThePeriodRunsFromTheFirstSightingUnlessRefreshed) {
  claim_and_finish("<a@x>", kT0, true);
  EXPECT_TRUE(claim_and_finish("<a@x>", kT0 + kWeek, true));  // at the edge: still seen
  EXPECT_FALSE(claim_and_finish("<a@x>", kT0 + kWeek + 1, false));
  // Seen again at kT0 + kWeek without ":last": the time stayed kT0.
  claim_and_finish("<b@x>", kT0, true);
  EXPECT_TRUE(claim_and_finish("<b@x>", kT0 + 100, true, /*refresh=*/true));
  EXPECT_TRUE(claim_and_finish("<b@x>", kT0 + 100 + kWeek, false));
}

// Recorded while the clock was a year ahead: once it is put right, the id is not
// held for that year; it is new, and recorded afresh.
TEST_F(DuplicateTableTest, ATimeAfterNowDoesNotHoldTheId) {
  claim_and_finish("<a@x>", kT0 + 365 * 24 * 3600, true);
  EXPECT_FALSE(claim_and_finish("<a@x>", kT0, true));
  EXPECT_TRUE(claim_and_finish("<a@x>", kT0 + 10, false));
}

TEST_F(DuplicateTableTest, AFullWindowForgetsItsOldestIdAndTheFileNeverGrows) {
  // Digests that share their first eight bytes share a window.
  DuplicateTable table(sys::real_io(), path());
  std::vector<DuplicateDigest> digests;
  for (std::size_t i = 0; i <= DuplicateTable::kDuplicateWindow; ++i) {
    DuplicateDigest d{};
    d[0] = 7;
    d[15] = static_cast<std::uint8_t>(i + 1);
    digests.push_back(d);
  }
  for (std::size_t i = 0; i < digests.size(); ++i) {
    testing::FaultyIo clock;
    clock.use_fake_time(kT0 + static_cast<time_t>(i));
    DuplicateTable run(clock, path());
    bool seen = true;
    ASSERT_TRUE(run.claim(digests[i], kWeek, 1000, &seen).ok());
    EXPECT_FALSE(seen);
    ASSERT_TRUE(run.finish(true, kT0 + static_cast<time_t>(i)).ok());
  }
  bool seen = true;
  ASSERT_TRUE(table.peek(digests[0], kT0 + 100, kWeek, &seen).ok());
  EXPECT_FALSE(seen) << "the oldest gave way";
  for (std::size_t i = 1; i < digests.size(); ++i) {
    ASSERT_TRUE(table.peek(digests[i], kT0 + 100, kWeek, &seen).ok());
    EXPECT_TRUE(seen) << i;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path().c_str(), &st), 0);
  EXPECT_EQ(static_cast<std::size_t>(st.st_size),
            DuplicateTable::kHeaderBytes + DuplicateTable::kDuplicateSlots * DuplicateTable::kSlotBytes);
}

TEST_F(DuplicateTableTest, APeekWritesNothing) {
  DuplicateTable table(sys::real_io(), path());
  bool seen = true;
  ASSERT_TRUE(table.peek(duplicate_digest("default", "<a@x>"), kT0, kWeek, &seen).ok());
  EXPECT_FALSE(seen);
  struct stat st {};
  EXPECT_NE(::stat(path().c_str(), &st), 0) << "no table is made by a peek";
}

TEST_F(DuplicateTableTest, AFileThatIsNotATableIsAnError) {
  testing::write_file(path(), "something else\n");
  DuplicateTable table(sys::real_io(), path());
  bool seen = true;
  const sys::Status status =
      table.claim(duplicate_digest("default", "<a@x>"), kWeek, 1000, &seen);
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(seen);
  EXPECT_NE(status.message().find("not a duplicate table"), std::string::npos) << status.message();
  EXPECT_EQ(testing::read_file(path()), "something else\n") << "left as it was";
}

TEST_F(DuplicateTableTest, AFailedRecordIsReportedAndLeavesTheIdUnseen) {
  testing::FaultyIo io;
  io.use_fake_time(kT0);
  io.add(testing::fault_on(testing::Op::kWrite, ENOSPC, "default.table"));
  {
    DuplicateTable table(io, path());
    bool seen = true;
    // The table is made first (its header is a write too: let that one through).
    ASSERT_TRUE(DuplicateTable(sys::real_io(), path()).open(true).ok());
    ASSERT_TRUE(table.claim(duplicate_digest("default", "<a@x>"), kWeek, 1000, &seen).ok());
    const sys::Status status = table.finish(true, kT0);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.err(), ENOSPC);
  }
  EXPECT_FALSE(claim_and_finish("<a@x>", kT0 + 1, false));
}

// A second delivery of the same id waits for the first to end, and then finds it
// recorded; one that cannot wait that long gets an error (and takes it as new). The
// first records the time its run ended, a second or more after the second delivery
// began waiting: the wait must not make that record look like one from the future
// (50 deliveries of one message at once stored it twice that way).
TEST_F(DuplicateTableTest, AConcurrentClaimWaitsForTheFirstRunsOutcome) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    DuplicateTable table(sys::real_io(), path());
    bool seen = true;
    const bool ok = table.claim(duplicate_digest("default", "<a@x>"), kWeek, 1000, &seen).ok();
    const time_t claimed = ::time(nullptr);
    (void)!::write(ready[1], "x", 1);
    ::usleep(300 * 1000);
    while (::time(nullptr) <= claimed) ::usleep(10 * 1000);
    const bool recorded = table.finish(true, ::time(nullptr)).ok();
    ::_exit(ok && !seen && recorded ? 0 : 1);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  {
    DuplicateTable impatient(sys::real_io(), path());
    bool seen = true;
    const sys::Status status = impatient.claim(duplicate_digest("default", "<a@x>"), kWeek, 20, &seen);
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.step(), sys::Step::kLock);
  }
  DuplicateTable patient(sys::real_io(), path());
  bool seen = false;
  ASSERT_TRUE(patient.claim(duplicate_digest("default", "<a@x>"), kWeek, 5000, &seen).ok());
  EXPECT_TRUE(seen);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace mailsift::state
