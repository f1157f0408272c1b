// The start line of a recipe, ":N flags :lockfile" (behaviour §3.3, §4).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mailsift/rc/ast.h"
#include "mailsift/rc/lexer.h"

namespace mailsift::rc {

struct StartLine {
  RecipeFlags flags;
  // How many of the following lines are conditions even without "*" (the old
  // syntax ":N"; ":" or ": flags" without a number means 1, or 0 with A, a, E or e).
  int old_conditions = 0;
  std::optional<Value> lockfile;  // as in Recipe::lockfile
  Position lockfile_colon;        // the ":" that introduces the lockfile
  // Where each flag letter was first written, in the order written, for warnings.
  struct FlagAt {
    char letter;
    Position position;
  };
  std::vector<FlagAt> flag_positions;
  std::string text;  // from the ":" to the end of the line, as written

  std::optional<Position> flag_position(char letter) const {
    for (const FlagAt& flag : flag_positions) {
      if (flag.letter == letter) return flag.position;
    }
    return std::nullopt;
  }
};

// Reads the start line whose ":" is at *pos. *pos is left on the newline that ends
// the line (or at the end of the text). Problems are appended to diagnostics.
StartLine parse_start_line(const SourceText& source, std::size_t* pos,
                           std::vector<Diagnostic>* diagnostics);

}  // namespace mailsift::rc
