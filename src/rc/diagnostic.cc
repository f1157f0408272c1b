// Showing a Diagnostic to a person: where, what, and the line with a caret.
#include "mailsift/rc/parser.h"

namespace mailsift::rc {

std::string format_diagnostic(const std::string& file, std::string_view text,
                              const Diagnostic& diagnostic) {
  const char* severity = diagnostic.severity == Severity::kWarning ? "warning" : "error";
  std::string out = file + ":" + std::to_string(diagnostic.position.line) + ":" +
                    std::to_string(diagnostic.position.column) + ": " + severity + ": " +
                    diagnostic.message + "\n";
  std::size_t start = 0;
  for (int line = 1; line < diagnostic.position.line && start < text.size(); ++line) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      start = text.size();
      break;
    }
    start = nl + 1;
  }
  std::size_t end = text.find('\n', start);
  if (end == std::string_view::npos) end = text.size();
  const std::string_view line = text.substr(start, end - start);
  out += "  ";
  out += line;
  out += "\n  ";
  // Tabs are copied so that the caret lines up under the same column.
  for (int i = 1; i < diagnostic.position.column && static_cast<std::size_t>(i) <= line.size();
       ++i)
    out += line[static_cast<std::size_t>(i - 1)] == '\t' ? '\t' : ' ';
  out += "^\n";
  return out;
}

}  // namespace mailsift::rc
