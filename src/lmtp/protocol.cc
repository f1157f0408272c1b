#include "mailsift/lmtp/protocol.h"

#include <cctype>

#include <algorithm>

namespace mailsift::lmtp {
namespace {

char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (upper(text[i]) != upper(prefix[i])) return false;
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "FROM:<a@b> SIZE=10" after the verb: the path, and what follows it.
bool split_path(std::string_view argument, std::string_view keyword, std::string* address,
                std::string_view* parameters) {
  argument = trim(argument);
  if (!starts_with_ignoring_case(argument, keyword)) return false;
  argument = trim(argument.substr(keyword.size()));
  std::size_t end;
  if (!argument.empty() && argument.front() == '<') {
    end = argument.find('>');
    if (end == std::string_view::npos) return false;
    ++end;
  } else {
    end = std::min(argument.find(' '), argument.size());
  }
  if (!parse_path(argument.substr(0, end), address)) return false;
  *parameters = trim(argument.substr(end));
  return true;
}

Reply reply(int code, std::string status, std::string text) {
  return Reply{code, std::move(status), std::move(text)};
}

}  // namespace

std::string Reply::line() const { return std::to_string(code) + " " + status + " " + text + "\r\n"; }

bool parse_path(std::string_view text, std::string* address) {
  if (!text.empty() && text.front() == '<') {
    if (text.size() < 2 || text.back() != '>') return false;
    text = text.substr(1, text.size() - 2);
  }
  // A source route ("@a,@b:user@host") is ignored, as RFC 5321 allows.
  if (!text.empty() && text.front() == '@') {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return false;
    text.remove_prefix(colon + 1);
  }
  // One address: no blanks, controls, brackets or list separators.
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x21 || c == '<' || c == '>' || c == 0x7f || c == ',' ||
        c == ';')
      return false;
  *address = std::string(text);
  return true;
}

Recipient recipient_of(const std::string& address) {
  Recipient r;
  r.address = address;
  const std::size_t at = address.rfind('@');
  const std::string local = address.substr(0, at);
  const std::size_t plus = local.find('+');
  r.user = local.substr(0, plus);
  std::transform(r.user.begin(), r.user.end(), r.user.begin(), lower);
  if (plus != std::string::npos) r.detail = local.substr(plus + 1);
  return r;
}

Session::Session(Delivery& delivery, Limits limits, std::string hostname)
    : delivery_(delivery), limits_(limits), hostname_(std::move(hostname)) {}

std::string Session::greeting() const {
  return "220 " + hostname_ + " LMTP mailsift ready\r\n";
}

std::string Session::feed(std::string_view bytes) {
  std::string out;
  while (!bytes.empty() && !closed_) {
    if (chunk_remaining_ > 0) {  // the octets of a BDAT chunk: no lines here
      const std::string_view octets = bytes.substr(0, std::min<std::uint64_t>(chunk_remaining_, bytes.size()));
      bytes.remove_prefix(octets.size());
      chunk_data(octets);
      if (chunk_remaining_ == 0) end_chunk(&out);
      continue;
    }
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
    const std::size_t limit = state_ == State::kData ? limits_.max_text_line : limits_.max_command_line;
    if (!discarding_line_) {
      pending_ += piece;
      if (pending_.size() > limit) {
        discarding_line_ = true;
        pending_.clear();
      }
    }
    if (newline == std::string_view::npos) break;
    if (discarding_line_) {
      discarding_line_ = false;
      if (state_ == State::kData) {
        if (!message_too_big_) delivery_.note("a line of the message is longer than the limit");
        message_too_big_ = true;
      } else {
        delivery_.note("a command line longer than " + std::to_string(limits_.max_command_line) +
                       " bytes");
        bad_command(reply(500, "5.5.2", "Line too long"), &out);
      }
      continue;
    }
    std::string line = std::move(pending_);
    pending_.clear();
    const bool crlf = !line.empty() && line.back() == '\r';
    if (crlf) line.pop_back();
    if (state_ == State::kData) {
      data_line(line, crlf, &out);
      previous_line_crlf_ = crlf;
    } else {
      command(line, &out);
      previous_line_crlf_ = true;
    }
  }
  return out;
}

void Session::end_of_input() {
  if (state_ == State::kData)
    delivery_.note("the client went away in the middle of DATA: nothing was delivered");
  else if (state_ == State::kChunks || chunk_remaining_ > 0)
    delivery_.note("the client went away before BDAT LAST: nothing was delivered");
  reset_transaction();
  closed_ = true;
}

void Session::reset_transaction() {
  sender_.clear();
  recipients_.clear();
  message_.clear();
  message_too_big_ = false;
  message_octets_ = 0;
  chunk_cr_ = false;
  if (state_ != State::kStart) state_ = State::kGreeted;
}

void Session::bad_command(const Reply& answer, std::string* out) {
  *out += answer.line();
  if (++bad_commands_ >= limits_.max_bad_commands) {
    delivery_.note("too many bad commands (" + std::to_string(bad_commands_) + "): hanging up");
    *out += reply(421, "4.7.0", hostname_ + " too many errors, closing connection").line();
    closed_ = true;
  }
}

void Session::command(std::string_view line, std::string* out) {
  const std::size_t space = std::min(line.find(' '), line.size());
  std::string verb(line.substr(0, space));
  std::transform(verb.begin(), verb.end(), verb.begin(), upper);
  // A BDAT command is part of its message, which ends with the LAST chunk (or ends
  // refused).
  if (verb != "BDAT") ++completed_;
  const std::string_view argument = trim(line.substr(space));

  if (verb == "LHLO") {
    if (argument.empty()) return bad_command(reply(501, "5.5.4", "Syntax: LHLO hostname"), out);
    reset_transaction();
    state_ = State::kGreeted;
    *out += "250-" + hostname_ + "\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n" +
            "250-CHUNKING\r\n250 SIZE " + std::to_string(limits_.max_message) + "\r\n";
    return;
  }
  if (verb == "HELO" || verb == "EHLO")
    return bad_command(reply(500, "5.5.1", "This is LMTP: say LHLO"), out);
  if (verb == "NOOP") {
    *out += reply(250, "2.0.0", "Ok").line();
    return;
  }
  if (verb == "RSET") {
    reset_transaction();
    *out += reply(250, "2.0.0", "Ok").line();
    return;
  }
  if (verb == "QUIT") {
    *out += reply(221, "2.0.0", hostname_ + " closing connection").line();
    reset_transaction();
    closed_ = true;
    return;
  }
  if (verb == "VRFY") {
    *out += reply(252, "2.5.2", "Cannot VRFY a user; send RCPT to try a delivery").line();
    return;
  }
  if (verb == "MAIL") {
    if (state_ == State::kStart) return bad_command(reply(503, "5.5.1", "Say LHLO first"), out);
    if (state_ != State::kGreeted) return bad_command(reply(503, "5.5.1", "Nested MAIL command"), out);
    std::string address;
    std::string_view parameters;
    if (!split_path(argument, "FROM:", &address, &parameters))
      return bad_command(reply(501, "5.5.4", "Syntax: MAIL FROM:<address>"), out);
    while (!parameters.empty()) {
      const std::size_t end = std::min(parameters.find(' '), parameters.size());
      const std::string_view parameter = parameters.substr(0, end);
      parameters = trim(parameters.substr(end));
      if (starts_with_ignoring_case(parameter, "SIZE=")) {
        const std::string_view digits = parameter.substr(5);
        if (digits.empty() || digits.size() > 18 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
          return bad_command(reply(501, "5.5.4", "Syntax: SIZE=number"), out);
        if (std::stoull(std::string(digits)) > limits_.max_message) {
          delivery_.note("a message of " + std::string(digits) + " bytes refused (SIZE limit " +
                         std::to_string(limits_.max_message) + ")");
          *out += reply(552, "5.3.4", "Message too big for this system").line();
          return;
        }
      } else if (starts_with_ignoring_case(parameter, "BODY=")) {
        const std::string_view body = parameter.substr(5);
        if (!(body.size() == 4 && starts_with_ignoring_case(body, "7BIT")) &&
            !(body.size() == 8 && starts_with_ignoring_case(body, "8BITMIME")))
          return bad_command(reply(501, "5.5.4", "BODY is 7BIT or 8BITMIME"), out);
      } else {
        return bad_command(reply(555, "5.5.4", "Unsupported parameter"), out);
      }
    }
    sender_ = address;
    state_ = State::kMail;
    *out += reply(250, "2.1.0", "Ok").line();
    return;
  }
  if (verb == "RCPT") {
    if (state_ != State::kMail && state_ != State::kRecipients)
      return bad_command(reply(503, "5.5.1", "Need MAIL first"), out);
    std::string address;
    std::string_view parameters;
    if (!split_path(argument, "TO:", &address, &parameters) || address.empty())
      return bad_command(reply(501, "5.5.4", "Syntax: RCPT TO:<address>"), out);
    if (!parameters.empty())
      return bad_command(reply(555, "5.5.4", "Unsupported parameter"), out);
    if (recipients_.size() >= limits_.max_recipients) {
      delivery_.note("more than " + std::to_string(limits_.max_recipients) +
                     " recipients in one message: the rest told to try again");
      *out += reply(452, "4.5.3", "Too many recipients").line();
      return;
    }
    Recipient recipient = recipient_of(address);
    const Reply answer = delivery_.check_recipient(recipient);
    if (answer.code == 250) {
      recipients_.push_back(std::move(recipient));
      state_ = State::kRecipients;
    }
    *out += answer.line();
    return;
  }
  if (verb == "DATA") {
    if (!argument.empty()) return bad_command(reply(501, "5.5.4", "Syntax: DATA"), out);
    if (state_ == State::kMail) return bad_command(reply(503, "5.5.1", "No valid recipients"), out);
    if (state_ == State::kChunks)
      return bad_command(reply(503, "5.5.1", "DATA in the middle of BDAT chunks"), out);
    if (state_ != State::kRecipients) return bad_command(reply(503, "5.5.1", "Need MAIL first"), out);
    state_ = State::kData;
    message_.clear();
    *out += "354 End data with <CR><LF>.<CR><LF>\r\n";
    return;
  }
  if (verb == "BDAT") return chunk_command(argument, out);
  bad_command(reply(500, "5.5.2", "Command unrecognised"), out);
}

void Session::chunk_command(std::string_view argument, std::string* out) {
  const std::size_t space = std::min(argument.find(' '), argument.size());
  const std::string_view digits = argument.substr(0, space);
  const std::string_view rest = trim(argument.substr(space));
  const bool last = rest.size() == 4 && starts_with_ignoring_case(rest, "LAST");
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      (!rest.empty() && !last)) {
    // Without its size, the chunk's octets cannot be told from the commands after it.
    delivery_.note("a BDAT command without a size: hanging up");
    *out += reply(501, "5.5.4", "Syntax: BDAT size [LAST]").line();
    *out += reply(421, "4.5.0", hostname_ + " lost track of the commands, closing connection").line();
    closed_ = true;
    return;
  }
  chunk_remaining_ = std::stoull(std::string(digits));
  chunk_size_ = chunk_remaining_;
  chunk_last_ = last;
  // A chunk that is refused is read all the same (RFC 3030 section 2), and answered
  // once it has been.
  if (state_ == State::kMail)
    chunk_refusal_ = reply(503, "5.5.1", "No valid recipients");
  else if (state_ != State::kRecipients && state_ != State::kChunks)
    chunk_refusal_ = reply(503, "5.5.1", "Need MAIL first");
  else
    state_ = State::kChunks;
  if (chunk_remaining_ == 0) end_chunk(out);
}

void Session::chunk_data(std::string_view octets) {
  chunk_remaining_ -= octets.size();
  if (chunk_refusal_ || message_too_big_) return;
  message_octets_ += octets.size();
  if (message_octets_ > limits_.max_message) {
    delivery_.note("a message over " + std::to_string(limits_.max_message) +
                   " bytes: refused after BDAT");
    message_too_big_ = true;
    message_.clear();
    return;
  }
  // CR LF becomes LF, as after DATA, also when a chunk ends between the two; a lone
  // CR stays.
  while (!octets.empty()) {
    if (chunk_cr_) {
      chunk_cr_ = false;
      if (octets.front() != '\n') message_ += '\r';
    }
    const std::size_t cr = octets.find('\r');
    message_ += octets.substr(0, cr);
    if (cr == std::string_view::npos) break;
    chunk_cr_ = true;
    octets.remove_prefix(cr + 1);
  }
}

void Session::end_chunk(std::string* out) {
  if (chunk_refusal_) {
    ++completed_;
    const Reply refusal = *chunk_refusal_;
    chunk_refusal_.reset();
    return bad_command(refusal, out);
  }
  if (!chunk_last_) {
    *out += reply(250, "2.0.0", std::to_string(chunk_size_) + " octets received").line();
    return;
  }
  if (chunk_cr_ && !message_too_big_) message_ += '\r';
  chunk_cr_ = false;
  end_message(out);
}

void Session::end_message(std::string* out) {
  ++completed_;
  std::size_t answered = 0;
  const auto answer = [&](const Reply& r) {
    if (answered == recipients_.size()) return;
    ++answered;
    *out += r.line();
    if (write_) {
      write_(*out);
      out->clear();
    }
  };
  if (message_too_big_) {
    for (std::size_t i = 0; i < recipients_.size(); ++i)
      answer(reply(552, "5.3.4", "Message too big for this system"));
  } else {
    delivery_.deliver(sender_, recipients_, message_, answer);
  }
  while (answered < recipients_.size()) answer(reply(451, "4.3.0", "No outcome for this recipient"));
  reset_transaction();
}

void Session::data_line(std::string_view line, bool crlf, std::string* out) {
  // The end is CR LF "." CR LF: a dot line with a bare LF on either side is data
  // (a client that sends bare LF cannot end a message early, as in SMTP smuggling).
  if (line == "." && crlf && previous_line_crlf_) return end_message(out);
  if (!line.empty() && line.front() == '.') line.remove_prefix(1);  // dot-stuffing
  if (message_too_big_) return;
  if (message_.size() + line.size() + 1 > limits_.max_message) {
    delivery_.note("a message over " + std::to_string(limits_.max_message) +
                   " bytes: refused after DATA");
    message_too_big_ = true;
    message_.clear();
    return;
  }
  message_ += line;
  message_ += '\n';
}

std::string queue_id_of(std::string_view message) {
  constexpr std::size_t kMaxQueueId = 100;
  std::size_t at = 0;
  while (at < message.size()) {
    std::size_t end = message.find('\n', at);
    if (end == std::string_view::npos) end = message.size();
    const std::string_view line = message.substr(at, end - at);
    if (line.empty() || line == "\r") return {};  // the end of the header
    at = end + 1;
    if (line.size() < 9) continue;
    std::string name(line.substr(0, 9));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != "received:") continue;
    // The whole field, its lines joined, blanks made spaces, up to the date after ";".
    std::string field(line.substr(9));
    while (at < message.size() && (message[at] == ' ' || message[at] == '\t')) {
      std::size_t next = message.find('\n', at);
      if (next == std::string_view::npos) next = message.size();
      field += ' ';
      field += message.substr(at, next - at);
      at = next + 1;
    }
    field = field.substr(0, field.rfind(';'));
    for (char& c : field) {
      if (c == '\t' || c == '\r') c = ' ';
    }
    std::string lowered = field;
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t id = lowered.find(" id ");
    if (id == std::string::npos) return {};
    std::size_t start = id + 4;
    while (start < field.size() && field[start] == ' ') ++start;
    std::string token;
    for (std::size_t i = start; i < field.size() && token.size() < kMaxQueueId; ++i) {
      const char c = field[i];
      if (c <= ' ' || c > '~') break;
      token += c;
    }
    return token;
  }
  return {};
}

}  // namespace mailsift::lmtp
