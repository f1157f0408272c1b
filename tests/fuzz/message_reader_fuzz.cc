// The message reader on untrusted bytes: what an MTA hands mailsift on stdin.
// Covers the From_ line policy (-f, -f -, -o, -d), the head/body split, the
// Content-Length rewrite, spooling a message to a mapped file, the header index and
// the search areas.
//
// Input: one option byte, then the message.
//   bit 0: manage the From_ line (-d or -f)    bits 1-2: -f none, "-", "x@y", ""
//   bit 3: -o                                  bit 4: -Y (berkeley)
//   bit 5: spool every non-empty message (the mapped body path)
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mailsift/message/reader.h"
#include "mailsift/message/search_area.h"
#include "mailsift/sys/io.h"

namespace {

using mailsift::fuzz::check;
namespace message = mailsift::message;

// A fixed time, so that generated From_ lines are the same in both reads.
constexpr std::time_t kNow = 1'800'000'000;

message::ReadOptions options_from(std::uint8_t bits) {
  message::ReadOptions options;
  options.from_line.manage = (bits & 1) != 0;
  switch ((bits >> 1) & 3) {
    case 0:
      break;
    case 1:
      options.from_line.sender = "-";
      break;
    case 2:
      options.from_line.sender = "x@y";
      break;
    default:
      options.from_line.sender = "";
      break;
  }
  options.from_line.invoker = "fuzz";
  options.from_line.override_existing = (bits & 8) != 0;
  options.berkeley = (bits & 16) != 0;
  if ((bits & 32) != 0) options.in_memory_limit = 0;
  options.now = kNow;
  return options;
}

// The bytes in a memory file, read back through read_message as from stdin.
bool read_through_fd(std::string_view bytes, const message::ReadOptions& options,
                     message::Message* out) {
  const int fd = ::memfd_create("mailsift-fuzz", MFD_CLOEXEC);
  if (fd < 0) return false;
  bool ok = mailsift::sys::write_all(mailsift::sys::real_io(), fd, bytes.data(), bytes.size()) == 0 &&
            ::lseek(fd, 0, SEEK_SET) == 0;
  if (ok) ok = message::read_message(mailsift::sys::real_io(), fd, options, out).ok();
  ::close(fd);
  return ok;
}

void check_index(const message::Message& m) {
  const std::string_view fields = m.header_fields();
  for (const message::HeaderField& field : m.headers().fields()) {
    check(field.offset + field.raw.size() <= fields.size(), "a header field lies in the head");
    check(fields.substr(field.offset, field.raw.size()) == field.raw,
          "a field's raw text is the head's bytes at its offset");
    check(field.raw.data() == fields.data() + field.offset, "a field views the message's head");
    if (!field.name.empty()) {
      check(m.headers().find(field.name) != nullptr, "a named field is found by its name");
    }
  }
}

void check_message(std::string_view input, const message::ReadOptions& options,
                   const message::Message& m) {
  const std::string_view head = m.head();
  const std::string_view body = m.body();
  check(m.content_length_protected() <= body.size(),
        "Content-Length protects no more than the body");
  if (!options.from_line.manage) {
    // Verbatim, except that the Content-Length rewrite keeps the field's width.
    check(head.size() + body.size() == input.size(), "a verbatim message keeps its size");
    if (options.berkeley) {
      check(std::string(head) + std::string(body) == input, "-Y keeps every byte");
    }
  } else {
    const std::string_view from = m.from_line();
    check(from.substr(0, 5) == "From " && !from.empty() && from.back() == '\n',
          "a managed message starts with a whole From_ line");
  }
  const std::string_view from = m.from_line();
  check(from.empty() || from.substr(0, 5) == "From ", "from_line() is a From_ line");
  const std::string sender = m.envelope_sender();
  check(sender.find_first_of(" \t\n") == std::string::npos, "the sender is one word");
  check_index(m);

  std::string storage;
  check(message::search_area(m, message::Area::kHeader, &storage).size() == head.size(),
        "the joined header keeps the head's size");
  check(message::search_area(m, message::Area::kBody, &storage) == body,
        "the body area is the body");
  check(message::search_area(m, message::Area::kHeaderAndBody, &storage).size() ==
            head.size() + body.size(),
        "the whole area is head and body");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const message::ReadOptions options = options_from(data[0]);
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  message::Message in_memory = message::message_from_bytes(std::string(input), options);
  check_message(input, options, in_memory);

  message::Message from_fd;
  if (read_through_fd(input, options, &from_fd)) {
    check(from_fd.head() == in_memory.head() && from_fd.body() == in_memory.body(),
          "reading from a descriptor gives the bytes message_from_bytes gives");
    check(from_fd.content_length_protected() == in_memory.content_length_protected(),
          "both reads protect the same body bytes");
    check(from_fd.body_spooled() ==
              (input.size() > options.in_memory_limit && !from_fd.body().empty()),
          "a body is mapped exactly when the message was too large to hold");
  }

  // A moved message must index its own copy of the head.
  message::Message moved = std::move(in_memory);
  check_index(moved);
  check_index(in_memory);  // NOLINT(bugprone-use-after-move): emptied on purpose
  return 0;
}
