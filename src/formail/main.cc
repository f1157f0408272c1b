// mailsift-formail: a drop-in formail (procmail 3.22's mail (re)formatter).
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "mailsift/formail/formatter.h"
#include "mailsift/formail/options.h"
#include "mailsift/formail/streams.h"

int main(int argc, char** argv) {
  namespace formail = mailsift::formail;
  using formail::write_error;
  std::string program = argc > 0 ? argv[0] : "formail";
  program = program.substr(program.rfind('/') + 1);
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  formail::Options options;
  const formail::Parsed parsed = formail::parse_options(args, &options);
  switch (parsed.result) {
    case formail::ParseResult::kRun:
      return formail::run_formail(program, std::move(options));
    case formail::ParseResult::kHelp:
      write_error(formail::usage_text(program) + formail::help_text());
      return 64;
    case formail::ParseResult::kVersion:
      write_error(program + " " MAILSIFT_VERSION " (mailsift; formail 3.22 compatible)\n");
      return 64;
    case formail::ParseResult::kInvalidField:
      write_error(program + ": Invalid field-name: \"" + parsed.detail + "\"\n");
      [[fallthrough]];
    case formail::ParseResult::kUsage:
      write_error(formail::usage_text(program));
      return 64;
    case formail::ParseResult::kCannotOpen:
      write_error(program + ": Couldn't open \"" + parsed.detail + "\"\n");
      return 73;
  }
  return 64;
}
