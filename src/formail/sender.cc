#include "mailsift/formail/sender.h"

#include <array>
#include <cstring>

namespace mailsift::formail {
namespace {

// A NUL-terminated work buffer, read and rewritten in place as formail does: an
// address is compacted towards the start of the word it came from.
class AddressBuffer {
 public:
  explicit AddressBuffer(std::string_view text) : bytes_(text) {
    const std::size_t nul = bytes_.find('\0');
    if (nul != std::string::npos) bytes_.resize(nul);
    bytes_.append(4, '\0');
  }

  char at(std::size_t i) const { return i < bytes_.size() ? bytes_[i] : '\0'; }
  void put(std::size_t i, char c) {
    if (i >= bytes_.size()) bytes_.resize(i + 4, '\0');
    bytes_[i] = c;
  }
  // The NUL-terminated text at i.
  std::string c_string(std::size_t i) const {
    if (i >= bytes_.size()) return {};
    return std::string(bytes_.c_str() + i);
  }
  std::size_t skip_blanks(std::size_t i) const {
    while (at(i) == ' ' || at(i) == '\t') ++i;
    return i;
  }

  // From the "(" at start to its ")", nested comments and quoted characters skipped;
  // at the end of the text, the last character.
  std::size_t skip_comment(std::size_t start) const {
    int depth = 1;
    for (;;) {
      const char c = at(++start);
      if (c == '\0') return start - 1;
      if (c == '\\') {
        if (at(start + 1) != '\0') ++start;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        return start;
      }
    }
  }

  // One address from start, compacted in place and NUL-terminated where formail ends
  // it; returns where reading stopped.
  std::size_t skip_words(std::size_t start) {
    int hit_space = 0;  // 1: blank seen, 2: word seen, 3: a word after blanks after a word
    int machine = 0;    // 1: inside <...>, 2: with an embedded , or ;
    int group = 1;      // 1: could be a group, 2: is one, 0: is not
    std::size_t target = start;
    const std::size_t old_start = start;
    if (at(start) == '<') {
      ++start;
      machine = 1;
    }
    for (;;) {
      const char c = at(start);
      char delimiter = 0;
      switch (c) {
        case '<':
          if (machine == 0) return start;
          target = old_start;  // "<" cannot nest: start over
          hit_space = 0;
          ++start;
          continue;
        case '(':
          start = skip_comment(start);
          [[fallthrough]];
        case ' ':
        case '\t':
        case '\n':
          hit_space |= 1;
          ++start;
          continue;
        case ';':
          if (group == 2) put(start + 1, '\0');  // the group ends here
          [[fallthrough]];
        case ',':
          if (group != 2) {
            if (machine == 0) {
              put(target, '\0');
              return start;
            }
            machine = 2;
          }
          hit_space = 0;
          put(target++, at(start++));
          continue;
        case ':':
          if (group == 1) group = 2;
          [[fallthrough]];
        case '@':
        case '.':
          if (group == 1) group = 0;
          hit_space = 0;
          put(target++, at(start++));
          continue;
        case '[':
          delimiter = ']';
          break;
        case '"':
          put(target++, '"');
          delimiter = '"';
          ++start;
          break;
        default:
          if (c == '\0' || c == '>' || (machine == 0 && hit_space == 3 && target > old_start)) {
            if (machine == 2) {  // an embedded , or ;: keep the brackets
              put(target++, '>');
              for (std::size_t i = target; i > old_start; --i) put(i, at(i - 1));
              ++target;
              put(old_start, '<');
            }
            put(target, '\0');
            return start;
          }
          if (c == '\\' && at(start + 1) != '\0') {
            put(target++, '\\');
            ++start;
          }
          hit_space = 2;
          put(target++, at(start++));
          continue;
      }
      // A quoted string or a domain literal, to its closing delimiter. Unclosed, it
      // ends the address (formail read on past the end here: CVE-2014-3618).
      for (;;) {
        const char q = at(start);
        if (q == '\0') {
          put(target, '\0');
          return start;
        }
        put(target++, q);
        ++start;
        if (q == delimiter) break;
        if (q == '\\' && at(start) != '\0') put(target++, at(start++));
      }
      hit_space = 2;
    }
  }

 private:
  std::string bytes_;
};

// The address of a parsed value, from `start`: the <...> part, else the first word.
std::optional<std::string> address_from(AddressBuffer& buffer, std::size_t chp) {
  std::optional<std::size_t> address;
  for (;;) {
    const char c = buffer.at(chp);
    if (c == '\0') break;
    if (c == '<') {
      address = chp;
      buffer.skip_words(chp);
      break;
    }
    if (!address) address = chp;
    const std::size_t next = buffer.skip_words(chp);
    if (next == chp && buffer.at(chp) != '\0' && buffer.at(chp) != '<') break;  // no progress
    chp = next;
  }
  if (!address) return std::nullopt;
  return buffer.c_string(*address);
}

struct Candidate {
  const char* name;
  int header_weight;         // -t
  int header_resent_weight;  // -t -a Resent-
};

// The envelope weight is the index.
constexpr std::array<Candidate, 11> kCandidates{{
    {"Reply-To:", 8, 7},
    {"From:", 7, 6},
    {"Sender:", 6, 5},
    {"Resent-Reply-To:", 0, 10},
    {"Resent-From:", 0, 9},
    {"Resent-Sender:", 0, 8},
    {"Path:", 1, 0},
    {"Return-Receipt-To:", 2, 1},
    {"Errors-To:", 3, 2},
    {"Return-Path:", 5, 4},
    {"From ", 4, 3},
}};
constexpr int kFromLine = 10;
constexpr int kReturnPath = 9;
constexpr int kStep = static_cast<int>(kCandidates.size()) + 1;  // 12

int candidate_index(std::string_view name) {
  for (int i = static_cast<int>(kCandidates.size()) - 1; i >= 0; --i) {
    const std::string_view candidate = kCandidates[static_cast<std::size_t>(i)].name;
    if (candidate.size() == name.size() && strncasecmp(candidate.data(), name.data(), name.size()) == 0)
      return i;
  }
  return -1;
}

// A From_ line's address: the last one of its >From continuations; without a domain, a
// bang path from its "remote from" and "forwarded by" hosts. "<" marks it as whole.
std::string from_line_address(const std::string& value, int* weight) {
  std::size_t start = 0;
  if (value.find('\n') != std::string::npos) *weight -= 2;  // >From lines: less sure
  if (!value.empty() && value[0] == '\n') {
    const std::size_t space = value.find(' ');
    if (space != std::string::npos) start = space + 1;
  }
  std::size_t chp = start;
  for (;;) {
    std::size_t at = value.find('\n', chp);
    if (at == std::string::npos) break;
    at = value.find(' ', at);
    if (at == std::string::npos) break;
    chp = at + 1;
  }
  const std::size_t end = value.find(' ', chp);
  if (end == std::string::npos) return value;
  std::string address = value.substr(chp, end - chp);
  if (address.find('@') == std::string::npos) {
    std::string path;
    std::size_t from = start;
    for (;;) {
      std::size_t remote = value.find(" remote from ", from);
      const std::size_t forwarded = value.find(" forwarded by ", from);
      if (remote == std::string::npos && forwarded == std::string::npos) break;
      if (remote == std::string::npos || (forwarded != std::string::npos && forwarded < remote))
        remote = forwarded + std::strlen(" forwarded by ");
      else
        remote += std::strlen(" remote from ");
      std::size_t i = remote;
      while (i < value.size() && value[i] != '\n') path += value[i++];
      path += '!';
      from = i + 1;
      if (from > value.size()) break;
    }
    address = path + address;
  }
  return "<" + address;
}

}  // namespace

std::optional<std::string> first_address(std::string_view value) {
  AddressBuffer buffer(value);
  std::size_t chp = buffer.skip_blanks(0);
  while (buffer.at(chp) == '\n') chp = buffer.skip_blanks(chp + 1);
  return address_from(buffer, chp);
}

void SenderChooser::consider(const Field& field, bool first_field) {
  const int index = candidate_index(field.name());
  if (index < 0 || (index == kFromLine && !first_field)) return;
  const auto& candidate = kCandidates[static_cast<std::size_t>(index)];
  int weight = weights_ == ReplyWeights::kEnvelope ? index
               : weights_ == ReplyWeights::kHeader ? candidate.header_weight
                                                   : candidate.header_resent_weight;
  std::string value(field.rest());
  if (!value.empty()) value.pop_back();  // the final newline
  value = value.substr(0, value.find('\0'));
  if (index == kFromLine) value = from_line_address(value, &weight);

  std::optional<std::string> address = first_address(value);
  if (!address) return;
  if (!address->empty()) {
    const std::string& a = *address;
    if (a.find_first_of("@!/") == std::string::npos)
      weight -= kStep * 4;  // a local user
    else if (a.find(".UUCP") != std::string::npos)
      weight -= kStep * 3;
    else if (a.find('@') != std::string::npos && a.find('.') == std::string::npos)
      weight -= kStep * 2;  // user@host
    else if (a.find('!') != std::string::npos)
      weight -= kStep * 1;  // a bang path
    if (!sender_ || weight > weight_) {
      weight_ = weight;
      sender_ = std::move(address);
    }
  } else if (index == kReturnPath) {  // "Return-Path: <>" beats everything
    weight_ = kStep;
    sender_ = "<>";
  }
}

}  // namespace mailsift::formail
