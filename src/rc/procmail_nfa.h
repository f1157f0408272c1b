// procmail's own regex engine (procmail's regexp.c: bregcomp and bregexec), for the
// regexes whose "\/" has no single left and right part: inside an alternative or a
// repeated group ("(a|\/b)", "(x\/[a-z])+", "a|b\/c"). There procmail's answers come
// from how its compiler lays the regex out (the "\/" falls through to the next
// instruction, into the remaining alternatives or out of a loop) and how its matcher
// walks it (the earliest end wins; a match that never passed "\/" leaves MATCH as it
// was), so mailsift runs the same machine: an NFA simulation, linear in the area.
// It also answers whether any regex matches a header-sized area until RE2 is built
// for it (rc/regex.h): a regex tried once per delivery costs less this way.
//
// What it does was taken from procmail's source and checked against procmail 3.23
// on some 24,000 random regexes and texts (the answers in tests/unit/rc are
// procmail's). One choice of mailsift's own: where procmail's matcher loops for ever
// (an empty loop through "\/": "\/+", "(a|\/)+"), this one cuts the loop and answers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace mailsift::rc::dialect {

class ProcmailNfa {
 public:
  // text: the regex after macro substitution, as procmail's bregcomp gets it.
  static ProcmailNfa compile(std::string_view text, bool case_sensitive);

  struct Result {
    bool matched = false;
    // MATCH is set (procmail leaves it unchanged when the match never passed "\/").
    bool assigned = false;
    std::size_t begin = 0;  // MATCH is area[begin, end)
    std::size_t end = 0;
    // The work bound (a number of steps) ran out: no answer was found in time and
    // matched is false.
    bool cut = false;
  };
  // Searches the whole area, with a virtual newline before and after it (behaviour
  // §5.2). work_limit bounds the steps of the simulation.
  Result search(std::string_view area, std::size_t work_limit) const;

 private:
  enum class Op : std::uint8_t { kEps, kJump, kChar, kClass, kDot, kBotext, kEotext, kFin, kBom };
  using Bytes = std::array<std::uint64_t, 4>;
  struct Node {
    Op op = Op::kJump;
    unsigned char ch = 0;   // kChar
    std::uint32_t set = 0;  // kClass: index in sets_
    int next = -1;          // the successor; kEps: its second branch (the first is +1)
  };
  class Compiler;
  class Matcher;

  std::vector<Node> nodes_;
  std::vector<Bytes> sets_;
  bool fold_ = true;
};

}  // namespace mailsift::rc::dialect
