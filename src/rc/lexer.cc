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

MappedText read_condition_line(const SourceText& source, std::size_t offset, std::size_t* end) {
  const std::string_view text = source.text();
  MappedText out;
  std::size_t i = offset;
  const std::size_t line_length = source.line_end(offset) - offset;
  out.text.reserve(line_length);
  out.positions.reserve(line_length + 1);
  // Within one physical line each byte is one column further: the line table is
  // consulted only where a line starts.
  Position at = source.position_of(i);
  while (i < text.size() && text[i] != '\n') {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
      i = source.skip_blanks(i + 2);
      at = source.position_of(i);
      continue;
    }
    out.text += text[i];
    out.positions.push_back(at);
    ++at.column;
    ++i;
  }
  *end = i;
  out.positions.push_back(at);
  // Trim blanks at both ends (the position list keeps its extra end element).
  std::size_t first = 0;
  while (first < out.text.size() && is_blank(out.text[first])) ++first;
  std::size_t last = out.text.size();
  while (last > first && is_blank(out.text[last - 1])) --last;
  // After the text: the position following its last byte.
  const Position after =
      last > first ? advance_position(out.positions[last - 1], "x", 1) : out.positions[first];
  out.text.erase(last);
  out.text.erase(0, first);
  out.positions.erase(out.positions.begin() + static_cast<std::ptrdiff_t>(last),
                      out.positions.end());
  out.positions.erase(out.positions.begin(),
                      out.positions.begin() + static_cast<std::ptrdiff_t>(first));
  out.positions.push_back(after);
  return out;
}

}  // namespace mailsift::rc
