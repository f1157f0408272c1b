#include "mailsift/lmtp/server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>

#include "mailsift/engine/run.h"
#include "mailsift/lmtp/user_worker.h"
#include "mailsift/sys/hostname.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/privileges.h"
#include "mailsift/sys/process.h"

namespace mailsift::lmtp {
namespace {

bool write_all(int fd, std::string_view text) {
  return sys::write_all(sys::real_io(), fd, text.data(), text.size()) == 0;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The reply for a delivery's exit status, as a mail server reads mailsift's exit
// status (mailsift(1), EXIT STATUS): 0 delivered; 75 (and 71, a crash, a signal) try
// again; anything else is the rules' or the system's permanent no.
Reply reply_for(int status, const std::string& address, bool mailbox_full = false) {
  if (status == 0) return Reply{250, "2.0.0", "<" + address + "> delivered"};
  // A folder without room (RFC 3463: 4.2.2, mailbox full; RFC 5321: 452).
  if (status == 75 && mailbox_full)
    return Reply{452, "4.2.2", "<" + address + "> mailbox full, try again later"};
  if (status == 75 || status == 71 || status < 0)
    return Reply{451, "4.3.0", "<" + address + "> temporary failure, try again later"};
  if (status == 67) return Reply{550, "5.1.1", "<" + address + "> unknown user"};
  return Reply{550, "5.3.0", "<" + address + "> not delivered (exit status " +
                                 std::to_string(status) + ")"};
}

class RecipientDelivery final : public Delivery {
 public:
  RecipientDelivery(int log_fd, const ServerSettings& settings, std::vector<int> connection)
      : log_fd_(log_fd),
        settings_(settings),
        workers_(WorkerSettings{log_fd, settings.environ, settings.system_mailbox_spool,
                                settings.delivery_seconds, sys::current_account().name},
                 std::move(connection)) {}

  Reply check_recipient(const Recipient& recipient) override {
    sys::Account account;
    errno = 0;
    if (!recipient.user.empty() && sys::lookup_account(recipient.user, &account)) {
      // Kept for the delivery after DATA (a lookup per recipient, not one more).
      if (accounts_.size() >= kMaxRemembered) accounts_.clear();
      accounts_[recipient.user] = account;
      return Reply{250, "2.1.5", "Ok"};
    }
    // getpwnam says "no such user" with errno 0 (or one of these); anything else is
    // the user database failing (LDAP, NSS): try again later, never a bounce.
    if (errno != 0 && errno != ENOENT && errno != ESRCH && errno != EBADF && errno != EPERM) {
      note("looking up \"" + recipient.user + "\": " + std::strerror(errno));
      return Reply{451, "4.3.0", "<" + recipient.address + "> cannot look the user up now"};
    }
    return Reply{550, "5.1.1", "<" + recipient.address + "> no such user here"};
  }

  void deliver(const std::string& sender, const std::vector<Recipient>& recipients,
               const std::string& message,
               const std::function<void(const Reply&)>& answer_now) override {
    // Spooled once, with the Return-Path the final delivery adds (RFC 5321 section
    // 4.4): one the client wrote into the header cannot stand first.
    const int spool = ::memfd_create("mailsift-lmtp", MFD_CLOEXEC);
    const std::string return_path = "Return-Path: <" + sender + ">\n";
    if (spool < 0 || !write_all(spool, return_path) || !write_all(spool, message)) {
      note(std::string("cannot spool the message: ") + std::strerror(errno));
      if (spool >= 0) ::close(spool);
      for (const Recipient& r : recipients) answer_now(reply_for(-1, r.address));
      return;
    }
    const std::string queue_id = queue_id_of(message);
    for (const Recipient& recipient : recipients) {
      const auto start = std::chrono::steady_clock::now();
      engine::RunContext::Report report;
      const int status = deliver_one(spool, sender, recipient, &report);
      const Reply answer = reply_for(status, recipient.address, report.mailbox_full);
      const std::vector<std::string>& folders = report.delivered_to;
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
      if (settings_.json_log) {
        std::string list;
        for (const std::string& folder : folders)
          list += (list.empty() ? "" : ",") + json_string(folder);
        log("{" + (queue_id.empty() ? std::string() : "\"queue_id\":" + json_string(queue_id) + ",") +
            "\"recipient\":" + json_string(recipient.address) + ",\"sender\":" +
            json_string(sender) + ",\"code\":" + std::to_string(answer.code) +
            ",\"status\":" + json_string(answer.status) + ",\"exit\":" + std::to_string(status) +
            ",\"folders\":[" + list + "],\"ms\":" + std::to_string(ms) + "}");
      } else {
        std::string list;
        for (const std::string& folder : folders) list += " \"" + folder + "\"";
        log("mailsift lmtp: " + (queue_id.empty() ? std::string() : queue_id + ": ") + "<" +
            recipient.address + "> from <" + sender + ">: " + std::to_string(answer.code) + " " +
            answer.status + " (exit " + std::to_string(status) + ", " + std::to_string(ms) +
            " ms)" + (list.empty() ? std::string() : " to" + list));
      }
      answer_now(answer);
    }
    ::close(spool);
  }

  void note(const std::string& line) override {
    if (settings_.json_log) log("{\"note\":" + json_string(line) + "}");
    else log("mailsift lmtp: " + line);
  }

 private:
  // One recipient: the checks and the screening as root here, as -d makes them
  // before it changes ids; then the user's worker delivers.
  int deliver_one(int spool, const std::string& sender, const Recipient& recipient,
                  engine::RunContext::Report* report) {
    sys::Account account;
    const auto known = accounts_.find(recipient.user);
    if (known != accounts_.end()) account = known->second;
    else if (!sys::lookup_account(recipient.user, &account)) return 67;
    const DeliveryRequest request{sender, recipient.user, recipient.detail};
    engine::RunContext context;
    context.stderr_fd = log_fd_;
    context.environ = settings_.environ;
    context.system_mailbox_spool = settings_.system_mailbox_spool;
    engine::ScreeningResult screening;
    const int prepared =
        engine::prepare_recipient(invocation_for(request), context, account, &screening);
    if (prepared != 0) return prepared;
    return workers_.deliver(account, spool, request, screening.orgmail_unusable, report);
  }

  void log(const std::string& line) {
    if (settings_.syslog) ::syslog(LOG_MAIL | LOG_INFO, "%s", line.c_str());
    else write_all(log_fd_, line + "\n");
  }

  static constexpr std::size_t kMaxRemembered = 1000;
  int log_fd_;
  const ServerSettings& settings_;
  std::map<std::string, sys::Account> accounts_;  // from RCPT, by user
  WorkerPool workers_;
};

}  // namespace

int serve_connection(int in_fd, int out_fd, int log_fd, const ServerSettings& settings) {
  std::vector<int> connection;  // the client's socket: no worker keeps it
  for (const int fd : {in_fd, out_fd})
    if (fd > 2) connection.push_back(fd);
  RecipientDelivery delivery(log_fd, settings, connection);
  const std::string hostname = settings.hostname.empty() ? sys::hostname() : settings.hostname;
  Session session(delivery, settings.limits, hostname);
  std::signal(SIGPIPE, SIG_IGN);  // a client that has gone is a failed write, not death
  bool client_gone = false;
  session.stream_to([&](std::string_view replies) {
    // Deliveries go on when the client has gone: they have begun, and the client
    // will try the message again (the journal keeps a retry from storing it twice).
    if (!client_gone && !write_all(out_fd, replies)) {
      client_gone = true;
      delivery.note("the client closed its side: the rest is not answered");
    }
  });
  if (!write_all(out_fd, session.greeting())) return 75;
  std::string buffer(65536, '\0');
  using Clock = std::chrono::steady_clock;
  Clock::time_point sending_since;  // of the command or message the client is sending
  while (!session.closed()) {
    const Clock::time_point now = Clock::now();
    auto wait_ms = std::chrono::milliseconds(std::chrono::seconds(settings.idle_seconds));
    bool command_deadline = false;
    if (session.mid_command()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          sending_since + std::chrono::seconds(settings.command_seconds) - now);
      if (left < wait_ms) {
        wait_ms = std::max(left, std::chrono::milliseconds(0));
        command_deadline = true;
      }
    }
    pollfd wait{in_fd, POLLIN, 0};
    const int ready = ::poll(&wait, 1, static_cast<int>(wait_ms.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (command_deadline) {
        delivery.note("the client took more than " + std::to_string(settings.command_seconds) +
                      " seconds to send a command or message: hanging up");
        write_all(out_fd, "421 4.4.2 " + hostname + " command or message too slow, closing connection\r\n");
      } else {
        delivery.note("the client was idle for " + std::to_string(settings.idle_seconds) +
                      " seconds: hanging up");
        write_all(out_fd, "421 4.4.2 " + hostname + " idle too long, closing connection\r\n");
      }
      session.end_of_input();
      break;
    }
    const ssize_t got = ::read(in_fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      session.end_of_input();
      break;
    }
    const bool was_sending = session.mid_command();
    const std::uint64_t completed = session.completed();
    const std::string out = session.feed(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    // A new command or message began in these bytes (a delivery inside feed() does not
    // count against the client).
    if (session.mid_command() && (!was_sending || session.completed() != completed))
      sending_since = Clock::now();
    if (client_gone) break;
    if (!out.empty() && !write_all(out_fd, out)) {
      delivery.note("the client closed its side: the rest is not answered");
      break;
    }
  }
  return 0;
}

bool parse_options(const std::vector<std::string>& words, bool listen, ListenSettings* settings,
                   std::string* error) {
  for (const std::string& word : words) {
    const std::size_t equals = word.find('=');
    const std::string name = word.substr(0, equals);
    const std::string value = equals == std::string::npos ? std::string() : word.substr(equals + 1);
    char* end = nullptr;
    const unsigned long long number = std::strtoull(value.c_str(), &end, 10);
    const bool is_number = !value.empty() && *end == '\0' && value[0] != '-';
    auto need_number = [&](unsigned long long least) {
      if (is_number && number >= least) return true;
      *error = name + " needs a number (at least " + std::to_string(least) + ")";
      return false;
    };
    if (name == "--log-format" && (value == "json" || value == "text")) {
      settings->server.json_log = value == "json";
    } else if (name == "--log" && (value == "syslog" || value == "stderr")) {
      settings->server.syslog = value == "syslog";
    } else if (name == "--idle-timeout") {
      if (!need_number(1)) return false;
      settings->server.idle_seconds = static_cast<unsigned>(number);
    } else if (name == "--command-timeout") {
      if (!need_number(1)) return false;
      settings->server.command_seconds = static_cast<unsigned>(number);
    } else if (name == "--delivery-timeout") {
      if (!need_number(1)) return false;
      settings->server.delivery_seconds = static_cast<unsigned>(number);
    } else if (name == "--max-recipients") {
      if (!need_number(1)) return false;
      settings->server.limits.max_recipients = number;
    } else if (name == "--max-message-size") {
      if (!need_number(1024)) return false;
      settings->server.limits.max_message = number;
    } else if (name == "--max-connections" && listen) {
      if (!need_number(1)) return false;
      settings->max_connections = static_cast<long>(number);
    } else {
      *error = "unknown option \"" + word + "\"";
      return false;
    }
  }
  return true;
}

}  // namespace mailsift::lmtp
