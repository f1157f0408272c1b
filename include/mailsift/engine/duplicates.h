// DuplicateTests: the "duplicate.HANDLE" view, RFC 7352's duplicate test in the
// rules:
//
//   :0
//   * duplicate.lists ?? ^duplicate$
//   /dev/null
//
// The view has one line, "duplicate" when the message's id was recorded under
// HANDLE within the period, else "new". What the test reads, when it runs:
//   DUPLICATE_ID       the id itself (RFC 7352 :uniqueid), when set and not empty;
//   DUPLICATE_HEADER   else the field whose first value is the id (unset or empty:
//                      Message-ID), unfolded and trimmed; a message without it is
//                      never a duplicate;
//   DUPLICATE_SECONDS  the period (unset or empty: 7 days; at least 1 second);
//   DUPLICATE_LAST     "yes": the period runs from the latest sighting (:last),
//                      not the first.
// The store: state::DuplicateTable, one fixed-size file per handle in
// $HOME/.mailsift/duplicates/ (MAILSIFT_DUPLICATES=DIR elsewhere; "no" turns the
// test off: every message is new).
//
// An id is recorded only when the run ends with exit 0 (finish): a delivery that
// the mail server retries after a 75 is not taken for a duplicate of itself. Until
// then its slot window stays locked, so that a concurrent delivery of the same
// message waits for this one's outcome: of 50 at once, one stores it. A store that
// cannot be read or written is logged and the message is new: never a false
// duplicate. A dry run reads the store and writes nothing. A "c" clone records
// nothing (its parent's exit decides).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "mailsift/engine/log.h"
#include "mailsift/engine/variables.h"
#include "mailsift/message/message.h"
#include "mailsift/state/duplicate_table.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

class DuplicateTests {
 public:
  // dry_run: look, never claim or record. recipient: the user with the arguments
  // ($1, $2, ...: -a, or after a -m rcfile), as the delivery journal names it: ids
  // are recorded per recipient, so that one message for two addresses of a pipe(8)
  // service that delivers as one user is not a duplicate at the second.
  DuplicateTests(sys::Io& io, Log& log, bool dry_run, std::string recipient = {})
      : io_(io), log_(log), dry_run_(dry_run), recipient_(std::move(recipient)) {}

  // The line of duplicate.HANDLE for `message` as the variables stand now.
  std::string line(const std::string& handle, const message::Message& message,
                   const Variables& variables);

  // The run has ended; delivered: with exit 0, so the ids tested are recorded.
  void finish(bool delivered);
  // In a "c" clone: the claims are the parent's.
  void enter_clone();

 private:
  // The table of `handle`; nullptr when the test is off or its directory cannot be
  // made (logged).
  state::DuplicateTable* table(const std::string& handle, const Variables& variables);
  void failed(const std::string& handle, const sys::Status& status);

  sys::Io& io_;
  Log& log_;
  bool dry_run_;
  std::string recipient_;
  bool in_clone_ = false;
  std::map<std::string, std::unique_ptr<state::DuplicateTable>> tables_;
  // What each (handle, digest) was found to be, so that a second test agrees.
  std::map<std::pair<std::string, state::DuplicateDigest>, bool> answers_;
};

// The id a message has for the duplicate test: DUPLICATE_ID, or the first value of
// DUPLICATE_HEADER (Message-ID), unfolded and trimmed; "" for none.
std::string duplicate_id(const message::Message& message, const Variables& variables);

}  // namespace mailsift::engine
