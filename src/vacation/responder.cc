// Whether to reply, the record of replies, and the sending.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "mailsift/limits.h"
#include "mailsift/message/mime/address_list.h"
#include "mailsift/state/duplicate_table.h"
#include "mailsift/state/journal.h"
#include "mailsift/sys/hostname.h"
#include "mailsift/sys/io.h"
#include "mailsift/sys/process.h"
#include "mailsift/vacation/vacation.h"

namespace mailsift::vacation {
namespace {

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return text;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while ((at = text.find_first_not_of(" \t", at)) != std::string::npos) {
    const std::size_t end = std::min(text.find_first_of(" \t", at), text.size());
    words.push_back(text.substr(at, end - at));
    at = end;
  }
  return words;
}

std::string new_message_id(const Settings& settings, std::time_t now) {
  std::string domain = sys::hostname();
  const auto from = message::mime::parse_address_list(settings.from);
  if (!from.empty() && !from.front().domain.empty()) domain = from.front().domain;
  std::random_device random;
  return "<" + std::to_string(now) + "." + std::to_string(::getpid()) + "." +
         std::to_string(random()) + ".vacation@" + domain + ">";
}

}  // namespace

int send_with_sendmail(const std::vector<std::string>& argv, const std::string& bytes,
                       const std::vector<std::string>& environment) {
  sys::ProgramSpec spec;
  spec.argv = argv;
  spec.environment = environment;
  spec.timeout_seconds = static_cast<unsigned>(limits::kDuplicateWaitMilliseconds / 1000);
  const sys::ProgramOutcome outcome = sys::run_program(spec, [&](int fd) -> int {
    return sys::write_all(sys::real_io(), fd, bytes.data(), bytes.size()) == 0 ? 0 : errno;
  });
  // Only a run that ended by itself with 0 and took the whole reply counts as sent (a
  // $SENDMAIL killed for taking too long that exits 0 on SIGTERM does not).
  if (outcome.succeeded() && outcome.input_errno == 0) return 0;
  return outcome.started && !outcome.timed_out && outcome.signal == 0 && outcome.exit_status > 0
             ? outcome.exit_status
             : -1;
}

Result respond(sys::Io& io, const message::Message& message, const Settings& settings,
               bool dry_run, const std::vector<std::string>& environment, Sender send) {
  Result r;
  r.decision = decide(message, settings);
  const std::string& sender = r.decision.sender;
  if (!r.decision.reply) {
    r.log = "vacation: no reply" + (sender.empty() || sender == "<>" ? "" : " to " + sender) + ": " +
            r.decision.reason;
    return r;
  }
  const std::string path = settings.store + "/" + settings.handle + ".table";
  const state::DuplicateDigest digest =
      state::duplicate_digest("vacation." + settings.handle, lowered(sender));
  const std::time_t now = io.now();
  const std::time_t period = static_cast<std::time_t>(settings.days) * 86400;
  const std::string within = " within the last " + std::to_string(settings.days) +
                             (settings.days == 1 ? " day" : " days");
  state::DuplicateTable table(io, path);
  bool seen = false;
  if (dry_run) {
    if (const sys::Status status = table.peek(digest, now, period, &seen); !status.ok()) seen = false;
    r.decision.reply = !seen;
    if (seen) r.decision.reason = "a reply went to " + sender + within;
    r.log = seen ? "vacation: no reply to " + sender + ": " + r.decision.reason
                 : "vacation: would reply to " + sender;
    return r;
  }
  if (state::make_state_directory(io, settings.store) != 0) {
    r.failed = true;
    r.log = "vacation: no reply to " + sender + ": cannot make the record directory \"" +
            settings.store + "\": " + std::strerror(errno);
    return r;
  }
  if (const sys::Status status =
          table.claim(digest, period, limits::kDuplicateWaitMilliseconds, &seen);
      !status.ok()) {
    r.failed = true;
    r.log = "vacation: no reply to " + sender + ": the record of replies: " + status.message();
    return r;
  }
  if (seen) {
    r.decision.reply = false;
    r.decision.reason = "a reply went to " + sender + within;
    r.log = "vacation: no reply to " + sender + ": " + r.decision.reason;
    (void)table.finish(false, now);
    return r;
  }
  std::vector<std::string> argv = words_of(settings.sendmail);
  if (argv.empty()) argv.push_back("/usr/sbin/sendmail");
  for (const char* word : {"-oi", "-f", "<>"}) argv.emplace_back(word);
  argv.push_back(sender);
  const std::string bytes = reply_message(message, settings, sender, now, new_message_id(settings, now));
  const int status = send(argv, bytes, environment);
  if (status != 0) {
    (void)table.finish(false, now);
    r.failed = true;
    r.log = "vacation: the reply to " + sender + " was not sent ($SENDMAIL exited " +
            std::to_string(status) + "); not recorded, the next message tries again";
    return r;
  }
  if (const sys::Status recorded = table.finish(true, now); !recorded.ok()) {
    r.sent = true;
    r.log = "vacation: replied to " + sender + ", but could not record it: " + recorded.message();
    return r;
  }
  r.sent = true;
  r.log = "vacation: replied to " + sender;
  return r;
}

}  // namespace mailsift::vacation
