#include "mailsift/rc/start_line.h"

#include <array>
#include <climits>

namespace mailsift::rc {
namespace {

struct FlagLetter {
  char letter;
  bool RecipeFlags::*member;
};

constexpr FlagLetter kFlagLetters[] = {
    {'H', &RecipeFlags::header},           {'B', &RecipeFlags::body},
    {'D', &RecipeFlags::case_sensitive},   {'A', &RecipeFlags::also_if_matched},
    {'a', &RecipeFlags::also_if_succeeded}, {'E', &RecipeFlags::else_if},
    {'e', &RecipeFlags::on_error},         {'h', &RecipeFlags::deliver_head},
    {'b', &RecipeFlags::deliver_body},     {'f', &RecipeFlags::filter},
    {'c', &RecipeFlags::copy},             {'w', &RecipeFlags::wait},
    {'W', &RecipeFlags::wait_quietly},     {'i', &RecipeFlags::ignore_write_errors},
    {'r', &RecipeFlags::raw},
};

const FlagLetter* flag_letter(char c) {
  for (const auto& f : kFlagLetters)
    if (f.letter == c) return &f;
  return nullptr;
}

bool is_continuation(const SourceText& source, std::size_t offset) {
  return source.at(offset) == '\\' && offset + 1 < source.size() && source.at(offset + 1) == '\n';
}

// Blanks and backslash-newlines (the start line is read in argument mode).
std::size_t skip_separators(const SourceText& source, std::size_t offset) {
  while (!source.at_end(offset)) {
    if (is_blank(source.at(offset))) {
      ++offset;
    } else if (is_continuation(source, offset)) {
      offset += 2;
    } else {
      break;
    }
  }
  return offset;
}

bool is_plain(const Value& word) {
  for (const ValuePart& part : word)
    if (part.kind != ValuePart::Kind::kLiteral) return false;
  return true;
}

std::string text_of(const Value& word) {
  std::string out;
  for (const ValuePart& part : word) out += part.text;
  return out;
}

// The literal bytes a word starts with, up to its first substitution or backquote.
std::string literal_prefix(const Value& word) {
  std::string out;
  for (const ValuePart& part : word) {
    if (part.kind != ValuePart::Kind::kLiteral) break;
    out += part.text;
  }
  return out;
}

// The word without its first n literal bytes.
Value drop_literal_prefix(const Value& word, std::size_t n) {
  Value out;
  for (const ValuePart& part : word) {
    if (n > 0 && part.kind == ValuePart::Kind::kLiteral) {
      if (part.text.size() <= n) {
        n -= part.text.size();
        continue;
      }
      ValuePart rest = part;
      rest.text.erase(0, n);
      n = 0;
      out.push_back(std::move(rest));
      continue;
    }
    n = 0;
    out.push_back(part);
  }
  return out;
}

// The count procmail's strtol reads at the start of the first word: an optional
// sign and digits. Returns the bytes it took (0 when there is no number).
std::size_t read_count(const std::string& word, long long* count) {
  std::size_t i = 0;
  bool negative = false;
  if (i < word.size() && (word[i] == '+' || word[i] == '-')) {
    negative = word[i] == '-';
    ++i;
  }
  const std::size_t digits_start = i;
  long long value = 0;
  while (i < word.size() && is_digit(word[i])) {
    value = value * 10 + (word[i] - '0');
    if (value > INT_MAX) value = INT_MAX;
    ++i;
  }
  if (i == digits_start) return 0;
  *count = negative ? -value : value;
  return i;
}

}  // namespace

void scan_start_words(std::span<const std::string_view> words, std::size_t first_word,
                      std::size_t first_byte, ScannedStart* out) {
  std::size_t w = first_word;
  std::size_t b = first_byte;
  // What is left, joined with blanks as procmail's concatenate() does.
  auto rest = [&](std::size_t word, std::size_t byte) {
    std::string text(words[word].substr(std::min(byte, words[word].size())));
    for (std::size_t i = word + 1; i < words.size(); ++i) {
      text += ' ';
      text += words[i];
    }
    return text;
  };
  while (w < words.size()) {
    const std::string_view word = words[w];
    // skpspace: blanks inside a (quoted) word are passed over.
    while (b < word.size() && is_blank(word[b])) ++b;
    if (b >= word.size()) {
      ++w;
      b = 0;
      continue;
    }
    const char c = word[b];
    if (const FlagLetter* flag = flag_letter(c)) {
      out->flags.*(flag->member) = true;
      out->flag_at.push_back({c, {w, b}});
      ++b;
      continue;
    }
    if (c == ':') {
      out->lockfile = true;
      out->lockfile_colon = {w, b};
      if (b + 1 < word.size()) {
        out->lockfile_name = std::string(word.substr(b + 1));
        ++w;
        b = 0;
      } else if (w + 1 < words.size()) {
        out->lockfile_name = std::string(words[w + 1]);
        w += 2;
        b = 0;
      } else {
        w = words.size();
      }
    }
    break;
  }
  if (w < words.size()) {
    out->skipped = rest(w, b);
    out->skipped_at = {w, b};
  }
}

namespace {

// The usual start line (":0", ":0 Bc:", ":0 Wh: msgid.lock"): only plain words, read
// without building Values (a thousand recipes are a thousand start lines). nullopt
// for anything else: quotes, escapes, substitutions, backquotes, comments.
std::optional<StartLine> plain_start_line(const SourceText& source, std::size_t* pos) {
  const std::size_t colon = *pos;
  const std::size_t end = source.line_end(colon);
  const std::string_view text = source.text().substr(colon + 1, end - colon - 1);
  if (text.find_first_of("$`'\"\\#") != std::string_view::npos) return std::nullopt;
  constexpr std::size_t kMaxWords = 8;
  std::array<std::string_view, kMaxWords> words;
  std::array<std::size_t, kMaxWords> starts{};
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i >= text.size()) break;
    if (count == kMaxWords) return std::nullopt;
    std::size_t j = i;
    while (j < text.size() && !is_blank(text[j])) ++j;
    words[count] = text.substr(i, j - i);
    starts[count] = colon + 1 + i;
    ++count;
    i = j;
  }
  StartLine line;
  const std::span<const std::string_view> views(words.data(), count);
  std::size_t first_byte = 0;
  if (count > 0) {
    long long number = 0;
    first_byte = read_count(std::string(views[0]), &number);
    if (first_byte > 0) line.old_conditions = number < 0 ? -1 : static_cast<int>(number);
  }
  ScannedStart scanned;
  scan_start_words(views, 0, first_byte, &scanned);
  const auto position_at = [&](const ScannedStart::At& at) {
    return source.position_of(starts[at.word] + at.byte);
  };
  line.flags = scanned.flags;
  for (const auto& flag : scanned.flag_at) {
    if (!line.flag_position(flag.letter))
      line.flag_positions.push_back({flag.letter, position_at(flag.at)});
  }
  if (scanned.lockfile) {
    line.lockfile_colon = position_at(scanned.lockfile_colon);
    line.lockfile = Value{};
    if (!scanned.lockfile_name.empty()) {
      ValuePart part;
      part.text = std::move(scanned.lockfile_name);
      line.lockfile->push_back(std::move(part));
    }
  }
  if (!scanned.skipped.empty()) {
    line.skipped = std::move(scanned.skipped);
    line.skipped_position = position_at(scanned.skipped_at);
  }
  line.text = std::string(source.text().substr(colon, end - colon));
  *pos = end;
  return line;
}

}  // namespace

StartLine parse_start_line(const SourceText& source, std::size_t* pos,
                           std::vector<Diagnostic>* diagnostics) {
  if (std::optional<StartLine> plain = plain_start_line(source, pos)) return std::move(*plain);
  StartLine line;
  const std::size_t colon = *pos;
  // The words of the line, each with where it starts (for positions).
  std::vector<Value> words;
  std::vector<std::size_t> starts;
  std::vector<std::size_t> ends;
  std::size_t i = colon + 1;
  while (true) {
    i = skip_separators(source, i);
    if (source.at_end(i) || source.at(i) == '\n') break;
    if (source.at(i) == '#') {  // a comment at the start of a word
      i = source.line_end(i);
      break;
    }
    const std::size_t start = i;
    Value word = parse_value(source.text(), &i, Position{}, diagnostics);
    if (i == start) {  // nothing read (cannot happen: guard against a loop)
      i = source.line_end(i);
      break;
    }
    words.push_back(std::move(word));
    starts.push_back(start);
    ends.push_back(i);
  }

  // The plain words are scanned now, and the plain bytes that start the first word
  // with a substitution or a backquote (":0:$HOME/lock" has its lockfile there);
  // the rest of that word and the words after it when the recipe is reached.
  std::vector<std::string> owned;
  std::size_t plain = 0;
  while (plain < words.size() && is_plain(words[plain])) {
    owned.push_back(text_of(words[plain]));
    ++plain;
  }
  const bool partial = plain < words.size();
  if (partial) owned.push_back(literal_prefix(words[plain]));
  const std::vector<std::string_view> texts(owned.begin(), owned.end());

  auto position_at = [&](const ScannedStart::At& at) {
    // Exact for an unquoted word; the start of the word otherwise.
    const std::size_t start = starts[at.word];
    const bool exact = !words[at.word].empty() && !words[at.word][0].quoted &&
                       (words[at.word].size() == 1 || at.word == plain);
    return source.position_of(exact ? start + at.byte : start);
  };
  // The words from `first` on as written (for a Skipped text that holds some).
  auto raw_words = [&](std::size_t first) {
    std::string out;
    for (std::size_t w = first; w < words.size(); ++w) {
      if (w > first) out += ' ';
      out += source.text().substr(starts[w], ends[w] - starts[w]);
    }
    return out;
  };

  std::size_t first_byte = 0;
  if (!texts.empty()) {
    long long count = 0;
    first_byte = read_count(owned[0], &count);
    if (first_byte > 0) line.old_conditions = count < 0 ? -1 : static_cast<int>(count);
  }
  ScannedStart scanned;
  scan_start_words(texts, 0, first_byte, &scanned);
  line.flags = scanned.flags;
  for (const auto& flag : scanned.flag_at) {
    if (!line.flag_position(flag.letter))
      line.flag_positions.push_back({flag.letter, position_at(flag.at)});
  }
  // The word after the lockfile's (where skipping starts), when there is one.
  std::size_t after_lockfile = words.size();
  if (scanned.lockfile) {
    const ScannedStart::At colon_at = scanned.lockfile_colon;
    line.lockfile_colon = position_at(colon_at);
    const std::size_t word = colon_at.word;
    if (partial && word == plain) {
      // ":0:$HOME/lock": the name is the rest of this word.
      line.lockfile = drop_literal_prefix(words[word], colon_at.byte + 1);
      after_lockfile = word + 1;
    } else if (colon_at.byte + 1 < texts[word].size()) {
      ValuePart part;
      part.text = std::string(texts[word].substr(colon_at.byte + 1));
      line.lockfile = Value{part};
      after_lockfile = word + 1;
    } else if (word + 1 < words.size()) {
      // The next word is the name (kept as parsed: a quoted or a "$" name).
      line.lockfile = words[word + 1];
      after_lockfile = word + 2;
    } else {
      line.lockfile = Value{};  // ":0:" (the name is derived from the action)
    }
    if (after_lockfile < words.size()) {
      line.skipped = after_lockfile < plain ? scanned.skipped : raw_words(after_lockfile);
      if (after_lockfile < plain && partial) line.skipped += ' ' + raw_words(plain);
      line.skipped_position = source.position_of(starts[after_lockfile]);
    }
  } else if (!scanned.skipped.empty()) {
    // An unknown byte ended the flags: the rest of the line is skipped.
    const ScannedStart::At at = scanned.skipped_at;
    if (partial && at.word == plain) {
      line.skipped = raw_words(plain).substr(at.byte);
    } else {
      line.skipped = scanned.skipped;
      if (partial) line.skipped += ' ' + raw_words(plain);
    }
    line.skipped_position = position_at(at);
  } else if (partial) {
    // Every plain byte was a flag: the rest is scanned when the recipe is reached.
    line.dynamic_words.push_back(drop_literal_prefix(words[plain], texts.back().size()));
    for (std::size_t w = plain + 1; w < words.size(); ++w) line.dynamic_words.push_back(words[w]);
  }

  // Skipped words that are expanded when the recipe is reached.
  auto keep_skipped_words = [&](std::size_t word, std::size_t byte) {
    if (word >= words.size()) return;
    line.skipped_words.push_back(byte > 0 ? drop_literal_prefix(words[word], byte) : words[word]);
    for (std::size_t w = word + 1; w < words.size(); ++w) line.skipped_words.push_back(words[w]);
  };
  if (!line.skipped.empty() && partial) {
    if (scanned.lockfile) {
      keep_skipped_words(after_lockfile, 0);
    } else {
      keep_skipped_words(scanned.skipped_at.word, scanned.skipped_at.byte);
    }
  }

  // The start line as written, up to the end of its first line.
  const std::size_t first_end = source.line_end(colon);
  line.text = std::string(source.text().substr(colon, first_end - colon));
  *pos = i;
  return line;
}

int old_condition_count(const StartLine& line) {
  if (line.old_conditions >= 0) return line.old_conditions;
  const RecipeFlags& f = line.flags;
  return f.also_if_matched || f.also_if_succeeded || f.else_if || f.on_error ? 0 : 1;
}

}  // namespace mailsift::rc
