// DuplicateTable: the ids a user's rules have seen, for the "duplicate" test
// (RFC 7352's semantics; engine/duplicates.h decides when to ask and to record).
//
// One file per handle, of a fixed size, so that the store never grows: a header
// and kDuplicateSlots slots of 32 bytes (a 128-bit digest of the id, the time it was
// recorded, 8 reserved bytes). An id lives in one of the kDuplicateWindow slots
// from the one its digest names; when they are all taken by unexpired ids, the
// oldest is overwritten: the store forgets, and forgetting can only let a second
// copy through, never take a new message for a duplicate.
//
// Concurrency: claim() takes a POSIX record lock on the id's window and keeps it
// until finish(), so that a concurrent delivery of the same id waits for this one's
// outcome (recorded: it is a duplicate there; not: it is new there too, and claims
// it). Record locks end with the process: a killed delivery leaves nothing held.
// The file is created under a temporary name, sized, and linked into place.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mailsift/sys/io.h"
#include "mailsift/sys/status.h"

namespace mailsift::state {

using DuplicateDigest = std::array<std::uint8_t, 16>;

// The digest of `id` under `handle` (SipHash-128: ids are not secrets, the keyed
// hash spreads them over the table).
DuplicateDigest duplicate_digest(const std::string& handle, const std::string& id);

class DuplicateTable {
 public:
  DuplicateTable(sys::Io& io, std::string path);
  ~DuplicateTable();
  DuplicateTable(const DuplicateTable&) = delete;
  DuplicateTable& operator=(const DuplicateTable&) = delete;

  // Opens the table (read-only unless `create`); `create`: makes it (and nothing
  // else: the directory must exist) when missing. A file that is not a table fails with Step::kRead and
  // detail "not a duplicate table".
  sys::Status open(bool create);

  // Whether `digest` was recorded at most max_age seconds before now.
  // claim: the id's window is locked (waiting at most wait_ms for another delivery
  // that holds it) until finish(), and "now" is the clock read once the lock is held:
  // a delivery that waited for another one's outcome, which that one recorded at its
  // own later time, must not take the record for one from the future (and store a
  // second copy). refresh (RFC 7352 ":last"): finish records the id's time anew even
  // when it was seen. peek: no lock, and nothing will be recorded (a dry run). A
  // missing table (peek) is "not seen".
  sys::Status claim(const DuplicateDigest& digest, time_t max_age, long wait_ms, bool* seen,
                    bool refresh = false);
  sys::Status peek(const DuplicateDigest& digest, time_t now, time_t max_age, bool* seen);

  // The run has ended. record: each claimed id is recorded as seen at `now` (kept
  // as it was when it was seen within max_age, unless claimed with refresh). Then
  // every lock goes. Without record, nothing is written.
  sys::Status finish(bool record, time_t now);
  // A "c" clone: the claims are the parent's (and so are its locks: record locks are
  // not inherited). Nothing is recorded or unlocked by this process.
  void forget();

  static constexpr std::size_t kHeaderBytes = 64;
  static constexpr std::size_t kSlotBytes = 32;
  static constexpr std::size_t kDuplicateSlots = 16384;
  static constexpr std::size_t kDuplicateWindow = 16;

 private:
  struct Claim {
    DuplicateDigest digest{};
    bool seen = false;
    bool refresh = false;
  };
  struct Slot {
    DuplicateDigest digest{};
    std::int64_t time = 0;
  };
  sys::Status create_file();
  sys::Status read_window(std::size_t first, std::vector<Slot>* slots);
  sys::Status lock_window(std::size_t first, long wait_ms);
  static std::size_t first_slot(const DuplicateDigest& digest);
  static bool seen_in(const std::vector<Slot>& slots, const DuplicateDigest& digest, time_t now,
                      time_t max_age);

  sys::Io& io_;
  std::string path_;
  int fd_ = -1;
  std::vector<Claim> claims_;
};

}  // namespace mailsift::state
