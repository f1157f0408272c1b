#include "mailsift/rc/lexer.h"

#include <algorithm>

namespace mailsift::rc {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

Position advance_position(Position base, std::string_view text, std::size_t offset) {
  Position p = base;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_starts_.push_back(i + 1);
}

Position SourceText::position_of(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  // The last line start that is <= offset.
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
  const auto line = static_cast<std::size_t>(it - line_starts_.begin());
  return Position{static_cast<int>(line + 1), static_cast<int>(offset - *it + 1)};
}

std::size_t SourceText::offset_of(Position position) const {
  if (position.line < 1) return 0;
  const auto line = static_cast<std::size_t>(position.line - 1);
  if (line >= line_starts_.size()) return text_.size();
  const std::size_t column = position.column < 1 ? 0 : static_cast<std::size_t>(position.column - 1);
  return std::min(line_starts_[line] + column, text_.size());
}

std::size_t SourceText::line_end(std::size_t offset) const {
  const std::size_t nl = text_.find('\n', offset);
  return nl == std::string_view::npos ? text_.size() : nl;
}

std::size_t SourceText::next_line(std::size_t offset) const {
  const std::size_t end = line_end(offset);
  return end < text_.size() ? end + 1 : end;
}

std::size_t SourceText::logical_line_end(std::size_t offset) const {
  std::size_t end = line_end(offset);
  // procmail does not count backslashes: a line ending in "\\" continues too.
  while (end < text_.size() && end > offset && text_[end - 1] == '\\') end = line_end(end + 1);
  return end;
}

std::size_t SourceText::skip_blanks(std::size_t offset) const {
  while (offset < text_.size() && is_blank(text_[offset])) ++offset;
  return offset;
}

std::optional<Diagnostic> drop_carriage_returns(std::string* text) {
  if (text->find('\r') == std::string::npos) return std::nullopt;  // nearly every file
  std::optional<Diagnostic> warning;
  std::size_t out = 0;
  int line = 1;
  for (std::size_t i = 0; i < text->size(); ++i) {
    const char c = (*text)[i];
    if (c == '\r' && i + 1 < text->size() && (*text)[i + 1] == '\n') {
      if (!warning)
        warning = Diagnostic{Position{line, 1},
                             "the file has DOS line ends (CR LF); they are read as plain line "
                             "ends (procmail keeps each CR as part of its line)",
                             Severity::kWarning,
                             {}};
      continue;
    }
    if (c == '\n') ++line;
    (*text)[out++] = c;
  }
  text->resize(out);
  return warning;
}

Position MappedText::position_of(std::size_t offset) const {
  if (offset >= text.size() || pieces.empty()) return end;
  auto piece = pieces.rbegin();
  while (piece + 1 != pieces.rend() && piece->offset > offset) ++piece;
  return Position{piece->position.line,
                  piece->position.column + static_cast<int>(offset - piece->offset)};
}

MappedText MappedText::slice(std::size_t from, std::size_t to, Position after) const {
  MappedText out;
  to = std::min(to, text.size());
  from = std::min(from, to);
  out.text = text.substr(from, to - from);
  out.end = after;
  if (from == to) return out;
  out.pieces.push_back({0, position_of(from)});
  for (const Piece& piece : pieces) {
    if (piece.offset > from && piece.offset < to)
      out.pieces.push_back({piece.offset - from, piece.position});
  }
  return out;
}

namespace {

// Appends bytes that start at position at to out, a new piece after each newline.
void append_lines(std::string_view bytes, Position at, MappedText* out) {
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t newline = bytes.find('\n', start);
    const std::size_t stop = newline == std::string_view::npos ? bytes.size() : newline + 1;
    out->pieces.push_back({out->text.size(), at});
    out->text.append(bytes.substr(start, stop - start));
    at = Position{at.line + 1, 1};
    start = stop;
  }
}

}  // namespace

MappedText map_text(std::string_view text, Position at) {
  MappedText out;
  append_lines(text, at, &out);
  out.end = advance_position(at, text, text.size());
  return out;
}

MappedText map_source(const SourceText& source, std::size_t from, std::size_t to) {
  MappedText out;
  to = std::min(to, source.size());
  from = std::min(from, to);
  append_lines(source.text().substr(from, to - from), source.position_of(from), &out);
  out.end = source.position_of(to);
  return out;
}

MappedText read_condition_line(const SourceText& source, std::size_t offset, std::size_t* end) {
  const std::string_view text = source.text();
  MappedText line;
  // Each physical line's part is one piece: the line table is consulted only where
  // a piece starts. Leading blanks are left out as the pieces are read.
  std::size_t i = offset;
  while (true) {
    const std::size_t newline = source.line_end(i);
    const bool continued = newline < text.size() && newline > i && text[newline - 1] == '\\';
    const std::size_t stop = continued ? newline - 1 : newline;
    if (line.text.empty()) {
      while (i < stop && is_blank(text[i])) ++i;
    }
    if (i < stop) {
      line.pieces.push_back({line.text.size(), source.position_of(i)});
      line.text.append(text.substr(i, stop - i));
    }
    if (!continued) {
      i = newline;
      break;
    }
    i = source.skip_blanks(newline + 1);
  }
  *end = i;
  line.end = source.position_of(i);
  // Trailing blanks go too; the end is then the position after the last byte kept
  // (not the end of a continuation line that only added blanks).
  std::size_t last = line.text.size();
  while (last > 0 && is_blank(line.text[last - 1])) --last;
  if (last == 0) {
    line.text.clear();
    line.pieces.clear();
    return line;
  }
  Position after = line.position_of(last - 1);
  ++after.column;
  line.text.resize(last);
  while (!line.pieces.empty() && line.pieces.back().offset >= last) line.pieces.pop_back();
  line.end = after;
  return line;
}

}  // namespace mailsift::rc
