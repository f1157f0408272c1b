#include "mailsift/lmtp/server.h"

#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "mailsift/engine/run.h"
#include "mailsift/sys/hostname.h"
#include "mailsift/sys/privileges.h"
#include "mailsift/sys/process.h"

namespace mailsift::lmtp {
namespace {

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t wrote = ::write(fd, text.data(), text.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(wrote));
  }
  return true;
}

// The reply for a delivery's exit status, as a mail server reads mailsift's exit
// status (mailsift(1), EXIT STATUS): 0 delivered; 75 (and 71, a crash, a signal) try
// again; anything else is the rules' or the system's permanent no.
Reply reply_for(int status, const std::string& address) {
  if (status == 0) return Reply{250, "2.0.0", "<" + address + "> delivered"};
  if (status == 75 || status == 71 || status < 0)
    return Reply{451, "4.3.0", "<" + address + "> temporary failure, try again later"};
  if (status == 67) return Reply{550, "5.1.1", "<" + address + "> unknown user"};
  return Reply{550, "5.3.0", "<" + address + "> not delivered (exit status " +
                                 std::to_string(status) + ")"};
}

class RecipientDelivery final : public Delivery {
 public:
  RecipientDelivery(int log_fd, const ServerSettings& settings)
      : log_fd_(log_fd), settings_(settings) {}

  Reply check_recipient(const Recipient& recipient) override {
    sys::Account account;
    if (recipient.user.empty() || !sys::lookup_account(recipient.user, &account))
      return Reply{550, "5.1.1", "<" + recipient.address + "> no such user here"};
    return Reply{250, "2.1.5", "Ok"};
  }

  std::vector<Reply> deliver(const std::string& sender, const std::vector<Recipient>& recipients,
                             const std::string& message) override {
    std::vector<Reply> replies;
    // Spooled once; each child reads it from the start.
    const int spool = ::memfd_create("mailsift-lmtp", MFD_CLOEXEC);
    if (spool < 0 || !write_all(spool, message)) {
      note(std::string("cannot spool the message: ") + std::strerror(errno));
      if (spool >= 0) ::close(spool);
      for (const Recipient& r : recipients) replies.push_back(reply_for(-1, r.address));
      return replies;
    }
    for (const Recipient& recipient : recipients) {
      const auto start = std::chrono::steady_clock::now();
      const int status = sys::run_in_child([&] {
        if (::lseek(spool, 0, SEEK_SET) != 0) return 75;
        engine::Invocation invocation;
        invocation.recipients = {recipient.user};
        if (!recipient.detail.empty()) invocation.arguments = {recipient.detail};
        invocation.from = sender.empty() ? std::string("MAILER-DAEMON") : sender;
        engine::RunContext context;
        context.stdin_fd = spool;
        context.stderr_fd = log_fd_;
        context.environ = settings_.environ;
        context.process_ends_after = true;
        context.system_mailbox_spool = settings_.system_mailbox_spool;
        return engine::run(invocation, context);
      });
      const Reply answer = reply_for(status, recipient.address);
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      note("<" + recipient.address + "> from <" + sender + ">: " + std::to_string(answer.code) +
           " " + answer.status + " (exit " + std::to_string(status) + ", " + std::to_string(ms) +
           " ms)");
      replies.push_back(answer);
    }
    ::close(spool);
    return replies;
  }

  void note(const std::string& line) override { write_all(log_fd_, "mailsift lmtp: " + line + "\n"); }

 private:
  int log_fd_;
  const ServerSettings& settings_;
};

}  // namespace

int serve_connection(int in_fd, int out_fd, int log_fd, const ServerSettings& settings) {
  RecipientDelivery delivery(log_fd, settings);
  const std::string hostname = settings.hostname.empty() ? sys::hostname() : settings.hostname;
  Session session(delivery, settings.limits, hostname);
  if (!write_all(out_fd, session.greeting())) return 75;
  std::string buffer(65536, '\0');
  while (!session.closed()) {
    pollfd wait{in_fd, POLLIN, 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(settings.idle_seconds * 1000));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      delivery.note("the client was idle for " + std::to_string(settings.idle_seconds) +
                    " seconds: hanging up");
      write_all(out_fd, "421 4.4.2 " + hostname + " idle too long, closing connection\r\n");
      session.end_of_input();
      break;
    }
    const ssize_t got = ::read(in_fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      session.end_of_input();
      break;
    }
    const std::string out = session.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    if (!out.empty() && !write_all(out_fd, out)) {
      delivery.note("the client closed its side: the rest is not answered");
      break;
    }
  }
  return 0;
}

}  // namespace mailsift::lmtp
