// "mailsift --test RCFILE DIR": rules kept in git with their own tests. Every message
// DIR/NAME.eml has an expectation file DIR/NAME.expect beside it:
//   folder: F       a delivery the message must get (one line each; order does not
//                   matter; a folder under the final $MAILDIR is written relative to it)
//   exit: N         the exit status (default 0): the whole field a number from 0 to
//                   255; anything else ("abc", "7x") is a malformed expectation, and
//                   the message fails without being run
//   dry-run: skip REASON   the outcome depends on what a delivering program does,
//                   which a dry run never runs: the message is skipped
//   (other keys, such as runs: and sent:, are for real deliveries and ignored here)
// Each message is run through "mailsift --dry-run" (a child process, so that every
// message starts afresh); a difference is a failure with a readable diff.
#pragma once

#include <string>
#include <vector>

namespace mailsift::engine {

struct RuleTestReport {
  std::string text;  // a line per message ("ok", "FAIL" with the diff, "skip"), then
                     // the totals
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// self: this program (for the child runs); args: procmail arguments passed to every
// run (such as VAR=value), before the rcfile.
RuleTestReport run_rule_tests(const std::string& self, const std::string& rcfile,
                              const std::string& dir, const std::vector<std::string>& args,
                              const std::vector<std::string>& environment);

// 1 when a message failed (or there was none), else 0.
int rule_test_exit_status(const RuleTestReport& report);

}  // namespace mailsift::engine
