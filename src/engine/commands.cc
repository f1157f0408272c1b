#include "mailsift/engine/commands.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "mailsift/limits.h"
#include "mailsift/rc/parser.h"

namespace mailsift::engine {
namespace {

constexpr const char* kDefaultShellMetas = "&|<>~;?*[";

bool needs_shell(const Session& session, std::string_view raw) {
  const std::string metas = session.variables().get_or("SHELLMETAS", kDefaultShellMetas);
  if (metas.empty()) return false;
  return raw.find_first_of(metas) != std::string_view::npos;
}

Command shell_command(const Session& session, std::string_view raw) {
  Command command;
  command.via_shell = true;
  command.argv.push_back(session.variables().get_or("SHELL", "/bin/sh"));
  const std::string flags = session.variables().get_or("SHELLFLAGS", "-c");
  if (!flags.empty()) command.argv.push_back(flags);
  command.argv.emplace_back(raw);
  command.display = std::string(raw);
  command.name = command.display;
  return command;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace

bool build_command(const Session& session, std::string_view raw,
                   const std::vector<rc::Value>* words, const Expander& expander,
                   Command* command, std::string* error) {
  if (needs_shell(session, raw)) {
    *command = shell_command(session, raw);
    return true;
  }
  std::vector<rc::Value> parsed;
  if (words == nullptr) {
    // Mistakes in the words (a bad substitution, a quote left open) are read past
    // as procmail reads past them; "mailsift --check" reports them.
    std::vector<rc::Diagnostic> ignored;
    parsed = rc::parse_words(raw, rc::Position{}, &ignored);
    words = &parsed;
  }
  Command direct;
  if (!expand_words(*words, expander, &direct.argv, error)) return false;
  // procmail shows "$@" as one empty word in LASTFOLDER and the abstract.
  std::vector<std::string> shown;
  Expander showing = expander;
  showing.arguments = {std::string()};
  if (!expand_words(*words, showing, &shown, error)) return false;
  // procmail hands "test ..." to the shell: it is a shell builtin.
  if (!direct.argv.empty() && direct.argv.front() == "test") {
    *command = shell_command(session, raw);
    return true;
  }
  direct.display = joined(shown);
  direct.name = direct.argv.empty() ? std::string() : direct.argv.front();
  *command = std::move(direct);
  return true;
}

bool build_forward(const Session& session, const std::vector<rc::Value>& words,
                   const Expander& expander, Command* command, std::string* error) {
  Command forward;
  // SENDMAIL is one word (never split); SENDMAILFLAGS is split on blanks.
  forward.argv.push_back(session.variables().get_or("SENDMAIL", "/usr/sbin/sendmail"));
  std::string flag;
  for (const char c : session.variables().get_or("SENDMAILFLAGS", "")) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!flag.empty()) forward.argv.push_back(std::move(flag));
      flag.clear();
    } else {
      flag += c;
    }
  }
  if (!flag.empty()) forward.argv.push_back(std::move(flag));
  std::vector<std::string> shown = forward.argv;
  if (!expand_words(words, expander, &forward.argv, error)) return false;
  Expander showing = expander;
  showing.arguments = {std::string()};
  if (!expand_words(words, showing, &shown, error)) return false;
  forward.display = joined(shown);
  forward.name = forward.argv.front();
  *command = std::move(forward);
  return true;
}

sys::ProgramOutcome run_command(Session& session, const Command& command,
                                const sys::InputWriter& input, bool capture, int stdout_fd,
                                std::size_t capture_limit, sys::OutputSink output_sink) {
  sys::ProgramSpec spec;
  spec.argv = command.argv;
  spec.environment = session.variables().environment();
  spec.stderr_fd = session.log().fd();
  spec.timeout_seconds = session.timeout_seconds();
  spec.capture_output = capture;
  spec.output_limit = capture_limit;
  if (capture) spec.output_sink = std::move(output_sink);
  // procmail's children write their stdout to /dev/null unless it is captured.
  int null_fd = -1;
  if (!capture && stdout_fd < 0) {
    null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    stdout_fd = null_fd;
  }
  spec.stdout_fd = stdout_fd;
  // procmail shows a shell command as written, the words of any other joined by commas.
  std::string shown;
  if (command.via_shell) {
    shown = command.display;
  } else {
    for (const auto& arg : command.argv) shown += (shown.empty() ? "" : ",") + arg;
  }
  session.log().verbose("Executing \"" + shown + "\"");
  const sys::ProgramOutcome outcome = sys::run_program(spec, input);
  if (null_fd >= 0) ::close(null_fd);
  if (!outcome.status.ok()) {
    session.log().line("Couldn't run \"" + command.name + "\": " + outcome.status.message());
  }
  if (outcome.timed_out) session.log().line("Timeout, terminating \"" + command.name + "\"");
  if (outcome.output_truncated) {
    session.log().line("Excessive output quenched from \"" + command.name + "\": cut after " +
                       std::to_string(capture_limit) + " bytes");
  }
  session.set_last_status(outcome.procmail_code());
  return outcome;
}

}  // namespace mailsift::engine
