// procmail's regex dialect (behaviour §5.1–§5.3) parsed and written out in RE2
// syntax. Private to the rc layer: regex.cc is its only user.
//
// The matching model this translation implements (§5.2, checked against procmail):
// the matcher sees the area with a *virtual* newline before it and one after it.
// "^" and "$" are atoms that match one newline, real or virtual; "\<" and "\>" match
// one non-word byte or a newline; "^^" matches a virtual newline only (so it anchors
// at the start or the end and never in the middle). Virtual newlines are not bytes of
// the text, so they cannot be searched for in it; the translation turns them into
// RE2's \A and \z: an atom that may take the newline before the text gets an extra
// "\A" branch, one that may take the newline after it a "\z" branch. Only atoms that
// can be the first (last) consuming atom of a match get the branch, so two atoms
// never take the same virtual newline ("$^" needs two newlines, also at the edges).
// "^^" is stricter at the end: it must be the regex's last element (see
// Node::ends_regex).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::rc::dialect {

// The result of replacing ^TO_, ^TO, ^FROM_DAEMON and ^FROM_MAILER (§5.3).
struct Substituted {
  std::string text;
  // origin[i]: offset in the original text of text[i] (a replacement's bytes all
  // point at the macro's first byte), so errors point into what the user wrote.
  // Empty when no macro was replaced (text is the original: offsets are the same).
  std::vector<std::size_t> origin;
  bool has_from_daemon = false;  // forces case-insensitive matching, as in procmail
  std::size_t original_size = 0;

  // The offset in the original text of text[at]; the original's size when at is past
  // the end.
  std::size_t original_offset(std::size_t at) const;
};

// after_backslash: the regex followed a backslash that was taken off it (a condition
// "* \\^TO_x"): a macro at its very start counts as escaped, as procmail sees it.
Substituted substitute_macros(std::string_view procmail_text, bool after_backslash = false);

// What the text around the searched slice offers as a virtual newline in front of it.
enum class Lead {
  kNone,       // the search starts after a byte that is not a newline
  kNewline,    // a later search that starts right after a '\n' (weighted scoring)
  kAreaStart,  // the start of the area: "^^" may take it too
  // The start of the area, and a match must begin by taking that newline (the part
  // after a "\/" placed before it); to_re2() then writes the part's derivative by
  // the newline.
  kAreaStartTaken,
};

// What the text offers as a virtual newline after the slice.
enum class Trail {
  kNone,        // the slice ends before the end of the area
  kAnchorOnly,  // only "^^" may take it (it anchors there without moving past the end)
  kNewline,     // the end of the area: "^", "$", "\<", "\>" and "^^" may take it
};

// Which part of the regex to write out: all of it, the part before the "\/" that
// defines MATCH, or the part after it.
enum class Part { kWhole, kLeft, kRight };

// An RE2 expression no text matches (an atom whose every branch is impossible, like
// "^^" in the middle of a regex). In Latin-1 mode this class is empty.
inline constexpr std::string_view kNeverMatches = "[^\\x00-\\x{ff}]";

// Bytes every match of a regex contains, one after the other (empty when no byte is
// certain). folded: letters may appear in either case (the text is then in lower
// case; bytes >= 128 are never folded).
struct RequiredLiteral {
  std::string text;
  bool folded = false;
};

class Pattern {
 public:
  // text: the regex after macro substitution. Never throws; check ok().
  static Pattern parse(std::string_view text, bool case_sensitive);

  // What checking a regex finds, without building the pattern: the same error as
  // parse(), extracts() and required_literals(). This is all a search needs until a
  // matcher is built, and a large rcfile has a thousand regexes, most of which never
  // get that far.
  // A mistake procmail's regex compiler reads past (an unbalanced parenthesis, a
  // "[" never closed): the regex means what procmail makes of it, and this says
  // what that is. procmail logs "Invalid regexp" for some (logged), not for others.
  struct Repair {
    std::string message;  // empty when there was none
    std::size_t offset = 0;
    bool logged = false;
  };
  // What is read as written but is likely not what was meant (a doubled operator,
  // a reversed range): for "mailsift --check".
  struct Warning {
    std::string message;
    std::size_t offset = 0;
  };
  struct Checked {
    std::string error;  // empty when the regex is valid
    std::size_t error_offset = 0;
    Repair repair;
    std::vector<Warning> warnings;
    // A "\/" stands inside an alternative or a repeated group: only procmail's own
    // engine (procmail_nfa.h) gives procmail's answers.
    bool procmail_split = false;
    bool extracts = false;
    std::vector<RequiredLiteral> literals;
  };
  static void check(std::string_view text, bool case_sensitive, Checked* out);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t error_offset() const { return error_offset_; }
  const Repair& repair() const { return repair_; }

  // True when the regex holds a "\/" at the top level (the last one defines MATCH).
  bool extracts() const { return split_item_ >= 0; }
  // True when a "\/" stands inside an alternative or a repeated group (Checked).
  bool procmail_split() const { return procmail_split_; }
  // True when the whole regex matches the empty string without taking a newline.
  bool matches_empty() const;
  // Runs (of 2 bytes or more) of single-byte atoms in the top-level sequence, at most
  // kMaxRequiredLiterals, the likeliest to be missing first: a text that does not
  // hold every one cannot match, so they are searched for before any matcher is built.
  static constexpr std::size_t kMaxRequiredLiterals = 3;
  std::vector<RequiredLiteral> required_literals() const;

  // The part in RE2 syntax (Latin-1; a case-insensitive regex under RE2's "(?i)",
  // with "(?-i:...)" around a Latin-1 letter that procmail does not fold), for a
  // slice of the area with the given virtual newlines before and after it. In kWhole
  // the "\/" becomes the empty capture group 1.
  std::string to_re2(Part part, Lead lead, Trail trail) const;

 private:
  enum class Kind : std::uint8_t {
    kEmpty, kBytes, kVirtualNewline, kSplit, kConcat, kAlt, kStar, kPlus, kQuest
  };
  // A byte set as four 64-bit words: byte b is bit b % 64 of word b / 64.
  using ByteSet = std::array<std::uint64_t, 4>;
  // What a kBytes node adds to a required literal (required_literals()).
  struct LiteralByte {
    bool literal = false;    // one byte, or one ASCII letter in either case
    unsigned char byte = 0;  // that byte (the lower case when folded)
    bool folded = false;
    bool newline = false;  // exactly a newline (a "^" or "$"): not a byte to look for
  };
  static LiteralByte literal_byte(const ByteSet& bytes);
  // What the literal byte c adds (the letter c in both cases when fold).
  static LiteralByte literal_of(unsigned char c, bool fold);
  // A literal byte's set is not stored: it follows from node.literal (the default,
  // so that no node refers to a set it does not have).
  static constexpr std::uint32_t kLiteralSet = UINT32_MAX;
  // Plain data, so that a pattern of a few dozen atoms is three allocations (nodes,
  // byte sets, kids), not one per node: a large rcfile parses a thousand regexes per
  // message.
  struct Node {
    Kind kind = Kind::kEmpty;
    bool nullable = false;    // matches the empty string without taking a newline
    // Whether nothing at all follows the node in the regex (")", "|..." and "?"
    // aside): "^^" takes the final virtual newline only then ("a^^" and "x|(a^^)?"
    // match "a"; "a^^b?", "a^^()" and "a^^+" never match). Set only in a regex that
    // holds a "^^" (the only atom that asks).
    bool ends_regex = false;
    LiteralByte literal;           // kBytes: known when it is added
    std::uint32_t set = kLiteralSet;  // kBytes: index in sets_ of the bytes it matches
    std::uint32_t kids_begin = 0;  // its kids: kids_[kids_begin, kids_begin + kids_count)
    std::uint32_t kids_count = 0;
    std::uint32_t offset = 0;  // where it starts in the text (for errors)
  };
  template <class Builder>
  class Parser;
  void build(std::string_view text, bool case_sensitive);  // parse()'s work
  struct TreeBuilder;
  struct ScanBuilder;
  // The required literals of items 0..count-1, byte_at(i) giving what item i adds.
  template <class ByteAt>
  static std::vector<RequiredLiteral> select_literals(std::size_t count, ByteAt byte_at);

  int add(Node node);
  int add_bytes(const ByteSet& bytes, std::size_t offset, LiteralByte literal);
  // One byte c, or the letter c in both cases when fold (no set is stored).
  int add_literal(unsigned char c, bool fold, std::size_t offset);
  // A node whose kids are kids[mark, end): they move into kids_, kids shrinks to mark.
  int add_parent(Kind kind, std::size_t offset, std::vector<int>* kids, std::size_t mark);
  std::span<const int> kids(const Node& node) const {
    return {kids_.data() + node.kids_begin, node.kids_count};
  }
  ByteSet bytes(const Node& node) const;
  bool nullable(int node) const { return nodes_[static_cast<std::size_t>(node)].nullable; }
  void emit(int node, bool first, bool last, Lead lead, Trail trail, std::string* out) const;
  void emit_items(std::size_t begin, std::size_t end, bool capture_split, Lead lead, Trail trail,
                  std::string* out) const;
  bool emit_after_lead(int node, bool last, Trail trail, std::string* out) const;
  bool emit_items_after_lead(std::size_t begin, std::size_t end, Trail trail,
                             std::string* out) const;
  bool emit_sequence_after_lead(std::span<const int> items, const std::vector<bool>& last,
                                Trail trail, std::string* out) const;
  // Which ways an atom may match where it stands: a byte of the text, the virtual
  // newline at the start of the area (RE2's \A), the one at its end (\z).
  struct AtomBranches {
    bool bytes = false;
    bool area_start = false;
    bool area_end = false;
    bool operator==(const AtomBranches&) const = default;
  };
  AtomBranches atom_branches(int index, bool first, bool last, Lead lead, Trail trail) const;
  void emit_atom(int index, bool first, bool last, Lead lead, Trail trail,
                 std::string* out) const;

  void mark_regex_end(int node, bool at_end);


  std::vector<Node> nodes_;
  std::vector<ByteSet> sets_;
  std::vector<int> kids_;
  std::vector<int> pending_;  // the parser's stack of finished kids, then flattening's
  // The top-level sequence (groups without "|" or a postfix operator flattened), so
  // that the "\/" splits it into a left and a right part.
  std::vector<int> items_;
  int split_item_ = -1;  // index in items_ of the "\/" that defines MATCH
  int splits_ = 0;  // how many "\/" the regex holds, at any depth
  bool procmail_split_ = false;
  bool has_virtual_newline_ = false;  // holds a "^^"
  bool fold_case_ = false;  // case-insensitive: A-Z and a-z are the same
  std::string error_;
  std::size_t error_offset_ = 0;
  Repair repair_;
};

}  // namespace mailsift::rc::dialect
