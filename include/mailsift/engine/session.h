// Session: the state of one run for one recipient: variables (with the side
// effects of procmail's special variables), the log, lock settings, and what has
// been stored so far.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "mailsift/deliver/folder.h"
#include "mailsift/engine/expand.h"
#include "mailsift/engine/log.h"
#include "mailsift/engine/variables.h"
#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

class Session {
 public:
  Session(sys::Io& io, Log& log, Variables variables);

  // NAME=value (or unset when value is nullopt), then the variable's side effect:
  // MAILDIR changes directory, LOGFILE moves the log, LOG writes to it, UMASK sets
  // the umask, VERBOSE, LOCKSLEEP, LOCKTIMEOUT, SUSPEND, TIMEOUT, EXITCODE ...
  void assign(const std::string& name, const std::optional<std::string>& value);

  const Variables& variables() const { return variables_; }
  Variables& variables() { return variables_; }
  VariableLookup lookup() const;

  // Delivers to the folders of one action. `dotlock` is taken while an mbox is
  // written ("" for none). True when the message is durably stored; failures are
  // logged with the step that failed.
  bool deliver(const std::vector<std::string>& folders, const message::Message& message,
               const std::string& dotlock);

  bool stored() const { return stored_; }
  std::size_t last_write_size() const { return last_write_size_; }
  bool default_assigned() const { return default_assigned_; }
  bool maildir_assigned() const { return maildir_assigned_; }
  void set_current_rcfile(std::string name) { current_rcfile_ = std::move(name); }
  mode_t umask() const { return umask_; }

 private:
  sys::Io& io_;
  Log& log_;
  Variables variables_;
  mode_t umask_ = 077;
  sys::LockPolicy lock_;
  std::string hostname_;
  std::string current_rcfile_;
  bool stored_ = false;
  bool default_assigned_ = false;
  bool maildir_assigned_ = false;
  std::size_t last_write_size_ = 0;
};

}  // namespace mailsift::engine
