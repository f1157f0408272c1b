// The LMTP command parser and DATA reader (src/lmtp/protocol.cc): the input is what a
// client sends, fed in pieces whose sizes the first bytes choose. Properties: every
// reply is a line of a three-digit code ending in CRLF; nothing is answered once the
// session is closed; a message gets exactly one reply per accepted recipient.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "mailsift/lmtp/protocol.h"

namespace {

namespace lmtp = mailsift::lmtp;

class CountingDelivery final : public lmtp::Delivery {
 public:
  lmtp::Reply check_recipient(const lmtp::Recipient& r) override {
    if (r.user.size() % 3 == 1) return lmtp::Reply{550, "5.1.1", "no"};
    return lmtp::Reply{250, "2.1.5", "Ok"};
  }
  void deliver(const std::string&, const std::vector<lmtp::Recipient>& recipients,
               const std::string& message,
               const std::function<void(const lmtp::Reply&)>& answer) override {
    mailsift::fuzz::check(!recipients.empty(), "a message has recipients");
    mailsift::fuzz::check(message.size() <= limit, "a message is within the limit");
    ++messages;
    // One answer fewer than recipients: the session must make up the rest.
    for (std::size_t i = 1; i < recipients.size(); ++i) answer(lmtp::Reply{});
  }
  void note(const std::string&) override {}
  std::size_t limit = 0;
  int messages = 0;
};

void check_replies(std::string_view out) {
  using mailsift::fuzz::check;
  while (!out.empty()) {
    const std::size_t end = out.find("\r\n");
    check(end != std::string_view::npos, "a reply ends in CRLF");
    const std::string_view line = out.substr(0, end);
    check(line.size() >= 4 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
              line[1] <= '9' && line[2] >= '0' && line[2] <= '9' && (line[3] == ' ' || line[3] == '-'),
          "a reply starts with a code");
    out.remove_prefix(end + 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mailsift::fuzz::check;
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  CountingDelivery delivery;
  lmtp::Limits limits;
  limits.max_message = 4096;
  limits.max_command_line = 256;
  limits.max_text_line = 1024;
  limits.max_recipients = 5;
  delivery.limit = limits.max_message;
  lmtp::Session session(delivery, limits, "fuzz.example");
  check_replies(session.greeting());
  while (!input.empty()) {
    const std::string_view part = input.substr(0, piece);
    input.remove_prefix(part.size());
    const bool was_closed = session.closed();
    const std::string out = session.feed(part);
    if (was_closed) check(out.empty(), "nothing is answered after the session closed");
    check_replies(out);
  }
  session.end_of_input();
  check(session.closed(), "closed at the end");
  return 0;
}
