#include "mailsift/rc/regex.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "literal_search.h"
#include "mailsift/limits.h"
#include "mailsift/rc/text_index.h"
#include "procmail_nfa.h"
#include "regex_dialect.h"

namespace mailsift::rc {
namespace {

using dialect::Lead;
using dialect::Part;
using dialect::Trail;

// procmail's score limit (procmailsc(5)): a score never leaves [-MAX, MAX].
constexpr double kMaxScore = 2147483647.0;
// The steps procmail's engine may take per byte of the area before a search of an
// unbuilt regex gives up and builds RE2 (limits::kMaxUnbuiltSearchBytes).
constexpr std::size_t kUnbuiltStepsPerByte = 64;

// What an RE2 object compiled from the regex is used for.
enum class Use {
  kWhole,    // the whole regex, unanchored (yes/no, counting, the "\/" position)
  kLeftEnd,  // the part before "\/", anchored at the end of the slice it is run on
  kRight,    // the part after "\/", leftmost-longest, run anchored at the split
};
constexpr std::size_t kUses = 3;
constexpr std::size_t kLeads = 4;
constexpr std::size_t kTrails = 3;

re2::StringPiece piece(std::string_view text) {
  // RE2 reports positions as pointers; keep them meaningful for an empty view.
  if (text.data() == nullptr) return re2::StringPiece("", 0);
  return re2::StringPiece(text.data(), text.size());
}

std::size_t offset_in(const re2::StringPiece& text, const re2::StringPiece& part) {
  return static_cast<std::size_t>(part.data() - text.data());
}

}  // namespace

struct Regex::State {
  // The regex after macro substitution, and how it folds case: the parsed pattern is
  // needed only to build a matcher, so it is not kept from compile() (a large rcfile
  // has a thousand regexes, few of which get that far) but parsed again then.
  std::string substituted;
  bool case_sensitive = true;
  bool extracts = false;
  std::optional<dialect::Pattern> parsed;
  const dialect::Pattern& pattern() {
    if (!parsed) parsed = dialect::Pattern::parse(substituted, case_sensitive);
    return *parsed;
  }
  std::string error;
  std::size_t error_offset = 0;
  std::string repair;
  std::size_t repair_offset = 0;
  bool repair_logged = false;
  std::vector<Regex::Warning> warnings;
  // A "\/" inside an alternative or a repeated group: searched by procmail's own
  // engine, built on first use.
  bool procmail_split = false;
  std::optional<dialect::ProcmailNfa> nfa;
  const dialect::ProcmailNfa& procmail_nfa() {
    if (!nfa) nfa = dialect::ProcmailNfa::compile(substituted, case_sensitive);
    return *nfa;
  }
  // What every match holds: a text without one of them is answered without a matcher.
  std::vector<dialect::RequiredLiteral> literals;
  // The matcher is built on first use (prepare()): most regexes of a large rcfile are
  // never needed for a given message, or are answered by their literal.
  bool prepared = false;
  std::string translated;
  // The regex matches the empty string and no path of the part after "\/" takes the
  // virtual newline before the area: MATCH is always empty (see search()).
  bool empty_match_is_final = false;

  // RE2 objects for the uses above and each kind of virtual newline at the slice's
  // edges, compiled on first use: a plain condition needs only one of them.
  // A plain flag, not std::call_once (a futex call per variant): mailsift matches
  // in one thread only. Its one other thread, the stdin feeder of a program
  // (sys/process.cc), never touches a regex. A Regex is not safe to share between
  // threads.
  struct Slot {
    bool compiled = false;
    std::unique_ptr<RE2> re;
  };
  // Allocated with the first matcher: most regexes never need one.
  std::unique_ptr<std::array<Slot, kUses * kLeads * kTrails>> slots;

  Slot& slot_for(Use use, Lead lead, Trail trail) {
    const std::size_t index =
        (static_cast<std::size_t>(use) * kLeads + static_cast<std::size_t>(lead)) * kTrails +
        static_cast<std::size_t>(trail);
    if (!slots) slots = std::make_unique<std::array<Slot, kUses * kLeads * kTrails>>();
    return (*slots)[index];
  }

  // Compiles text for use into slot; the RE2 object is kept only when it is usable.
  // Returns RE2's error (empty on success).
  static std::string compile_into(Slot& slot, const std::string& text, Use use) {
    slot.compiled = true;
    RE2::Options options;
    options.set_encoding(RE2::Options::EncodingLatin1);  // bytes, never UTF-8
    options.set_log_errors(false);
    options.set_longest_match(use == Use::kRight);
    auto re = std::make_unique<RE2>(text, options);
    if (!re->ok()) return re->error();
    slot.re = std::move(re);
    return {};
  }

  // nullptr when RE2 rejects the pattern (only the first one is checked, by
  // prepare(); the others differ from it by an anchor, so they do not fail in
  // practice).
  const RE2* variant(Use use, Lead lead, Trail trail) {
    Slot& slot = slot_for(use, lead, trail);
    if (!slot.compiled) {
      std::string text;
      switch (use) {
        case Use::kWhole:
          text = pattern().to_re2(Part::kWhole, lead, trail);
          break;
        case Use::kLeftEnd:
          text = "(?:" + pattern().to_re2(Part::kLeft, lead, trail) + ")\\z";
          break;
        case Use::kRight:
          text = pattern().to_re2(Part::kRight, lead, trail);
          break;
      }
      compile_into(slot, text, use);
    }
    return slot.re.get();
  }

  // Translates the regex and builds the matcher used first (once). False, with the
  // error set, when RE2 rejects it (the translation is valid RE2 syntax, so only a
  // regex too large for its memory limit fails).
  bool prepare();
  bool may_match(std::string_view area, const TextIndex* index) const {
    if (index != nullptr && !index->covers(area)) index = nullptr;
    for (const auto& literal : literals) {
      if (index != nullptr && !index->may_hold(literal.text)) return false;
    }
    for (const auto& literal : literals) {
      if (!holds_literal(area, literal.text, literal.folded)) return false;
    }
    return true;
  }

  std::optional<std::size_t> extraction_length(const re2::StringPiece& text, std::size_t begin,
                                               std::size_t split, std::size_t* budget);
  bool left_ends_at(const re2::StringPiece& text, std::size_t begin, std::size_t split,
                    Lead lead, Trail trail, std::size_t* budget);
  bool right_starts_at(const re2::StringPiece& text, std::size_t split, Lead lead, Trail trail,
                       std::size_t* budget);
  std::optional<std::size_t> earliest_end(const re2::StringPiece& text, std::size_t start,
                                          Lead lead);
};

Regex::Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;
Regex::~Regex() = default;

Regex Regex::compile(std::string_view procmail_text, bool case_sensitive,
                     bool after_backslash) {
  Regex regex;
  regex.state_ = std::make_unique<State>();
  State& state = *regex.state_;
  // Checked before anything is built from the text: translating and compiling cost
  // a few hundred bytes of memory per byte of regex.
  if (procmail_text.size() > limits::kMaxRegexBytes) {
    state.error = std::to_string(procmail_text.size()) + " bytes long, more than the limit of " +
                  std::to_string(limits::kMaxRegexBytes) + " bytes";
    return regex;
  }
  dialect::Substituted substituted = dialect::substitute_macros(procmail_text, after_backslash);
  // procmail makes a regex holding ^FROM_DAEMON case-insensitive even under D.
  state.case_sensitive = case_sensitive && !substituted.has_from_daemon;
  // Checked without building the pattern (see Pattern::check()).
  dialect::Pattern::Checked checked;
  dialect::Pattern::check(substituted.text, state.case_sensitive, &checked);
  if (!checked.error.empty()) {
    state.error = std::move(checked.error);
    state.error_offset = substituted.original_offset(checked.error_offset);
    return regex;
  }
  if (!checked.repair.message.empty()) {
    state.repair = std::move(checked.repair.message);
    state.repair_offset = substituted.original_offset(checked.repair.offset);
    state.repair_logged = checked.repair.logged;
  }
  for (auto& warning : checked.warnings)
    state.warnings.push_back({substituted.original_offset(warning.offset), std::move(warning.message)});
  state.extracts = checked.extracts;
  state.procmail_split = checked.procmail_split;
  state.literals = std::move(checked.literals);
  state.substituted = std::move(substituted.text);
  return regex;
}

bool Regex::State::prepare() {
  if (prepared) return error.empty();
  prepared = true;
  translated = pattern().to_re2(Part::kWhole, Lead::kAreaStart, Trail::kNewline);
  empty_match_is_final =
      pattern().matches_empty() &&
      pattern().to_re2(Part::kRight, Lead::kAreaStartTaken, Trail::kNewline) ==
          dialect::kNeverMatches;
  // The matcher used first is built from that same text (not translated again).
  const std::string failure =
      compile_into(slot_for(Use::kWhole, Lead::kAreaStart, Trail::kNewline), translated,
                   Use::kWhole);
  if (!failure.empty()) {
    error = "regex too complex for the matcher: " + failure;
    error_offset = 0;
  }
  return error.empty();
}

bool Regex::verify() const { return ok() && state_->prepare(); }
bool Regex::built() const { return state_ != nullptr && state_->prepared; }

bool Regex::ok() const { return state_ != nullptr && state_->error.empty(); }

const std::string& Regex::error() const {
  static const std::string kNotCompiled = "regex not compiled";
  if (state_ == nullptr) return kNotCompiled;
  return state_->error;
}

std::size_t Regex::error_offset() const { return state_ ? state_->error_offset : 0; }

bool Regex::uses_procmail_engine() const { return state_ && state_->procmail_split; }

const std::vector<Regex::Warning>& Regex::warnings() const {
  static const std::vector<Warning> kNone;
  return state_ ? state_->warnings : kNone;
}

const std::string& Regex::repair() const {
  static const std::string kNone;
  return state_ ? state_->repair : kNone;
}

std::size_t Regex::repair_offset() const { return state_ ? state_->repair_offset : 0; }

bool Regex::procmail_logs_repair() const { return state_ && state_->repair_logged; }

const std::string& Regex::substituted() const {
  static const std::string kNone;
  return state_ ? state_->substituted : kNone;
}

bool Regex::lacks_required_literal(
    std::string_view area, std::size_t window,
    const std::function<void(std::size_t, std::size_t)>& done) const {
  if (!ok() || state_->literals.empty() || window == 0) return false;
  const auto& literals = state_->literals;
  std::size_t longest = 0;
  for (const auto& literal : literals) longest = std::max(longest, literal.text.size());
  std::vector<bool> seen(literals.size(), false);
  std::size_t missing = literals.size();
  for (std::size_t from = 0; from < area.size(); from += window) {
    // A window reads up to longest - 1 bytes into the next, so that a literal that
    // crosses the edge is found.
    const std::size_t end = std::min(area.size(), from + window);
    const std::string_view part = area.substr(from, end - from + longest - 1);
    for (std::size_t i = 0; i < literals.size(); ++i) {
      if (seen[i] || !holds_literal(part, literals[i].text, literals[i].folded)) continue;
      seen[i] = true;
      --missing;
    }
    done(from, end - from);
    if (missing == 0) return false;
  }
  return true;
}

bool Regex::extracts() const { return ok() && state_->extracts; }

const std::string& Regex::translated() const {
  static const std::string kNone;
  if (!ok()) return kNone;
  state_->prepare();
  return state_->translated;
}

bool Regex::search(std::string_view area, std::string* extracted, bool* cut,
                   const TextIndex* index, bool literals_held, bool* assigned) const {
  if (cut != nullptr) *cut = false;
  if (assigned != nullptr) *assigned = extracted != nullptr && ok() && state_->extracts;
  if (!ok() || (!literals_held && !state_->may_match(area, index))) return false;
  if (state_->procmail_split) {
    const dialect::ProcmailNfa::Result result =
        state_->procmail_nfa().search(area, limits::kMaxSplitSearchBytes);
    if (cut != nullptr) *cut = result.cut;
    if (assigned != nullptr) *assigned = result.matched && result.assigned;
    if (result.matched && result.assigned && extracted != nullptr)
      extracted->assign(area.substr(result.begin, result.end - result.begin));
    return result.matched;
  }
  // A regex not built yet, asked only whether it matches a header-sized area:
  // procmail's own engine answers without building RE2. Most regexes of an rcfile
  // are tried once per delivery, and building RE2 (and its DFA's first states) costs
  // more than such a search, in instructions and in fresh memory.
  if (!state_->prepared && (extracted == nullptr || !state_->extracts) &&
      state_->repair.empty() && area.size() <= limits::kMaxUnbuiltSearchBytes) {
    const dialect::ProcmailNfa::Result result =
        state_->procmail_nfa().search(area, area.size() * kUnbuiltStepsPerByte + 4096);
    if (!result.cut) return result.matched;
  }
  if (!state_->prepare()) return false;
  const re2::StringPiece text = piece(area);
  const RE2* whole = state_->variant(Use::kWhole, Lead::kAreaStart, Trail::kNewline);
  if (whole == nullptr) return false;
  if (!state_->extracts || extracted == nullptr) {
    return whole->Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0);
  }
  // procmail returns at once when the regex matches before reading anything, unless
  // the part after "\/" goes on by taking the virtual newline before the area:
  // "x?\/a*" and "\<?\/a*" on "aaa" give "", "(x|)\/a+" gives "aaa", "\/\<*[^a]*"
  // on "x x " gives "x x ".
  if (state_->empty_match_is_final) {
    extracted->clear();
    return true;
  }
  std::array<re2::StringPiece, 2> groups;
  if (!whole->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), 2)) return false;
  // MATCH (§5.4): the left part ends as early as possible, the right part is as long
  // as possible from there. Every match starts at or after RE2's leftmost start and
  // RE2's own split is a valid one, so the earliest split lies between them.
  const std::size_t begin = offset_in(text, groups[0]);
  const std::size_t split = offset_in(text, groups[1]);
  std::size_t budget = limits::kMaxSplitSearchBytes;
  for (std::size_t at = begin; at <= split && budget > 0; ++at) {
    if (auto length = state_->extraction_length(text, begin, at, &budget)) {
      extracted->assign(area.substr(at, *length));
      return true;
    }
  }
  // The budget ran out (or, not expected, no split was found): RE2's own split is a
  // valid one, only perhaps later than the earliest.
  if (cut != nullptr) *cut = budget == 0;
  extracted->assign(area.substr(split, offset_in(text, groups[0]) + groups[0].size() - split));
  return true;
}

// Each probe below is first made on short windows next to the split, growing
// fourfold: RE2 runs an anchored search on to the end of the text it is given (or,
// for a regex anchored at its end, back to its start) while its automaton is alive,
// so a probe of the whole rest of the area would cost that length at every
// candidate split ("x.*y\/.*" on a long line was quadratic). A match inside a window
// is a match in the area; only "no match" needs the whole slice. `budget` is charged
// the length of every slice handed to RE2 (a bound on its work); a probe that finds
// it exhausted sets it to 0 and fails.
namespace {
constexpr std::size_t kFirstWindow = 64;

bool charge(std::size_t* budget, std::size_t bytes) {
  if (*budget < bytes) {
    *budget = 0;
    return false;
  }
  *budget -= bytes;
  return true;
}
}  // namespace

// Whether the left part can end exactly at `split`, starting at or after `begin`.
bool Regex::State::left_ends_at(const re2::StringPiece& text, std::size_t begin,
                                std::size_t split, Lead lead, Trail trail,
                                std::size_t* budget) {
  const std::size_t length = split - begin;
  // A window that starts after the area's start has no virtual newline in front.
  const RE2* within = variant(Use::kLeftEnd, Lead::kNone, trail);
  for (std::size_t window = kFirstWindow; window < length && within != nullptr; window *= 4) {
    if (!charge(budget, window)) return false;
    const re2::StringPiece slice(text.data() + split - window, window);
    if (within->Match(slice, 0, slice.size(), RE2::UNANCHORED, nullptr, 0)) return true;
  }
  const RE2* left = variant(Use::kLeftEnd, lead, trail);
  if (left == nullptr || !charge(budget, length)) return false;
  const re2::StringPiece slice(text.data() + begin, length);
  return left->Match(slice, 0, slice.size(), RE2::UNANCHORED, nullptr, 0);
}

// Whether the right part can start at `split` (matching anything from there).
bool Regex::State::right_starts_at(const re2::StringPiece& text, std::size_t split, Lead lead,
                                   Trail trail, std::size_t* budget) {
  const std::size_t length = text.size() - split;
  // A window that ends before the area's end has no virtual newline after it.
  const RE2* within = variant(Use::kRight, lead, Trail::kNone);
  for (std::size_t window = kFirstWindow; window < length && within != nullptr; window *= 4) {
    if (!charge(budget, window)) return false;
    const re2::StringPiece slice(text.data() + split, window);
    if (within->Match(slice, 0, slice.size(), RE2::ANCHOR_START, nullptr, 0)) return true;
  }
  const RE2* right = variant(Use::kRight, lead, trail);
  if (right == nullptr || !charge(budget, length)) return false;
  const re2::StringPiece slice(text.data() + split, length);
  return right->Match(slice, 0, slice.size(), RE2::ANCHOR_START, nullptr, 0);
}

// When the left part can end at `split` (starting at or after `begin`) and the right
// part can start there, the length of the longest right part; else nothing. The
// virtual newline before the area goes to at most one of the parts, and so does the
// one after it; a split before a virtual newline is earlier than one after it
// (procmail: "\/\<" on "\nab" gives "", not "\n"). MATCH never holds a virtual
// newline ("^Subject: \/.*$" on "Subject: hello" without a final newline gives
// "hello").
std::optional<std::size_t> Regex::State::extraction_length(const re2::StringPiece& text,
                                                           std::size_t begin,
                                                           std::size_t split,
                                                           std::size_t* budget) {
  struct Edges {
    Lead left_lead;
    Trail left_trail;
    Lead right_lead;
    Trail right_trail;
  };
  std::array<Edges, 4> options;  // earliest split first
  std::size_t count = 0;
  const Lead left_lead = begin == 0 ? Lead::kAreaStart : Lead::kNone;
  for (int lead_to_left = split == 0 ? 0 : 1; lead_to_left < 2; ++lead_to_left) {
    for (int trail_to_left = 0; trail_to_left < (split == text.size() ? 2 : 1); ++trail_to_left) {
      options[count++] = Edges{lead_to_left ? left_lead : Lead::kNone,
                               trail_to_left ? Trail::kNewline : Trail::kNone,
                               lead_to_left ? Lead::kNone : Lead::kAreaStartTaken,
                               trail_to_left ? Trail::kNone : Trail::kNewline};
    }
  }
  const re2::StringPiece right_text(text.data() + split, text.size() - split);
  // The side with the shorter slice is probed first: when it fails, the other,
  // dearer probe is not needed.
  const bool left_first = split - begin <= text.size() - split;
  for (std::size_t i = 0; i < count; ++i) {
    const Edges& edges = options[i];
    const RE2* right = variant(Use::kRight, edges.right_lead, edges.right_trail);
    if (right == nullptr) continue;
    auto left_ok = [&] {
      return left_ends_at(text, begin, split, edges.left_lead, edges.left_trail, budget);
    };
    auto right_ok = [&] {
      return right_starts_at(text, split, edges.right_lead, edges.right_trail, budget);
    };
    if (left_first ? !left_ok() || !right_ok() : !right_ok() || !left_ok()) continue;
    re2::StringPiece longest;
    if (!right->Match(right_text, 0, right_text.size(), RE2::ANCHOR_START, &longest, 1)) continue;
    return longest.size();
  }
  return std::nullopt;
}

// The end of the match that ends first among all matches starting at or after
// `start` (procmail's "leftmost shortest"), as an offset in text; text.size() + 1
// when the only matches take the virtual newline after the area with "^", "$", "\<"
// or "\>" ("^^" anchors there without moving past the end: "1^1 \<^^" on "xb\n"
// finds "\n" and then an empty match at the end, which makes the score MAX).
//
// RE2 stops at the earliest match end when no position is asked for, but does not
// say where that is; so the end is found by galloping and then bisecting on "a match
// lies within text[start, end)". Each probe costs at most the probe's length, so
// finding an end d bytes away costs O(d log d), and counting all matches of an area
// O(n log n) (asking RE2 for the leftmost match instead could scan a long greedy
// match for every short one counted: "[a-z]" over a long word).
std::optional<std::size_t> Regex::State::earliest_end(const re2::StringPiece& text,
                                                      std::size_t start, Lead lead) {
  const re2::StringPiece rest(text.data() + start, text.size() - start);
  const RE2* anywhere = variant(Use::kWhole, lead, Trail::kNewline);
  const RE2* to_end = variant(Use::kWhole, lead, Trail::kAnchorOnly);
  const RE2* within = variant(Use::kWhole, lead, Trail::kNone);
  if (anywhere == nullptr || to_end == nullptr || within == nullptr) return std::nullopt;
  if (!anywhere->Match(rest, 0, rest.size(), RE2::UNANCHORED, nullptr, 0)) return std::nullopt;
  auto contains = [&](std::size_t end) {
    const re2::StringPiece slice(rest.data(), end);
    const RE2* re = end == rest.size() ? to_end : within;
    return re->Match(slice, 0, slice.size(), RE2::UNANCHORED, nullptr, 0);
  };
  if (!contains(rest.size())) return text.size() + 1;
  if (contains(0)) return start;
  std::size_t low = 0;  // contains(low) is false, contains(high) true
  std::size_t high = 1;
  while (high < rest.size() && !contains(high)) {
    low = high;
    high = std::min(rest.size(), high * 2);
  }
  while (high - low > 1) {
    const std::size_t middle = low + (high - low) / 2;
    if (contains(middle)) {
      high = middle;
    } else {
      low = middle;
    }
  }
  return start + high;
}

double Regex::score(std::string_view area, double weight, double exponent) const {
  // No match counts nothing.
  if (!ok() || !state_->may_match(area, nullptr)) return 0;
  // A regex for procmail's own engine: whether it matches is its answer; the matches
  // are then counted on the regex read with its "\/" as nothing (the same matches
  // wherever the "\/" does not change what the regex matches: procmail_nfa.h).
  if (state_->procmail_split &&
      !state_->procmail_nfa().search(area, limits::kMaxSplitSearchBytes).matched)
    return 0;
  if (!state_->prepare()) return 0;
  const re2::StringPiece text = piece(area);
  double total = 0;
  double term = weight;
  std::size_t start = 0;
  Lead lead = Lead::kAreaStart;
  for (;;) {
    const std::optional<std::size_t> end = state_->earliest_end(text, start, lead);
    if (!end) break;
    total += term;
    if (total >= kMaxScore || total <= -kMaxScore) break;
    if (*end == start) {
      // A match that does not advance would repeat forever: procmail adds what the
      // remaining infinite series would, and stops.
      if (exponent > 0 && exponent < 1) {
        total += term * exponent / (1 - exponent);
      } else if (exponent >= 1 && term != 0) {
        total = term > 0 ? kMaxScore : -kMaxScore;
      }
      break;
    }
    if (*end > text.size()) break;  // took the final virtual newline: nothing is left
    // procmail's stopping rule, reproduced: once a term's square is below 1 and the
    // next one is smaller still, later matches are not counted ("0.9^0.99 x" counts
    // one match, "2^0.99 x" seventy).
    const double next = term * exponent;
    if (next * next < term * term && term * term < 1) break;
    term = next;
    start = *end;
    // A later search gets a virtual newline in front only right after a newline.
    // (procmail, searching again at the very end of the area after a match that
    // ended there on another byte, seems to read a byte past the area: "1^2 \>\>"
    // on "a  " counts 2 matches; mailsift counts 1.)
    lead = text[start - 1] == '\n' ? Lead::kNewline : Lead::kNone;
  }
  return std::clamp(total, -kMaxScore, kMaxScore);
}

std::optional<std::string> Regex::matched_text(std::string_view area) const {
  if (!ok() || !state_->may_match(area, nullptr) || !state_->prepare()) return std::nullopt;
  const RE2* whole = state_->variant(Use::kWhole, Lead::kAreaStart, Trail::kNewline);
  re2::StringPiece found;
  if (whole == nullptr ||
      !whole->Match(piece(area), 0, area.size(), RE2::UNANCHORED, &found, 1)) {
    return std::nullopt;
  }
  return std::string(found.data(), found.size());
}

}  // namespace mailsift::rc
