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

constexpr bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_ascii_alnum(unsigned char c) { return is_ascii_letter(c) || (c >= '0' && c <= '9'); }

unsigned char other_case(unsigned char c) {
  return static_cast<unsigned char>(c ^ 0x20);  // only called for ASCII letters
}

// A byte set as four 64-bit words (byte b is bit b % 64 of word b / 64), so that the
// parser and the translation handle members and ranges a word at a time instead of a
// byte at a time (Pattern::ByteSet is the same type).
using Words = std::array<std::uint64_t, 4>;

bool has(const Words& words, unsigned char c) { return ((words[c / 64] >> (c % 64)) & 1) != 0; }
void add_byte(Words* words, unsigned char c) { (*words)[c / 64] |= std::uint64_t{1} << (c % 64); }
// The bytes RE2's "(?i)" folds in Latin-1 mode, by word: A-Z with a-z, and the
// Latin-1 capitals 0xc0-0xde (except 0xd7) with 0xe0-0xfe. Each upper-case bit lies
// 32 bits below its lower-case one. (Checked against RE2 for all 256 bytes: in
// Latin-1 mode no other byte folds; the other members of an orbit, like U+212A for
// "k", are above 0xff.)
constexpr std::uint64_t kUpperAscii = 0x07fffffeULL;  // word 1: 0x41-0x5a
constexpr std::uint64_t kUpperLatin1 = 0x7f7fffffULL;  // word 3: 0xc0-0xd6, 0xd8-0xde

// Case-insensitive mode folds A-Z/a-z only; bytes >= 128 are never folded (§5.1).
void fold(Words* words) {
  const std::uint64_t letters = ((*words)[1] | ((*words)[1] >> 32)) & kUpperAscii;
  (*words)[1] |= letters | (letters << 32);
}

// Every byte but a newline ("." and the complement of a negated class).
constexpr Words kAllButNewline = {~(std::uint64_t{1} << '\n'), ~std::uint64_t{0},
                                  ~std::uint64_t{0}, ~std::uint64_t{0}};

// "\<" and "\>": one byte that is not [a-zA-Z0-9_] (a newline is such a byte).
constexpr Words kNonWord = [] {
  Words words{~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0}};
  for (unsigned b = 0; b < 256; ++b) {
    if (is_ascii_alnum(static_cast<unsigned char>(b)) || b == '_') {
      words[b / 64] &= ~(std::uint64_t{1} << (b % 64));
    }
  }
  return words;
}();

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

// How many bytes the set holds: 0, 1, 2, or 3 for more.
unsigned members_up_to_3(const Words& words) {
  unsigned count = 0;
  for (std::uint64_t word : words) {
    while (word != 0) {
      if (++count > 2) return 3;
      word &= word - 1;
    }
  }
  return count;
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
void append_set(const Words& words, bool fold, std::string* out) {
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

Substituted substitute_macros(std::string_view procmail_text, bool after_backslash) {
  Substituted result;
  result.text.assign(procmail_text);
  result.original_size = procmail_text.size();
  // Every macro starts with "^TO" or "^FROM_": most regexes have none to replace.
  const auto may_hold_macro = [&] {
    for (std::size_t at = procmail_text.find('^'); at != std::string_view::npos;
         at = procmail_text.find('^', at + 1)) {
      const std::string_view rest = procmail_text.substr(at + 1);
      if (rest.starts_with("TO") || rest.starts_with("FROM_")) return true;
    }
    return false;
  };
  if (!may_hold_macro()) return result;
  // procmail searches again from the first macro after each replacement, and the
  // first occurrence of a macro decides: when a backslash precedes it, that macro is
  // not replaced at all (later occurrences included). No replacement text holds a
  // macro or can form one with its neighbours, so this is the same as taking the
  // macros in order and replacing each one's occurrences from the left until one
  // preceded by a backslash: one pass per macro, linear in the text (searching
  // again from the start was quadratic: 256 KB of "^TO" took minutes).
  for (const Macro& macro : kMacros) {
    const auto escaped = [&](std::size_t at) {
      return at > 0 ? result.text[at - 1] == '\\' : after_backslash;
    };
    std::size_t at = result.text.find(macro.name);
    if (at == std::string::npos || escaped(at)) continue;
    if (result.origin.empty()) {  // the first replacement: offsets start to differ
      result.origin.resize(result.text.size());
      for (std::size_t i = 0; i < result.origin.size(); ++i) result.origin[i] = i;
    }
    std::string text;
    std::vector<std::size_t> origin;
    std::size_t copied = 0;  // result.text[0, copied) is in text already
    while (at != std::string::npos && !escaped(at)) {
      text.append(result.text, copied, at - copied);
      origin.insert(origin.end(), result.origin.begin() + static_cast<std::ptrdiff_t>(copied),
                    result.origin.begin() + static_cast<std::ptrdiff_t>(at));
      text.append(macro.text);
      origin.insert(origin.end(), macro.text.size(), result.origin[at]);
      copied = at + macro.name.size();
      at = result.text.find(macro.name, copied);
    }
    text.append(result.text, copied);
    origin.insert(origin.end(), result.origin.begin() + static_cast<std::ptrdiff_t>(copied),
                  result.origin.end());
    result.text = std::move(text);
    result.origin = std::move(origin);
    if (macro.text == kFromDaemon) result.has_from_daemon = true;
  }
  return result;
}

std::size_t Substituted::original_offset(std::size_t at) const {
  if (origin.empty()) return std::min(at, original_size);
  return at < origin.size() ? origin[at] : original_size;
}

// Recursive descent over procmail's grammar: alternatives of sequences of atoms,
// each atom with at most one postfix operator. The Builder makes what is needed of
// what is read: the tree a translation works on (TreeBuilder), or only the verdict
// and the required literals (ScanBuilder). Handles are the builder's: node indices,
// or what ScanBuilder says they are.
template <class Builder>
class Pattern::Parser {
 public:
  Parser(Builder* builder, std::string_view text, bool case_sensitive)
      : builder_(builder), text_(text), case_sensitive_(case_sensitive) {}

  int parse() {
    const int root = alternatives();
    // procmail ends the regex at an unmatched ")" (logging "Invalid regexp" and
    // using what it read before it); so does mailsift, and --check reports it.
    if (!failed() && pos_ < text_.size())
      builder_->repair(pos_, "unmatched ')': procmail ends the regex here and ignores \"" +
                                 std::string(text_.substr(pos_)) + "\"",
                       true);
    return root;
  }

 private:
  // A byte that is an atom by itself wherever it stands, matching itself.
  static bool is_plain(unsigned char c) {
    static constexpr Words kSpecial = [] {
      Words special{};
      for (const char b : std::string_view("()[].^$\\|*+?\n"))
        special[static_cast<unsigned char>(b) / 64] |= std::uint64_t{1}
                                                        << (static_cast<unsigned char>(b) % 64);
      return special;
    }();
    return !has(kSpecial, c);
  }
  static bool is_postfix(unsigned char c) { return c == '*' || c == '+' || c == '?'; }

  bool failed() const { return builder_->failed(); }
  void fail(std::size_t offset, std::string message) { builder_->fail(offset, std::move(message)); }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  unsigned char byte(std::size_t i) const { return static_cast<unsigned char>(text_[i]); }

  // The kids of the nodes being parsed are pushed to the builder, which makes their
  // parent of them when it is complete.
  int alternatives() {
    const std::size_t offset = pos_;
    const std::size_t mark = builder_->mark();
    builder_->push(sequence());
    bool several = false;
    while (!failed() && at('|')) {
      ++pos_;
      builder_->push(sequence());
      several = true;
    }
    if (!several) return builder_->only(mark);
    return builder_->parent(Kind::kAlt, offset, mark);
  }

  int sequence() {
    const std::size_t offset = pos_;
    const std::size_t mark = builder_->mark();
    while (!failed() && pos_ < text_.size() && !at('|') && !at(')')) {
      // Most atoms are a plain byte without an operator after it: taken directly.
      const unsigned char c = byte(pos_);
      if (is_plain(c) && (pos_ + 1 >= text_.size() || !is_postfix(byte(pos_ + 1)))) {
        builder_->push(literal(c, pos_));
        ++pos_;
        continue;
      }
      builder_->push(piece());
    }
    return builder_->parent(Kind::kConcat, offset, mark);
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
    if (pos_ < text_.size() && is_postfix(byte(pos_)))
      builder_->warn(pos_, std::string("\"") + text_[pos_] + "\" right after \"" + op +
                               "\" is an ordinary character: an atom takes one operator (write \"(" +
                               std::string(text_.substr(start, pos_ - start)) + ")" + text_[pos_] +
                               "\" to repeat the repetition, or \"\\" + text_[pos_] +
                               "\" for the character)");
    // A repeated "\/" is still just the split point (procmail: "\/*a" on "*a" gives
    // MATCH "a"), so the operator is dropped.
    if (split) return atom;
    return builder_->repeat(op == '*'   ? Kind::kStar
                            : op == '+' ? Kind::kPlus
                                        : Kind::kQuest,
                            atom, start);
  }

  int atom(bool* split) {
    const std::size_t start = pos_;
    const char c = text_[pos_];
    switch (c) {
      case '(': {
        // The parser and the translation recurse once per level.
        if (++depth_ > kMaxNesting) {
          fail(start, "parentheses nested too deeply");
          return builder_->empty();
        }
        ++pos_;
        const int inner = alternatives();
        --depth_;
        if (failed()) return inner;
        if (!at(')')) {
          // procmail closes it at the end of the regex (and logs "Invalid regexp").
          builder_->repair(start, "missing ')' for this '(': procmail closes it at the end "
                                  "of the regex", true);
          return inner;
        }
        ++pos_;
        return inner;
      }
      case '[':
        return bracket();
      case '.':
        ++pos_;
        return builder_->bytes(kAllButNewline, start, LiteralByte{});
      case '^':
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '^') {
          pos_ += 2;
          return builder_->virtual_newline(start);
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
      return builder_->split(start);
    }
    if (next == '<' || next == '>') return builder_->bytes(kNonWord, start, LiteralByte{});
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
    Words bytes{};
    // procmail's reading: a "]" or "-" first is a member; a range goes on from the
    // member before it ("[a-c-e]" is a-e) and adds the bytes after that member up to
    // its end, so that a reversed range adds only its two ends ("[z-a]" is "az").
    unsigned last = 0xFFFFFFFFu;  // no member yet (procmail's unsigned counter)
    if (at(']') || at('-')) {
      last = byte(pos_);
      add_byte(&bytes, static_cast<unsigned char>(last));
      ++pos_;
    }
    while (pos_ < text_.size() && text_[pos_] != ']') {
      if (text_[pos_] == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] != ']') {
        ++pos_;
        const unsigned to = byte(pos_);
        if (last != 0xFFFFFFFFu && to < last)
          builder_->warn(pos_ - 2, "the range \"" + std::string(text_.substr(pos_ - 2, 3)) +
                                       "\" is reversed: it holds only its two ends");
        for (unsigned b = last + 1; b < to; ++b) add_byte(&bytes, static_cast<unsigned char>(b));
      }
      last = byte(pos_);
      add_byte(&bytes, static_cast<unsigned char>(last));
      ++pos_;
    }
    // procmail takes the rest of the regex as the set, and says nothing.
    if (at(']')) {
      ++pos_;
    } else {
      builder_->repair(start, "missing ']' for this '[': procmail takes the rest of the regex "
                              "as the set",
                       false);
    }
    if (!case_sensitive_) fold(&bytes);
    if (negated) {
      for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = ~bytes[i] & kAllButNewline[i];
    }
    return builder_->bytes(bytes, start, literal_byte(bytes));
  }

  int literal(unsigned char c, std::size_t offset) {
    return builder_->literal(c, !case_sensitive_ && is_ascii_letter(c), offset);
  }

  int newline_node(std::size_t offset) { return literal('\n', offset); }

  Builder* builder_;
  std::string_view text_;
  bool case_sensitive_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

// The tree: handles are node indices; kids wait on Pattern::pending_.
struct Pattern::TreeBuilder {
  Pattern* pattern;

  bool failed() const { return !pattern->error_.empty(); }
  void fail(std::size_t offset, std::string message) {
    if (failed()) return;
    pattern->error_ = std::move(message);
    pattern->error_offset_ = offset;
  }
  void warn(std::size_t, std::string) {}  // only checking keeps warnings
  void repair(std::size_t offset, std::string message, bool logged) {
    Repair& r = pattern->repair_;
    if (r.message.empty()) r = Repair{std::move(message), offset, false};
    r.logged = r.logged || logged;
  }
  std::size_t mark() const { return pattern->pending_.size(); }
  void push(int node) { pattern->pending_.push_back(node); }
  int only(std::size_t) {
    const int node = pattern->pending_.back();
    pattern->pending_.pop_back();
    return node;
  }
  int parent(Kind kind, std::size_t offset, std::size_t mark) {
    return pattern->add_parent(kind, offset, &pattern->pending_, mark);
  }
  int repeat(Kind kind, int atom, std::size_t offset) {
    push(atom);
    return pattern->add_parent(kind, offset, &pattern->pending_, pattern->pending_.size() - 1);
  }
  int literal(unsigned char c, bool fold, std::size_t offset) {
    return pattern->add_literal(c, fold, offset);
  }
  int bytes(const Words& set, std::size_t offset, LiteralByte literal) {
    return pattern->add_bytes(set, offset, literal);
  }
  int virtual_newline(std::size_t offset) {
    pattern->has_virtual_newline_ = true;
    return add_leaf(Kind::kVirtualNewline, offset);
  }
  int split(std::size_t offset) {
    ++pattern->splits_;
    return add_leaf(Kind::kSplit, offset);
  }
  int empty() { return pattern->add(Node{}); }

 private:
  int add_leaf(Kind kind, std::size_t offset) {
    Node node;
    node.kind = kind;
    node.offset = static_cast<std::uint32_t>(offset);
    return pattern->add(node);
  }
};

// Only what checking a regex needs: the top-level items (a group without "|" and
// without an operator is flattened into its parent, as Pattern::build() does),
// each as what it adds to a required literal, and where the "\/" are.
//
// Handles: a sequence is the index in items of its first item (its items follow,
// up to the end); kAtom is the atom just read (in atom); kOther an item that is
// not a byte (a repeat, an alternation, ".", "^^", ...). A group that is not
// flattened gives up its items: a "\/" among them is not at the top level.
struct Pattern::ScanBuilder {
  static constexpr int kAtom = -1;
  static constexpr int kOther = -2;
  struct Item {
    LiteralByte byte;
    bool split = false;
    std::size_t offset = 0;
  };

  std::vector<Item>* items = nullptr;  // cleared by the caller
  std::string error;
  std::size_t error_offset = 0;
  Repair repaired;
  std::vector<Warning> warnings;
  Item atom;
  std::size_t nested_split = std::string::npos;  // the first "\/" not at the top level

  bool failed() const { return !error.empty(); }
  void fail(std::size_t offset, std::string message) {
    if (failed()) return;
    error = std::move(message);
    error_offset = offset;
  }
  void warn(std::size_t offset, std::string message) {
    if (warnings.size() < 8) warnings.push_back({std::move(message), offset});
  }
  void repair(std::size_t offset, std::string message, bool logged) {
    if (repaired.message.empty()) repaired = Repair{std::move(message), offset, false};
    repaired.logged = repaired.logged || logged;
  }
  std::size_t mark() const { return items->size(); }
  void push(int handle) {
    if (handle == kAtom) items->push_back(atom);
    if (handle == kOther) items->push_back(Item{});
  }
  int only(std::size_t mark) const { return static_cast<int>(mark); }
  int parent(Kind kind, std::size_t, std::size_t mark) {
    if (kind == Kind::kConcat) return static_cast<int>(mark);
    drop_from(mark);
    return kOther;
  }
  int repeat(Kind, int handle, std::size_t) {
    if (handle >= 0) drop_from(static_cast<std::size_t>(handle));
    return kOther;
  }
  int literal(unsigned char c, bool fold, std::size_t offset) {
    atom = Item{};
    atom.byte = literal_of(c, fold);
    atom.offset = offset;
    return kAtom;
  }
  int bytes(const Words&, std::size_t offset, LiteralByte literal) {
    atom = Item{};
    atom.byte = literal;
    atom.offset = offset;
    return kAtom;
  }
  int virtual_newline(std::size_t) { return kOther; }
  int split(std::size_t offset) {
    atom = Item{};
    atom.split = true;
    atom.offset = offset;
    return kAtom;
  }
  int empty() { return kOther; }

 private:
  void drop_from(std::size_t mark) {
    for (std::size_t i = mark; i < items->size(); ++i) {
      if ((*items)[i].split) nested_split = std::min(nested_split, (*items)[i].offset);
    }
    items->resize(mark);
  }
};


int Pattern::add(Node node) {
  // Kids are always added before their parent, so their answers are known.
  switch (node.kind) {
    case Kind::kEmpty:
    case Kind::kSplit:
    case Kind::kStar:
    case Kind::kQuest:
      node.nullable = true;
      break;
    case Kind::kBytes:
    case Kind::kVirtualNewline:
      node.nullable = false;
      break;
    case Kind::kPlus:
      node.nullable = nullable(kids(node).front());
      break;
    case Kind::kConcat:
      node.nullable = true;
      for (const int kid : kids(node)) node.nullable = node.nullable && nullable(kid);
      break;
    case Kind::kAlt:
      node.nullable = false;
      for (const int kid : kids(node)) node.nullable = node.nullable || nullable(kid);
      break;
  }
  nodes_.push_back(node);
  return static_cast<int>(nodes_.size() - 1);
}

int Pattern::add_bytes(const ByteSet& bytes, std::size_t offset, LiteralByte literal) {
  Node node;
  node.kind = Kind::kBytes;
  node.set = static_cast<std::uint32_t>(sets_.size());
  node.offset = static_cast<std::uint32_t>(offset);
  node.literal = literal;
  sets_.push_back(bytes);
  return add(node);
}

int Pattern::add_literal(unsigned char c, bool fold, std::size_t offset) {
  // The most common atom: what it adds to a required literal is known without
  // looking at a set (literal_byte() would find the same), and bytes() rebuilds the
  // set from it.
  Node node;
  node.kind = Kind::kBytes;
  node.set = kLiteralSet;
  node.offset = static_cast<std::uint32_t>(offset);
  node.literal = literal_of(c, fold);
  nodes_.push_back(node);  // not nullable, no kids: nothing for add() to work out
  return static_cast<int>(nodes_.size() - 1);
}

Pattern::LiteralByte Pattern::literal_of(unsigned char c, bool fold) {
  LiteralByte literal;
  literal.literal = c != '\n';
  literal.newline = c == '\n';
  literal.byte = fold ? static_cast<unsigned char>(c | 0x20) : c;
  literal.folded = fold;
  return literal;
}

Pattern::ByteSet Pattern::bytes(const Node& node) const {
  if (node.set != kLiteralSet) return sets_[node.set];
  Words words{};
  add_byte(&words, node.literal.byte);
  if (node.literal.folded) add_byte(&words, other_case(node.literal.byte));
  return words;
}

int Pattern::add_parent(Kind kind, std::size_t offset, std::vector<int>* pending,
                        std::size_t mark) {
  Node node;
  node.kind = kind;
  node.offset = static_cast<std::uint32_t>(offset);
  node.kids_begin = static_cast<std::uint32_t>(kids_.size());
  node.kids_count = static_cast<std::uint32_t>(pending->size() - mark);
  kids_.insert(kids_.end(), pending->begin() + static_cast<std::ptrdiff_t>(mark),
               pending->end());
  pending->resize(mark);
  return add(node);
}

Pattern Pattern::parse(std::string_view text, bool case_sensitive) {
  Pattern pattern;
  pattern.build(text, case_sensitive);
  return pattern;
}

void Pattern::build(std::string_view text, bool case_sensitive) {
  nodes_.clear();
  sets_.clear();
  kids_.clear();
  items_.clear();
  split_item_ = -1;
  splits_ = 0;
  procmail_split_ = false;
  has_virtual_newline_ = false;
  error_.clear();
  error_offset_ = 0;
  repair_ = Repair();
  // About one node, set and kid per byte (and one more per group): no reallocation
  // while parsing.
  nodes_.reserve(text.size() + 8);
  kids_.reserve(text.size() + 8);
  fold_case_ = !case_sensitive;
  pending_.clear();
  pending_.reserve(text.size() + 1);
  TreeBuilder builder{this};
  Parser<TreeBuilder> parser(&builder, text, case_sensitive);
  const int root = parser.parse();
  if (!ok()) return;
  Pattern& pattern = *this;

  if (pattern.has_virtual_newline_) pattern.mark_regex_end(root, true);

  // Flatten the top-level sequence: a group without "|" and without a postfix
  // operator is just a sequence, so "(^Subject: \/.*)" splits like "^Subject: \/.*".
  pattern.items_.reserve(pattern.nodes_.size());
  std::vector<int>& pending = pattern.pending_;  // empty after parsing: reused here
  pending.assign(1, root);
  while (!pending.empty()) {
    const int node = pending.back();
    pending.pop_back();
    const Node& n = pattern.nodes_[static_cast<std::size_t>(node)];
    if (n.kind == Kind::kConcat) {
      const std::span<const int> kids = pattern.kids(n);
      pending.insert(pending.end(), kids.rbegin(), kids.rend());
    } else {
      pattern.items_.push_back(node);
    }
  }
  int top_level_splits = 0;
  for (std::size_t i = 0; i < pattern.items_.size(); ++i) {
    // The last "\/" reached defines MATCH ("\/y\/es" on "yes" gives "es").
    if (pattern.nodes_[static_cast<std::size_t>(pattern.items_[i])].kind == Kind::kSplit) {
      pattern.split_item_ = static_cast<int>(i);
      ++top_level_splits;
    }
  }
  // A "\/" inside an alternative or a repeated group has no single left and right
  // part; procmail's answers there come from how its matcher walks the regex, and
  // its own engine gives them (procmail_nfa.h).
  pattern.procmail_split_ = top_level_splits != pattern.splits_;
}

void Pattern::mark_regex_end(int index, bool at_end) {
  Node& node = nodes_[static_cast<std::size_t>(index)];
  node.ends_regex = at_end;
  // A repeated node is followed by its next repetition, so nothing inside "*" or "+"
  // ends the regex ("b\/(a^^)?" on "ba" gives MATCH "a", "b\/(a^^)*" gives "",
  // "a^^+" never matches).
  const bool repeated = node.kind == Kind::kStar || node.kind == Kind::kPlus;
  const bool sequence = node.kind == Kind::kConcat;
  const std::span<const int> kids = this->kids(node);
  for (std::size_t i = 0; i < kids.size(); ++i) {
    mark_regex_end(kids[i], at_end && !repeated && (!sequence || i + 1 == kids.size()));
  }
}

bool Pattern::matches_empty() const {
  for (int item : items_) {
    if (!nullable(item)) return false;
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
  const std::vector<bool> last(empty_after.begin() + 1, empty_after.end());
  return emit_sequence_after_lead(std::span<const int>(items_).subspan(begin, end - begin), last,
                                  trail, out);
}

// The derivative of a sequence x1..xn: the union, over each i that only nullable
// items precede, of d(xi) followed by x(i+1)..xn. Written out like that, a long run
// of nullable items that can take a newline ("$?$?$?...") repeats the rest of the
// sequence once per item: quadratic (fuzzing found a 4 KB regex taking 15 s and
// 600 MB). Factored instead, every item is written once:
//   R1 = d(x1),  Ri = (?:R(i-1) xi|d(xi)),  result Rk x(k+1)..xn
// where k is the first item that is not nullable (or the last). A step whose d(xi) is
// impossible keeps only its first branch. last[i]: what emit() gets for item i.
bool Pattern::emit_sequence_after_lead(std::span<const int> items,
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
      if (!has(bytes(node), '\n')) return false;
      out->append("(?:)");  // the atom took the newline: nothing of it is left
      return true;
    case Kind::kVirtualNewline:
      out->append("(?:)");  // "^^" takes the newline at the start of the area
      return true;
    case Kind::kConcat: {
      const std::size_t n = node.kids_count;
      std::vector<bool> empty_after(n + 1, true);
      for (std::size_t i = n; i > 0; --i) {
        empty_after[i - 1] = empty_after[i] && nullable(kids(node)[i - 1]);
      }
      std::vector<bool> kid_last(n);
      for (std::size_t i = 0; i < n; ++i) kid_last[i] = last && empty_after[i + 1];
      return emit_sequence_after_lead(kids(node), kid_last, trail, out);
    }
    case Kind::kAlt: {
      std::vector<std::string> alternatives;
      for (const int kid : kids(node)) {
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
      return emit_after_lead(kids(node).front(), last, trail, out);
    case Kind::kStar:
    case Kind::kPlus: {
      // d(x*) = d(x+) = d(x) x*
      std::string first;
      if (!emit_after_lead(kids(node).front(), last, trail, &first)) return false;
      out->append("(?:");
      out->append(first);
      out->append("(?:");
      emit(kids(node).front(), false, last, Lead::kNone, trail, out);
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
      const std::size_t n = node.kids_count;
      std::size_t solid_end = 0;  // one past the last kid that is not nullable
      for (std::size_t i = n; i > 0; --i) {
        if (!nullable(kids(node)[i - 1])) {
          solid_end = i;
          break;
        }
      }
      bool empty_before = true;
      for (std::size_t i = 0; i < n; ++i) {
        emit(kids(node)[i], first && empty_before, last && i + 1 >= solid_end, lead, trail, out);
        empty_before = empty_before && nullable(kids(node)[i]);
      }
      return;
    }
    case Kind::kAlt:
      out->append("(?:");
      for (std::size_t i = 0; i < node.kids_count; ++i) {
        if (i > 0) out->push_back('|');
        emit(kids(node)[i], first, last, lead, trail, out);
      }
      out->push_back(')');
      return;
    case Kind::kStar:
    case Kind::kPlus:
    case Kind::kQuest: {
      const char op = node.kind == Kind::kStar ? '*' : node.kind == Kind::kPlus ? '+' : '?';
      const int kid = kids(node).front();
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
  const bool takes_newline = virtual_only || has(bytes(node), '\n');
  AtomBranches branches;
  branches.bytes = !virtual_only && !is_empty(bytes(node));
  // "^^" takes only the virtual newline at the very start of the area, not the one
  // a later search of weighted scoring sees after a '\n' (procmail: "1^1 ^^a" on
  // "a\na\na" scores 1, "1^1 ^a" scores 3).
  const bool area_start = lead == Lead::kAreaStart || lead == Lead::kAreaStartTaken;
  branches.area_start =
      first && takes_newline && (virtual_only ? area_start : lead != Lead::kNone);
  const bool takes_trail =
      virtual_only ? trail != Trail::kNone && node.ends_regex
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
    append_set(bytes(nodes_[static_cast<std::size_t>(index)]), fold_case_, out);
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
  return select_literals(items_.size(), [this](std::size_t i) {
    const Node& node = nodes_[static_cast<std::size_t>(items_[i])];
    return node.kind == Kind::kBytes ? node.literal : LiteralByte();
  });
}

void Pattern::check(std::string_view text, bool case_sensitive, Checked* out) {
  *out = Checked();
  // Reused: no allocation per regex. A huge regex (macros make up to 34 bytes of one)
  // does not leave its memory behind.
  thread_local std::vector<ScanBuilder::Item> items;
  constexpr std::size_t kKeptItems = 4096;
  if (items.capacity() > kKeptItems) std::vector<ScanBuilder::Item>().swap(items);
  items.clear();
  ScanBuilder builder;
  builder.items = &items;
  Parser<ScanBuilder> parser(&builder, text, case_sensitive);
  parser.parse();
  out->repair = std::move(builder.repaired);
  out->warnings = std::move(builder.warnings);
  out->procmail_split = builder.nested_split != std::string::npos;
  if (builder.failed()) {
    out->error = std::move(builder.error);
    out->error_offset = builder.error_offset;
    return;
  }
  out->extracts = out->procmail_split;
  for (const ScanBuilder::Item& item : items) out->extracts = out->extracts || item.split;
  out->literals = select_literals(items.size(), [](std::size_t i) { return items[i].byte; });
}

template <class ByteAt>
std::vector<RequiredLiteral> Pattern::select_literals(std::size_t count, ByteAt byte_at) {
  // A top-level item that matches exactly one byte (or one letter in either case)
  // adds it to the current run; any other item ends the run. Every match of the
  // regex holds each run. Only the best kMaxRequiredLiterals runs are kept, in a
  // fixed array (no allocation but the result's): the likeliest to be missing first,
  // that is longer runs first and header field names last, in the regex's order
  // among equals.
  struct Run {
    std::size_t begin = 0;  // index in items_ of its first item
    std::size_t size = 0;
    bool folded = false;
    bool starts_line = false;  // right after a newline atom ("^")
    bool field_name = false;   // "^Subject:": in nearly every header, so tried last
  };
  const auto before = [](const Run& a, const Run& b) {
    if (a.field_name != b.field_name) return b.field_name;
    return a.size > b.size;
  };
  std::array<Run, kMaxRequiredLiterals> best;
  std::size_t kept = 0;
  Run run;
  unsigned char last_byte = 0;  // the run's last byte as it will be searched for
  bool after_newline = false;   // the item before the run is a newline atom ("^")
  const auto end_run = [&](std::size_t next_item) {
    if (run.size >= 2) {
      run.field_name = run.starts_line && last_byte == ':';
      // Inserted after every kept run it does not go before (stable).
      std::size_t at = kept;
      while (at > 0 && before(run, best[at - 1])) --at;
      if (at < best.size()) {
        for (std::size_t i = std::min(kept, best.size() - 1); i > at; --i) best[i] = best[i - 1];
        best[at] = run;
        kept = std::min(kept + 1, best.size());
      }
    }
    run = Run();
    run.begin = next_item;
  };
  for (std::size_t i = 0; i < count; ++i) {
    const LiteralByte byte = byte_at(i);
    if (!byte.literal) {
      end_run(i + 1);
      after_newline = byte.newline;
      continue;
    }
    if (run.size == 0) run.starts_line = after_newline;
    run.folded = run.folded || byte.folded;
    last_byte = byte.byte;
    ++run.size;
    after_newline = false;
  }
  end_run(count);
  std::vector<RequiredLiteral> out(kept);
  for (std::size_t k = 0; k < kept; ++k) {
    const Run& r = best[k];
    RequiredLiteral& literal = out[k];
    literal.folded = r.folded;
    literal.text.resize(r.size);
    for (std::size_t i = 0; i < r.size; ++i) {
      unsigned char c = byte_at(r.begin + i).byte;
      if (r.folded && c >= 'A' && c <= 'Z') c = other_case(c);
      literal.text[i] = static_cast<char>(c);
    }
  }
  return out;
}

Pattern::LiteralByte Pattern::literal_byte(const ByteSet& set) {
  LiteralByte result;
  // An empty set ("[z-a]") matches nothing and has no byte to look for. A newline
  // atom ("^", "$" in the middle) may take a virtual newline at the area's edges,
  // which is no byte of the text.
  const unsigned members = members_up_to_3(set);
  if (has(set, '\n')) {
    result.newline = members == 1;
    return result;
  }
  if (members == 0 || members > 2) return result;
  result.byte = static_cast<unsigned char>(next_member(set, 0, true));
  if (members == 2) {
    // Only a letter in both cases, as case folding makes it (byte is the upper case).
    if (!is_ascii_letter(result.byte) || !has(set, other_case(result.byte))) return result;
    result.byte = other_case(result.byte);
    result.folded = true;
  }
  result.literal = true;
  return result;
}

}  // namespace mailsift::rc::dialect
