// Invocation: what the command line asked for, in procmail's terms (procmail(1)).
// The CLI fills it; the engine runs it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mailsift::engine {

struct Invocation {
  bool preserve_environment = false;  // -p
  bool fail_softly = false;           // -t
  bool override_from = false;         // -o
  bool berkeley = false;              // -Y: ignore Content-Length
  bool mail_filter = false;           // -m
  bool procmail_exit_codes = false;   // --procmail-exit-codes
  bool dry_run = false;               // --dry-run: evaluate, deliver nothing, trace
  bool run_programs = false;          // --run-programs: with --dry-run, run "?"
                                      // conditions, filters, captures and backquotes
  bool trace_json = false;            // --format=json
  std::optional<int> explain_line;    // --explain LINE (a dry run that explains the
                                      // recipe at that line of the first rcfile)
  std::optional<std::string> from;    // -f NAME (or -r NAME)
  std::vector<std::string> arguments;   // -a ARG, or the words after a -m rcfile
  std::vector<std::string> recipients;  // -d USER ...
  std::vector<std::string> assignments;  // NAME=value, in order
  std::vector<std::string> rcfiles;      // in order (-m: exactly one)
  std::vector<std::string> warnings;     // problems with the command line, for the log
  std::string program_name = "mailsift";  // argv[0], for $0
};

}  // namespace mailsift::engine
