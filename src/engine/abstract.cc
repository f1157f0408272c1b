#include "mailsift/engine/abstract.h"

#include <cctype>
#include <cstdio>

namespace mailsift::engine {
namespace {

constexpr std::size_t kMaxSubject = 78;
constexpr std::size_t kMaxFolder = 60;
constexpr std::size_t kSizeColumn = 72;

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, std::min(max, text.size()))) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string format_abstract(const message::Message& message, const std::string& folder,
                            std::size_t size) {
  std::string out;
  out += message.from_line();
  if (!out.empty() && out.back() != '\n') out += '\n';
  // The first line of the header that starts "Subject:" (case-insensitive), up
  // to its end of line (a folded subject is cut at the first line, as procmail).
  if (const auto* subject = message.headers().find("Subject")) {
    std::string_view raw = subject->raw;
    const auto nl = raw.find('\n');
    if (nl != std::string_view::npos) raw = raw.substr(0, nl);
    out += " " + printable(raw, kMaxSubject) + "\n";
  }
  const std::string name = printable(folder, kMaxFolder);
  out += "  Folder: " + name;
  // Tabs up to column 72, at least one (procmail's layout).
  std::size_t column = 10 + name.size();
  column -= column % 8;
  out += '\t';
  while ((column += 8) < kSizeColumn) out += '\t';
  char number[32];
  std::snprintf(number, sizeof number, "%7zu", size);
  out += number;
  out += '\n';
  return out;
}

}  // namespace mailsift::engine
