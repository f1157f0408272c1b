// Showing a Diagnostic to a person: where, what, and the line with a caret.
#include <algorithm>

#include "mailsift/limits.h"
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
  std::string_view line = text.substr(start, end - start);
  std::size_t caret = diagnostic.position.column > 1
                          ? std::min(static_cast<std::size_t>(diagnostic.position.column - 1),
                                     line.size())
                          : 0;
  // A very long line (a huge regex) is shown around the caret only.
  std::string_view before;
  std::string_view after;
  if (line.size() > limits::kMaxQuotedInLog) {
    const std::size_t half = limits::kMaxQuotedInLog / 2;
    const std::size_t from =
        std::min(caret > half ? caret - half : 0, line.size() - limits::kMaxQuotedInLog);
    if (from > 0) before = "...";
    if (from + limits::kMaxQuotedInLog < line.size()) after = "...";
    line = line.substr(from, limits::kMaxQuotedInLog);
    caret -= from;
  }
  out += "  ";
  out += before;
  out += line;
  out += after;
  out += "\n  ";
  out.append(before.size(), ' ');
  // Tabs are copied so that the caret lines up under the same column.
  for (std::size_t i = 0; i < caret; ++i) out += line[i] == '\t' ? '\t' : ' ';
  out += "^\n";
  return out;
}

}  // namespace mailsift::rc
