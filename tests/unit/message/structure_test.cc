#include "mailsift/message/mime/structure.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "mailsift/limits.h"
#include "mailsift/message/reader.h"

namespace mailsift::message::mime {
namespace {

Message message_of(std::string text) { return message_from_bytes(std::move(text), ReadOptions()); }

// "path type[,type] [name,...]" per part, joined by "; ".
std::string outline(const MimeStructure& structure) {
  std::string out;
  for (const MimePart& part : structure.parts) {
    if (!out.empty()) out += "; ";
    out += part.path + " ";
    for (std::size_t i = 0; i < part.types.size(); ++i) out += (i ? "," : "") + part.types[i];
    for (const std::string& name : part.filenames) out += " [" + name + "]";
  }
  return out;
}

std::string anomalies(const MimeStructure& structure) {
  std::string out;
  for (const std::string& token : structure.anomalies) out += (out.empty() ? "" : " ") + token;
  return out;
}

TEST(MimeStructure, PlainMessageIsOnePart) {
  const Message m = message_of("From: a@b\nSubject: x\n\nhello\n");
  const MimeStructure s = walk_message(m);
  EXPECT_EQ(outline(s), "1 text/plain");
  EXPECT_EQ(s.parts[0].content, "hello\n");
  EXPECT_EQ(anomalies(s), "");
}

TEST(MimeStructure, PathsAsReformimeNumbersThem) {
  const Message m = message_of(
      "From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"
      "preamble\n--XX\nContent-Type: text/plain\n\nhello\n"
      "--XX\nContent-Type: message/rfc822\n\nFrom: x@y\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=YY\n\n--YY\n\ninner\n--YY\n"
      "Content-Type: text/html\n\n<p>x</p>\n--YY--\n"
      "--XX \nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n"
      "JVBERi0=\n--XX--\nepilogue\n");
  const MimeStructure s = walk_message(m);
  EXPECT_EQ(outline(s),
            "1 multipart/mixed; 1.1 text/plain; 1.2 message/rfc822; 1.2.1 multipart/alternative; "
            "1.2.1.1 text/plain; 1.2.1.2 text/html; 1.3 application/pdf [a.pdf]");
  EXPECT_EQ(s.parts[1].content, "hello");  // the line end before a delimiter is its own
  EXPECT_EQ(s.parts[6].encoding, TransferEncoding::kBase64);
  EXPECT_EQ(decode_part(s.parts[6], 100).head, "%PDF-");
  EXPECT_EQ(decode_part(s.parts[6], 100).size, 5u);
  EXPECT_EQ(anomalies(s), "");
}

TEST(MimeStructure, CrlfLineEnds) {
  const Message m = message_of(
      "From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: text/plain\r\n\r\nhi\r\n--b--\r\n");
  const MimeStructure s = walk_message(m);
  EXPECT_EQ(outline(s), "1 multipart/mixed; 1.1 text/plain");
  EXPECT_EQ(s.parts[1].content, "hi");
}

TEST(MimeStructure, DigestPartsAreMessages) {
  const Message m = message_of(
      "From: a@b\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nFrom: x@y\n\none\n--d--\n");
  EXPECT_EQ(outline(walk_message(m)), "1 multipart/digest; 1.1 message/rfc822; 1.1.1 text/plain");
}

TEST(MimeStructure, EveryReadingAndItsAnomaly) {
  const Message m = message_of(
      "From: a@b\nContent-Type: multipart/mixed; boundary=aa\nContent-Type: text/plain\n\n"
      "--aa\nContent-Type: application/zip\nContent-Disposition: attachment; filename=a.zip\n"
      "Content-Type: application/x-msdownload; name=\"b.exe\"\n\nPK\n--aa--\n");
  const MimeStructure s = walk_message(m);
  EXPECT_EQ(outline(s), "1 multipart/mixed,text/plain; 1.1 application/zip,application/x-msdownload "
                        "[a.zip] [b.exe]");
  EXPECT_EQ(anomalies(s), "duplicate-content-type name-filename-differ");
}

TEST(MimeStructure, Anomalies) {
  struct Row {
    const char* name;
    const char* text;
    const char* want;
  };
  const Row rows[] = {
      {"unclosed", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n", "unclosed-multipart"},
      {"no boundary", "Content-Type: multipart/mixed\n\nx\n", "multipart-without-boundary"},
      {"encoded multipart",
       "Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: base64\n\n--b\n\nx\n--b--\n",
       "encoding-on-multipart"},
      {"two boundaries", "Content-Type: multipart/mixed; boundary=a; boundary=b\n\n--a\n\nx\n--a--\n",
       "duplicate-parameter duplicate-boundary unclosed-multipart"},  // "b" never closes
      {"not a type", "Content-Type: text\n\nx\n", "bad-content-type"},
      {"unknown encoding", "Content-Transfer-Encoding: x-uue\n\nx\n", "unknown-transfer-encoding"},
      {"encoded message", "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
                          "U3ViamVjdDogaGkKCmJvZHkK\n",
       "encoded-rfc822"},
  };
  for (const Row& row : rows)
    EXPECT_EQ(anomalies(walk_message(message_of(std::string("From: a@b\n") + row.text))), row.want)
        << row.name;
  const MimeStructure encoded = walk_message(message_of(
      "From: a@b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
      "U3ViamVjdDogaGkKCmJvZHkK\n"));
  EXPECT_EQ(outline(encoded), "1 message/rfc822; 1.1 text/plain");
  EXPECT_EQ(encoded.parts[1].content, "body\n");
  EXPECT_EQ(encoded.parts[1].body_offset, std::string_view::npos);  // in a decoded buffer
}

TEST(MimeStructure, DepthAndPartLimits) {
  std::string deep = "From: a@b\n";
  for (int i = 0; i < 300; ++i)
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\n\n--b" +
            std::to_string(i) + "\n";
  const MimeStructure s = walk_message(message_of(deep + "\nbottom\n"));
  EXPECT_EQ(s.parts.size(), static_cast<std::size_t>(limits::kMaxMimeDepth));
  EXPECT_NE(anomalies(s).find("depth-limit"), std::string::npos);

  std::string many = "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 20000; ++i) many += "--b\n\nx\n";
  const MimeStructure t = walk_message(message_of(many + "--b--\n"));
  EXPECT_EQ(t.parts.size(), limits::kMaxMimeParts);
  EXPECT_NE(anomalies(t).find("part-limit"), std::string::npos);
}

TEST(MimeStructure, ReleasesEachPartsHeaderAgain) {
  // Reading a part's header maps its pages again after the walk over the enclosing
  // body dropped them; the walk drops them once more, or every part keeps some.
  std::string text = "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n";
  std::vector<std::size_t> headers;
  for (int i = 0; i < 8; ++i) {
    text += "--b\n";
    headers.push_back(text.size() - text.find("\n\n") - 2);  // offset in the body
    text += "Content-Type: text/plain\n\n" + std::string(300000, 'x') + "\n";
  }
  const Message m = message_of(text + "--b--\n");
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  const ReleaseBody release = [&](std::size_t from, std::size_t length) { ranges.emplace_back(from, length); };
  const MimeStructure s = walk_message(m, release);
  ASSERT_EQ(s.parts.size(), 9u);
  for (const std::size_t header : headers) {
    // Once by the walk over the enclosing body, and once after the header was read.
    int covering = 0;
    for (const auto& [from, length] : ranges)
      if (from <= header && header < from + length) ++covering;
    EXPECT_GE(covering, 2) << "the header at " << header;
  }
}

TEST(MimeStructure, ReleasesWhatItHasRead) {
  std::string big = "From: a@b\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                    "Content-Transfer-Encoding: base64\n\n";
  for (int i = 0; i < 40000; ++i) big += "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";
  big += "--b--\n";
  const Message m = message_of(big);
  std::size_t released = 0;
  const ReleaseBody release = [&](std::size_t from, std::size_t length) {
    EXPECT_LE(from + length, m.body().size());
    released += length;
  };
  const MimeStructure s = walk_message(m, release);
  EXPECT_GT(released, m.body().size() / 2);
  released = 0;
  const DecodedPart part = decode_part(s.parts[1], 16, release);
  EXPECT_EQ(part.size, 40000u * 51);
  EXPECT_EQ(part.head, std::string(16, 'A'));
  EXPECT_GT(released, m.body().size() / 2);
  EXPECT_TRUE(part.complete);
  // Only the start, as sniffing asks: decoding stops once it is there.
  released = 0;
  const DecodedPart start = decode_part(s.parts[1], 1000, release, false);
  EXPECT_FALSE(start.complete);
  EXPECT_EQ(start.head, std::string(1000, 'A'));
  EXPECT_LT(start.size, part.size / 4);
  EXPECT_LT(released, m.body().size() / 4);
}

}  // namespace
}  // namespace mailsift::message::mime
