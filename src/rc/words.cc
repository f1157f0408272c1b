// Argument-mode words: action lines and commands run without a shell.
#include <string>

#include "mailsift/rc/parser.h"

namespace mailsift::rc {

std::vector<Value> parse_words(std::string_view text, Position at,
                               std::vector<Diagnostic>* diagnostics) {
  std::size_t pos = 0;
  return parse_argument_words(text, &pos, false, at, diagnostics);
}

std::vector<Value> parse_command_words(const MappedText& command,
                                       std::vector<Diagnostic>* diagnostics) {
  // Positions are found relative to {1,1} and then mapped through the source
  // positions of the bytes (a squeezed condition is not contiguous in the source).
  std::vector<Diagnostic> found;
  std::size_t pos = 0;
  std::vector<Value> words = parse_argument_words(command.text, &pos, false, Position{}, &found);
  constexpr std::string_view kDefaultShellMetas = "&|<>~;?*[";
  if (command.text.find_first_of(kDefaultShellMetas) != std::string::npos) return words;
  for (Diagnostic& d : found) {
    // Back from (line, column) to an offset in the text.
    std::size_t offset = 0;
    for (int line = 1; line < d.position.line && offset < command.text.size(); ++offset)
      if (command.text[offset] == '\n') ++line;
    offset += static_cast<std::size_t>(d.position.column - 1);
    d.position = command.position_of(offset);
    diagnostics->push_back(std::move(d));
  }
  return words;
}

}  // namespace mailsift::rc
