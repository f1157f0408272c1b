// The LMTP state machine (lmtp/protocol.h) with a fake delivery: each command, the
// order rules, pipelining, DATA's dot-stuffing and end, BDAT chunks, the limits, and
// one reply per recipient after DATA or BDAT LAST, in order.
#include "mailsift/lmtp/protocol.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace mailsift::lmtp {
namespace {

class FakeDelivery final : public Delivery {
 public:
  Reply check_recipient(const Recipient& r) override {
    if (r.user == "nobody") return Reply{550, "5.1.1", "no such user"};
    return Reply{250, "2.1.5", "Ok"};
  }
  void deliver(const std::string& sender, const std::vector<Recipient>& recipients,
               const std::string& message,
               const std::function<void(const Reply&)>& answer) override {
    senders.push_back(sender);
    messages.push_back(message);
    for (const Recipient& r : recipients) {
      if (r.user == "silent") return;  // no outcome for it or any after it
      delivered.push_back(r.user + (r.detail.empty() ? "" : "+" + r.detail));
      if (r.user == "full") answer(Reply{452, "4.2.2", "mailbox full"});
      else answer(Reply{250, "2.0.0", r.user + " delivered"});
      if (on_answer) on_answer();
    }
  }
  std::function<void()> on_answer;  // called after each answer
  void note(const std::string& line) override { notes.push_back(line); }

  std::vector<std::string> senders, messages, delivered, notes;
};

// Whether a note (a line for the log) holds `text`.
bool noted(const FakeDelivery& delivery, const std::string& text) {
  for (const std::string& line : delivery.notes)
    if (line.find(text) != std::string::npos) return true;
  return false;
}

// The reply codes in `out`, in order ("250-" lines count as one reply).
std::vector<int> codes(const std::string& out) {
  std::vector<int> found;
  std::size_t at = 0;
  while (at < out.size()) {
    const std::size_t end = out.find("\r\n", at);
    EXPECT_NE(end, std::string::npos) << "every reply line ends in CRLF";
    if (end == std::string::npos) break;
    const std::string line = out.substr(at, end - at);
    EXPECT_GE(line.size(), 4u);
    if (line.size() >= 4 && line[3] == ' ') found.push_back(std::stoi(line.substr(0, 3)));
    at = end + 2;
  }
  return found;
}

struct Fixture {
  FakeDelivery delivery;
  Limits limits;
  Session session{delivery, limits, "mx.example.org"};
  Fixture() = default;
  explicit Fixture(Limits l) : limits(l), session(delivery, l, "mx.example.org") {}
};

TEST(Lmtp, AWholeTransactionPipelined) {
  Fixture f;
  EXPECT_EQ(f.session.greeting(), "220 mx.example.org LMTP mailsift ready\r\n");
  const std::string out = f.session.feed(
      "LHLO client\r\nMAIL FROM:<carol@example.net> BODY=8BITMIME SIZE=100\r\n"
      "RCPT TO:<bob@example.org>\r\nRCPT TO:<nobody@example.org>\r\n"
      "RCPT TO:<Alice+Lists@example.org>\r\nDATA\r\n"
      "Subject: hi\r\n\r\n..a dotted line\r\n.\r\nQUIT\r\n");
  EXPECT_NE(out.find("250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                     "250-CHUNKING\r\n250 SIZE "),
            std::string::npos);
  // LHLO, MAIL, RCPT, RCPT (550 at once), RCPT, DATA, one per accepted recipient, QUIT.
  EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 550, 250, 354, 250, 250, 221}));
  ASSERT_EQ(f.delivery.messages.size(), 1u);
  EXPECT_EQ(f.delivery.messages[0], "Subject: hi\n\n.a dotted line\n");
  EXPECT_EQ(f.delivery.senders[0], "carol@example.net");
  EXPECT_EQ(f.delivery.delivered, (std::vector<std::string>{"bob", "alice+Lists"}));
  EXPECT_TRUE(f.session.closed());
}

TEST(Lmtp, OneReplyPerRecipientInOrder) {
  Fixture f;
  const std::string out = f.session.feed(
      "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<full@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"
      "x\r\n.\r\n");
  const std::vector<int> got = codes(out);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(std::vector<int>(got.end() - 3, got.end()), (std::vector<int>{250, 452, 250}));
  EXPECT_EQ(f.delivery.senders[0], "");  // the null sender
}

TEST(Lmtp, RepliesStreamAsEachDeliveryEnds) {
  Fixture f;
  std::vector<std::string> writes;
  f.session.stream_to([&](std::string_view piece) { writes.emplace_back(piece); });
  // Each reply is written before the next recipient's delivery begins.
  std::vector<std::size_t> written_at_answer;
  f.delivery.on_answer = [&] { written_at_answer.push_back(writes.size()); };
  const std::string rest = f.session.feed(
      "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<full@x>\r\nDATA\r\n"
      "x\r\n.\r\nNOOP\r\n");
  ASSERT_EQ(writes.size(), 2u);
  // The first write carries what came before (LHLO ... 354) and the first reply.
  EXPECT_EQ(codes(writes[0]), (std::vector<int>{250, 250, 250, 250, 354, 250}));
  EXPECT_EQ(codes(writes[1]), (std::vector<int>{452}));
  EXPECT_EQ(written_at_answer, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(codes(rest), (std::vector<int>{250}));  // the NOOP after it, as usual
}

TEST(Lmtp, ARecipientWithoutAnOutcomeIsTold451) {
  Fixture f;
  const std::string out = f.session.feed(
      "LHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<a@x>\r\nRCPT TO:<silent@x>\r\nRCPT TO:<c@x>\r\n"
      "DATA\r\nx\r\n.\r\n");
  const std::vector<int> got = codes(out);
  ASSERT_GE(got.size(), 3u);
  EXPECT_EQ(std::vector<int>(got.end() - 3, got.end()), (std::vector<int>{250, 451, 451}));
}

TEST(Lmtp, QueueIdOfTheFirstReceivedField) {
  // Postfix's, folded; the first Received is the newest (the client's own).
  EXPECT_EQ(queue_id_of("Return-Path: <a@x>\nReceived: from mx.example.net (mx [192.0.2.1])\n"
                        "\tby mta.test (Postfix) with ESMTP id 4Fq3Kx1Dmcz9sWx\n"
                        "\tfor <b@mta.test>; Fri, 4 Dec 2026 19:00:00 +0000 (UTC)\n"
                        "Received: by other.example id OLDER; Fri, 4 Dec 2026\n\nbody id x\n"),
            "4Fq3Kx1Dmcz9sWx");
  // Exim's, on one line, CR LF line ends.
  EXPECT_EQ(queue_id_of("received: from [192.0.2.7] by mx with esmtp (Exim 4.96)\r\n"
                        "\tid 1tQabc-000123-Xy for b@mx; Fri, 04 Dec 2026 19:00:00 +0000\r\n\r\n"),
            "1tQabc-000123-Xy");
  // None: no Received field, one without an id, an "id" only in the date or the body.
  EXPECT_EQ(queue_id_of("Subject: hi\n\nReceived: by x id y; z\n"), "");
  EXPECT_EQ(queue_id_of("Received: from a by b; Fri, 4 Dec id 2026\n\n"), "");
  EXPECT_EQ(queue_id_of("Received: by b with LMTP id\n\n"), "");
  // Bounded, printable only.
  EXPECT_EQ(queue_id_of("Received: by b id " + std::string(300, 'q') + "\n\n").size(), 100u);
  EXPECT_EQ(queue_id_of("Received: by b id ab\x01" "cd\n\n"), "ab");
}

TEST(Lmtp, OrderOfCommands) {
  Fixture f;
  EXPECT_EQ(codes(f.session.feed("MAIL FROM:<a@x>\r\n")), std::vector<int>{503});  // before LHLO
  EXPECT_EQ(codes(f.session.feed("HELO c\r\nEHLO c\r\n")), (std::vector<int>{500, 500}));
  EXPECT_EQ(codes(f.session.feed("LHLO c\r\nRCPT TO:<a@x>\r\nDATA\r\n")),
            (std::vector<int>{250, 503, 503}));
  EXPECT_EQ(codes(f.session.feed("MAIL FROM:<a@x>\r\nMAIL FROM:<a@x>\r\nDATA\r\n")),
            (std::vector<int>{250, 503, 503}));  // nested MAIL; DATA without recipients
  EXPECT_EQ(codes(f.session.feed("RSET\r\nRCPT TO:<a@x>\r\n")), (std::vector<int>{250, 503}));
  EXPECT_EQ(codes(f.session.feed("NOOP\r\nVRFY bob\r\nSEND FROM:<a@x>\r\n")),
            (std::vector<int>{250, 252, 500}));
  EXPECT_TRUE(f.delivery.messages.empty());
}

TEST(Lmtp, RsetInTheMiddleForgetsTheTransaction) {
  Fixture f;
  f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRSET\r\n");
  EXPECT_EQ(codes(f.session.feed("DATA\r\n")), std::vector<int>{503});
  f.session.feed("MAIL FROM:<s@x>\r\nRCPT TO:<c@x>\r\nDATA\r\nm\r\n.\r\n");
  EXPECT_EQ(f.delivery.delivered, std::vector<std::string>{"c"});
}

TEST(Lmtp, DataLinesAndEnds) {
  Fixture f;
  // Commands may end in a bare LF; in the message, a lone dot ends it only between
  // CR LFs (a bare-LF dot is data); a line of two dots is one dot; the message is
  // given whole across feeds.
  f.session.feed("LHLO c\nMAIL FROM:<a@x>\nRCPT TO:<b@x>\nDATA\n");
  f.session.feed("one\r\n. not the end\r\n..\r\n.\nlf\n.\r\n");
  EXPECT_TRUE(f.session.in_data());
  f.session.feed("tw");
  f.session.feed("o\r\n.");
  EXPECT_TRUE(f.delivery.messages.empty());
  f.session.feed("\r\n");
  ASSERT_EQ(f.delivery.messages.size(), 1u);
  EXPECT_EQ(f.delivery.messages[0], "one\n not the end\n.\n\nlf\n\ntwo\n");
}

TEST(Lmtp, ClientGoneInDataDeliversNothing) {
  Fixture f;
  f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\npart of it\r\n");
  f.session.end_of_input();
  EXPECT_TRUE(f.delivery.messages.empty());
  EXPECT_TRUE(f.session.closed());
  ASSERT_FALSE(f.delivery.notes.empty());
  EXPECT_NE(f.delivery.notes.back().find("nothing was delivered"), std::string::npos);
}

// BDAT (RFC 3030): the octets are taken as they are, whatever they hold (a dot line,
// something like a command), CR LF becomes LF also across chunks, and the message
// ends with LAST: one reply per recipient then, one 250 per chunk before.
TEST(Lmtp, ChunksMakeTheMessage) {
  Fixture f;
  std::string out = f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<full@x>\r\n"
                                   "BDAT 13\r\nSubject: s\r\n\r");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 250, 250}));
  EXPECT_NE(out.find("250 2.0.0 13 octets received\r\n"), std::string::npos);
  EXPECT_TRUE(f.session.in_data());
  // A chunk in pieces; "." and "QUIT" lines in it are data; a lone CR stays.
  out = f.session.feed("BDAT 17\r\n\n.\r\nQUIT\r\n");
  out += f.session.feed("a\rb\r\nc\r");
  EXPECT_EQ(codes(out), std::vector<int>{250});
  EXPECT_FALSE(f.session.closed());
  out = f.session.feed("BDAT 0 LAST\r\nNOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 452, 250}));
  ASSERT_EQ(f.delivery.messages.size(), 1u);
  EXPECT_EQ(f.delivery.messages[0], "Subject: s\n\n.\nQUIT\na\rb\nc\r");
  EXPECT_FALSE(f.session.in_data());
  // Pipelined whole, with the next transaction behind it.
  out = f.session.feed("MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 6 last\r\nx\r\n.\r\nMAIL FROM:<c@x>\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 250}));
  ASSERT_EQ(f.delivery.messages.size(), 2u);
  EXPECT_EQ(f.delivery.messages[1], "x\n.\n");
}

TEST(Lmtp, ARefusedChunkIsReadAllTheSame) {
  Fixture f;
  // No MAIL, then no valid recipient: 503 each time, after the octets, which are not
  // taken for commands.
  std::string out = f.session.feed("LHLO c\r\nBDAT 6\r\nRSET\r\nMAIL FROM:<a@x>\r\n"
                                   "RCPT TO:<nobody@x>\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 503, 250, 550, 503, 250}));
  EXPECT_FALSE(f.session.closed());
  EXPECT_TRUE(f.delivery.messages.empty());
  // DATA after a chunk is out of order; RSET drops the chunks taken.
  out = f.session.feed("RCPT TO:<b@x>\r\nBDAT 2\r\nx\nDATA\r\nRSET\r\nMAIL FROM:<a@x>\r\n"
                       "RCPT TO:<b@x>\r\nBDAT 2 LAST\r\ny\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 503, 250, 250, 250, 250}));
  ASSERT_EQ(f.delivery.messages.size(), 1u);
  EXPECT_EQ(f.delivery.messages[0], "y\n");
  // A size that is not one: the octets cannot be found, so the session ends.
  Fixture g;
  out = g.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT ten LAST\r\nNOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 250, 250, 501, 421}));
  EXPECT_TRUE(g.session.closed());
  Fixture h;
  EXPECT_EQ(codes(h.session.feed("LHLO c\r\nBDAT 5 LATER\r\n")), (std::vector<int>{250, 501, 421}));
}

TEST(Lmtp, ChunksOverTheSizeLimitAndAClientThatGoes) {
  Limits limits;
  limits.max_message = 20;
  Fixture f(limits);
  // 30 octets in two chunks: the second goes over; the rest is read and thrown away.
  std::string out = f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\n"
                                   "BDAT 15\r\n012345678901234BDAT 15 LAST\r\n012345678901234");
  const std::vector<int> got = codes(out);
  EXPECT_EQ(std::vector<int>(got.end() - 3, got.end()), (std::vector<int>{250, 552, 552}));
  EXPECT_TRUE(f.delivery.messages.empty());
  EXPECT_EQ(codes(f.session.feed("MAIL FROM:<a@x>\r\n")), std::vector<int>{250});
  // A size past what is taken is read to its end, not stored.
  out = f.session.feed("RCPT TO:<b@x>\r\nBDAT 100000 LAST\r\n" + std::string(100000, 'z') + "NOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 552, 250}));
  EXPECT_TRUE(f.delivery.messages.empty());
  // Gone between chunks: nothing delivered.
  f.session.feed("MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nBDAT 3\r\nabc");
  f.session.end_of_input();
  EXPECT_TRUE(f.delivery.messages.empty());
  ASSERT_FALSE(f.delivery.notes.empty());
  EXPECT_NE(f.delivery.notes.back().find("before BDAT LAST: nothing was delivered"), std::string::npos);
}

// What the server's command timeout reads: whether the client is in the middle of
// sending something, and how many commands and messages have ended (a message in
// chunks is one, from its first BDAT to LAST).
TEST(Lmtp, WhatTheClientIsSending) {
  Fixture f;
  EXPECT_FALSE(f.session.mid_command());
  f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRC");
  EXPECT_EQ(f.session.completed(), 3u);
  EXPECT_TRUE(f.session.mid_command());
  f.session.feed("PT TO:<c@x>\r\n");
  EXPECT_FALSE(f.session.mid_command());
  EXPECT_EQ(f.session.completed(), 4u);
  f.session.feed("BDAT 2\r\nabBDAT 1\r\nc");
  EXPECT_TRUE(f.session.mid_command()) << "between chunks";
  EXPECT_EQ(f.session.completed(), 4u);
  f.session.feed("BDAT 1 LAST\r\nd");
  EXPECT_FALSE(f.session.mid_command());
  EXPECT_EQ(f.session.completed(), 5u);
  f.session.feed("MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\nline\r\n");
  EXPECT_TRUE(f.session.mid_command()) << "in DATA";
  EXPECT_EQ(f.session.completed(), 8u);
  f.session.feed(".\r\n");
  EXPECT_FALSE(f.session.mid_command());
  EXPECT_EQ(f.session.completed(), 9u);
}

TEST(Lmtp, SizeLimits) {
  Limits limits;
  limits.max_message = 20;
  Fixture f(limits);
  EXPECT_NE(f.session.feed("LHLO c\r\n").find("250 SIZE 20\r\n"), std::string::npos);
  EXPECT_EQ(codes(f.session.feed("MAIL FROM:<a@x> SIZE=21\r\n")), std::vector<int>{552});
  EXPECT_TRUE(noted(f.delivery, "a message of 21 bytes refused (SIZE limit 20)"));
  const std::string out = f.session.feed(
      "MAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\nDATA\r\n"
      "0123456789\r\n0123456789\r\n.\r\n");
  const std::vector<int> got = codes(out);
  EXPECT_EQ(std::vector<int>(got.end() - 2, got.end()), (std::vector<int>{552, 552}));
  EXPECT_TRUE(f.delivery.messages.empty());
  EXPECT_TRUE(noted(f.delivery, "a message over 20 bytes: refused after DATA"));
  // The session goes on.
  EXPECT_EQ(codes(f.session.feed("MAIL FROM:<a@x>\r\n")), std::vector<int>{250});
}

TEST(Lmtp, RecipientLimitAndBadSyntax) {
  Limits limits;
  limits.max_recipients = 2;
  Fixture f(limits);
  EXPECT_EQ(codes(f.session.feed("LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nRCPT TO:<c@x>\r\n"
                                 "RCPT TO:<d@x>\r\n")),
            (std::vector<int>{250, 250, 250, 250, 452}));
  EXPECT_TRUE(noted(f.delivery, "more than 2 recipients in one message"));
  EXPECT_EQ(codes(f.session.feed("RCPT TO:<>\r\nRCPT TO:<b@x> NOTIFY=NEVER\r\nRCPT bob\r\n")),
            (std::vector<int>{501, 555, 501}));
  EXPECT_EQ(codes(f.session.feed("LHLO\r\n")), std::vector<int>{501});
  Fixture g;
  const std::string out = g.session.feed(
      "LHLO c\r\nMAIL FROM:<a@x> BODY=7BITS\r\nMAIL FROM:<a@x> X=1\rY\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{250, 501, 555}));
  EXPECT_EQ(out.find("X=1"), std::string::npos);  // the client's bytes are not echoed
}

TEST(Lmtp, TooManyBadCommandsHangsUp) {
  Limits limits;
  limits.max_bad_commands = 3;
  Fixture f(limits);
  const std::string out = f.session.feed("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{500, 500, 500, 421}));
  EXPECT_TRUE(f.session.closed());
  EXPECT_TRUE(noted(f.delivery, "too many bad commands (3): hanging up"));
}

TEST(Lmtp, LongCommandLine) {
  Limits limits;
  limits.max_command_line = 64;
  Fixture f(limits);
  const std::string out = f.session.feed("NOOP " + std::string(200, 'x') + "\r\nNOOP\r\n");
  EXPECT_EQ(codes(out), (std::vector<int>{500, 250}));
  EXPECT_TRUE(noted(f.delivery, "a command line longer than 64 bytes"));
  // A line of a message over its limit: the message is refused, as too big.
  Limits text;
  text.max_text_line = 32;
  Fixture g(text);
  const std::vector<int> got = codes(g.session.feed(
      "LHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@x>\r\nDATA\r\n" + std::string(100, 'y') + "\r\n.\r\n"));
  EXPECT_EQ(got.back(), 552);
  EXPECT_TRUE(g.delivery.messages.empty());
  EXPECT_TRUE(noted(g.delivery, "a line of the message is longer than the limit"));
}

TEST(Lmtp, Recipients) {
  EXPECT_EQ(recipient_of("bob+a+b@example.org").detail, "a+b");
  EXPECT_EQ(recipient_of("Bob@example.org").user, "bob");
  EXPECT_EQ(recipient_of("root").user, "root");
  std::string address;
  EXPECT_TRUE(parse_path("<@relay.example,@b.example:bob@example.org>", &address));
  EXPECT_EQ(address, "bob@example.org");
  EXPECT_FALSE(parse_path("<bob@example.org", &address));
  EXPECT_FALSE(parse_path("<bo b@example.org>", &address));
  EXPECT_FALSE(parse_path("<a@b.example,victim@c.example>", &address));
}

}  // namespace
}  // namespace mailsift::lmtp
