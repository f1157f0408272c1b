// mailsift-formail's header and address parsing (src/formail/): the field-name rule,
// field renaming and joining, the sender choice under each weight table, and the
// command line. The input is a header (lines, continuation lines folded in), and the
// same bytes split at NUL as a command line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "mailsift/formail/fields.h"
#include "mailsift/formail/options.h"
#include "mailsift/formail/sender.h"

namespace {

namespace formail = mailsift::formail;

formail::FieldList header_of(std::string_view text) {
  formail::FieldList header;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    end = end == std::string_view::npos ? text.size() : end + 1;
    std::string line(text.substr(at, end - at));
    if (line.back() != '\n') line += '\n';
    if (!header.empty() && (line[0] == ' ' || line[0] == '\t' || line[0] == '>'))
      header.back().text += line;
    else
      header.push_back(formail::make_field(line, true));
    at = end;
  }
  return header;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using mailsift::fuzz::check;
  const std::string text(reinterpret_cast<const char*>(data), size);

  formail::FieldList header = header_of(text);
  formail::remove_blanks_before_colon(header);
  for (const formail::Field& field : header) {
    check(field.name_length < field.text.size(), "a name lies in its field");
    check(formail::break_field(field.text) == static_cast<long>(field.name_length) ||
              field.name_length == 0,
          "a field's name is what break_field finds");
  }
  for (const auto weights : {formail::ReplyWeights::kEnvelope, formail::ReplyWeights::kHeader,
                             formail::ReplyWeights::kHeaderResent}) {
    formail::SenderChooser chooser(weights);
    for (const formail::Field& field : header) chooser.consider(field, &field == &header.front());
    if (chooser.sender()) {
      check(chooser.sender()->find('\0') == std::string::npos, "an address has no NUL");
      check(chooser.sender()->size() <= text.size() + 3, "an address is made of the field");
    }
  }
  if (const auto address = formail::first_address(text))
    check(address->size() <= text.size() + 2, "an address is made of the value");

  for (formail::Field field : header) {
    const std::size_t length = field.text.size();
    formail::concatenate(field);
    check(field.text.size() == length, "joining lines keeps the length");
    formail::rename_field(field, 0, "Old-");
    check(field.text.compare(0, 4, "Old-") == 0, "Old- is put in front");
    formail::rename_field(field, field.name_length, "From ");
    check(field.text.compare(0, 5, "From ") == 0 && field.name_length == 5, "renamed to From_");
  }

  // The command line: words split at NUL; -D (which opens a file) left out.
  std::vector<std::string> words;
  std::string word;
  for (const char c : text) {
    if (c == '\0') {
      words.push_back(word);
      word.clear();
    } else if (c != 'D') {
      word += c;
    }
  }
  words.push_back(word);
  formail::Options options;
  (void)formail::parse_options(words, &options);
  check(options.duplicate_fd < 0, "no cache opened without -D");
  return 0;
}
