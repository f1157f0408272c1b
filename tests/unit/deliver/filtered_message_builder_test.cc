// FilteredMessageBuilder: a filter's output taken piece by piece becomes the same
// message as the output taken whole (filtered_message, pinned against procmail in
// program_test.cc), spooled when large; a spool file that cannot be made fails it
// and leaves the caller's message alone.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "mailsift/deliver/program.h"
#include "parsed_message.h"
#include "temp_dir.h"

namespace mailsift::deliver {
namespace {

using message::Message;
using testing::TempDir;

// A body of `size` bytes with "From " lines, as a large message has.
std::string body_of(std::size_t size) {
  std::string body;
  for (int i = 0; body.size() < size; ++i)
    body += i % 7 == 0 ? "From the body\n" : "line " + std::to_string(i) + "\n";
  return body;
}

const char* part_name(Part part) {
  switch (part) {
    case Part::kWhole: return "f";
    case Part::kHeaderOnly: return "fh";
    case Part::kBodyOnly: return "fb";
  }
  return "?";
}

struct OutputCase {
  const char* name;
  std::string output;
};

TEST(FilteredMessageBuilder, PiecesGiveTheMessageTheWholeOutputGives) {
  const std::string old_text = "From a@b  Sat Jan  1 00:00:00 2000\nSubject: x\n"
                               "Content-Length: 1\n\n" + body_of(30000);
  const OutputCase outputs[] = {
      {"empty", ""},
      {"a header", "New: h\nContent-Length: 1\n\n"},
      {"a message", "From q@r  x\nSubject: y\nContent-Length: 7\n\n" + body_of(20000)},
      {"a body", body_of(40000)},
  };
  for (const bool old_spooled : {false, true}) {
    TempDir old_dir;
    const Message old = old_spooled ? testing::parse_spooled(old_text, old_dir.path())
                                    : testing::parse(old_text);
    for (const Part part : {Part::kWhole, Part::kHeaderOnly, Part::kBodyOnly}) {
      for (const OutputCase& o : outputs) {
        for (const bool berkeley : {false, true}) {
          const Message want = filtered_message(old, o.output, part, berkeley);
          for (const std::size_t limit : {std::size_t{0}, std::size_t{100}, std::size_t{1} << 20}) {
            const std::string what = std::string(part_name(part)) + ", " + o.name +
                                     (old_spooled ? ", old spooled" : "") +
                                     (berkeley ? ", berkeley" : "") + ", limit " +
                                     std::to_string(limit);
            TempDir dir;
            FilteredMessageBuilder builder(sys::real_io(), old, part, berkeley, dir.path(),
                                           limit);
            const sys::OutputSink sink = builder.sink();
            for (std::size_t at = 0; at < o.output.size(); at += 4096)
              ASSERT_EQ(sink(std::string_view(o.output).substr(at, 4096)), 0) << what;
            EXPECT_EQ(builder.output_size(), o.output.size()) << what;
            Message got;
            const sys::Status status = builder.finish(&got);
            ASSERT_TRUE(status.ok()) << what << ": " << status.message();
            EXPECT_EQ(got.head(), want.head()) << what;
            EXPECT_TRUE(got.body() == want.body()) << what << ": the bodies differ";
            EXPECT_EQ(got.from_line(), want.from_line()) << what;
            EXPECT_EQ(got.content_length_protected(), want.content_length_protected()) << what;
            EXPECT_EQ(got.body_spooled(), !want.body().empty() && want.size() > limit) << what;
            EXPECT_TRUE(testing::list_dir(dir.path()).empty()) << what << ": spool file seen";
          }
        }
      }
    }
  }
}

// Where the spool file cannot be made, the builder fails at the step that needs it
// (a piece of output, fb's old head, fh's old body) and *out keeps the old message.
TEST(FilteredMessageBuilder, NoSpoolFileFailsTheFilter) {
  struct Case {
    const char* name;
    Part part;
    std::string old_body;
    std::string output;
    bool want_take_refused;  // else finish fails
  };
  const Case cases[] = {
      {"f: large output", Part::kWhole, "old\n", body_of(5000), true},
      {"fb: large old head", Part::kBodyOnly, "old\n", "new\n", true},
      {"fh: small header, large old body", Part::kHeaderOnly, body_of(5000), "New: h\n\n",
       false},
  };
  for (const Case& c : cases) {
    TempDir dir;
    const std::string head = c.part == Part::kBodyOnly
                                 ? "Subject: x\nX-Long: " + std::string(3000, 'h') + "\n\n"
                                 : "Subject: x\n\n";
    const Message old = testing::parse(head + c.old_body);
    FilteredMessageBuilder builder(sys::real_io(), old, c.part, false, dir / "missing", 1000);
    const int refused = builder.take(c.output);
    EXPECT_EQ(refused, c.want_take_refused ? ENOENT : 0) << c.name;
    EXPECT_EQ(builder.output_size(), c.want_take_refused ? 0u : c.output.size()) << c.name;
    Message out = testing::parse("Kept: yes\n\nkept\n");
    const sys::Status status = builder.finish(&out);
    EXPECT_EQ(status.step(), sys::Step::kOpen) << c.name << ": " << status.message();
    EXPECT_EQ(status.err(), ENOENT) << c.name << ": " << status.message();
    EXPECT_EQ(builder.status().step(), sys::Step::kOpen) << c.name;
    EXPECT_EQ(out.head(), "Kept: yes\n\n") << c.name;
    EXPECT_EQ(out.body(), "kept\n") << c.name;
  }
}

}  // namespace
}  // namespace mailsift::deliver
