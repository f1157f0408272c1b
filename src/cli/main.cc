// mailsift's entry point: parse the command line, run, exit with the code run()
// chose (the only place an outcome becomes a process exit status is
// engine/exit_status.cc).
#include <syslog.h>
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
  if (argc >= 2 && (std::string_view(argv[1]) == "--lmtp" || std::string_view(argv[1]) == "--lmtp-listen")) {
    // LMTP (mailsift(1), LMTP): one connection on stdin and stdout, or a server on a
    // socket (or the one systemd passes); the log on stderr or syslog.
    const bool listen = std::string_view(argv[1]) == "--lmtp-listen";
    mailsift::lmtp::ListenSettings settings;
    settings.server.environ = environ;
    int first = 2;
    if (listen) {
      if (argc < 3) {
        std::cerr << "mailsift: --lmtp-listen needs an address (unix:PATH or inet:HOST:PORT)\n";
        return 64;
      }
      settings.address = argv[2];
      first = 3;
    }
    std::string error;
    if (!mailsift::lmtp::parse_options({argv + first, argv + argc}, listen, &settings, &error)) {
      std::cerr << "mailsift: " << argv[1] << ": " << error << "\n";
      return 64;
    }
    if (settings.server.syslog) ::openlog("mailsift", LOG_PID, LOG_MAIL);
    if (listen) return mailsift::lmtp::listen_and_serve(settings, STDERR_FILENO);
    return mailsift::lmtp::serve_connection(STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO,
                                            settings.server);
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
