#include "mailsift/engine/views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mailsift/limits.h"
#include "mailsift/message/reader.h"

namespace mailsift::engine {
namespace {

message::Message message_of(const std::string& text) {
  return message::message_from_bytes(text, message::ReadOptions());
}

std::vector<std::string> lines(const message::Message& message, const std::string& name) {
  std::string error;
  const std::optional<rc::View> view = rc::resolve_view(name, &error);
  EXPECT_TRUE(view) << error;
  return view ? view_lines(*view, message) : std::vector<std::string>{};
}

using Lines = std::vector<std::string>;

const std::string kMessage =
    "From sender@example.net  Thu Dec  3 10:00:00 2026\n"
    "From: \"boss@corp.example\" <x@Evil.Example>\n"
    "To: Team: =?UTF-8?Q?J=C3=B6rg?= <joerg+lists@example.de>, b@example.org;,\n"
    "  \"Sales Dept\" <Sales+EU@shop.example>\n"
    "Cc: carol@example.com (Carol)\n"
    "Resent-To: dave@example.net\n"
    "X-Envelope-To: eve@example.net\n"
    "Subject: =?UTF-8?B?5pel5pys6Kqe?=\n"
    "  =?ISO-8859-1?Q?caf=E9?=\n"
    "subject: second\n"
    "X-Trick: =?UTF-8?Q?a=0Ab?=\n"
    "\n"
    "To: not-a-header@example.com\n";

TEST(ViewLines, HeaderViews) {
  const message::Message m = message_of(kMessage);
  EXPECT_EQ(lines(m, "header.subject"), (Lines{"日本語café", "second"}));
  EXPECT_EQ(lines(m, "header.SUBJECT"), (Lines{"日本語café", "second"}));
  EXPECT_EQ(lines(m, "header.x-trick"), (Lines{"a b"}));  // one field, one line
  EXPECT_EQ(lines(m, "header.x-missing"), Lines{});
}

TEST(ViewLines, AddressViews) {
  const message::Message m = message_of(kMessage);
  EXPECT_EQ(lines(m, "address.from"), (Lines{"x@evil.example"}));
  EXPECT_EQ(lines(m, "address.from.name"), (Lines{"boss@corp.example"}));
  EXPECT_EQ(lines(m, "address.from.domain"), (Lines{"evil.example"}));
  EXPECT_EQ(lines(m, "address.to"),
            (Lines{"joerg+lists@example.de", "b@example.org", "Sales+EU@shop.example"}));
  EXPECT_EQ(lines(m, "address.to.user"), (Lines{"joerg", "b", "Sales"}));
  EXPECT_EQ(lines(m, "address.to.detail"), (Lines{"lists", "EU"}));
  EXPECT_EQ(lines(m, "address.to.local"), (Lines{"joerg+lists", "b", "Sales+EU"}));
  EXPECT_EQ(lines(m, "address.to.name"), (Lines{"Jörg", "Sales Dept"}));
  EXPECT_EQ(lines(m, "address.cc.name"), (Lines{"Carol"}));
  EXPECT_EQ(lines(m, "address.resent-to"), (Lines{"dave@example.net"}));
  // Every recipient field, as ^TO_ looks; never the body.
  EXPECT_EQ(lines(m, "address.recipients"),
            (Lines{"joerg+lists@example.de", "b@example.org", "Sales+EU@shop.example",
                   "carol@example.com", "dave@example.net", "eve@example.net"}));
  EXPECT_EQ(lines(m, "address.sender"), Lines{});
}

TEST(ViewCache, JoinsLinesAndForgetsOnClear) {
  message::Message m = message_of(kMessage);
  ViewCache cache;
  std::string error;
  const rc::View view = *rc::resolve_view("address.to.user", &error);
  EXPECT_EQ(cache.text(view, m), "joerg\nb\nSales");
  m = message_of("To: z@example.org\n\nbody\n");
  EXPECT_EQ(cache.text(view, m), "joerg\nb\nSales");  // kept for the same message
  cache.clear();
  EXPECT_EQ(cache.text(view, m), "z");
}

}  // namespace
}  // namespace mailsift::engine

namespace mailsift::engine {
namespace {

class CountingSniffer final : public message::mime::Sniffer {
 public:
  std::string type_of(std::string_view content) override {
    ++calls;
    return content.substr(0, 2) == "MZ" ? "application/x-dosexec" : "application/octet-stream";
  }
  int calls = 0;
};

std::string attachments(int count) {
  std::string text = "From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
                     "--b\nContent-Type: text/plain\n\nhi\n";
  for (int i = 0; i < count; ++i)
    text += "--b\nContent-Type: application/pdf; name=\"f" + std::to_string(i) +
            ".pdf\"\nContent-Disposition: attachment\nContent-Transfer-Encoding: base64\n\n"
            "TVqQAA==\n";
  return text + "--b--\n";
}

TEST(MimeViews, LinesOfEachView) {
  const message::Message m = message_of(attachments(1));
  CountingSniffer sniffer;
  MimeViewEnvironment environment;
  environment.sniffer = &sniffer;
  MimeViews views;
  EXPECT_EQ(views.lines("type", m, environment),
            (Lines{"multipart/mixed", "text/plain", "application/pdf"}));
  EXPECT_EQ(sniffer.calls, 0);  // mime.type never sniffs
  EXPECT_EQ(views.lines("filename", m, environment), (Lines{"f0.pdf"}));
  EXPECT_EQ(views.lines("sniffed", m, environment), (Lines{"application/x-dosexec"}));
  EXPECT_EQ(views.lines("parts", m, environment),
            (Lines{"path=1 depth=1 type=multipart/mixed", "path=1.1 depth=2 type=text/plain size=2",
                   "path=1.2 depth=2 type=application/pdf sniffed=application/x-dosexec "
                   "disposition=attachment size=4 name=\"f0.pdf\""}));
  EXPECT_EQ(sniffer.calls, 1);  // sniffed once, kept for the other views
  EXPECT_EQ(views.lines("text", m, environment), (Lines{"hi"}));
  EXPECT_EQ(views.lines("anomaly", m, environment), Lines{});
}

TEST(MimeViews, SniffingIsBounded) {
  const message::Message m = message_of(attachments(static_cast<int>(limits::kMaxSniffedParts) + 5));
  CountingSniffer sniffer;
  std::vector<std::string> logged;
  MimeViewEnvironment environment;
  environment.sniffer = &sniffer;
  environment.log = [&](const std::string& text) { logged.push_back(text); };
  MimeViews views;
  EXPECT_EQ(views.lines("sniffed", m, environment).size(), limits::kMaxSniffedParts);
  EXPECT_EQ(sniffer.calls, static_cast<int>(limits::kMaxSniffedParts));
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged.front().find("sniff-limit"), std::string::npos);
  // mime.anomaly says so whether or not mime.sniffed was asked first.
  MimeViews fresh;
  EXPECT_EQ(fresh.lines("anomaly", m, environment), Lines{"sniff-limit"});
}

TEST(MimeViews, AnomalyIsTheSameWhicheverViewCameFirst) {
  // Bytes that are not UTF-8 in a part that says it is: found by mime.anomaly alone,
  // as after mime.text.
  const message::Message m = message_of(
      "From: a@b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
      "Y2Fm6Q==\n");
  MimeViewEnvironment environment;
  MimeViews first;
  EXPECT_EQ(first.lines("anomaly", m, environment), Lines{"unknown-charset"});
  MimeViews second;
  EXPECT_EQ(second.lines("text", m, environment), Lines{"caf\xe9"});
  EXPECT_EQ(second.lines("anomaly", m, environment), Lines{"unknown-charset"});
}

// A message of `parts` text/plain parts of `bytes` bytes each: lines of "partN".
std::string text_parts(int parts, std::size_t bytes) {
  std::string text = "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < parts; ++i) {
    const std::string line = "part" + std::to_string(i) + "\n";
    text += "--b\nContent-Type: text/plain\n\n";
    for (std::size_t n = 0; n < bytes; n += line.size()) text += line;
  }
  return text + "--b--\n";
}

TEST(MimeViews, TextIsBoundedPerPartAndInAll) {
  std::vector<std::string> logged;
  MimeViewEnvironment environment;
  environment.log = [&](const std::string& text) { logged.push_back(text); };
  // Ten parts of twice the per-part limit: each part is cut at the limit, and the
  // parts past the limit in all are left out.
  const message::Message m = message_of(text_parts(10, 2 * limits::kMaxDecodedTextPerPart));
  MimeViews views;
  const std::string text = views.joined_text(m, environment);
  EXPECT_LE(text.size(), limits::kMaxDecodedTextInAll + limits::kMaxDecodedTextInAll / 5);
  EXPECT_GE(text.size(), limits::kMaxDecodedTextInAll - 10);
  const std::size_t shown = limits::kMaxDecodedTextInAll / limits::kMaxDecodedTextPerPart;
  EXPECT_NE(text.find("part" + std::to_string(shown - 1) + "\n"), std::string::npos);
  EXPECT_EQ(text.find("part" + std::to_string(shown)), std::string::npos);
  EXPECT_EQ(text.find("part" + std::to_string(0) + "\n"), 0u);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("text-limit"), std::string::npos);
  // The lines are the text's; mime.anomaly says so, also on its own.
  EXPECT_EQ(views.lines("text", m, environment).size(), static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1);
  EXPECT_EQ(views.lines("anomaly", m, environment), Lines{"text-limit"});
  MimeViews fresh;
  EXPECT_EQ(fresh.lines("anomaly", m, environment), Lines{"text-limit"});
  // Parts that fill the limit exactly lose nothing, and say nothing.
  const message::Message exact = message_of(text_parts(
      static_cast<int>(shown), limits::kMaxDecodedTextPerPart - 6));  // "partN\n" is 6 bytes
  MimeViews whole;
  EXPECT_NE(whole.joined_text(exact, environment).find("part" + std::to_string(shown - 1)), std::string::npos);
  EXPECT_EQ(whole.lines("anomaly", exact, environment), Lines{});
}

TEST(MimeViews, TextCutInACharacterIsNotAnUnknownCharset) {
  // A UTF-8 part whose three-byte characters straddle the per-part limit.
  std::string body;
  while (body.size() < limits::kMaxDecodedTextPerPart + 10) body += "\xe2\x82\xac";  // €
  const message::Message m =
      message_of("From: a@b\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n");
  MimeViewEnvironment environment;
  MimeViews views;
  const std::string text = views.joined_text(m, environment);
  EXPECT_EQ(text.size() % 3, 0u);
  EXPECT_LE(text.size(), limits::kMaxDecodedTextPerPart);
  EXPECT_EQ(views.lines("anomaly", m, environment), Lines{"text-limit"});
  MimeViews fresh;
  EXPECT_EQ(fresh.lines("anomaly", m, environment), Lines{"text-limit"});
}

TEST(MimeViews, FromThePartTheSnifferFailsOnNoneHasAType) {
  // The parts are sniffed several at a time; the sniffer fails on the third.
  class FailsOnThird final : public message::mime::Sniffer {
   public:
    std::string type_of(std::string_view) override { return ++calls == 3 ? "" : "application/x-dosexec"; }
    std::string error() const override { return "broken"; }
    int calls = 0;
  } sniffer;
  std::vector<std::string> logged;
  MimeViewEnvironment environment;
  environment.sniffer = &sniffer;
  environment.log = [&](const std::string& text) { logged.push_back(text); };
  MimeViews views;
  EXPECT_EQ(views.lines("sniffed", message_of(attachments(6)), environment),
            (Lines{"application/x-dosexec", "application/x-dosexec"}));
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("broken"), std::string::npos);
}

TEST(MimeViews, AnUnusableSnifferGivesNoLinesAndIsLogged) {
  class Broken final : public message::mime::Sniffer {
   public:
    std::string type_of(std::string_view) override { return {}; }
    std::string error() const override { return "no database"; }
  } broken;
  std::vector<std::string> logged;
  MimeViewEnvironment environment;
  environment.sniffer = &broken;
  environment.log = [&](const std::string& text) { logged.push_back(text); };
  MimeViews views;
  EXPECT_EQ(views.lines("sniffed", message_of(attachments(3)), environment), Lines{});
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("no database"), std::string::npos);
}

}  // namespace
}  // namespace mailsift::engine
