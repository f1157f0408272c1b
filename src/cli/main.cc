// mailsift's entry point: parse the command line, run, exit with the code run()
// chose (the only place an outcome becomes a process exit status is
// engine/exit_status.cc).
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string_view>

#include "mailsift/engine/check.h"
#include "mailsift/engine/rule_test.h"
#include "mailsift/engine/run.h"
#include "mailsift/engine/vacation_command.h"
#include "mailsift/lmtp/server.h"
#include "options.h"

extern char** environ;

int main(int argc, char** argv) {
  // Before anything else reads a file: mailsift never uses a setuid or setgid bit.
  if (const int code = mailsift::engine::run_as_invoker(STDERR_FILENO); code != 0) return code;
  if (argc >= 2 && std::string_view(argv[1]) == "--vacation") {
    // The auto-reply program that rules run: "| mailsift --vacation ..." (mailsift(1)).
    mailsift::engine::RunContext context;
    context.stdin_fd = STDIN_FILENO;
    context.stderr_fd = STDERR_FILENO;
    context.environ = environ;
    return mailsift::engine::run_vacation_command({argv + 2, argv + argc}, context);
  }
  if (argc == 2 && std::string_view(argv[1]) == "--lmtp") {
    // One LMTP connection on stdin and stdout (mailsift(1), LMTP); the log on stderr.
    mailsift::lmtp::ServerSettings settings;
    settings.environ = environ;
    return mailsift::lmtp::serve_connection(STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, settings);
  }
  if (argc == 3 && std::string_view(argv[1]) == "--lmtp-listen") {
    // An LMTP server on a socket (mailsift(1), LMTP), or on the one systemd passes.
    mailsift::lmtp::ListenSettings settings;
    settings.address = argv[2];
    settings.server.environ = environ;
    return mailsift::lmtp::listen_and_serve(settings, STDERR_FILENO);
  }
  const auto parsed = mailsift::cli::parse_command_line(argc, argv);
  if (parsed.exit_now) return *parsed.exit_now;
  if (parsed.test) {
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    const auto report = mailsift::engine::run_rule_tests(
        "/proc/self/exe", parsed.test_rcfile, parsed.test_directory, parsed.test_arguments,
        environment);
    std::cout << report.text << std::flush;
    return mailsift::engine::rule_test_exit_status(report);
  }
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
  context.process_ends_after = true;
  context.system_mailbox_spool = "/var/mail";
  return mailsift::engine::run(parsed.invocation, context);
}
