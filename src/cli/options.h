// Parsing mailsift's command line into an Invocation: procmail's options
// (procmail(1): -v -p -t -f -o -Y -a -d -m, NAME=value and rcfile arguments) and
// mailsift's own long options, which cannot collide with procmail's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mailsift/engine/invocation.h"

namespace mailsift::cli {

struct ParsedCommandLine {
  engine::Invocation invocation;
  // Set when the program should exit at once (help or version printed, or a
  // usage error) with this code.
  std::optional<int> exit_now;
  // --check: the rcfiles to check (no message is read, nothing is delivered).
  bool check = false;
  std::vector<std::string> check_files;
  // --test RCFILE DIR [args...]
  bool test = false;
  std::string test_rcfile;
  std::string test_directory;
  std::vector<std::string> test_arguments;
};

ParsedCommandLine parse_command_line(int argc, const char* const* argv);

}  // namespace mailsift::cli
