// The lowest level of reading rcfile text, shared by the parsers: byte classes,
// source positions of byte offsets, logical lines (backslash-newline continuation)
// and the "squeezing" of continued condition lines (behaviour §3.3).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/rc/value.h"

namespace mailsift::rc {

// Blank is space or tab only: CR, FF and VT are ordinary bytes to procmail.
bool is_blank(char c);
bool is_digit(char c);

// The position of text[offset], given the position of text[0] (a newline in text
// starts a new line at column 1).
Position advance_position(Position base, std::string_view text, std::size_t offset);

// An rcfile's text with an index of its line starts, so that positions of byte
// offsets are found in logarithmic time.
class SourceText {
 public:
  explicit SourceText(std::string_view text);

  std::string_view text() const { return text_; }
  std::size_t size() const { return text_.size(); }
  bool at_end(std::size_t offset) const { return offset >= text_.size(); }
  // The byte at offset, or '\n' past the end (the end of the text ends a line).
  char at(std::size_t offset) const { return offset < text_.size() ? text_[offset] : '\n'; }

  Position position_of(std::size_t offset) const;
  // The offset of a position inside the text (clamped to the text).
  std::size_t offset_of(Position position) const;

  // The offset of the newline ending the physical line of offset (or the end).
  std::size_t line_end(std::size_t offset) const;
  // The offset of the first byte of the next physical line (or the end).
  std::size_t next_line(std::size_t offset) const;
  // The end of the logical line starting at offset: the first newline not preceded
  // by a backslash (or the end). Quotes do not matter here: procmail reads "| cmd"
  // action lines and condition lines this way.
  std::size_t logical_line_end(std::size_t offset) const;
  // The first offset at or after offset that is not a blank.
  std::size_t skip_blanks(std::size_t offset) const;

 private:
  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

// procmail keeps the CR of a CR LF line end as part of the line (LOGFILE=log names
// "log\r", a regex ends in a CR that no header holds, a flag letter "\r" is
// unknown). mailsift reads CR LF as a line end, which is what the writer of such a
// file meant: every CR right before a newline is dropped from text. Returns a
// warning at the first one, or nullopt when there was none.
std::optional<Diagnostic> drop_carriage_returns(std::string* text);

// Text assembled from pieces of a source, with the source position of each byte.
// Kept as the positions where pieces start (one per physical line the text spans),
// not one per byte: every condition line of an rcfile is one of these.
struct MappedText {
  // text[offset] is at position, and each following byte one column further, up to
  // the next piece (or the end of the text).
  struct Piece {
    std::size_t offset = 0;
    Position position;
  };

  std::string text;
  std::vector<Piece> pieces;  // by offset; the first at 0 when text is not empty
  Position end;               // just after the last byte

  // The position of text[offset]; end when offset is at or past the end.
  Position position_of(std::size_t offset) const;
  // text[from, to) with its positions; `after` becomes its end.
  MappedText slice(std::size_t from, std::size_t to, Position after) const;
};

// text as it stands in a file from position at (a newline starts a new line).
MappedText map_text(std::string_view text, Position at);
// The bytes [from, to) of source with their positions.
MappedText map_source(const SourceText& source, std::size_t from, std::size_t to);

// Reads a condition line from offset (just after the "*", or the start of an
// old-style condition line) to the end of its logical line, squeezed as procmail
// does: each backslash-newline is removed together with the blanks that start the
// continuation line; then blanks at both ends are removed. *end is set to the offset
// of the newline that ends the condition (or the end of the text).
MappedText read_condition_line(const SourceText& source, std::size_t offset, std::size_t* end);

}  // namespace mailsift::rc
