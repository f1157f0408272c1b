// The start line of a recipe, ":N flags :lockfile" (behaviour §3.3, §4).
//
// procmail reads the rest of the line after ":" as argument words (expanding
// variables and running backquotes), takes a leading number as the old-style
// condition count, then every byte as a flag letter until one is not: at a ":" the
// rest of that word, or else the next word, is the lockfile; whatever is left is
// logged as Skipped "words joined by blanks" and ignored. mailsift reads the words
// that are plain text now; from the first word with a "$" or a backquote on, the
// words are kept and scanned the same way when the recipe is reached.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/lexer.h"

namespace mailsift::rc {

// What scanning start-line words gives (scan_start_words).
struct ScannedStart {
  // The flags found are set here (flags already set stay set).
  RecipeFlags flags;
  // A ":" was met: a local lockfile, named by `lockfile` ("" to derive the name).
  bool lockfile = false;
  std::string lockfile_name;
  // Where the flags ended and what procmail logs as Skipped ("" when nothing was).
  std::string skipped;
  // Offsets (word index, byte in word) of each flag letter and of the ":", for
  // positions of diagnostics.
  struct At {
    std::size_t word = 0;
    std::size_t byte = 0;
  };
  struct FlagAt {
    char letter;
    At at;
  };
  std::vector<FlagAt> flag_at;
  At lockfile_colon;
  At skipped_at;
};

// Scans words from words[first_word] byte `first_byte` on, as procmail scans its
// start line after the condition count: flag letters (blanks inside a quoted word
// are skipped), ":" and a lockfile, the rest skipped. Sets what it finds in *out.
void scan_start_words(std::span<const std::string_view> words, std::size_t first_word,
                      std::size_t first_byte, ScannedStart* out);

struct StartLine {
  RecipeFlags flags;
  // How many of the following lines are conditions even without "*" (the old
  // syntax ":N"); -1 when no number was written: 1 then, or 0 with A, a, E or e.
  int old_conditions = -1;
  std::optional<Value> lockfile;  // as in Recipe::lockfile
  Position lockfile_colon;        // the ":" that introduces the lockfile
  // Where each flag letter was first written, in the order written, for warnings.
  struct FlagAt {
    char letter;
    Position position;
  };
  std::vector<FlagAt> flag_positions;
  // Text after the flags that procmail skips (its log: Skipped "..."), and where.
  std::string skipped;
  Position skipped_position;
  // When some of the skipped words hold a "$" or a backquote: the words, which
  // procmail expands (and runs) before it logs them joined by blanks; else empty.
  std::vector<Value> skipped_words;
  // From the first word holding a "$" or a backquote on: the words, scanned when the
  // recipe is reached (Recipe::dynamic_flags).
  std::vector<Value> dynamic_words;
  std::string text;  // from the ":" to the end of the line, as written

  std::optional<Position> flag_position(char letter) const {
    for (const FlagAt& flag : flag_positions) {
      if (flag.letter == letter) return flag.position;
    }
    return std::nullopt;
  }
};

// Reads the start line whose ":" is at *pos. *pos is left on the newline that ends
// the line (or at the end of the text). Problems in its words (quotes, bad
// substitutions) are appended to diagnostics; what is skipped is left in `skipped`
// for the caller to report.
StartLine parse_start_line(const SourceText& source, std::size_t* pos,
                           std::vector<Diagnostic>* diagnostics);

// The number of old-style condition lines a start line asks for (behaviour §3.3).
int old_condition_count(const StartLine& line);

}  // namespace mailsift::rc
