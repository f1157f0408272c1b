// Vacation (vacation/vacation.h): each rule of RFC 5230 section 4.5 and RFC 3834 on
// its own, the reply's header and body, and the record of replies with a clock the
// test sets.
#include "mailsift/vacation/vacation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "faulty_io.h"
#include "mailsift/message/reader.h"
#include "temp_dir.h"

namespace mailsift::vacation {
namespace {

message::Message parse(const std::string& text) {
  return message::message_from_bytes(text, message::ReadOptions());
}

// A message to bob from carol, with `extra` fields.
std::string mail(const std::string& extra = "", const std::string& envelope = "carol@example.net") {
  return "From " + envelope + "  Sat Nov 28 10:00:00 2026\n" +
         "From: Carol <carol@example.net>\nTo: Bob <bob@example.org>\nSubject: plans\n"
         "Message-ID: <m1@example.net>\n" + extra + "\nCall me.\n";
}

Settings bob() {
  Settings s;
  s.addresses = {"bob@example.org"};
  s.from = "bob@example.org";
  s.text = "I am away until Monday.\n";
  return s;
}

std::string reason(const std::string& text, const Settings& settings = bob()) {
  const Decision d = decide(parse(text), settings);
  return d.reply ? "reply" : d.reason;
}

TEST(VacationDecision, RepliesToTheEnvelopeSenderOnly) {
  const Decision d = decide(parse(mail("Reply-To: other@example.com\n")), bob());
  EXPECT_TRUE(d.reply);
  EXPECT_EQ(d.sender, "carol@example.net");
  // Return-Path comes before the From_ line; From: and Reply-To: never count.
  const Decision path =
      decide(parse("Return-Path: <bounce@lists.example.net>\n" + mail().substr(mail().find('\n') + 1)),
             bob());
  EXPECT_EQ(path.sender, "bounce@lists.example.net");
  EXPECT_NE(reason("From: carol@example.net\nTo: bob@example.org\n\nx\n"), "reply");  // no envelope
}

TEST(VacationDecision, NeverToTheNullSenderOrDaemonsOrLists) {
  EXPECT_NE(reason("Return-Path: <>\n" + mail()), "reply");
  for (const char* sender : {"MAILER-DAEMON@example.net", "mailer-daemon", "owner-list@example.net",
                             "list-request@example.net", "LISTSERV@example.net",
                             "majordomo@example.net"})
    EXPECT_NE(reason(mail("", sender)), "reply") << sender;
  EXPECT_EQ(reason(mail("", "request@example.net")), "reply");  // only "-request" at the end
}

TEST(VacationDecision, ABounceOrAnOddSenderIsNeverAnswered) {
  // A bounce (From_ line MAILER-DAEMON: LMTP's MAIL FROM:<>) with a Return-Path the
  // sender wrote: no reply to that third party.
  EXPECT_NE(reason("From MAILER-DAEMON  Sat Nov 28 10:00:00 2026\n"
                   "Return-Path: <victim@v.example>\nTo: bob@example.org\n\nx\n"),
            "reply");
  // Several addresses, or bytes that cannot be in one, in the envelope sender.
  EXPECT_NE(reason(mail("", "a@x.example,victim@y.example")), "reply");
  EXPECT_NE(reason("Return-Path: <a@y.example\x01>\n" + mail().substr(mail().find('\n') + 1)),
            "reply");
  EXPECT_NE(reason(mail("", "-oQ/tmp@x.example")), "reply");
}

TEST(VacationDecision, EachSuppressingField) {
  EXPECT_EQ(reason(mail("Auto-Submitted: no (a person wrote this)\n")), "reply");
  EXPECT_NE(reason(mail("X-Auto-Response-Suppress: AutoReply\n")), "reply");
  EXPECT_NE(reason(mail("List-Id: <x.example.net>\n")), "reply");
  EXPECT_NE(reason(mail("List-Unsubscribe: <mailto:x@example.net>\n")), "reply");
  EXPECT_NE(reason(mail("Auto-Submitted: auto-generated\n")), "reply");
  EXPECT_NE(reason(mail("Auto-Submitted: auto-replied; owner-email=x@y\n")), "reply");
  EXPECT_EQ(reason(mail("Auto-Submitted: no\n")), "reply");
  for (const char* p : {"bulk", "junk", "list", "BULK"})
    EXPECT_NE(reason(mail(std::string("Precedence: ") + p + "\n")), "reply") << p;
  EXPECT_EQ(reason(mail("Precedence: first-class\n")), "reply");
  EXPECT_NE(reason(mail("X-Auto-Response-Suppress: OOF\n")), "reply");
  EXPECT_NE(reason(mail("X-Auto-Response-Suppress: DR, All\n")), "reply");
  EXPECT_EQ(reason(mail("X-Auto-Response-Suppress: DR, RN\n")), "reply");
  EXPECT_NE(reason(mail("X-Spam-Flag: YES\n")), "reply");
  EXPECT_EQ(reason(mail("X-Spam-Flag: NO\n")), "reply");
  EXPECT_NE(reason(mail("Content-Type: multipart/report; report-type=delivery-status\n")), "reply");
  EXPECT_EQ(reason(mail("Content-Type: multipart/mixed; boundary=x\n")), "reply");
}

TEST(VacationDecision, OnlyWhenAddressedToTheUser) {
  Settings other = bob();
  other.addresses = {"robert@example.org"};
  EXPECT_NE(reason(mail(), other), "reply");
  other.addresses.push_back("BOB@Example.ORG");
  EXPECT_EQ(reason(mail(), other), "reply");
  // A display name that looks like the address does not count.
  const std::string fake = "From carol@example.net  Sat Nov 28 10:00:00 2026\n"
                           "To: \"bob@example.org\" <list@example.com>\n\nx\n";
  EXPECT_NE(reason(fake), "reply");
  // Cc and Resent-To count.
  const std::string cc = "From carol@example.net  Sat Nov 28 10:00:00 2026\n"
                         "To: list@example.com\nCc: bob@example.org\n\nx\n";
  EXPECT_EQ(reason(cc), "reply");
  // A +detail address of the user is the user's (RFC 5233).
  const std::string detail = "From carol@example.net  Sat Nov 28 10:00:00 2026\n"
                             "To: bob+lists@example.org\n\nx\n";
  EXPECT_EQ(reason(detail), "reply");
  // No address of the user at all: no reply, and the reason says what to give.
  Settings none = bob();
  none.addresses.clear();
  EXPECT_NE(reason(mail(), none).find("--address"), std::string::npos);
  // Never to oneself.
  EXPECT_NE(reason(mail("", "bob@example.org")), "reply");
}

TEST(VacationSettings, ParsedWithTheRecipientAndSendmail) {
  Settings s;
  std::string error;
  ASSERT_TRUE(parse_settings({"--days=3", "--handle", "work", "--address=bob@example.org",
                              "--subject=Away"},
                             {"HOME=/h", "RECIPIENT=bob+lists@mail.example.org", "SENDMAIL=/x/sm -v"},
                             &s, &error));
  EXPECT_EQ(s.days, 3);
  EXPECT_EQ(s.handle, "work");
  EXPECT_EQ(s.addresses, (std::vector<std::string>{"bob@example.org", "bob@mail.example.org"}));
  EXPECT_EQ(s.from, "bob@example.org");
  EXPECT_EQ(s.store, "/h/.mailsift/vacation");
  EXPECT_EQ(s.sendmail, "/x/sm -v");
  EXPECT_EQ(*s.subject, "Away");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--days=0"}, {"--days=x"}, {"--handle=../x"}, {"--colour=red"},
        {"--text-file=/nonexistent/away.txt"}, {"--from"}}) {
    Settings t;
    EXPECT_FALSE(parse_settings(bad, {}, &t, &error)) << bad.front();
  }
}

TEST(VacationReply, HeaderAndBody) {
  Settings s = bob();
  const message::Message m = parse(mail("References: <m0@example.net>\n"));
  const std::string reply = reply_message(m, s, "carol@example.net", 0, "<r1@example.org>");
  const std::string head = reply.substr(0, reply.find("\n\n") + 1);
  EXPECT_NE(head.find("\nTo: carol@example.net\n"), std::string::npos);
  EXPECT_EQ(head.rfind("From: bob@example.org\n", 0), 0u);
  EXPECT_NE(head.find("\nSubject: Auto: plans\n"), std::string::npos);
  EXPECT_NE(head.find("\nIn-Reply-To: <m1@example.net>\n"), std::string::npos);
  EXPECT_NE(head.find("\nReferences: <m0@example.net>\n <m1@example.net>\n"), std::string::npos);
  EXPECT_NE(head.find("\nAuto-Submitted: auto-replied"), std::string::npos);
  EXPECT_EQ(reply.substr(reply.find("\n\n") + 2), "I am away until Monday.\n");
  EXPECT_EQ(reply.find("Call me."), std::string::npos);  // never the original body
  // An encoded subject is decoded, prefixed, and encoded again.
  const message::Message encoded = parse(
      "From c@example.net  Sat Nov 28 10:00:00 2026\nSubject: =?ISO-8859-1?Q?=E9cole?=\n\nx\n");
  const std::string again = reply_message(encoded, s, "c@example.net", 0, "<r2@example.org>");
  EXPECT_NE(again.find("\nSubject: =?UTF-8?B?QXV0bzogw6ljb2xl?=\n"), std::string::npos) << again;
}

TEST(VacationReply, HeaderLinesStayShortAndPlain) {
  Settings s = bob();
  std::string references = "References:";
  for (int i = 0; i < 60; ++i) references += " <r" + std::to_string(i) + "@example.net>";
  const message::Message m = parse(mail(references + "\n") + "");
  const std::string long_subject =
      "From c@example.net  Sat Nov 28 10:00:00 2026\nSubject: " + std::string(1200, 'x') +
      "\nMessage-ID: <m@example.net>\n\nx\n";
  for (const std::string& reply :
       {reply_message(m, s, "c@example.net", 0, "<r@example.org>"),
        reply_message(parse(long_subject), s, "c@example.net", 0, "<r@example.org>")}) {
    const std::string head = reply.substr(0, reply.find("\n\n"));
    std::size_t at = 0;
    while (at < head.size()) {
      const std::size_t end = std::min(head.find('\n', at), head.size());
      EXPECT_LE(end - at, 998u);
      at = end + 1;
    }
  }
  const std::string threaded = reply_message(m, s, "c@example.net", 0, "<r@example.org>");
  EXPECT_EQ(threaded.find("<r49@example.net>"), std::string::npos);  // the last ten only
  EXPECT_NE(threaded.find(" <r59@example.net>\n <m1@example.net>\n"), std::string::npos);
  // A subject that reads like an encoded word, or holds a line break, is encoded.
  const message::Message odd = parse(
      "From c@example.net  Sat Nov 28 10:00:00 2026\nSubject: =?utf-8?q?x?= and \xff\n\nx\n");
  const std::string reply = reply_message(odd, s, "c@example.net", 0, "<r@example.org>");
  EXPECT_EQ(reply.find("Subject: Auto: =?utf-8?q?x?="), std::string::npos);
  EXPECT_NE(reply.find("Subject: =?UTF-8?B?"), std::string::npos);
}

struct Sent {
  std::vector<std::vector<std::string>> argv;
  std::vector<std::string> bytes;
  int status = 0;
};
Sent sent;
int record_send(const std::vector<std::string>& argv, const std::string& bytes,
                const std::vector<std::string>&) {
  sent.argv.push_back(argv);
  sent.bytes.push_back(bytes);
  return sent.status;
}

TEST(VacationRecord, OncePerSenderAndHandleInThePeriod) {
  testing::TempDir dir;
  testing::FaultyIo io;
  io.use_fake_time(1'800'000'000);
  sent = Sent();
  Settings s = bob();
  s.store = dir / "vacation";
  s.days = 2;
  s.sendmail = "/usr/sbin/sendmail";
  const message::Message m = parse(mail());

  Result first = respond(io, m, s, false, {}, record_send);
  EXPECT_TRUE(first.sent);
  ASSERT_EQ(sent.argv.size(), 1u);
  EXPECT_EQ(sent.argv[0], (std::vector<std::string>{"/usr/sbin/sendmail", "-oi", "-f", "<>",
                                                     "carol@example.net"}));
  // The same sender again (a retried delivery, or a new message): no second reply.
  Result second = respond(io, m, s, false, {}, record_send);
  EXPECT_FALSE(second.sent);
  EXPECT_FALSE(second.failed);
  EXPECT_NE(second.log.find("within the last 2 days"), std::string::npos);
  EXPECT_EQ(sent.argv.size(), 1u);
  // Another handle counts on its own.
  Settings work = s;
  work.handle = "work";
  EXPECT_TRUE(respond(io, m, work, false, {}, record_send).sent);
  // After the period, a reply again.
  io.sleep_for(std::chrono::hours(49));
  EXPECT_TRUE(respond(io, m, s, false, {}, record_send).sent);
  EXPECT_EQ(sent.argv.size(), 3u);
}

TEST(VacationRecord, RecordedOnlyOnceSendmailAcceptedIt) {
  testing::TempDir dir;
  testing::FaultyIo io;
  io.use_fake_time(1'800'000'000);
  sent = Sent();
  Settings s = bob();
  s.store = dir / "vacation";
  const message::Message m = parse(mail());
  sent.status = 75;
  const Result failed = respond(io, m, s, false, {}, record_send);
  EXPECT_TRUE(failed.failed);
  EXPECT_FALSE(failed.sent);
  sent.status = 0;
  EXPECT_TRUE(respond(io, m, s, false, {}, record_send).sent);  // not recorded: tried again
  EXPECT_EQ(sent.argv.size(), 2u);
}

TEST(VacationRecord, DryRunSendsAndRecordsNothing) {
  testing::TempDir dir;
  testing::FaultyIo io;
  sent = Sent();
  Settings s = bob();
  s.store = dir / "vacation";
  const message::Message m = parse(mail());
  const Result dry = respond(io, m, s, true, {}, record_send);
  EXPECT_TRUE(dry.decision.reply);
  EXPECT_EQ(dry.log, "vacation: would reply to carol@example.net");
  EXPECT_TRUE(sent.argv.empty());
  EXPECT_FALSE(testing::exists(s.store));
  const Result list = respond(io, parse(mail("List-Id: <l.example.net>\n")), s, true, {}, record_send);
  EXPECT_NE(list.log.find("List-Id"), std::string::npos);
  // After a real reply, the dry run says why not.
  ASSERT_TRUE(respond(io, m, s, false, {}, record_send).sent);
  EXPECT_NE(respond(io, m, s, true, {}, record_send).log.find("a reply went to"), std::string::npos);
  EXPECT_EQ(sent.argv.size(), 1u);
}

TEST(VacationRecord, AnUnwritableStoreSendsNothing) {
  testing::TempDir dir;
  testing::FaultyIo io;
  testing::Fault denied = testing::fault_on(testing::Op::kMkdir, EACCES, "vacation");
  denied.sticky = true;
  io.add(denied);
  sent = Sent();
  Settings s = bob();
  s.store = dir / "vacation";
  const Result r = respond(io, parse(mail()), s, false, {}, record_send);
  EXPECT_TRUE(r.failed);
  EXPECT_TRUE(sent.argv.empty());
}

}  // namespace
}  // namespace mailsift::vacation
