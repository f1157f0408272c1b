#include "mailsift/rc/start_line.h"

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

bool at_line_end(const SourceText& source, std::size_t offset) {
  return source.at_end(offset) || source.at(offset) == '\n';
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

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

StartLine parse_start_line(const SourceText& source, std::size_t* pos,
                           std::vector<Diagnostic>* diagnostics) {
  StartLine line;
  const std::size_t colon = *pos;
  std::size_t i = colon + 1;
  auto report = [&](std::size_t at, std::string message, Severity severity) {
    diagnostics->push_back({source.position_of(at), std::move(message), severity});
  };

  // The old-style condition count (procmail reads it with strtol, which skips blanks).
  std::size_t p = source.skip_blanks(i);
  bool counted = false;
  long long count = 0;
  while (!source.at_end(p) && is_digit(source.at(p))) {
    counted = true;
    count = count * 10 + (source.at(p) - '0');
    if (count > INT_MAX) count = INT_MAX;
    ++p;
  }
  if (counted) i = p;

  bool any_flag = false;
  while (true) {
    i = skip_separators(source, i);
    if (at_line_end(source, i)) break;
    const char c = source.at(i);
    if (c == '#' && is_blank(source.at(i - 1))) {
      // A comment starts at a word: "#" after a blank (procmail skips "c#x" as junk).
      i = source.line_end(i);
      break;
    }
    if (c == ':') {
      line.lockfile_colon = source.position_of(i);
      i = skip_separators(source, i + 1);
      if (at_line_end(source, i) || source.at(i) == '#') {
        line.lockfile = Value{};  // ":0:" — the name is derived from the action
        i = source.line_end(i);
        break;
      }
      line.lockfile = parse_value(source.text(), &i, Position{}, diagnostics);
      i = skip_separators(source, i);
      if (!at_line_end(source, i) && source.at(i) != '#') {
        // procmail logs the rest as "Skipped"; a second lockfile name is a mistake.
        const std::size_t end = source.line_end(i);
        report(i,
               "unexpected \"" + printable(source.text().substr(i, end - i)) +
                   "\" after the lockfile name (a recipe has one lockfile)",
               Severity::kError);
      }
      i = source.line_end(i);
      break;
    }
    if (c == '$' || c == '`') {
      // procmail expands the flags; mailsift reads them before any variable is set.
      report(i, "variables in the flags of a start line are not supported", Severity::kError);
      i = source.line_end(i);
      break;
    }
    if (const FlagLetter* flag = flag_letter(c)) {
      line.flags.*(flag->member) = true;
      if (!line.flag_position(c)) line.flag_positions.push_back({c, source.position_of(i)});
      any_flag = true;
      ++i;
      continue;
    }
    const std::size_t end = source.line_end(i);
    const std::string rest = printable(source.text().substr(i, end - i));
    if (any_flag) {
      // procmail ignores an unknown letter and everything after it on the line, so
      // mailsift does too (the file runs as it would with procmail), but says so.
      report(i,
             "unknown flag \"" + printable(std::string_view(&c, 1)) +
                 "\": ignored, with the rest of the start line (\"" + rest + "\"), as procmail does",
             Severity::kWarning);
    } else {
      report(i,
             "unexpected \"" + rest +
                 "\" on the start line: expected flags (HBDAahbfcwWiEer), \":\" and a lockfile, "
                 "or the end of the line" +
                 (c == '\r' ? " (the file seems to have DOS line ends, CR LF)" : ""),
             Severity::kError);
    }
    i = end;
    break;
  }

  const RecipeFlags& f = line.flags;
  if (counted) {
    line.old_conditions = static_cast<int>(count);
  } else {
    line.old_conditions =
        f.also_if_matched || f.also_if_succeeded || f.else_if || f.on_error ? 0 : 1;
  }
  // The start line as written, up to the end of its first line.
  const std::size_t first_end = source.line_end(colon);
  line.text = std::string(source.text().substr(colon, first_end - colon));
  *pos = i;
  return line;
}

}  // namespace mailsift::rc
