// procmail regexes: macro substitution, the dialect's parser and its translation to
// RE2 (src/rc/regex_dialect.cc), compiling, searching with MATCH extraction and
// weighted scoring (src/rc/regex.cc). A regex may come from the message: a "$"
// condition expands $MATCH and other variables before it is compiled.
//
// Input: one option byte, the regex, a NUL byte, the text searched (without a NUL
// the regex is tried against a small fixed message).
//   bit 0: case sensitive (D)    bits 1-3: the weight and exponent of the score
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../src/rc/regex_dialect.h"
#include "fuzz_check.h"
#include "mailsift/engine/expand.h"
#include "mailsift/rc/regex.h"
#include "mailsift/rc/text_index.h"

namespace {

using mailsift::fuzz::check;
namespace rc = mailsift::rc;

constexpr double kMaxScore = 2147483647.0;

struct Weight {
  double weight;
  double exponent;
};
constexpr Weight kWeights[8] = {{1, 1},  {2, 0.5},      {-1, 1},   {1, 0},
                                {0.9, 0.99}, {1, 2}, {-2.5, 1.5}, {1e10, 3}};

constexpr std::string_view kMessage =
    "From a@b  Sat Nov 28 14:58:20 2026\nFrom: Alice <alice@example.org>\n"
    "To: bob@example.org\nSubject: Hello world\n\nHello Bob,\nbye\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t bits = data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t nul = input.find('\0');
  const std::string_view pattern = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos ? kMessage : input.substr(nul + 1);
  const bool case_sensitive = (bits & 1) != 0;
  const Weight w = kWeights[(bits >> 1) & 7];

  const rc::Regex regex = rc::Regex::compile(pattern, case_sensitive);
  if (regex.ok()) {
    std::string extracted;
    const bool matched = regex.search(text, &extracted);
    check(regex.search(text, nullptr) == matched, "asking for MATCH does not change the answer");
    const rc::TextIndex index(text);
    std::string indexed;
    check(regex.search(text, &indexed, nullptr, &index) == matched && indexed == extracted,
          "a text index changes no answer");
    if (matched && regex.extracts()) {
      check(text.find(extracted) != std::string_view::npos, "MATCH is a part of the text");
    }
    const double score = regex.score(text, w.weight, w.exponent);
    check(!std::isnan(score) && score >= -kMaxScore && score <= kMaxScore,
          "a score stays within procmail's limits");
    if (!matched) check(score == 0, "a regex that does not match scores nothing");
  } else {
    check(!regex.error().empty(), "a rejected regex says why");
    check(regex.error_offset() <= pattern.size(), "the error points into the regex");
    check(!regex.search(text, nullptr), "a rejected regex matches nothing");
  }

  // Regex::compile checks a regex without building its tree: the same verdict, error
  // offset, "\/" and required literals as the parsed pattern.
  {
    namespace dialect = rc::dialect;
    const dialect::Substituted substituted = dialect::substitute_macros(pattern);
    const dialect::Pattern parsed = dialect::Pattern::parse(substituted.text, case_sensitive);
    dialect::Pattern::Checked checked;
    dialect::Pattern::check(substituted.text, case_sensitive, &checked);
    check(checked.error == parsed.error(), "checking and parsing give the same verdict");
    if (parsed.ok()) {
      check(checked.procmail_split == parsed.procmail_split(),
            "checking and parsing agree on where \\/ stands");
      check(checked.extracts == (parsed.extracts() || parsed.procmail_split()),
            "checking and parsing agree on \\/");
      check(checked.repair.message == parsed.repair().message &&
                checked.repair.offset == parsed.repair().offset,
            "checking and parsing repair the same mistake");
      const auto literals = parsed.required_literals();
      bool same = literals.size() == checked.literals.size();
      for (std::size_t i = 0; same && i < literals.size(); ++i)
        same = literals[i].text == checked.literals[i].text &&
               literals[i].folded == checked.literals[i].folded;
      check(same, "checking and parsing find the same required literals");
    } else {
      check(checked.error_offset == parsed.error_offset(), "and the same error offset");
    }
  }

  // $\NAME: a quoted text is a regex that finds that text literally.
  if (text.size() <= 512) {
    const rc::Regex quoted = rc::Regex::compile(mailsift::engine::regex_quote(text), true);
    check(quoted.ok(), "a quoted text is a valid regex");
    check(quoted.search(text, nullptr), "a quoted text finds itself");
  }
  return 0;
}
