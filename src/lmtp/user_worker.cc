#include "mailsift/lmtp/user_worker.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "mailsift/engine/run.h"
#include "mailsift/limits.h"
#include "mailsift/sys/descriptor_passing.h"
#include "mailsift/sys/io.h"

namespace mailsift::lmtp {
namespace {

// A request on the channel: the envelope sender, the user, the detail and the
// screening's verdict on $ORGMAIL, separated by NULs (none of them holds one: LMTP
// addresses are text lines); the spooled message comes with it as a descriptor. The
// reply is run()'s exit status in decimal.
std::string encode(const DeliveryRequest& request, bool orgmail_unusable) {
  std::string out = request.sender;
  for (const std::string* field : {&request.user, &request.detail}) {
    out += '\0';
    out += *field;
  }
  out += '\0';
  out += orgmail_unusable ? '1' : '0';
  return out;
}

bool decode(const std::string& packet, DeliveryRequest* request, bool* orgmail_unusable) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = packet.find('\0', start);
    fields.push_back(packet.substr(start, end == std::string::npos ? end : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (fields.size() != 4) return false;
  request->sender = fields[0];
  request->user = fields[1];
  request->detail = fields[2];
  *orgmail_unusable = fields[3] == "1";
  return true;
}

void log_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  sys::write_all(sys::real_io(), fd, text.data(), text.size());
}

// The worker: takes the identity once, then delivers each message it is given.
int serve_deliveries(int channel, const sys::Account& account, const WorkerSettings& settings) {
  // The connection is standard input and output under --lmtp: a program the rules
  // run must not read from it or write into it (its output would be taken for
  // replies).
  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0) return 75;
  if (null > 1) ::close(null);
  // Each delivery starts where a fresh process would: in the server's directory, with
  // its umask (the rules' UMASK is the process's until the next delivery).
  const int start_directory = ::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  const mode_t start_umask = ::umask(077);
  ::umask(start_umask);
  // The delivery timeout ends a worker with SIGTERM: it takes the programs the rules
  // started with it.
  sys::end_programs_on_sigterm();
  const sys::Status became = sys::become(account);
  if (!became.ok()) {
    log_line(settings.log_fd, "Couldn't become \"" + account.name + "\": " + became.message());
    return 75;
  }
  for (;;) {
    std::string packet;
    int spool = -1;
    const int got = sys::receive_packet(channel, &packet, &spool);
    if (got != 0) return got == -1 ? 0 : 75;
    DeliveryRequest request;
    bool orgmail_unusable = false;
    int status = 75;
    engine::RunContext::Report report;
    ::umask(start_umask);
    if (spool >= 0 && decode(packet, &request, &orgmail_unusable) &&
        ::lseek(spool, 0, SEEK_SET) == 0 &&
        (start_directory < 0 || ::fchdir(start_directory) == 0)) {
      engine::RunContext context;
      context.stdin_fd = spool;
      context.stderr_fd = settings.log_fd;
      context.environ = settings.environ;
      context.system_mailbox_spool = settings.system_mailbox_spool;
      context.identity = &account;
      context.screened.orgmail_unusable = orgmail_unusable;
      context.invoker = settings.invoker;
      context.report = &report;
      status = engine::run(invocation_for(request), context);
    }
    if (spool >= 0) ::close(spool);
    // The reply: the status (":full" after it for a mailbox without room), then where
    // the message went (as many names as fit).
    std::string reply = std::to_string(status) + (report.mailbox_full ? ":full" : "");
    for (const std::string& folder : report.delivered_to) {
      if (reply.size() + 1 + folder.size() > sys::kMaxPacket) break;
      reply += '\0';
      reply += folder;
    }
    if (sys::send_packet(channel, reply, -1) != 0) return 0;
  }
}

}  // namespace

engine::Invocation invocation_for(const DeliveryRequest& request) {
  engine::Invocation invocation;
  invocation.recipients = {request.user};
  if (!request.detail.empty()) invocation.arguments = {request.detail};
  invocation.from = request.sender.empty() ? std::string("MAILER-DAEMON") : request.sender;
  return invocation;
}

UserWorker::UserWorker(const sys::Account& account, const WorkerSettings& settings,
                       const std::vector<int>& close_in_child)
    : account_(account), settings_(settings) {
  child_ = sys::start_coprocess(
      [this](int channel) { return serve_deliveries(channel, account_, settings_); },
      close_in_child);
}

UserWorker::~UserWorker() { sys::end_coprocess(&child_, false); }

int UserWorker::deliver(int spool, const DeliveryRequest& request, bool orgmail_unusable,
                        engine::RunContext::Report* report) {
  if (!usable()) return kNotTaken;
  if (sys::send_packet(child_.fd, encode(request, orgmail_unusable), spool) != 0) {
    sys::end_coprocess(&child_, true);
    return kNotTaken;
  }
  ++deliveries_;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(settings_.delivery_seconds);
  for (;;) {
    int wait_ms = -1;
    if (settings_.delivery_seconds > 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long>(0, left.count()));
    }
    pollfd reply{child_.fd, POLLIN, 0};
    const int ready = ::poll(&reply, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {  // the delivery timeout: the worker and all it started end
      sys::end_coprocess(&child_, true);
      return -1;
    }
    std::string packet;
    int fd = -1;
    const int got = sys::receive_packet(child_.fd, &packet, &fd);
    if (fd >= 0) ::close(fd);
    char* rest = nullptr;
    const long status = got == 0 ? std::strtol(packet.c_str(), &rest, 10) : -1;
    const bool full = got == 0 && rest != nullptr && std::strcmp(rest, ":full") == 0;
    if (got != 0 || rest == packet.c_str() || (*rest != '\0' && !full) || status < 0 ||
        status > 255) {
      sys::end_coprocess(&child_, true);  // it died in the delivery (or said nonsense)
      return -1;
    }
    // After the status, NUL-separated: where the message went.
    report->mailbox_full = full;
    report->delivered_to.clear();
    for (std::size_t at = std::strlen(packet.c_str()); at < packet.size();) {
      const std::size_t next = std::min(packet.find('\0', at + 1), packet.size());
      report->delivered_to.push_back(packet.substr(at + 1, next - at - 1));
      at = next;
    }
    return static_cast<int>(status);
  }
}

WorkerPool::WorkerPool(WorkerSettings settings, std::vector<int> close_in_child)
    : settings_(std::move(settings)), close_in_child_(std::move(close_in_child)) {}

UserWorker& WorkerPool::worker_for(const sys::Account& account, int spool) {
  const auto same = [&](const std::unique_ptr<UserWorker>& w) {
    const sys::Account& a = w->account();
    return a.name == account.name && a.uid == account.uid && a.gid == account.gid &&
           a.home == account.home && a.shell == account.shell;
  };
  // Workers that can no longer serve go first: dead ones, worn-out ones, and one
  // whose user's account has changed since it started.
  std::erase_if(workers_, [&](const std::unique_ptr<UserWorker>& w) {
    return !w->usable() || w->deliveries() >= limits::kLmtpDeliveriesPerWorker ||
           (w->account().name == account.name && !same(w));
  });
  const auto found = std::find_if(workers_.begin(), workers_.end(), same);
  if (found != workers_.end()) {
    std::rotate(found, found + 1, workers_.end());  // the most recently used last
    return *workers_.back();
  }
  if (workers_.size() >= limits::kLmtpWorkersPerConnection) workers_.erase(workers_.begin());
  std::vector<int> closed = close_in_child_;
  closed.push_back(spool);  // given to it on the channel, as every message after it
  for (const auto& w : workers_) closed.push_back(w->channel());
  workers_.push_back(std::make_unique<UserWorker>(account, settings_, closed));
  return *workers_.back();
}

int WorkerPool::deliver(const sys::Account& account, int spool, const DeliveryRequest& request,
                        bool orgmail_unusable, engine::RunContext::Report* report) {
  int status = worker_for(account, spool).deliver(spool, request, orgmail_unusable, report);
  // Gone before it took the message (it ended between two messages): nothing of
  // this delivery has happened, so a fresh worker may do it.
  if (status == UserWorker::kNotTaken)
    status = worker_for(account, spool).deliver(spool, request, orgmail_unusable, report);
  return status == UserWorker::kNotTaken ? -1 : status;
}

}  // namespace mailsift::lmtp
