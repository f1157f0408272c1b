// mailsift's entry point: parse the command line, run, exit with the code run()
// chose (the only place an outcome becomes a process exit status is
// engine/exit_status.cc).
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "mailsift/engine/check.h"
#include "mailsift/engine/run.h"
#include "options.h"

extern char** environ;

int main(int argc, char** argv) {
  const auto parsed = mailsift::cli::parse_command_line(argc, argv);
  if (parsed.exit_now) return *parsed.exit_now;
  if (parsed.check) {
    const char* home = std::getenv("HOME");
    const auto report =
        mailsift::engine::check_rcfiles(parsed.check_files, home != nullptr ? home : "");
    std::cout << report.text << std::flush;
    return mailsift::engine::check_exit_status(report);
  }
  mailsift::engine::RunContext context;
  context.stdin_fd = STDIN_FILENO;
  context.stderr_fd = STDERR_FILENO;
  context.environ = environ;
  return mailsift::engine::run(parsed.invocation, context);
}
