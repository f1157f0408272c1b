#include "procmail_nfa.h"

#include <algorithm>
#include <string>

namespace mailsift::rc::dialect {
namespace {

constexpr int kNone = -1;  // "no continuation": the compiler's measuring pass

bool is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }

}  // namespace

// A port of bregcomp's recursive descent (psimp, pnorm, por). It runs twice, as
// procmail's does: once without writing (e == kNone) to count the instructions, so
// that the end (FIN) has its place, then writing them. Instruction r is nodes_[r];
// an item's code is laid out in the order the regex is read, and the "\/" (BOM) has
// no successor of its own: it goes on with the instruction after it.
class ProcmailNfa::Compiler {
 public:
  Compiler(std::string_view text, bool fold, ProcmailNfa* nfa)
      : text_(text), regex_(text), fold_(fold), nfa_(nfa), measured_(text.size()) {}

  void run() {
    p_ = 0;
    r_ = 0;
    por(kNone);
    fin_ = r_;
    nfa_->nodes_.assign(static_cast<std::size_t>(fin_ + 1), Node{});
    p_ = 0;
    r_ = 0;
    por(fin_);
    nfa_->nodes_[static_cast<std::size_t>(fin_)].op = Op::kFin;
  }

 private:
  unsigned char c(std::size_t k = 0) const {
    return p_ + k < text_.size() ? static_cast<unsigned char>(text_[p_ + k]) : 0;
  }
  Node& node(int r) { return nfa_->nodes_[static_cast<std::size_t>(r)]; }
  void eps(int spot, int to) {
    Node& n = node(spot);
    n.op = Op::kEps;
    n.next = to;
  }
  static bool ends_group(unsigned char ch) { return ch == '|' || ch == ')' || ch == 0; }

  void set_bit(Bytes* set, unsigned i, bool on) {
    auto put = [set, on](unsigned b) {
      const std::uint64_t bit = std::uint64_t{1} << (b % 64);
      if (on) {
        (*set)[b / 64] |= bit;
      } else {
        (*set)[b / 64] &= ~bit;
      }
    };
    put(i);
    if (!fold_) return;
    if (is_upper(i)) put(i + 32);
    if (is_lower(i)) put(i - 32);
  }
  static void toggle(Bytes* set, unsigned b) { (*set)[b / 64] ^= std::uint64_t{1} << (b % 64); }

  // One atom; with e != kNone its instruction(s) at r_, continuing at e.
  void atom(int e) {
    const unsigned char ch = c();
    if (ch == '(') {
      // procmail measures an item before laying it out, at every level, which takes
      // time exponential in the nesting; a group's measure is the same wherever it
      // is asked, so it is taken once.
      const bool measuring = e == kNone && text_.data() == regex_.data();
      const std::size_t start = p_;
      if (measuring && measured_[start].known) {
        p_ = measured_[start].end;
        r_ += measured_[start].instructions;
        return;
      }
      const int r_start = r_;
      ++p_;
      por(e);  // (a group left open is implied closed at the end)
      if (measuring) measured_[start] = Measure{true, p_, r_ - r_start};
      return;
    }
    if (ch == '[') {
      ++p_;
      set(e);
      return;
    }
    if (ch == 0) return;
    if (ch == '.') {
      if (e != kNone) {
        node(r_).op = Op::kDot;
        node(r_).next = e;
      }
      ++r_;
      ++p_;
      return;
    }
    if (ch == '^' && c(1) == '^') {
      ++p_;
      if (e != kNone) {
        node(r_).op = e == fin_ ? Op::kEotext : Op::kBotext;
        node(r_).next = e;
      }
      ++r_;
      ++p_;
      return;
    }
    if (ch == '^' || ch == '$') {
      literal('\n', e);
      return;
    }
    if (ch == '\\') {
      ++p_;
      const unsigned char next = c();
      if (next == '/') {
        if (e != kNone) node(r_).op = Op::kBom;
        ++r_;
        ++p_;
        return;
      }
      if (next == '<' || next == '>') {
        // [^a-zA-Z0-9_] with the newline in it.
        const std::string_view saved = text_;
        const std::size_t saved_p = p_;
        text_ = "[^a-zA-Z0-9_]";
        p_ = 0;
        atom(e);
        text_ = saved;
        p_ = saved_p + 1;
        if (e != kNone) toggle(&nfa_->sets_[node(r_ - 1).set], '\n');
        return;
      }
      if (next == 0) --p_;  // a lone backslash at the end stands for itself
    }
    literal(c(), e);
  }

  void literal(unsigned char ch, int e) {
    if (e != kNone) {
      Node& n = node(r_);
      n.op = Op::kChar;
      n.ch = fold_ && is_upper(ch) ? static_cast<unsigned char>(ch + 32) : ch;
      n.next = e;
    }
    ++r_;
    ++p_;
  }

  // "[...]": procmail's rules, with their oddities: a range goes on from the member
  // before it ("[a-c-e]" is a-e), a reversed range holds only its two ends ("[z-a]" is
  // "az"), a set never closed takes the rest of the regex.
  void set(int e) {
    const bool negated = c() == '^';
    Bytes* bytes = nullptr;
    if (e != kNone) {
      Node& n = node(r_);
      n.op = Op::kClass;
      n.next = e;
      n.set = static_cast<std::uint32_t>(nfa_->sets_.size());
      nfa_->sets_.push_back(negated ? Bytes{~0ULL, ~0ULL, ~0ULL, ~0ULL} : Bytes{});
      bytes = &nfa_->sets_.back();
    }
    // The last member, as procmail's unsigned counter: before any it is UINT_MAX, so
    // that a range right at the start adds nothing below its end.
    unsigned last = 0xFFFFFFFFu;
    if (negated) {
      ++p_;
      if (bytes != nullptr) toggle(bytes, '\n');
    }
    if (c() == ']' || c() == '-') {
      last = c();
      if (bytes != nullptr) toggle(bytes, last);
      ++p_;
    }
    while (true) {
      const unsigned char ch = c();
      if (ch == ']' || ch == 0) {
        if (ch == ']') ++p_;
        ++r_;
        return;
      }
      if (ch == '-') {
        ++p_;
        const unsigned char to = c();
        if (to == 0 || to == ']') {
          --p_;  // a "-" before the "]" (or the end) is a member
        } else if (bytes != nullptr) {
          for (unsigned i = last + 1; i < to; ++i) set_bit(bytes, i & 0xFFu, !negated);
        }
      }
      last = c();
      if (bytes != nullptr) set_bit(bytes, last, !negated);
      ++p_;
    }
  }

  // A sequence of atoms, each with at most one postfix operator.
  void sequence(int e) {
    while (true) {
      std::size_t p_old = p_;
      int r_old = r_;
      int after = 0;
      atom(kNone);  // measure the atom
      const unsigned char op = c();
      if (ends_group(op)) {
        if (e != kNone) {
          p_ = p_old;
          r_ = r_old;
          atom(e);
        }
        return;
      }
      const bool last = ends_group(c(1));
      if (e != kNone) {
        p_ = p_old;
        after = r_;  // the address right after the atom's code
      }
      if (op == '*') {
        ++r_;
        if (e != kNone) {
          eps(r_old, last ? e : r_);
          r_ = r_old + 1;
          atom(r_old);
        }
      } else if (op == '+') {
        if (e != kNone) {
          eps(r_, r_old);
          if (last) {
            node(r_ + 1).op = Op::kJump;
            node(r_ + 1).next = e;
          }
          r_ = r_old;
          atom(after);
        }
        ++r_;
        if (ends_group(c(1))) ++r_;
      } else if (op == '?') {
        ++r_;
        if (e != kNone) {
          r_ = last ? e : r_;
          eps(r_old, r_);
          const int continuation = r_;
          r_ = r_old + 1;
          atom(continuation);
        }
      } else {
        if (e != kNone) {
          r_ = r_old;
          atom(after);
        }
        continue;
      }
      ++p_;
      if (ends_group(c())) return;
    }
  }

  // Alternatives up to ")" or the end. Returns whether the end of the regex was
  // reached (a group never closed).
  bool por(int e) {
    while (true) {
      const std::size_t p_old = p_;
      const int r_old = r_;
      while (true) {
        const unsigned char ch = c();
        if (ch == 0 || ch == ')') {
          if (p_ == p_old) {
            if (e != kNone) {
              node(r_).op = Op::kJump;
              node(r_).next = e;
            }
            ++r_;
          } else {
            p_ = p_old;
            sequence(e);
          }
          if (c() != 0) {
            ++p_;
            return false;
          }
          return e != kNone;
        }
        if (ch == '|') {
          ++r_;
          if (p_ == p_old) {
            if (e != kNone) eps(r_old, e);
          } else {
            p_ = p_old;
            sequence(e);
            if (e != kNone) eps(r_old, r_);
          }
          ++p_;
          break;
        }
        sequence(kNone);
        r_ = r_old;
      }
    }
  }

  struct Measure {
    bool known = false;
    std::size_t end = 0;   // where the group's text ends
    int instructions = 0;  // how many it takes
  };

  std::string_view text_;
  std::string_view regex_;  // the whole regex (text_ is another while "\<" is read)
  bool fold_;
  ProcmailNfa* nfa_;
  std::vector<Measure> measured_;  // by the offset of a group's "("
  std::size_t p_ = 0;
  int r_ = 0;
  int fin_ = 0;
};

ProcmailNfa ProcmailNfa::compile(std::string_view text, bool case_sensitive) {
  ProcmailNfa nfa;
  nfa.fold_ = !case_sensitive;
  // A NUL ends procmail's regex: it is a C string.
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) text = text.substr(0, nul);
  Compiler(text, nfa.fold_, &nfa).run();
  return nfa;
}

// bregexec as procmail runs it: a thread per instruction that consumes a byte, each
// with the position where it last passed "\/" (its start; none yet: kNoStart). The
// threads of one step are a list in the order procmail keeps them; reaching FIN
// records the match (procmail's bom/eom) and from then on only threads that started
// no later survive, and no new attempt begins. procmail's compile-time removal of
// empty loops is replaced by cutting a loop where one expansion meets itself again,
// which gives the same answers wherever procmail gives one.
class ProcmailNfa::Matcher {
 public:
  Matcher(const ProcmailNfa& nfa, std::string_view area, std::size_t work_limit)
      : nfa_(nfa),
        area_(area),
        size_(static_cast<long>(area.size())),
        no_start_(static_cast<long>(area.size()) + 1),
        work_left_(work_limit) {
    const std::size_t n = nfa.nodes_.size();
    for (auto& side : link_) side.assign(n, kAbsent);
    for (auto& side : start_of_) side.assign(n, 0);
    seen_.assign(n, 0);
  }

  Result run() {
    Outcome outcome = Outcome::kGoOn;
    if (node(0).op == Op::kBotext) {
      // "^^" first: it takes the virtual newline before the area, and nothing else
      // starts an attempt.
      initial_ = kNop;
      link(ot_, 0) = other_;
      other_ = 0;
      start_of(ot_, 0) = no_start_;
    } else {
      outcome = step(-1, '\n', false, true);
    }
    for (long k = 0; outcome == Outcome::kGoOn && k < size_; ++k) {
      unsigned c = static_cast<unsigned char>(area_[static_cast<std::size_t>(k)]);
      if (nfa_.fold_ && is_upper(c)) c += 32;
      outcome = step(k, c, false, true);
    }
    if (outcome == Outcome::kGoOn) outcome = step(size_, '\n', true, false);
    if (outcome == Outcome::kGoOn) outcome = step(size_ + 1, '\n', false, false);
    Result result;
    if (outcome == Outcome::kCut) {
      result.cut = true;
      return result;
    }
    if (outcome == Outcome::kMatchedUnassigned) {
      result.matched = true;
      return result;
    }
    if (!recorded_) return result;
    result.matched = true;
    result.assigned = true;
    const long begin = std::max(bom_, 0L);
    const long end = std::min(eom_, size_);
    result.begin = static_cast<std::size_t>(begin);
    result.end = static_cast<std::size_t>(std::max(end, begin));
    return result;
  }

 private:
  enum class Outcome { kGoOn, kDone, kMatchedUnassigned, kCut };
  static constexpr int kAbsent = -2;  // not in a list
  static constexpr int kEnd = -1;     // the end of a list
  static constexpr int kNop = -3;     // no new attempt
  static constexpr int kNoReg = -4;   // no expansion to run

  const Node& node(int r) const { return nfa_.nodes_[static_cast<std::size_t>(r)]; }
  int& link(std::size_t side, int r) { return link_[side][static_cast<std::size_t>(r)]; }
  long& start_of(std::size_t side, int r) { return start_of_[side][static_cast<std::size_t>(r)]; }
  bool in_set(const Node& n, unsigned c) const {
    const Bytes& set = nfa_.sets_[n.set];
    return ((set[c / 64] >> (c % 64)) & 1u) != 0;
  }

  // Drops the threads of list `side` that started after `start`; the rest are kept,
  // in reverse order (as procmail's clean-up leaves them).
  int clean(long start, int head, std::size_t side) {
    int kept = kEnd;
    for (int current = head; current != kEnd;) {
      const int following = link(side, current);
      if (start < start_of(side, current)) {
        link(side, current) = kAbsent;
      } else {
        link(side, current) = kept;
        kept = current;
      }
      current = following;
    }
    return kept;
  }

  // One step: the byte c at position pos (-1 and size_ are the virtual newlines;
  // at size_, "^^" at the end of the regex matches: at_end).
  Outcome step(long pos, unsigned c, bool at_end, bool new_attempt) {
    std::swap(th_, ot_);
    int current = other_;
    other_ = kEnd;
    long start = no_start_;
    int reg = new_attempt ? initial_ : kNoReg;
    while (true) {
      if (reg != kNoReg) {
        // One expansion, depth first, the first branch of a fork first.
        stack_.clear();
        ++stamp_;
        bool go_on = true;
        while (go_on) {
          if (work_left_ == 0) return Outcome::kCut;
          --work_left_;
          if (reg == kNop) {
            if (current == kEnd) return Outcome::kDone;
            break;
          }
          const Node& n = node(reg);
          if (n.op == Op::kEps || n.op == Op::kJump || n.op == Op::kBom) {
            std::uint32_t& mark = seen_[static_cast<std::size_t>(reg)];
            if (mark == stamp_) {
              // Met again in this expansion: a loop that consumes nothing.
              go_on = pop(&reg);
              continue;
            }
            mark = stamp_;
            if (n.op == Op::kEps) {
              stack_.push_back(reg);
              ++reg;
            } else if (n.op == Op::kJump) {
              reg = n.next;
            } else {
              if (!recorded_) start = pos;
              ++reg;
            }
            continue;
          }
          bool accepts = false;
          if (n.op == Op::kFin || (n.op == Op::kEotext && at_end)) {
            if (start >= no_start_) return Outcome::kMatchedUnassigned;
            recorded_ = true;
            bom_ = start;
            current = clean(start, current, th_);
            other_ = clean(start, other_, ot_);
            eom_ = pos;
            initial_ = kNop;
          } else if (n.op == Op::kEotext || n.op == Op::kBotext) {
            accepts = pos < 0;
          } else if (n.op == Op::kClass) {
            accepts = in_set(n, c);
          } else if (n.op == Op::kDot) {
            accepts = c != '\n';
          } else {
            accepts = c == n.ch;
          }
          if (accepts) {
            if (link(ot_, reg) == kAbsent) {
              link(ot_, reg) = other_;
              other_ = reg;
              start_of(ot_, reg) = start;
            } else if (start < start_of(ot_, reg)) {
              start_of(ot_, reg) = start;
            }
          }
          go_on = pop(&reg);
        }
      }
      // The next thread of this step.
      if (current == kEnd) return Outcome::kGoOn;
      const int thread = current;
      current = link(th_, thread);
      link(th_, thread) = kAbsent;
      start = start_of(th_, thread);
      reg = node(thread).next;
    }
  }

  // The second branch of the last fork (procmail keeps the thread's start as it is
  // there, not as it was at the fork). False when there is none.
  bool pop(int* reg) {
    if (stack_.empty()) return false;
    *reg = node(stack_.back()).next;
    stack_.pop_back();
    return true;
  }

  const ProcmailNfa& nfa_;
  std::string_view area_;
  long size_;
  long no_start_;
  std::size_t work_left_;
  std::array<std::vector<int>, 2> link_;
  std::array<std::vector<long>, 2> start_of_;
  std::vector<std::uint32_t> seen_;
  std::uint32_t stamp_ = 0;
  std::vector<int> stack_;
  std::size_t th_ = 0;
  std::size_t ot_ = 1;
  int other_ = kEnd;
  int initial_ = 0;
  bool recorded_ = false;
  long bom_ = 0;
  long eom_ = 0;
};

ProcmailNfa::Result ProcmailNfa::search(std::string_view area, std::size_t work_limit) const {
  return Matcher(*this, area, work_limit).run();
}

}  // namespace mailsift::rc::dialect
