#include "mailsift/message/mime/address_list.h"

#include <algorithm>
#include <iterator>

#include "mailsift/message/mime/encoded_words.h"

#include "ascii.h"

namespace mailsift::message::mime {
namespace {

using ascii::lowered;

enum class Kind { kWord, kQuoted, kLiteral, kSpecial };

struct Token {
  Kind kind = Kind::kWord;
  std::string text;     // a word, a quoted string's content, "[literal]", a special
  bool spaced = false;  // blanks or a comment came before it
};

bool is_special(char c) {
  return c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == ':' || c == '.';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct Tokens {
  std::vector<Token> tokens;
  // The comment that ends each token's mailbox is looked for by position: the text
  // of every comment, after the token it follows (index into tokens).
  std::vector<std::pair<std::size_t, std::string>> comments;
};

Tokens tokenize(std::string_view value) {
  Tokens out;
  bool spaced = false;
  std::size_t i = 0;
  auto push = [&](Kind kind, std::string text) {
    out.tokens.push_back({kind, std::move(text), spaced});
    spaced = false;
  };
  while (i < value.size()) {
    const char c = value[i];
    if (is_space(c)) {
      spaced = true;
      ++i;
    } else if (c == '(') {
      std::string text;
      int depth = 1;
      ++i;
      while (i < value.size() && depth > 0) {
        if (value[i] == '\\' && i + 1 < value.size()) {
          text += value[i + 1];
          i += 2;
          continue;
        }
        if (value[i] == '(') ++depth;
        if (value[i] == ')' && --depth == 0) {
          ++i;
          break;
        }
        text += value[i++];
      }
      out.comments.emplace_back(out.tokens.size(), std::move(text));
      spaced = true;
    } else if (c == '"') {
      std::string text;
      ++i;
      while (i < value.size() && value[i] != '"') {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        if (value[i] != '\r' && value[i] != '\n') text += value[i];
        ++i;
      }
      if (i < value.size()) ++i;
      push(Kind::kQuoted, std::move(text));
    } else if (c == '[') {
      const std::size_t close = value.find(']', i);
      const std::size_t end = close == std::string_view::npos ? value.size() : close + 1;
      push(Kind::kLiteral, std::string(value.substr(i, end - i)));
      i = end;
    } else if (is_special(c)) {
      push(Kind::kSpecial, std::string(1, c));
      ++i;
    } else {
      // A word; an encoded word is one word whatever it holds ("=?utf-8?q?a.b,c?=").
      std::size_t end = i;
      while (end < value.size()) {
        if (value.compare(end, 2, "=?") == 0) {
          if (const auto word = read_encoded_word(value, end)) {
            end = word->end;
            continue;
          }
        }
        const char d = value[end];
        if (is_space(d) || is_special(d) || d == '(' || d == '"' || d == '[' || d == ')') break;
        ++end;
      }
      if (end == i) ++end;  // a stray ")" or "]" is a word of its own
      push(Kind::kWord, std::string(value.substr(i, end - i)));
      i = end;
    }
  }
  return out;
}

bool special(const Token& token, char c) {
  return token.kind == Kind::kSpecial && token.text[0] == c;
}

std::string decoded_name(std::string_view raw) { return field_text(raw).text; }

// A phrase (display name) as written: its words with one blank where the field had
// blanks, decoded.
std::string phrase(const std::vector<Token>& tokens, std::size_t from, std::size_t to) {
  std::string raw;
  for (std::size_t k = from; k < to; ++k) {
    if (k > from && tokens[k].spaced) raw += ' ';
    raw += tokens[k].text;
  }
  return decoded_name(raw);
}

class Reader {
 public:
  explicit Reader(std::string_view value) : tokens_(tokenize(value)) {}

  std::vector<Address> run() {
    const std::vector<Token>& t = tokens_.tokens;
    std::size_t start = 0;  // first token of the mailbox being read
    std::size_t k = 0;
    bool at_seen = false;   // an "@" since start
    while (k < t.size()) {
      if (special(t[k], '@')) at_seen = true;
      if (special(t[k], '<')) {
        k = angle(start, k);
        // Anything up to the next "," or ";" belongs to this mailbox.
        while (k < t.size() && !special(t[k], ',') && !special(t[k], ';')) ++k;
        start = k;
        at_seen = false;
        continue;
      }
      if (special(t[k], ':') && !at_seen) {
        start = ++k;  // a group's name
        continue;
      }
      if (special(t[k], ',') || special(t[k], ';')) {
        bare(start, k);
        start = ++k;
        at_seen = false;
        continue;
      }
      ++k;
    }
    bare(start, t.size());
    return std::move(out_);
  }

 private:
  // The last comment written among the tokens [from, to); for "a@x (Name)".
  // Comments are in the order of the tokens they follow.
  std::string comment_in(std::size_t from, std::size_t to) const {
    const auto& comments = tokens_.comments;
    auto past = std::upper_bound(comments.begin(), comments.end(), to,
                                 [](std::size_t at, const auto& c) { return at < c.first; });
    if (past == comments.begin() || std::prev(past)->first < from) return {};
    return std::prev(past)->second;
  }

  // local@domain from the tokens [from, to): a local part of words, quoted strings
  // and dots, "@", a domain of words, dots and literals.
  bool address_in(std::size_t from, std::size_t to, Address* address) const {
    const std::vector<Token>& t = tokens_.tokens;
    std::string local;
    std::size_t k = from;
    for (; k < to && !special(t[k], '@'); ++k) {
      if (t[k].kind == Kind::kSpecial && !special(t[k], '.')) return false;
      local += t[k].text;
    }
    address->local = local;
    address->domain.clear();
    if (k < to) {
      std::string domain;
      for (++k; k < to; ++k) {
        if (t[k].kind == Kind::kSpecial && !special(t[k], '.')) break;
        domain += t[k].text;
      }
      address->domain = lowered(domain);
    }
    return !address->local.empty() || !address->domain.empty();
  }

  // "phrase <[route:]addr-spec>": returns the token after ">".
  std::size_t angle(std::size_t start, std::size_t open) {
    const std::vector<Token>& t = tokens_.tokens;
    std::size_t k = open + 1;
    std::size_t from = k;
    while (k < t.size() && !special(t[k], '>')) {
      if (special(t[k], ',') && !(k + 1 < t.size() && special(t[k + 1], '@'))) break;
      if (special(t[k], ':')) from = k + 1;  // after a route
      ++k;
    }
    Address address;
    if (address_in(from, k, &address)) {
      address.name = phrase(t, start, open);
      if (address.name.empty()) address.name = decoded_name(comment_in(open, k + 1));
      out_.push_back(std::move(address));
    }
    return k < t.size() && special(t[k], '>') ? k + 1 : k;
  }

  // A mailbox without "<>": "local@domain", perhaps with words before it that a
  // lenient reader takes as a name ("John john@x"), and perhaps "(Name)" after it.
  void bare(std::size_t from, std::size_t to) {
    const std::vector<Token>& t = tokens_.tokens;
    if (from >= to) return;
    std::size_t at = to;
    for (std::size_t k = from; k < to; ++k)
      if (special(t[k], '@')) at = k;
    std::size_t begin = from;
    std::size_t end = to;
    if (at != to) {
      // The local part runs back from "@" while the tokens touch; the domain on from it.
      begin = at;
      while (begin > from && !t[begin].spaced && t[begin - 1].kind != Kind::kLiteral &&
             (t[begin - 1].kind != Kind::kSpecial || special(t[begin - 1], '.')))
        --begin;
      end = at + 1;
      while (end < to && !t[end].spaced &&
             (t[end].kind == Kind::kWord || t[end].kind == Kind::kLiteral ||
              special(t[end], '.')))
        ++end;
    } else if (to - from != 1 && !(to - from == 3 && special(t[from + 1], '.'))) {
      // Several words and no "@": a phrase, not an address.
      bool dotted = true;
      for (std::size_t k = from; k < to; ++k)
        if (t[k].spaced && k > from) dotted = false;
      if (!dotted) return;
    }
    Address address;
    if (!address_in(begin, end, &address)) return;
    address.name = phrase(t, from, begin);
    if (address.name.empty()) address.name = decoded_name(comment_in(from, to));
    out_.push_back(std::move(address));
  }

  Tokens tokens_;
  std::vector<Address> out_;
};

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  if (static_cast<unsigned char>(c) >= 0x80) return true;  // RFC 6532
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char last = 0;
  for (const char c : text) {
    if (c == '.' && last == '.') return false;
    if (c != '.' && !is_atext(c)) return false;
    last = c;
  }
  return true;
}

}  // namespace

std::string Address::text() const {
  std::string out;
  if (is_dot_atom(local)) {
    out = local;
  } else {
    out = "\"";
    for (const char c : local) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  if (!domain.empty()) out += "@" + domain;
  return out;
}

std::vector<Address> parse_address_list(std::string_view value) { return Reader(value).run(); }

}  // namespace mailsift::message::mime
