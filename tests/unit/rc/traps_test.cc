// "mailsift --check" names procmail's traps: each warning says what procmail (and so
// a delivery) does with the text.
#include <gtest/gtest.h>

#include <string>

#include "ast_dump.h"
#include "mailsift/rc/checker.h"
#include "mailsift/rc/lint.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/regex_cache.h"

namespace mailsift::rc {
namespace {

std::vector<Diagnostic> checked(const std::string& text) {
  Rcfile file = parse_rcfile(text);
  RegexCache cache;
  check_regexes(file.statements, &cache, /*build_matchers=*/true, &file.diagnostics);
  lint_rcfile(file.statements, &file.diagnostics);
  return file.diagnostics;
}

struct TrapCase {
  const char* name;
  const char* input;
  const char* want;  // "warning@line:col" and a part of the message
  const char* says;
};

TEST(CheckTraps, EachTrapIsNamed) {
  const TrapCase cases[] = {
      {"a comment without #", "Sort mail from the boss\n", "warning@1:1",
       "procmail removes each as a variable (\"Sort\", \"mail\", \"from\", \"the\", \"boss\")"},
      {"a comment that removes DEFAULT", "save it to DEFAULT\n", "warning@1:1",
       "(removing DEFAULT changes where mail goes)"},
      {"a doubled operator", ":0\n* ^Subject: .*+x\nf/\n", "warning@2:15",
       "\"+\" right after \"*\" is an ordinary character"},
      {"a reversed range", ":0\n* [z-a]\nf/\n", "warning@2:4",
       "the range \"z-a\" is reversed: it holds only its two ends"},
      {"a split in an alternative", ":0\n* (a|\\/b)\nf/\n", "warning@2:3",
       "MATCH is what procmail's matcher makes of it"},
      {"a leading backslash before an anchor", ":0\n* \\^Subject\nf/\n", "warning@2:3",
       "so \"^\" keeps its meaning in the regex"},
      {"a leading backslash before a macro", ":0\n* \\^TO_joe\nf/\n", "warning@2:3",
       "the macro right after it is not replaced"},
      {"\"$@\" twice", ":0\n| a \"$@\" b \"$@\"\n", "warning@2:1",
       "procmail gives the arguments for the last one only"},
      {"\"$@\" inside a word", ":0\n| a pre\"$@\"post\n", "warning@2:1",
       "inside a longer word stands for nothing"},
      {"a continuation that swallows the action", ":0\n* ^Subject: a|\\\nfolder/\nnext/\n",
       "warning@3:1", "takes it into its regex (\"folder/\"), so the action is the line after it"},
      {"a start line as the action", ":0\n* x\n:0\nf/\n", "error@1:1",
       "procmail delivers to a folder named \":0\""},
      {"a condition on the start line", ":0 * ^Subject: x\nf/\n", "error@1:4",
       "a condition on the start line: procmail ignores"},
      {":O for :0", ":O\n* x\nf/\n", "error@1:2", "\":O\" is not \":0\""},
      {"an unknown flag", ":0 c z\nf/\n", "warning@1:6", "unknown flag \"z\""},
      {"flags on a block", ":0 hbir:blk.lock\n{ }\n", "warning@1:4",
       "the h flag has no effect on a block"},
      {"an unbalanced regex", ":0\n* (a\nf/\n", "error@2:3",
       "missing ')' for this '(': procmail closes it at the end of the regex"},
      {"a blank in ${...}", "D=${U:-x y}\n", "error@1:9", "a blank inside ${...} ends the value"},
      {"a bad substitution", "D=${ A}\n", "error@1:3", "procmail drops \"${ \" and reads on"},
      {"an action without a recipe", ":0\n{\n|/dev/null\n}\n", "error@3:1",
       "an action needs a recipe"},
  };
  for (const TrapCase& c : cases) {
    const std::string got = testing::dump_diagnostics(checked(c.input));
    const std::string want = std::string(c.want) + " ";
    bool found = false;
    for (std::size_t at = got.find(want); at != std::string::npos; at = got.find(want, at + 1)) {
      const std::size_t end = got.find('\n', at);
      if (got.substr(at, end - at).find(c.says) != std::string::npos) found = true;
    }
    EXPECT_TRUE(found) << c.name << ": wanted " << c.want << " with [" << c.says << "], got:\n"
                       << got;
  }
}

// Real continuations (indented, the usual way) and plain unsets are not traps.
TEST(CheckTraps, OrdinaryTextIsNotAWarning) {
  for (const char* text : {":0\n* ^Subject: (a|\\\n   b)\nok/\n", "GONE\n", "A=1 B=2\n",
                           ":0\n| a \"$@\"\n", ":0\n* [a-z]\\^x\nf/\n"}) {
    std::string got;
    for (const Diagnostic& d : checked(text))
      if (d.message.find("lockfile") == std::string::npos) got += d.message + "\n";
    EXPECT_EQ(got, "") << text;
  }
}

}  // namespace
}  // namespace mailsift::rc
