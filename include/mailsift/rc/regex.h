// procmail's regex dialect on RE2 (behaviour §5; procmailrc(5) "Extended regular
// expressions"; procmailsc(5)). The one place that translates procmail regexes:
// macros (^TO_, ^TO, ^FROM_DAEMON, ^FROM_MAILER), case folding unless D, "^"/"$"
// as newline matches with virtual newlines at the area's edges, "^^", "\<" "\>",
// "\/" and MATCH, one postfix operator per atom, literal "{" "}", classes with a
// literal backslash. Objects never throw; they carry ok() and error().
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::rc {

class TextIndex;

class Regex {
 public:
  Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  ~Regex();

  // Substitutes the macros, translates and compiles. `case_sensitive` is the D
  // flag (ignored for a regex holding ^FROM_DAEMON, as procmail does).
  // after_backslash: the condition's leading backslash was taken off the regex
  // ("* \\^TO_x"): procmail does not replace a macro right after it.
  static Regex compile(std::string_view procmail_text, bool case_sensitive,
                       bool after_backslash = false);

  // The matcher itself is built on first use, so ok() is first the verdict on the
  // text (every malformed regex is caught there); verify() builds the matcher now
  // and is false when RE2 rejects it (a regex too large for its memory limit), as a
  // search or score that has to build it turns ok() false. A text that lacks a
  // literal every match needs is answered without building anything.
  bool ok() const;
  bool verify() const;
  // Whether the matcher has been built (by verify(), a search or a score).
  bool built() const;
  // Why the regex is not usable, in words a user understands; empty when ok().
  const std::string& error() const;
  // Byte offset in procmail_text the error points at (0 when unknown).
  std::size_t error_offset() const;

  // A mistake procmail's regex compiler reads past (an unbalanced parenthesis, a "["
  // never closed): the regex is ok() and means what procmail makes of it; this says
  // what that is ("" when there was none), at repair_offset() in the text.
  // procmail_logs_repair(): procmail logs "Invalid regexp" for it, each time the
  // regex is compiled (each time the condition is tried).
  const std::string& repair() const;
  std::size_t repair_offset() const;
  bool procmail_logs_repair() const;
  // The regex after macro substitution (what procmail quotes in its log).
  const std::string& substituted() const;
  // What is read as written but is likely not what was meant ("a**": the second "*"
  // is a character; "[z-a]" holds z and a): for "mailsift --check". The offset is
  // in the text given to compile().
  struct Warning {
    std::size_t offset = 0;
    std::string message;
  };
  const std::vector<Warning>& warnings() const;

  // True when the regex holds "\/" (a match assigns MATCH).
  bool extracts() const;
  // True when a "\/" stands inside an alternative or a repeated group: procmail's
  // own engine searches it (see search()).
  bool uses_procmail_engine() const;

  // Searches area (header, body, both, or a variable's value). Until the matcher is
  // built, a search that wants no MATCH in an area of up to
  // limits::kMaxUnbuiltSearchBytes is answered by procmail's own engine
  // (procmail_nfa.h: the same answers), which needs no RE2. On a match returns
  // true and, when extracts() and `extracted` is not null, sets *extracted to the
  // text matched by the part after "\/" (procmail's MATCH, §5.4). The search for
  // procmail's split (the earliest) scans at most limits::kMaxSplitSearchBytes; past
  // that, MATCH is taken from RE2's split (valid, perhaps later) and *cut, when
  // given, is set to true.
  // index, when given and made of area (TextIndex::covers), rules out a required
  // literal without scanning the area (it is ignored otherwise). literals_held: the
  // caller found every required literal in area already (lacks_required_literal).
  // assigned, when given, says whether MATCH is set by the match: procmail leaves it
  // as it was when the match never passed "\/" (possible only with a "\/" inside an
  // alternative or a repeated group: "a|b\/c" on "abc"). For such a regex the search
  // is procmail's own engine (procmail_nfa.h), and *cut says that its work bound
  // ran out (then there is no match).
  bool search(std::string_view area, std::string* extracted, bool* cut = nullptr,
              const TextIndex* index = nullptr, bool literals_held = false,
              bool* assigned = nullptr) const;

  // Whether area lacks a literal every match holds (so that nothing matches),
  // looked for window by window: after each window of `window` bytes,
  // done(from, length) is called for the bytes of area that no later window reads,
  // so that the pages of a mapped area can be dropped as the scan goes. Stops as
  // soon as every literal was seen (false). False for a regex without literals.
  bool lacks_required_literal(
      std::string_view area, std::size_t window,
      const std::function<void(std::size_t from, std::size_t length)>& done) const;

  // The text of the leftmost match in area (for traces: what a condition matched);
  // nullopt when there is none.
  std::optional<std::string> matched_text(std::string_view area) const;

  // The score of a weighted regex condition "w^x regex" on area (procmailsc(5),
  // behaviour §5.5): successive leftmost-shortest matches, the k-th adding
  // w*x^(k-1), with procmail's stopping rules; clamped to +-2147483647.
  double score(std::string_view area, double weight, double exponent) const;

  // The RE2 pattern the regex was translated to (for traces and tests).
  const std::string& translated() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mailsift::rc
