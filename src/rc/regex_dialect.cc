#include "regex_dialect.h"

#include <algorithm>

#include <array>
#include <bit>
#include <cstdint>
#include <utility>

namespace mailsift::rc::dialect {
namespace {

// The macro texts of behaviour §5.3 (procmailrc(5) "MISCELLANEOUS"), one per macro;
// the character classes hold a real TAB. Order matters: ^TO_ is looked for before
// its prefix ^TO.
struct Macro {
  std::string_view name;
  std::string_view text;
};

constexpr std::string_view kToAddress =
    "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
    "(.*[^-a-zA-Z0-9_.])?)";
constexpr std::string_view kToWord =
    "(^((Original-)?(Resent-)?(To|Cc|Bcc)|(X-Envelope|Apparently(-Resent)?)-To):"
    "(.*[^a-zA-Z])?)";
constexpr std::string_view kFromDaemon =
    "(^(Mailing-List:|Precedence:.*(junk|bulk|list)|To: Multiple recipients of |"
    "(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?"
    "(Post(ma?(st(e?r)?|n)|office)|(send)?Mail(er)?|daemon|m(mdf|ajordomo)|n?uucp|"
    "LIST(SERV|proc)|NETSERV|o(wner|ps)|r(e(quest|sponse)|oot)|b(ounce|bs\\.smtp)|echo|"
    "mirror|s(erv(ices?|er)|mtp(error)?|ystem)|A(dmin(istrator)?|MMGR|utoanswer))"
    "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$)))";
constexpr std::string_view kFromMailer =
    "(^(((Resent-)?(From|Sender)|X-Envelope-From):|>?From )([^>]*[^(.%@a-z0-9])?"
    "(Post(ma(st(er)?|n)|office)|(send)?Mail(er)?|daemon|mmdf|n?uucp|ops|r(esponse|oot)|"
    "(bbs\\.)?smtp(error)?|s(erv(ices?|er)|ystem)|A(dmin(istrator)?|MMGR))"
    "(([^).!:a-z0-9][-_a-z0-9]*)?[%@>\t ][^<)]*(\\(.*\\).*)?)?$([^>]|$))";

constexpr std::array<Macro, 4> kMacros = {{
    {"^TO_", kToAddress},
    {"^TO", kToWord},
    {"^FROM_DAEMON", kFromDaemon},
    {"^FROM_MAILER", kFromMailer},
}};

bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_alnum(unsigned char c) { return is_ascii_letter(c) || (c >= '0' && c <= '9'); }

unsigned char other_case(unsigned char c) {
  return static_cast<unsigned char>(c ^ 0x20);  // only called for ASCII letters
}

// Case-insensitive mode folds A-Z/a-z only; bytes >= 128 are never folded (§5.1).
void fold(std::bitset<256>* bytes) {
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    const unsigned upper = c - 0x20;
    if ((*bytes)[c] || (*bytes)[upper]) {
      bytes->set(c);
      bytes->set(upper);
    }
  }
}

// A byte set as four 64-bit words (byte b is bit b % 64 of word b / 64), so that the
// translation finds members and ranges a word at a time instead of a byte at a time.
using Words = std::array<std::uint64_t, 4>;

// libstdc++ stores a std::bitset<256> as these words; taking them by bit_cast costs
// nothing, where shifting and masking a bitset costs a few hundred instructions per
// atom. The layout is checked here for word 0; the translation's tests (letters are
// in word 1, Latin-1 in words 2 and 3) would fail if the other words differed.
static_assert(sizeof(std::bitset<256>) == sizeof(Words));
static_assert(std::bit_cast<Words>(std::bitset<256>(0x8000000000000401ULL)) ==
              Words{0x8000000000000401ULL, 0, 0, 0});

Words words_of(const std::bitset<256>& bytes) { return std::bit_cast<Words>(bytes); }

// The bytes RE2's "(?i)" folds in Latin-1 mode, by word: A-Z with a-z, and the
// Latin-1 capitals 0xc0-0xde (except 0xd7) with 0xe0-0xfe. Each upper-case bit lies
// 32 bits below its lower-case one. (Checked against RE2 for all 256 bytes: in
// Latin-1 mode no other byte folds; the other members of an orbit, like U+212A for
// "k", are above 0xff.)
constexpr std::uint64_t kUpperAscii = 0x07fffffeULL;  // word 1: 0x41-0x5a
constexpr std::uint64_t kUpperLatin1 = 0x7f7fffffULL;  // word 3: 0xc0-0xd6, 0xd8-0xde

// Whether "(?i)" applied to the set adds no byte: every letter RE2 folds is in the
// set together with its other case. procmail folds only A-Z (a case-insensitive
// regex's sets hold both cases of those), so a Latin-1 letter alone is not.
bool fold_is_exact(const Words& words) {
  const auto closed = [](std::uint64_t word, std::uint64_t upper) {
    return ((word & upper) << 32) == (word & (upper << 32));
  };
  return closed(words[1], kUpperAscii) && closed(words[3], kUpperLatin1);
}

// The set without its upper-case letters: under "(?i)" RE2 adds them back.
Words without_upper_case(Words words) {
  words[1] &= ~kUpperAscii;
  words[3] &= ~kUpperLatin1;
  return words;
}

Words complement(Words words) {
  for (std::uint64_t& word : words) word = ~word;
  return words;
}

bool is_empty(const Words& words) { return (words[0] | words[1] | words[2] | words[3]) == 0; }

// Whether the set holds exactly one byte (no popcount: without -mpopcnt it is a call).
bool is_single(const Words& words) {
  int nonzero = 0;
  for (const std::uint64_t word : words) {
    if (word == 0) continue;
    if ((word & (word - 1)) != 0) return false;
    ++nonzero;
  }
  return nonzero == 1;
}

// How many runs of consecutive bytes the set has (each is one range in a class).
int runs(const Words& words) {
  int count = 0;
  std::uint64_t carry = 0;  // whether the byte before the word's first is a member
  for (const std::uint64_t word : words) {
    count += std::popcount(word & ~((word << 1) | carry));
    carry = word >> 63;
  }
  return count;
}

// The first byte at or after `from` that is a member (member true) or is not one
// (member false); 256 when there is none.
unsigned next_member(const Words& words, unsigned from, bool member) {
  while (from < 256) {
    const std::uint64_t word = member ? words[from / 64] : ~words[from / 64];
    const std::uint64_t rest = word >> (from % 64);
    if (rest != 0) return from + static_cast<unsigned>(std::countr_zero(rest));
    from = (from / 64 + 1) * 64;
  }
  return 256;
}

// One byte in RE2 syntax, the same inside and outside a class: a character that is
// special in either place is escaped (RE2 takes any escaped punctuation literally).
void append_byte(unsigned char c, std::string* out) {
  static constexpr Words kSpecial = [] {
    Words special{};
    for (const char s : std::string_view("\\.+*?()|[]{}^$-")) {
      const auto b = static_cast<unsigned char>(s);
      special[b / 64] |= std::uint64_t{1} << (b % 64);
    }
    return special;
  }();
  if (c >= 0x20 && c < 0x7f) {
    if (((kSpecial[c / 64] >> (c % 64)) & 1) != 0) out->push_back('\\');
    out->push_back(static_cast<char>(c));
    return;
  }
  static constexpr std::string_view kHex = "0123456789abcdef";
  const char escaped[] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
  out->append(escaped, sizeof escaped);
}

void append_runs(const Words& words, std::string* out) {
  unsigned c = next_member(words, 0, true);
  while (c < 256) {
    const unsigned end = next_member(words, c, false) - 1;  // the run's last byte
    append_byte(static_cast<unsigned char>(c), out);
    if (end > c) {
      if (end > c + 1) out->push_back('-');
      append_byte(static_cast<unsigned char>(end), out);
    }
    c = end + 1 < 256 ? next_member(words, end + 1, true) : 256;
  }
}

// A non-empty byte set as one RE2 item that a postfix operator may follow. fold:
// the expression is under "(?i)" (a case-insensitive regex; its sets hold both cases
// of every ASCII letter). The shortest spelling is chosen: one character, ".", or
// the class or the negated class, whichever has fewer ranges ("[^>]" for procmail's
// "[^>]", which holds everything but ">" and newline); under "(?i)" letters are
// written in lower case only.
void append_set(const std::bitset<256>& bytes, bool fold, std::string* out) {
  const Words words = words_of(bytes);
  Words set = words;
  Words others = complement(words);
  // A set "(?i)" would widen (a Latin-1 letter without its other case) is written
  // as it is, with folding turned off around it.
  const bool unfolded = fold && !fold_is_exact(words);
  if (fold && !unfolded) {
    set = without_upper_case(set);
    others = without_upper_case(others);
  }
  if (unfolded) out->append("(?-i:");
  if (is_single(set)) {
    append_byte(static_cast<unsigned char>(next_member(set, 0, true)), out);
  } else if (others == Words{std::uint64_t{1} << '\n', 0, 0, 0}) {
    out->push_back('.');  // every byte but a newline
  } else if (!is_empty(others) && runs(others) < runs(set)) {
    out->append("[^");
    append_runs(others, out);
    out->push_back(']');
  } else {
    out->push_back('[');
    append_runs(set, out);
    out->push_back(']');
  }
  if (unfolded) out->push_back(')');
}

// Deeper nesting than any real regex needs; bounds the recursion (RE2 has a
// similar limit of its own).
constexpr int kMaxNesting = 200;

}  // namespace

Substituted substitute_macros(std::string_view procmail_text) {
  Substituted result;
  result.text.assign(procmail_text);
  result.origin.resize(procmail_text.size());
  for (std::size_t i = 0; i < procmail_text.size(); ++i) result.origin[i] = i;
  // After each replacement the search starts again with the first macro. The first
  // occurrence of a macro decides: when a backslash precedes it, that macro is not
  // replaced at all (later occurrences included), as in procmail.
  bool replaced = true;
  while (replaced) {
    replaced = false;
    for (const Macro& macro : kMacros) {
      const std::size_t at = result.text.find(macro.name);
      if (at == std::string::npos) continue;
      if (at > 0 && result.text[at - 1] == '\\') continue;
      result.text.replace(at, macro.name.size(), macro.text);
      const std::size_t from = result.origin[at];
      result.origin.erase(result.origin.begin() + static_cast<std::ptrdiff_t>(at),
                          result.origin.begin() +
                              static_cast<std::ptrdiff_t>(at + macro.name.size()));
      result.origin.insert(result.origin.begin() + static_cast<std::ptrdiff_t>(at),
                           macro.text.size(), from);
      if (macro.text == kFromDaemon) result.has_from_daemon = true;
      replaced = true;
      break;
    }
  }
  return result;
}

// Recursive descent over procmail's grammar: alternatives of sequences of atoms,
// each atom with at most one postfix operator.
class Pattern::Parser {
 public:
  Parser(Pattern* pattern, std::string_view text, bool case_sensitive)
      : pattern_(pattern), text_(text), case_sensitive_(case_sensitive) {}

  int parse() {
    const int root = alternatives();
    // procmail ends the regex at an unmatched ")" and implies a missing ")" at the
    // end (logging "Invalid regexp" but using what it understood). mailsift rejects
    // both instead: a typo must not silently change what a rule matches.
    if (failed()) return root;
    if (pos_ < text_.size()) fail(pos_, "unmatched ')'");
    return root;
  }

 private:
  bool failed() const { return !pattern_->error_.empty(); }
  void fail(std::size_t offset, std::string message) {
    if (failed()) return;
    pattern_->error_ = std::move(message);
    pattern_->error_offset_ = offset;
  }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  unsigned char byte(std::size_t i) const { return static_cast<unsigned char>(text_[i]); }

  int alternatives() {
    Node alt;
    alt.kind = Kind::kAlt;
    alt.offset = pos_;
    alt.kids.push_back(sequence());
    while (!failed() && at('|')) {
      ++pos_;
      alt.kids.push_back(sequence());
    }
    if (alt.kids.size() == 1) return alt.kids.front();
    return pattern_->add(std::move(alt));
  }

  int sequence() {
    Node seq;
    seq.kind = Kind::kConcat;
    seq.offset = pos_;
    while (!failed() && pos_ < text_.size() && !at('|') && !at(')')) {
      seq.kids.push_back(piece());
    }
    return pattern_->add(std::move(seq));
  }

  // An atom and its postfix operator. Only one operator applies: in "a**" or ".*+"
  // the second one starts the next piece, where it is a literal character.
  int piece() {
    const std::size_t start = pos_;
    bool split = false;
    const int atom = this->atom(&split);
    if (failed() || pos_ >= text_.size()) return atom;
    const char op = text_[pos_];
    if (op != '*' && op != '+' && op != '?') return atom;
    ++pos_;
    // A repeated "\/" is still just the split point (procmail: "\/*a" on "*a" gives
    // MATCH "a"), so the operator is dropped.
    if (split) return atom;
    Node repeat;
    repeat.kind = op == '*' ? Kind::kStar : op == '+' ? Kind::kPlus : Kind::kQuest;
    repeat.offset = start;
    repeat.kids.push_back(atom);
    return pattern_->add(std::move(repeat));
  }

  int atom(bool* split) {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    switch (c) {
      case '(': {
        // The parser and the translation recurse once per level.
        if (++depth_ > kMaxNesting) {
          fail(start, "parentheses nested too deeply");
          return pattern_->add(Node{});
        }
        ++pos_;
        const int inner = alternatives();
        --depth_;
        if (failed()) return inner;
        if (!at(')')) {
          fail(start, "missing ')' for this '('");
          return inner;
        }
        ++pos_;
        return inner;
      }
      case '[':
        return bracket();
      case '.': {
        std::bitset<256> bytes;
        bytes.set();
        bytes.reset('\n');
        ++pos_;
        return bytes_node(bytes, start);
      }
      case '^':
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '^') {
          pos_ += 2;
          Node node;
          node.kind = Kind::kVirtualNewline;
          node.offset = start;
          return pattern_->add(std::move(node));
        }
        [[fallthrough]];
      case '$': {
        ++pos_;
        return newline_node(start);
      }
      case '\\':
        return escape(split);
      default:
        // Includes a postfix character with nothing before it ("*a"): literal.
        ++pos_;
        return literal(byte(start), start);
    }
  }

  int escape(bool* split) {
    const std::size_t start = pos_;
    if (pos_ + 1 >= text_.size()) {  // a trailing backslash stands for itself
      ++pos_;
      return literal('\\', start);
    }
    const char next = text_[pos_ + 1];
    pos_ += 2;
    if (next == '/') {
      *split = true;
      Node node;
      node.kind = Kind::kSplit;
      node.offset = start;
      return pattern_->add(std::move(node));
    }
    if (next == '<' || next == '>') {
      // One byte that is not [a-zA-Z0-9_], or a newline (which is such a byte).
      std::bitset<256> bytes;
      bytes.set();
      for (unsigned b = 0; b < 256; ++b) {
        if (is_ascii_alnum(static_cast<unsigned char>(b)) || b == '_') bytes.reset(b);
      }
      return bytes_node(bytes, start);
    }
    return literal(byte(start + 1), start);  // "\c" is c; "\n" is n
  }

  // "[set]" / "[^set]": "]" first is a member, "-" first or last is a member, a
  // backslash is a member, no named classes; a negated set never holds newline.
  int bracket() {
    const std::size_t start = pos_;
    ++pos_;
    bool negated = false;
    if (at('^')) {
      negated = true;
      ++pos_;
    }
    std::bitset<256> bytes;
    bool first = true;
    while (pos_ < text_.size() && (first || text_[pos_] != ']')) {
      first = false;
      const unsigned char low = byte(pos_);
      if (pos_ + 2 < text_.size() && text_[pos_ + 1] == '-' && text_[pos_ + 2] != ']') {
        const unsigned char high = byte(pos_ + 2);
        for (unsigned b = low; b <= high; ++b) bytes.set(b);  // a reversed range is empty
        pos_ += 3;
      } else {
        bytes.set(low);
        ++pos_;
      }
    }
    // procmail takes the rest of the regex as the set; mailsift rejects it (see the
    // other syntax errors in parse()).
    if (!at(']')) {
      fail(start, "missing ']' for this '['");
      return pattern_->add(Node{});
    }
    ++pos_;
    if (!case_sensitive_) fold(&bytes);
    if (negated) {
      bytes.flip();
      bytes.reset('\n');
    }
    return bytes_node(bytes, start);
  }

  int literal(unsigned char c, std::size_t offset) {
    std::bitset<256> bytes;
    bytes.set(c);
    if (!case_sensitive_ && is_ascii_letter(c)) bytes.set(other_case(c));
    return bytes_node(bytes, offset);
  }

  int newline_node(std::size_t offset) {
    std::bitset<256> bytes;
    bytes.set('\n');
    return bytes_node(bytes, offset);
  }

  int bytes_node(const std::bitset<256>& bytes, std::size_t offset) {
    Node node;
    node.kind = Kind::kBytes;
    node.bytes = bytes;
    node.offset = offset;
    return pattern_->add(std::move(node));
  }

  Pattern* pattern_;
  std::string_view text_;
  bool case_sensitive_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

int Pattern::add(Node node) {
  nodes_.push_back(std::move(node));
  const Node& added = nodes_.back();
  // Kids are always added before their parent, so their answers are known.
  bool empty = false;
  switch (added.kind) {
    case Kind::kEmpty:
    case Kind::kSplit:
    case Kind::kStar:
    case Kind::kQuest:
      empty = true;
      break;
    case Kind::kBytes:
    case Kind::kVirtualNewline:
      empty = false;
      break;
    case Kind::kPlus:
      empty = nullable_[static_cast<std::size_t>(added.kids.front())];
      break;
    case Kind::kConcat:
      empty = true;
      for (int kid : added.kids) empty = empty && nullable_[static_cast<std::size_t>(kid)];
      break;
    case Kind::kAlt:
      for (int kid : added.kids) empty = empty || nullable_[static_cast<std::size_t>(kid)];
      break;
  }
  nullable_.push_back(empty);
  return static_cast<int>(nodes_.size() - 1);
}

bool Pattern::nullable(int node) const { return nullable_[static_cast<std::size_t>(node)]; }

Pattern Pattern::parse(std::string_view text, bool case_sensitive) {
  Pattern pattern;
  // About one node per byte (and one per group): no reallocation while parsing.
  pattern.nodes_.reserve(text.size() + 8);
  pattern.nullable_.reserve(text.size() + 8);
  pattern.fold_case_ = !case_sensitive;
  Parser parser(&pattern, text, case_sensitive);
  const int root = parser.parse();
  if (!pattern.ok()) return pattern;

  pattern.ends_regex_.assign(pattern.nodes_.size(), false);
  pattern.mark_regex_end(root, true);

  // Flatten the top-level sequence: a group without "|" and without a postfix
  // operator is just a sequence, so "(^Subject: \/.*)" splits like "^Subject: \/.*".
  std::vector<int> pending{root};
  while (!pending.empty()) {
    const int node = pending.back();
    pending.pop_back();
    const Node& n = pattern.nodes_[static_cast<std::size_t>(node)];
    if (n.kind == Kind::kConcat) {
      for (auto kid = n.kids.rbegin(); kid != n.kids.rend(); ++kid) pending.push_back(*kid);
    } else {
      pattern.items_.push_back(node);
    }
  }
  std::vector<bool> top_level(pattern.nodes_.size(), false);
  for (std::size_t i = 0; i < pattern.items_.size(); ++i) {
    const auto node = static_cast<std::size_t>(pattern.items_[i]);
    top_level[node] = true;
    // The last "\/" reached defines MATCH ("\/y\/es" on "yes" gives "es").
    if (pattern.nodes_[node].kind == Kind::kSplit) pattern.split_item_ = static_cast<int>(i);
  }
  // A "\/" inside an alternative or a repeated group has no single left and right
  // part; procmail gives it a meaning that depends on how its matcher walks the
  // alternatives. mailsift makes it an error.
  for (std::size_t i = 0; i < pattern.nodes_.size(); ++i) {
    if (pattern.nodes_[i].kind != Kind::kSplit || top_level[i]) continue;
    pattern.error_ = "'\\/' inside an alternative or a repeated group is not supported";
    pattern.error_offset_ = pattern.nodes_[i].offset;
    break;
  }
  return pattern;
}

void Pattern::mark_regex_end(int index, bool at_end) {
  ends_regex_[static_cast<std::size_t>(index)] = at_end;
  const Node& node = nodes_[static_cast<std::size_t>(index)];
  // A repeated node is followed by its next repetition, so nothing inside "*" or "+"
  // ends the regex ("b\/(a^^)?" on "ba" gives MATCH "a", "b\/(a^^)*" gives "",
  // "a^^+" never matches).
  const bool repeated = node.kind == Kind::kStar || node.kind == Kind::kPlus;
  const bool sequence = node.kind == Kind::kConcat;
  for (std::size_t i = 0; i < node.kids.size(); ++i) {
    mark_regex_end(node.kids[i],
                   at_end && !repeated && (!sequence || i + 1 == node.kids.size()));
  }
}

bool Pattern::matches_empty() const {
  for (int item : items_) {
    if (!nullable(item)) return false;
  }
  return true;
}

bool Pattern::left_matches_empty() const {
  for (int i = 0; i < split_item_; ++i) {
    if (!nullable(items_[static_cast<std::size_t>(i)])) return false;
  }
  return true;
}

std::string Pattern::to_re2(Part part, Lead lead, Trail trail) const {
  std::string out;
  out.reserve(3 * nodes_.size() + 8);  // a few bytes per atom: rarely grows
  // A case-insensitive regex folds with RE2's flag: "(?i)from" instead of
  // "[Ff][Rr][Oo][Mm]" (see append_set()).
  if (fold_case_) out.append("(?i)");
  std::size_t begin = 0;
  std::size_t end = items_.size();
  if (part == Part::kLeft && split_item_ >= 0) end = static_cast<std::size_t>(split_item_);
  if (part == Part::kRight && split_item_ >= 0) begin = static_cast<std::size_t>(split_item_) + 1;
  if (lead == Lead::kAreaStartTaken) {
    if (!emit_items_after_lead(begin, end, trail, &out)) out = kNeverMatches;
    return out;
  }
  emit_items(begin, end, part == Part::kWhole, lead, trail, &out);
  // Nothing but an impossible atom: spelled as kNeverMatches, without the flag.
  if (fold_case_ && out.size() == 4 + kNeverMatches.size() && out.ends_with(kNeverMatches)) {
    out = kNeverMatches;
  }
  return out;
}

// The matches of items[begin, end) that begin by taking the virtual newline before
// the area, written without that newline (a Brzozowski derivative). False when there
// are none.
bool Pattern::emit_items_after_lead(std::size_t begin, std::size_t end, Trail trail,
                                    std::string* out) const {
  std::vector<bool> empty_after(end - begin + 1, true);
  for (std::size_t i = end; i > begin; --i) {
    empty_after[i - 1 - begin] = empty_after[i - begin] && nullable(items_[i - 1]);
  }
  const std::vector<int> items(items_.begin() + static_cast<std::ptrdiff_t>(begin),
                               items_.begin() + static_cast<std::ptrdiff_t>(end));
  const std::vector<bool> last(empty_after.begin() + 1, empty_after.end());
  return emit_sequence_after_lead(items, last, trail, out);
}

// The derivative of a sequence x1..xn: the union, over each i that only nullable
// items precede, of d(xi) followed by x(i+1)..xn. Written out like that, a long run
// of nullable items that can take a newline ("$?$?$?...") repeats the rest of the
// sequence once per item: quadratic (fuzzing found a 4 KB regex taking 15 s and
// 600 MB). Factored instead, every item is written once:
//   R1 = d(x1),  Ri = (?:R(i-1) xi|d(xi)),  result Rk x(k+1)..xn
// where k is the first item that is not nullable (or the last). A step whose d(xi) is
// impossible keeps only its first branch. last[i]: what emit() gets for item i.
bool Pattern::emit_sequence_after_lead(const std::vector<int>& items,
                                       const std::vector<bool>& last, Trail trail,
                                       std::string* out) const {
  // The items whose derivative may start a match, and their derivatives.
  std::size_t k = 0;
  while (k + 1 < items.size() && nullable(items[k])) ++k;
  std::vector<std::string> derived(items.size());
  std::vector<bool> has(items.size(), false);
  std::size_t first = items.size();
  for (std::size_t i = 0; i < items.size() && i <= k; ++i) {
    has[i] = emit_after_lead(items[i], last[i], trail, &derived[i]);
    if (has[i] && first == items.size()) first = i;
  }
  if (first == items.size()) return false;
  out->append("(?:");
  for (std::size_t i = first + 1; i <= k; ++i) out->append("(?:");
  out->append(derived[first]);
  for (std::size_t i = first + 1; i <= k; ++i) {
    emit(items[i], false, last[i], Lead::kNone, trail, out);
    if (has[i]) {
      out->push_back('|');
      out->append(derived[i]);
    }
    out->push_back(')');
  }
  for (std::size_t i = k + 1; i < items.size(); ++i) {
    emit(items[i], false, last[i], Lead::kNone, trail, out);
  }
  out->push_back(')');
  return true;
}

bool Pattern::emit_after_lead(int index, bool last, Trail trail, std::string* out) const {
  const Node& node = nodes_[static_cast<std::size_t>(index)];
  switch (node.kind) {
    case Kind::kEmpty:
    case Kind::kSplit:
      return false;
    case Kind::kBytes:
      if (!node.bytes['\n']) return false;
      out->append("(?:)");  // the atom took the newline: nothing of it is left
      return true;
    case Kind::kVirtualNewline:
      out->append("(?:)");  // "^^" takes the newline at the start of the area
      return true;
    case Kind::kConcat: {
      const std::size_t n = node.kids.size();
      std::vector<bool> empty_after(n + 1, true);
      for (std::size_t i = n; i > 0; --i) {
        empty_after[i - 1] = empty_after[i] && nullable(node.kids[i - 1]);
      }
      std::vector<bool> kid_last(n);
      for (std::size_t i = 0; i < n; ++i) kid_last[i] = last && empty_after[i + 1];
      return emit_sequence_after_lead(node.kids, kid_last, trail, out);
    }
    case Kind::kAlt: {
      std::vector<std::string> alternatives;
      for (int kid : node.kids) {
        std::string alternative;
        if (emit_after_lead(kid, last, trail, &alternative)) {
          alternatives.push_back(std::move(alternative));
        }
      }
      if (alternatives.empty()) return false;
      out->append("(?:");
      for (std::size_t i = 0; i < alternatives.size(); ++i) {
        if (i > 0) out->push_back('|');
        out->append(alternatives[i]);
      }
      out->push_back(')');
      return true;
    }
    case Kind::kQuest:
      return emit_after_lead(node.kids.front(), last, trail, out);
    case Kind::kStar:
    case Kind::kPlus: {
      // d(x*) = d(x+) = d(x) x*
      std::string first;
      if (!emit_after_lead(node.kids.front(), last, trail, &first)) return false;
      out->append("(?:");
      out->append(first);
      out->append("(?:");
      emit(node.kids.front(), false, last, Lead::kNone, trail, out);
      out->append(")*)");
      return true;
    }
  }
  return false;
}

// first/last: whether nothing can have been consumed before/after this node within
// the part, i.e. whether its atoms may take the virtual newline at that edge.
void Pattern::emit_items(std::size_t begin, std::size_t end, bool capture_split, Lead lead,
                         Trail trail, std::string* out) const {
  std::size_t solid_end = begin;  // one past the last item that is not nullable
  for (std::size_t i = end; i > begin; --i) {
    if (!nullable(items_[i - 1])) {
      solid_end = i;
      break;
    }
  }
  bool empty_before = true;
  for (std::size_t i = begin; i < end; ++i) {
    const int item = items_[i];
    if (capture_split && static_cast<int>(i) == split_item_) {
      out->append("()");
    } else {
      emit(item, empty_before, i + 1 >= solid_end, lead, trail, out);
    }
    empty_before = empty_before && nullable(item);
  }
}

void Pattern::emit(int index, bool first, bool last, Lead lead, Trail trail,
                   std::string* out) const {
  const Node& node = nodes_[static_cast<std::size_t>(index)];
  switch (node.kind) {
    case Kind::kEmpty:
    case Kind::kSplit:
      return;
    case Kind::kBytes:
    case Kind::kVirtualNewline:
      emit_atom(index, first, last, lead, trail, out);
      return;
    case Kind::kConcat: {
      // No group of its own: a sequence is only ever written where concatenation
      // binds as it should (in a sequence, a "|" branch or a repeat's group).
      const std::size_t n = node.kids.size();
      std::size_t solid_end = 0;  // one past the last kid that is not nullable
      for (std::size_t i = n; i > 0; --i) {
        if (!nullable(node.kids[i - 1])) {
          solid_end = i;
          break;
        }
      }
      bool empty_before = true;
      for (std::size_t i = 0; i < n; ++i) {
        emit(node.kids[i], first && empty_before, last && i + 1 >= solid_end, lead, trail, out);
        empty_before = empty_before && nullable(node.kids[i]);
      }
      return;
    }
    case Kind::kAlt:
      out->append("(?:");
      for (std::size_t i = 0; i < node.kids.size(); ++i) {
        if (i > 0) out->push_back('|');
        emit(node.kids[i], first, last, lead, trail, out);
      }
      out->push_back(')');
      return;
    case Kind::kStar:
    case Kind::kPlus:
    case Kind::kQuest: {
      const char op = node.kind == Kind::kStar ? '*' : node.kind == Kind::kPlus ? '+' : '?';
      const int kid = node.kids.front();
      // An alternation is a group already; a byte set written as one character or
      // class takes the operator directly.
      const Kind kind = nodes_[static_cast<std::size_t>(kid)].kind;
      if (kind == Kind::kAlt ||
          (kind == Kind::kBytes &&
           atom_branches(kid, first, last, lead, trail) == AtomBranches{true, false, false})) {
        emit(kid, first, last, lead, trail, out);
        out->push_back(op);
        return;
      }
      out->append("(?:");
      emit(kid, first, last, lead, trail, out);
      out->push_back(')');
      out->push_back(op);
      return;
    }
  }
}

Pattern::AtomBranches Pattern::atom_branches(int index, bool first, bool last, Lead lead,
                                             Trail trail) const {
  const Node& node = nodes_[static_cast<std::size_t>(index)];
  const bool virtual_only = node.kind == Kind::kVirtualNewline;
  const bool takes_newline = virtual_only || node.bytes['\n'];
  AtomBranches branches;
  branches.bytes = !virtual_only && node.bytes.any();
  // "^^" takes only the virtual newline at the very start of the area, not the one
  // a later search of weighted scoring sees after a '\n' (procmail: "1^1 ^^a" on
  // "a\na\na" scores 1, "1^1 ^a" scores 3).
  const bool area_start = lead == Lead::kAreaStart || lead == Lead::kAreaStartTaken;
  branches.area_start =
      first && takes_newline && (virtual_only ? area_start : lead != Lead::kNone);
  const bool takes_trail =
      virtual_only ? trail != Trail::kNone && ends_regex_[static_cast<std::size_t>(index)]
                   : trail == Trail::kNewline && takes_newline;
  branches.area_end = last && takes_trail;
  return branches;
}

// One branch per way the atom may match, no vector and no string of its own.
void Pattern::emit_atom(int index, bool first, bool last, Lead lead, Trail trail,
                        std::string* out) const {
  const AtomBranches branches = atom_branches(index, first, last, lead, trail);
  const int count = int{branches.bytes} + int{branches.area_start} + int{branches.area_end};
  if (count == 0) {
    out->append(kNeverMatches);
    return;
  }
  if (count > 1) out->append("(?:");
  bool bar = false;
  if (branches.bytes) {
    append_set(nodes_[static_cast<std::size_t>(index)].bytes, fold_case_, out);
    bar = true;
  }
  if (branches.area_start) {
    if (bar) out->push_back('|');
    out->append("\\A");
    bar = true;
  }
  if (branches.area_end) {
    if (bar) out->push_back('|');
    out->append("\\z");
  }
  if (count > 1) out->push_back(')');
}

std::vector<RequiredLiteral> Pattern::required_literals() const {
  // A top-level item that matches exactly one byte (or one letter in either case)
  // adds it to the current run; any other item ends the run. Every match of the
  // regex holds each run.
  struct Run {
    RequiredLiteral literal;
    bool starts_line = false;  // right after a newline atom ("^")
    bool field_name = false;   // "^Subject:": in nearly every header, so tried last
  };
  std::vector<Run> runs;
  Run run;
  bool after_newline = false;  // the item before the run is a newline atom ("^")
  const auto end_run = [&] {
    if (run.literal.text.size() >= 2) {
      run.field_name = run.starts_line && run.literal.text.back() == ':';
      runs.push_back(std::move(run));
    }
    run = Run();
  };
  for (const int item : items_) {
    const Node& node = nodes_[static_cast<std::size_t>(item)];
    // 0, 1, 2 or 3 for more (found bit by bit: bitset::count() may be a slow
    // library call on CPUs without a popcount instruction).
    std::size_t count = 0;
    std::size_t first = 256;
    if (node.kind == Kind::kBytes) {
      first = node.bytes._Find_first();
      for (std::size_t bit = first; bit < 256 && count < 3; bit = node.bytes._Find_next(bit))
        ++count;
    }
    // An empty set ("[z-a]") matches nothing and has no byte to look for. A newline
    // atom ("^", "$" in the middle) may take a virtual newline at the area's edges,
    // which is no byte of the text.
    if (count == 0 || count > 2 || node.bytes['\n']) {
      end_run();
      after_newline = count == 1 && node.bytes['\n'];
      continue;
    }
    auto byte = static_cast<unsigned char>(first);
    if (count == 2) {
      // Only a letter in both cases, as case folding makes it (byte is the upper case).
      if (!is_ascii_letter(byte) || !node.bytes[other_case(byte)]) {
        end_run();
        after_newline = false;
        continue;
      }
      byte = other_case(byte);
      run.literal.folded = true;
    }
    if (run.literal.text.empty()) run.starts_line = after_newline;
    run.literal.text.push_back(static_cast<char>(byte));
    after_newline = false;
  }
  end_run();
  // The likeliest to be missing first: longer runs, header field names last.
  std::stable_sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    if (a.field_name != b.field_name) return b.field_name;
    return a.literal.text.size() > b.literal.text.size();
  });
  std::vector<RequiredLiteral> out;
  for (auto& r : runs) {
    if (out.size() == kMaxRequiredLiterals) break;
    if (r.literal.folded) {
      for (char& c : r.literal.text) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 'A' && b <= 'Z') c = static_cast<char>(other_case(b));
      }
    }
    out.push_back(std::move(r.literal));
  }
  return out;
}

}  // namespace mailsift::rc::dialect
