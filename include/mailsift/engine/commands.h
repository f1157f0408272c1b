// Running the programs an rcfile names: pipe actions, filters, captures, "?"
// conditions, backquotes, forwarding and TRAP. Decides, as procmail does, whether a
// command needs $SHELL (its raw text holds a $SHELLMETAS character, or its first
// word is "test"), otherwise splits and expands it itself and runs it directly, so
// that text from a message expanded into a command line never reaches a shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailsift/engine/expand.h"
#include "mailsift/engine/session.h"
#include "mailsift/limits.h"
#include "mailsift/rc/value.h"
#include "mailsift/sys/process.h"

namespace mailsift::engine {

struct Command {
  std::vector<std::string> argv;
  bool via_shell = false;
  // As procmail shows it in LASTFOLDER: the raw text for a shell command, the
  // words joined by single blanks otherwise.
  std::string display;
  // As procmail names it in failure messages: the raw text for a shell command,
  // the program (argv[0]) otherwise.
  std::string name;
};

// raw: the command text as written (after "|", "?", or between backquotes).
// words: its argument-mode words when the parser already split them, else null
// (then raw is split here). false with *error when it cannot be expanded.
bool build_command(const Session& session, std::string_view raw,
                   const std::vector<rc::Value>* words, const Expander& expander,
                   Command* command, std::string* error);

// "$SENDMAIL $SENDMAILFLAGS words...": never through a shell.
bool build_forward(const Session& session, const std::vector<rc::Value>& words,
                   const Expander& expander, Command* command, std::string* error);

// Runs the command with the session's environment, stderr to the log, TIMEOUT, and
// input on its stdin; sets $? and logs a timeout. capture: read at most
// capture_limit bytes of its stdout (more is logged and sets output_truncated),
// into the outcome or, when output_sink is set, handed to it as they come
// (sys::ProgramSpec::output_sink); else its stdout goes to stdout_fd (-1:
// /dev/null, as procmail's children get).
sys::ProgramOutcome run_command(Session& session, const Command& command,
                                const sys::InputWriter& input, bool capture,
                                int stdout_fd = -1,
                                std::size_t capture_limit = limits::kMaxCapturedOutput,
                                sys::OutputSink output_sink = {});

}  // namespace mailsift::engine
