// The deliveries of one LMTP connection, each by a worker: a child that has become
// its recipient's user, and delivers that user's messages one after another with
// engine::run, as -d does for one. Taking the identity (the account and group
// databases, the change of ids) and starting a process are paid once per worker,
// not once per message. The connection process stays root and never reads a file of
// the user's; a worker never holds another user's identity or another worker's
// channel.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "mailsift/engine/invocation.h"
#include "mailsift/engine/run.h"
#include "mailsift/sys/privileges.h"
#include "mailsift/sys/process.h"

namespace mailsift::lmtp {

// What every delivery of a connection shares.
struct WorkerSettings {
  int log_fd = 2;
  const char* const* environ = nullptr;
  std::string system_mailbox_spool;
  unsigned delivery_seconds = 0;  // a delivery still running after this: killed, -1
  std::string invoker;            // the server's user, for a From_ line mailsift makes
};

// One recipient's delivery of a spooled message.
struct DeliveryRequest {
  std::string sender;  // the envelope sender ("" for <>)
  std::string user;
  std::string detail;  // after the "+" ("" when none): the rules' $1
};

// The command line a mail server would give for it: -d user [-a detail] -f sender.
engine::Invocation invocation_for(const DeliveryRequest& request);

class UserWorker {
 public:
  UserWorker(const sys::Account& account, const WorkerSettings& settings,
             const std::vector<int>& close_in_child);
  ~UserWorker();  // ends the worker (it is idle between deliveries) and reaps it
  UserWorker(const UserWorker&) = delete;
  UserWorker& operator=(const UserWorker&) = delete;

  static constexpr int kNotTaken = -2;
  // Delivers the message in `spool` (a file read from its start) as engine::run would
  // for request. Returns run()'s exit status, with *report filled in (where the message
  // went, a mailbox without room); -1 when the worker died or was killed during it (by
  // the delivery timeout), or kNotTaken when the worker was gone before it took the
  // message. After -1 or kNotTaken the worker is not usable.
  int deliver(int spool, const DeliveryRequest& request, bool orgmail_unusable,
              engine::RunContext::Report* report);

  bool usable() const { return child_.pid > 0; }
  const sys::Account& account() const { return account_; }
  unsigned deliveries() const { return deliveries_; }
  int channel() const { return child_.fd; }
  pid_t pid() const { return child_.pid; }

 private:
  sys::Account account_;
  const WorkerSettings& settings_;
  sys::Coprocess child_;
  unsigned deliveries_ = 0;
};

// A connection's workers, one per user, started on first need.
class WorkerPool {
 public:
  // close_in_child: the connection's descriptors, which no worker may keep.
  WorkerPool(WorkerSettings settings, std::vector<int> close_in_child);
  // Its workers keep a reference to settings_: it stays where it was made.
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // deliver() of the user's worker: started when there is none, replaced when the
  // account is no longer the one it took (uid, gid, home, shell), after
  // limits::kLmtpDeliveriesPerWorker deliveries, or when it was gone before it took
  // the message (the message is then given to a fresh one).
  int deliver(const sys::Account& account, int spool, const DeliveryRequest& request,
              bool orgmail_unusable, engine::RunContext::Report* report);

  const WorkerSettings& settings() const { return settings_; }

 private:
  UserWorker& worker_for(const sys::Account& account, int spool);

  WorkerSettings settings_;
  std::vector<int> close_in_child_;
  std::vector<std::unique_ptr<UserWorker>> workers_;  // the most recently used last
};

}  // namespace mailsift::lmtp
