#include "options.h"

#include <CLI/CLI.hpp>

#include <iostream>

namespace mailsift::cli {
namespace {

constexpr const char* kVersionText =
    "mailsift " MAILSIFT_VERSION
    ": a mail delivery agent and filter, compatible with procmail's rcfiles and options";

bool is_assignment(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  const char first = arg[0];
  if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z') || first == '_'))
    return false;
  for (std::size_t i = 1; i < eq; ++i) {
    const char c = arg[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '_'))
      return false;
  }
  return true;
}

}  // namespace

ParsedCommandLine parse_command_line(int argc, const char* const* argv) {
  ParsedCommandLine parsed;
  engine::Invocation& inv = parsed.invocation;
  if (argc > 0 && argv[0] != nullptr) inv.program_name = argv[0];

  CLI::App app{"mailsift: deliver one mail message from standard input, filtered by "
               "procmailrc-style rules.\n"
               "  mailsift [-ptoY] [-f fromwhom] [NAME=value | rcfile] ...\n"
               "  mailsift [-toY] [-f fromwhom] [-a argument] ... -d recipient ...\n"
               "  mailsift [-ptY] [-f fromwhom] -m [NAME=value] ... rcfile [argument] ...",
               "mailsift"};
  // procmail stops reading options at the first argument that is not one.
  app.prefix_command();
  app.set_version_flag("--version", kVersionText);
  bool version = false;
  std::optional<std::string> from;
  std::vector<std::string> recipients;
  app.add_flag("-v", version, "Print the version and exit (as procmail -v)");
  app.add_flag("-p", inv.preserve_environment, "Preserve the environment (only TZ is kept otherwise)");
  app.add_flag("-t", inv.fail_softly,
               "Fail softly: with --procmail-exit-codes, exit 75 instead of 73 when the "
               "message cannot be stored (mailsift exits 75 anyway)");
  app.add_flag("-o", inv.override_from, "Override a fake From_ line (with -f)");
  app.add_flag("-Y,-y", inv.berkeley, "Berkeley mailbox format: ignore Content-Length");
  app.add_flag("-m", inv.mail_filter, "Mail filter mode: the first rcfile argument is the rcfile, "
                                      "the rest are $1, $2, ...");
  app.add_option("-f,-r", from, "Regenerate the From_ line with this sender ('-' refreshes the date)");
  app.add_option("-a", inv.arguments, "Append an argument to $1, $2, ... (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  app.add_option("-d", recipients, "Delivery mode: deliver to these users (all following arguments)")
      ->expected(1)
      ->allow_extra_args(false);
  app.add_flag("--check", parsed.check,
               "Check the rcfiles named after it (and the files they include): print every "
               "error and warning as file:line:col; exit 1 when there is an error");
  app.add_flag("--test", parsed.test,
               "--test RCFILE DIR: run RCFILE as a dry run on every DIR/*.eml and compare with "
               "DIR/*.expect; exit 1 when one differs");
  app.add_flag("--dry-run", inv.dry_run,
               "Evaluate the rules as a delivery would, but write, pipe and forward nothing; "
               "print a trace of each recipe and the deliveries it would make");
  int explain_line = 0;
  app.add_option("--explain", explain_line,
                 "--explain LINE: a dry run that explains the recipe at LINE of the rcfile "
                 "(or the nearest one): each condition, the text it was tried against, and "
                 "why it may have missed");
  app.add_flag("--run-programs", inv.run_programs,
               "With --dry-run: run \"?\" conditions, filters, captures and backquotes "
               "(delivering pipes and forwards never run)");
  std::string format = "text";
  app.add_option("--format", format, "With --dry-run: the trace as \"text\" or \"json\" lines")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--procmail-exit-codes", inv.procmail_exit_codes,
               "Exit 73 (75 with -t) when the message cannot be stored, as procmail does, "
               "instead of always 75");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    parsed.exit_now = app.exit(e);
    return parsed;
  }
  if (version) {
    std::cerr << kVersionText << "\n";
    parsed.exit_now = 0;
    return parsed;
  }
  inv.from = from;
  inv.trace_json = format == "json";
  if (explain_line > 0) {
    inv.explain_line = explain_line;
    inv.dry_run = true;
  }
  std::vector<std::string> rest = app.remaining();
  if (parsed.test) {
    if (rest.size() < 2) {
      std::cerr << "mailsift: --test needs an rcfile and a directory of messages\n";
      parsed.exit_now = 64;  // EX_USAGE
      return parsed;
    }
    parsed.test_rcfile = rest[0];
    parsed.test_directory = rest[1];
    parsed.test_arguments.assign(rest.begin() + 2, rest.end());
    return parsed;
  }
  if (parsed.check) {
    parsed.check_files = rest;
    if (rest.empty()) {
      std::cerr << "mailsift: --check needs the rcfiles to check\n";
      parsed.exit_now = 64;  // EX_USAGE
    }
    return parsed;
  }
  // Recipients: the -d argument and every argument after it.
  if (!recipients.empty()) {
    inv.recipients = recipients;
    for (const auto& r : rest) inv.recipients.push_back(r);
    rest.clear();
    if (inv.preserve_environment || inv.mail_filter) {
      inv.warnings.push_back("Conflicting options: -d cancels -p and -m");
      inv.preserve_environment = false;
      inv.mail_filter = false;
    }
  }
  if (inv.mail_filter && !inv.arguments.empty()) {
    inv.warnings.push_back("Conflicting options: -m discards -a");
    inv.arguments.clear();
  }
  bool rcfile_seen = false;
  for (const auto& arg : rest) {
    if (inv.mail_filter && rcfile_seen) {
      inv.arguments.push_back(arg);  // everything after the -m rcfile is $1, $2, ...
    } else if (arg == "--") {
      continue;
    } else if (arg.size() > 1 && arg[0] == '-' && !rcfile_seen && inv.rcfiles.empty()) {
      inv.warnings.push_back("Unrecognised options: \"" + arg + "\"; processing continued");
    } else if (is_assignment(arg)) {
      inv.assignments.push_back(arg);
    } else {
      inv.rcfiles.push_back(arg);
      rcfile_seen = true;
    }
  }
  if (inv.mail_filter && inv.rcfiles.empty()) {
    std::cerr << "mailsift: Missing rcfile\n";
    parsed.exit_now = 66;  // EX_NOINPUT, as procmail
  }
  return parsed;
}

}  // namespace mailsift::cli
