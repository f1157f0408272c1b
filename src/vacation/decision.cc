// When not to reply: RFC 5230 section 4.5 and RFC 3834 section 2.
#include <algorithm>
#include <string_view>

#include "mailsift/message/mime/address_list.h"
#include "mailsift/message/mime/encoded_words.h"
#include "mailsift/vacation/vacation.h"

namespace mailsift::vacation {
namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

std::string trimmed(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const std::size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// An address compared as the user's: both parts lowercased.
std::string normal_address(std::string_view text) {
  const auto parsed = message::mime::parse_address_list(text);
  if (parsed.empty()) return lowered(trimmed(text));
  const auto& a = parsed.front();
  return lowered(a.local) + (a.domain.empty() ? "" : "@" + a.domain);
}

// One plain address: exactly one, printable ASCII with no blanks, quotes or list
// separators, so that it can be $SENDMAIL's one recipient and the To: of the reply.
std::string plain_address(std::string_view text, bool* plain) {
  const auto parsed = message::mime::parse_address_list(text);
  *plain = parsed.size() == 1 && !parsed.front().domain.empty();
  if (!*plain) return std::string(trimmed(text));
  const std::string address = parsed.front().text();
  for (const char c : address)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
        c == '"' || c == ',' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')')
      *plain = false;
  return address;
}

bool null_or_daemon(const std::string& sender) {
  return sender.empty() || sender == "<>" ||
         lowered(sender.substr(0, sender.find('@'))) == "mailer-daemon";
}

// The envelope sender: the first Return-Path's address, else the From_ line's. "<>"
// when either names the null sender or MAILER-DAEMON (a Return-Path written by the
// sender cannot turn a bounce into mail to answer); empty when there is none.
std::string envelope_sender(const message::Message& message, bool* plain) {
  *plain = true;
  const std::string from_line = message.envelope_sender();
  if (!message.from_line().empty() && null_or_daemon(from_line)) return "<>";
  if (const auto* field = message.headers().find("Return-Path")) {
    const std::string value = trimmed(message::mime::unfolded_value(field->value));
    if (value == "<>" || value.empty()) return "<>";
    const std::string address = plain_address(value, plain);
    return null_or_daemon(address) ? "<>" : address;
  }
  if (from_line.empty()) return {};
  return plain_address(from_line, plain);
}

// The value of a field, unfolded, without parameters or comments, lowercased.
std::string token_of(const message::HeaderField& field) {
  std::string value = message::mime::unfolded_value(field.value);
  value = value.substr(0, value.find(';'));
  std::string out;
  int depth = 0;
  for (const char c : value) {
    if (c == '(') ++depth;
    else if (c == ')' && depth > 0) --depth;
    else if (depth == 0) out += c;
  }
  return lowered(trimmed(out));
}

}  // namespace

Decision decide(const message::Message& message, const Settings& settings) {
  Decision d;
  bool plain = true;
  d.sender = envelope_sender(message, &plain);
  auto no = [&](std::string reason) {
    d.reply = false;
    d.reason = std::move(reason);
    return d;
  };
  if (d.sender.empty()) return no("the message has no envelope sender (Return-Path or From_ line)");
  if (d.sender == "<>") return no("the envelope sender is empty (<>) or MAILER-DAEMON: a bounce or a report");
  const std::string sender_local = lowered(d.sender.substr(0, d.sender.rfind('@')));
  if (sender_local == "mailer-daemon" || sender_local == "listserv" || sender_local == "majordomo" ||
      sender_local.rfind("owner-", 0) == 0 ||
      (sender_local.size() > 8 && sender_local.compare(sender_local.size() - 8, 8, "-request") == 0))
    return no("the envelope sender " + d.sender + " is a list or a mail daemon");
  if (!plain || d.sender[0] == '-')
    return no("the envelope sender is not one plain address: " + d.sender);

  for (const message::HeaderField& field : message.headers().fields()) {
    const std::string name = lowered(field.name);
    if (name == "auto-submitted" && token_of(field) != "no")
      return no("Auto-Submitted: " + token_of(field) + ": the message is automatic");
    if (name.rfind("list-", 0) == 0)
      return no(std::string(field.name) + ": the message comes from a mailing list");
    if (name == "precedence") {
      const std::string value = token_of(field);
      if (value == "bulk" || value == "junk" || value == "list")
        return no("Precedence: " + value);
    }
    if (name == "x-auto-response-suppress") {
      std::string value = token_of(field);
      std::replace(value.begin(), value.end(), ',', ' ');
      for (std::size_t at = 0; at < value.size();) {
        const std::size_t end = std::min(value.find(' ', at), value.size());
        const std::string word = value.substr(at, end - at);
        if (word == "all" || word == "oof" || word == "autoreply")
          return no("X-Auto-Response-Suppress: " + word);
        at = end + 1;
      }
    }
    if (name == "x-spam-flag" && token_of(field) == "yes") return no("X-Spam-Flag: YES");
  }
  if (const auto* type = message.headers().find("Content-Type"); type && token_of(*type) == "multipart/report")
    return no("Content-Type: multipart/report: a delivery or read report");

  // Sent to one of the user's addresses, and not by the user.
  std::vector<std::string> mine;
  for (const std::string& address : settings.addresses) mine.push_back(normal_address(address));
  if (mine.empty()) return no("none of the user's addresses is known (give --address)");
  if (std::find(mine.begin(), mine.end(), normal_address(d.sender)) != mine.end())
    return no("the message is from the user (" + d.sender + ")");
  bool addressed = false;
  for (const std::string_view field_name :
       {"To", "Cc", "Bcc", "Resent-To", "Resent-Cc", "Resent-Bcc"}) {
    for (const message::HeaderField* field : message.headers().find_all(field_name)) {
      for (const auto& address : message::mime::parse_address_list(field->value)) {
        // With its +detail or without (RFC 5233): bob+lists@ is bob@.
        const std::string local = lowered(address.local);
        const std::string domain = address.domain.empty() ? "" : "@" + address.domain;
        const std::string user = local.substr(0, local.find('+'));
        if (std::find(mine.begin(), mine.end(), local + domain) != mine.end() ||
            std::find(mine.begin(), mine.end(), user + domain) != mine.end())
          addressed = true;
      }
    }
  }
  if (!addressed) return no("none of the user's addresses is in To, Cc, Bcc or Resent-*");
  d.reply = true;
  return d;
}

}  // namespace mailsift::vacation
