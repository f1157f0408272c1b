#include "mailsift/engine/rcfile.h"

#include <cerrno>
#include <cstring>

#include "mailsift/rc/script.h"

namespace mailsift::engine {

std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter) {
  if (name.empty() || name[0] == '/') return name;
  if (mail_filter || name.rfind("./", 0) == 0) return name;
  return home + "/" + name;
}

RcfileResult run_rcfile(sys::Io& io, Session& session, Log& log, const std::string& path) {
  std::string text;
  if (sys::read_whole_file(io, path, &text) != 0) {
    log.line("Couldn't read \"" + path + "\": " + std::strerror(errno));
    return RcfileResult::kUnreadable;
  }
  log.verbose("Rcfile: \"" + path + "\"");
  session.set_current_rcfile(path);
  const rc::Script script = rc::parse_script(text);
  if (!script.diagnostics.empty()) {
    for (const auto& d : script.diagnostics) {
      std::string formatted = rc::format_diagnostic(path, text, d);
      while (!formatted.empty() && formatted.back() == '\n') formatted.pop_back();
      log.line(formatted);
    }
    log.line("Rcfile \"" + path + "\" has errors and was not run");
    return RcfileResult::kBroken;
  }
  for (const auto& statement : script.statements) {
    if (!statement.value) {
      session.assign(statement.name, std::nullopt);
      continue;
    }
    std::string value;
    std::string error;
    if (!expand_value(*statement.value, session.lookup(), &value, &error)) {
      log.line(path + ":" + std::to_string(statement.position.line) + ":" +
               std::to_string(statement.position.column) + ": error: " + error);
      log.line("Rcfile \"" + path + "\" stopped at this statement");
      return RcfileResult::kBroken;
    }
    session.assign(statement.name, value);
  }
  return RcfileResult::kRan;
}

}  // namespace mailsift::engine
