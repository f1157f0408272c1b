#include "mailsift/rc/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "ast_dump.h"
#include "mailsift/limits.h"

namespace mailsift::rc {
namespace {

using testing::at;
using testing::dump;
using testing::dump_condition;
using testing::dump_diagnostics;
using testing::render;
using testing::render_words;

struct TreeCase {
  const char* name;
  const char* input;
  const char* want;  // testing::dump of the statements
};

void expect_trees(const TreeCase* begin, const TreeCase* end) {
  for (const TreeCase* c = begin; c != end; ++c) {
    const Rcfile file = parse_rcfile(c->input);
    EXPECT_EQ(dump(file.statements), c->want) << c->name << "\ninput:\n" << c->input;
    EXPECT_TRUE(file.diagnostics.empty())
        << c->name << ": unexpected diagnostics:\n" << dump_diagnostics(file.diagnostics);
  }
}

TEST(ParseRcfile, Statements) {
  const TreeCase cases[] = {
      {"empty file", "", ""},
      {"comments and blank lines", "# a\n\n   # b\n\t\n", ""},
      {"assignment", "MAILDIR=$HOME/Mail\n", "MAILDIR=${HOME}/Mail@1:1; "},
      {"blanks around =", "  DEFAULT = inbox/  # trailing comment\n", "DEFAULT=inbox/@1:3; "},
      // As in procmail, "A = hello world" sets A=hello and then unsets "world".
      {"value ends at a blank", "A = hello world\n", "A=hello@1:1; world@1:11; "},
      {"two assignments on a line", "A=1 B=2 # c\nC=3\n", "A=1@1:1; B=2@1:5; C=3@2:1; "},
      {"unset", "GONE\n", "GONE@1:1; "},
      {"unset followed by blanks", "GONE   \n", "GONE@1:1; "},
      {"empty value", "A=\nB=2\n", "A=@1:1; B=2@2:1; "},
      {"empty value before a comment", "A= #x\n", "A=@1:1; "},
      {"no newline at the end", "A=1", "A=1@1:1; "},
      {"double quotes span lines", "A=\"x\ny\" B=1\n", "A='x\ny'@1:1; B=1@2:4; "},
      {"single quotes span lines", "A='x\ny'\n", "A='x\ny'@1:1; "},
      {"backquote", "A=`date +%s`\n", "A=`date +%s`@1:1; "},
      {"quoted backquote", "A=\"x `id -u`\"\n", "A='x '\"`id -u`\"@1:1; "},
      {"all substitutions",
       "A=$B${C}${D:-d}${E-e}${F:+f}${G+g}$\\H$1$$$?$#$-$=$_\n",
       "A=${B}${C}${D:-d}${E-e}${F:+f}${G+g}${H\\}${1}${$}${?}${#}${-}${=}${_}@1:1; "},
      {"INCLUDERC is an assignment", "INCLUDERC=$HOME/.rc\n", "INCLUDERC=${HOME}/.rc@1:1; "},
      {"SWITCHRC alone is an unset", "SWITCHRC\n", "SWITCHRC@1:1; "},
      {"escaped hash at word start", "A=\\#c\n", "A=#c@1:1; "},
      {"escaped hash inside a word", "A=a\\#b\n", "A=a\\#b@1:1; "},
      {"quotes inside ${} inside double quotes are literal", "C=\"${U:-\"x y\"}\"\n",
       "C=\"${U:-'\"x y\"'}\"@1:1; "},
      {"escaped brace in ${}", "H=${U:-a\\}b}\n", "H=${U:-a}b}@1:1; "},
      {"empty quotes", "D=\"\" E=''\n", "D=''@1:1; E=''@1:6; "},
      {"a lone bar is a value", "SEP=|\nBAR=| # c\nX=|y z\n",
       "SEP=|@1:1; BAR=|@2:1; X=|y@3:1; z@3:6; "},
  };
  expect_trees(std::begin(cases), std::end(cases));
}

TEST(ParseRcfile, Recipes) {
  const TreeCase cases[] = {
      {"minimal recipe", ":0\nfolder\n", ":@1:1 () @2:1 folders [folder]; "},
      {"flags", ":0 HBDAahbfwWir\n| cat\n",
       ":HBDAahbfwWir@1:1 () @2:1 pipe raw=\" cat\" [cat]; "},
      {"flags c and E", ":0 cE\nf\n", ":Ec@1:1 () @2:1 folders [f]; "},
      {"flag e", ":0 e\nf\n", ":e@1:1 () @2:1 folders [f]; "},
      {"flags without blanks", ":0Bc\nf\n", ":Bc@1:1 () @2:1 folders [f]; "},
      {"flags between blanks", ":0 H B c\nf\n", ":HBc@1:1 () @2:1 folders [f]; "},
      {"derived lockfile", ":0:\nf\n", ": lock=[]@1:1 () @2:1 folders [f]; "},
      {"named lockfile", ":0 Wh: msgid.lock\n| cat\n",
       ":hW lock=[msgid.lock]@1:1 () @2:1 pipe raw=\" cat\" [cat]; "},
      {"lockfile with a variable", ":0 wc: $MAILDIR/via.lck\nf\n",
       ":cw lock=[${MAILDIR}/via.lck]@1:1 () @2:1 folders [f]; "},
      {"lockfile after blanks", ":0 H :  my.lock\nf\n",
       ":H lock=[my.lock]@1:1 () @2:1 folders [f]; "},
      {"comment on the start line", ":0 c # why\nf\n", ":c@1:1 () @2:1 folders [f]; "},
      {"comment after a derived lockfile", ":0: # why\nf\n",
       ": lock=[]@1:1 () @2:1 folders [f]; "},
      {"conditions", ":0\n* ^Subject: hi\n  *   B ?? x  \nf\n",
       ":@1:1 (* regex \"^Subject: hi\"@2:3, * var(B) regex \"x\"@3:12) @4:1 folders [f]; "},
      {"blank and comment lines between conditions and action",
       ":0\n*a\n\n# c\n*b\n\n  # d\n\n  f\n",
       ":@1:1 (* regex \"a\"@2:2, * regex \"b\"@5:2) @9:3 folders [f]; "},
      {"hash is not a comment in a condition", ":0\n* a # b\nf\n",
       ":@1:1 (* regex \"a # b\"@2:3) @3:1 folders [f]; "},
      {"several folders", ":0\ndir/ \"my box\" $X\n",
       ":@1:1 () @2:1 folders [dir/] ['my box'] [${X}]; "},
      {"folder with a comment", ":0\nf6 # comment\n", ":@1:1 () @2:1 folders [f6]; "},
      {"folder continued", ":0\na \\\n  b\n", ":@1:1 () @2:1 folders [a] [b]; "},
      {"folder with =", ":0\nFOO=bar\n", ":@1:1 () @2:1 folders [FOO=bar]; "},
      {"brace followed by a non-blank is a folder", ":0\n{C=3 }\n",
       ":@1:1 () @2:1 folders [{C=3] [}]; "},
      {"forward", ":0\n! a@b \"$@\" $X\n",
       ":@1:1 () @2:1 forward [a@b] [\"${@}\"] [${X}]; "},
      {"pipe keeps the raw text", ":0\n|  formail -A \"X: y\"\n",
       ":@1:1 () @2:1 pipe raw=\"  formail -A \"X: y\"\" [formail] [-A] ['X: y']; "},
      {"pipe continuation kept as written", ":0 c\n| echo a \\\n b > out\nX=1\n",
       ":c@1:1 () @2:1 pipe raw=\" echo a \\\n b > out\" [echo] [a] [b] [>] [out]; X=1@4:1; "},
      {"pipe line ends at the newline even inside quotes", ":0 c\n| echo \"a;\nX=1\n",
       // procmail: the raw text stops at the newline; the next line is a statement.
       ":c@1:1 () @2:1 pipe raw=\" echo \"a;\" [echo] ['a;']; X=1@3:1; "},
      {"pipe without a command", ":0\n|\n", ":@1:1 () @2:1 pipe raw=\"\"; "},
      {"capture", ":0\nX=| echo hi\n", ":@1:1 () @2:1 capture X raw=\" echo hi\" [echo] [hi]; "},
      {"capture with blanks", ":0\nX = |cat\n", ":@1:1 () @2:1 capture X raw=\"cat\" [cat]; "},
      {"capture of a forward", ":0\nX=! -t\n", ":@1:1 () @2:1 capture X forward [-t]; "},
      {"block", ":0\n{\n  A=1\n}\n", ":@1:1 () @2:1 { A=1@3:3; }@4:1; "},
      {"block on one line", ":0\n{ A=1 }\nB=2\n", ":@1:1 () @2:1 { A=1@2:3; }@2:7; B=2@3:1; "},
      {"nested blocks",
       ":0 c\n* x\n{\n  :0\n  * y\n  {\n    :0 fw\n    | sed 1d\n  }\n  :0 E\n  f\n}\nZ\n",
       ":c@1:1 (* regex \"x\"@2:3) @3:1 { :@4:3 (* regex \"y\"@5:5) @6:3 { :fw@7:5 () "
       "@8:5 pipe raw=\" sed 1d\" [sed] [1d]; }@9:3; :E@10:3 () @11:3 folders [f]; }@12:1; "
       "Z@13:1; "},
      {"text after a closing brace is a statement", ":0\n{\n} A=1\n",
       ":@1:1 () @2:1 { }@3:1; A=1@3:3; "},
      {"recipe after an assignment on the same line", "A=1 :0\nf\n",
       "A=1@1:1; :@1:5 () @2:1 folders [f]; "},
  };
  expect_trees(std::begin(cases), std::end(cases));
}

TEST(ParseRcfile, OldStyleConditionCounts) {
  const TreeCase cases[] = {
      {":1 takes the next line without a star", ":1\nSubject\nf1\n",
       ":@1:1 (* regex \"Subject\"@2:1) @3:1 folders [f1]; "},
      {"star lines are conditions as well", ":1\nSubject\n* hello\nf\n",
       ":@1:1 (* regex \"Subject\"@2:1, * regex \"hello\"@3:3) @4:1 folders [f]; "},
      {"a star line counts", ":1\n* hello\nSubject\n",
       ":@1:1 (* regex \"hello\"@2:3) @3:1 folders [Subject]; "},
      // Verified with procmail: while old-style conditions are due, an empty line
      // and a "#" line are conditions too.
      {"an empty line is a due condition", ":2\n* a\n\n# c\nhello\n",
       ":@1:1 (* regex \"a\"@2:3, * regex \"\"@3:1) @5:1 folders [hello]; "},
      {"a comment line is a due condition", ":1\n# c\nf\n",
       ":@1:1 (* regex \"# c\"@2:1) @3:1 folders [f]; "},
      {"leading blanks are dropped", ":1\n  ! hello\nf\n",
       ":@1:1 (* not regex \"hello\"@2:5) @3:1 folders [f]; "},
      {"no number means one", ":\nSubject\nf\n", ":@1:1 (* regex \"Subject\"@2:1) @3:1 folders [f]; "},
      {"no number with A means none", ": A\nf\n", ":A@1:1 () @2:1 folders [f]; "},
      {"no number with e means none", ":e\nf\n", ":e@1:1 () @2:1 folders [f]; "},
      {"blanks before the number", ": 0\nf\n", ":@1:1 () @2:1 folders [f]; "},
      {"zero with stars", ":0\n* a\nf\n", ":@1:1 (* regex \"a\"@2:3) @3:1 folders [f]; "},
  };
  expect_trees(std::begin(cases), std::end(cases));
}

TEST(ParseRcfile, ContinuedConditionsAreSqueezed) {
  const TreeCase cases[] = {
      {"continuation drops the leading blanks", ":0\n* ^Subject: \\\n    hello\nf\n",
       ":@1:1 (* regex \"^Subject: hello\"@2:3) @4:1 folders [f]; "},
      {"blanks before the backslash stay", ":0\n* a  \\\n  b\nf\n",
       ":@1:1 (* regex \"a  b\"@2:3) @4:1 folders [f]; "},
      // procmail does not count backslashes: "\\" at the end continues too.
      {"double backslash continues", ":0\n* hel\\\\\n  f4\nf5\n",
       ":@1:1 (* regex \"hel\\f4\"@2:3) @4:1 folders [f5]; "},
      {"$ conditions are squeezed too", ":0\n* $ Sub\\\n    ject\nf\n",
       ":@1:1 (* expand \"Subject\"@2:5) @4:1 folders [f]; "},
      {"the operand position is on the continuation line", ":0\n* \\\n   B ?? x\nf\n",
       ":@1:1 (* var(B) regex \"x\"@3:9) @4:1 folders [f]; "},
  };
  expect_trees(std::begin(cases), std::end(cases));
}

TEST(ParseCondition, EveryPrefixAndKind) {
  struct Case {
    const char* input;
    const char* want;
  } const cases[] = {
      {"^From:.*x", "* regex \"^From:.*x\"@1:1"},
      {"", "* regex \"\"@1:1"},
      {"!", "* not regex \"\"@1:2"},
      {"! ^X", "* not regex \"^X\"@1:3"},
      {"!! x", "* not not regex \"x\"@1:4"},
      {"$ $X", "* expand \"$X\"@1:3"},
      {"!$X", "* not expand \"X\"@1:3"},
      {"? test -f x", "* program \"test -f x\"@1:3"},
      {"< 1000", "* less \"1000\"@1:3"},
      {">1000", "* greater \"1000\"@1:2"},
      {"> $SIZE", "* greater \"$SIZE\"@1:3"},
      {"B ?? hello", "* var(B) regex \"hello\"@1:6"},
      {"HB?? x", "* var(HB) regex \"x\"@1:6"},
      {"ADDR ?? < 10", "* var(ADDR) less \"10\"@1:11"},
      {"ADDR ?? \\<x", "* var(ADDR) regex \"<x\"@1:10"},
      {"\\!x", "* regex \"!x\"@1:2"},
      {"\\\\/x", "* regex \"\\/x\"@1:2"},
      {"2^0.5 x", "* weight(2,0.5) regex \"x\"@1:7"},
      {"-1 ^ 1 ! x", "* weight(-1,1) not regex \"x\"@1:10"},
      {".5^1e1 x", "* weight(0.5,10) regex \"x\"@1:8"},
      {"1^0", "* weight(1,0) regex \"\"@1:4"},
      {"1 x", "* regex \"1 x\"@1:1"},
      {"-x", "* regex \"-x\"@1:1"},
      {"1^ x", "* regex \"1^ x\"@1:1"},
      {"9876^0 ! B ?? ? grep -q x", "* weight(9876,0) not var(B) program \"grep -q x\"@1:17"},
      {"Subject?", "* regex \"Subject?\"@1:1"},
  };
  for (const auto& c : cases) {
    std::vector<Diagnostic> diagnostics;
    const Condition condition = parse_condition(c.input, Position{1, 1}, &diagnostics);
    EXPECT_EQ(dump_condition(condition), c.want) << "input [" << c.input << "]";
    EXPECT_EQ(condition.text, c.input);
    EXPECT_TRUE(diagnostics.empty()) << c.input << ": " << dump_diagnostics(diagnostics);
  }
}

TEST(ParseCondition, PositionIsRelativeToTheGivenOne) {
  std::vector<Diagnostic> diagnostics;
  const Condition c = parse_condition("! x", Position{7, 10}, &diagnostics);
  EXPECT_EQ(at(c.position), "@7:10");
  EXPECT_EQ(at(c.operand_position), "@7:12");
}

struct DiagnosticCase {
  const char* name;
  const char* input;
  const char* want;  // "error@line:col message" or "warning@..."
};

TEST(ParseRcfile, OneDiagnosticPerMistake) {
  const DiagnosticCase cases[] = {
      {"junk where a statement starts", "A=1\n  @foo bar\nB=2\n",
       "error@2:3 unexpected \"@foo\": a statement is an assignment (NAME=value), a recipe "
       "(\":0\"), \"}\" or a comment; procmail skips the rest of the line"},
      {"variable name followed by junk", "junk-x = 3\n",
       "error@1:5 unexpected \"-\" after the variable name \"junk\": expected \"=\", a blank or "
       "the end of the line; procmail skips \"junk\" and reads on from \"-x = 3\""},
      {"CR after a name", "GONE\rX\n",
       "error@1:5 unexpected \"\\r\" after the variable name \"GONE\": expected \"=\", a blank "
       "or the end of the line; procmail skips \"GONE\" and reads on from \"\\rX\" (the file "
       "seems to have DOS line ends, CR LF)"},
      {"capture outside a recipe", "A=1\nSUBJECT=| sed -n 's/^Subject: //p'\n",
       "error@2:9 \"SUBJECT=| command\" captures output only as the action of a recipe: "
       "procmail sets SUBJECT to \"|\" and reads the command as more statements; put \":0\" "
       "on the line before"},
      {"bad substitution", "A=x${ A}y\n",
       "error@1:4 bad substitution of \"\": ${ must be followed by a variable name; procmail "
       "drops \"${ \" and reads on"},
      {"bad substitution operator", "A=${A*b}\n",
       "error@1:3 bad substitution of \"A\": expected }, :-, :+, - or +; procmail drops "
       "\"${A*\" and reads on"},
      {"two-digit positional", "A=${12}\n",
       "error@1:3 bad substitution of \"12\": a positional argument is one digit; procmail "
       "drops \"${12}\" and reads on"},
      {"blank in ${}", "E=${U:-x y}\n",
       "error@1:9 a blank inside ${...} ends the value: procmail sets it to what was read "
       "before the blank and reads the rest of the line as more statements; quote the "
       "alternative word\n"
       "error@1:11 unexpected \"}\": no block is open; procmail ignores it"},
      {"unterminated double quote", "A=1\nB=\"abc\nC=1\n",
       "error@2:3 unterminated double quote: procmail reads everything after it into the "
       "quoted text"},
      {"unterminated single quote", "B='abc\n",
       "error@1:3 unterminated single quote: procmail reads everything after it into the "
       "quoted text"},
      {"unexpected closing brace", "A=1\n  }\n",
       "error@2:3 unexpected \"}\": no block is open; procmail ignores it"},
      {"missing closing brace", ":0\n* x\n  {\n:0\nf\n",
       "error@3:3 missing closing brace: the block opened here is still open at the end of the "
       "file"},
      {"incomplete recipe at the end of the file", "A=1\n:0\n* x\n\n",
       "error@2:1 incomplete recipe: the file ends before the recipe's action line"},
      {"recipe at the very end", ":0 c", "error@1:1 incomplete recipe: the file ends before "
                                         "the recipe's action line"},
      {"old-style conditions due at the end", ":2\na\nb\n",
       "error@1:1 incomplete recipe: the file ends before the recipe's action line"},
      {"missing action before the next recipe", ":0\n* x\n\n:0\nf\n",
       "error@1:1 missing action: an empty line, then a new recipe (line 4); procmail tries "
       "the conditions and drops the recipe"},
      {"a start line as the action", ":0\n* x\n:0\nf\n",
       "error@1:1 missing action: the line where the next recipe starts (line 3) is the "
       "action: procmail delivers to a folder named \":0\""},
      {"a closing brace as the action", ":0\n{\n  :0\n  * x\n}\n",
       "error@2:1 missing closing brace: the block opened here is still open at the end of "
       "the file\n"
       "error@3:3 missing action: the line where the block closes (line 5) is the action: "
       "procmail delivers to a folder named \"}\""},
      {"less without a number", ":0\n* <\nf\n",
       "error@2:3 \"<\" needs a size in bytes after it (procmail takes 0)"},
      {"greater without a number after prefixes", ":0\n* ! B ?? >\nf\n",
       "error@2:10 \">\" needs a size in bytes after it (procmail takes 0)"},
      {"program without a command", ":0\n* ?  \nf\n",
       "error@2:3 \"?\" needs a command to run (procmail runs nothing, and the condition "
       "fails)"},
      {"size that is not a number", ":0\n* > 10k\nf\n",
       "error@2:5 the size after \">\" must be a number of bytes, not \"10k\": procmail skips "
       "\"k\""},
      {"size with trailing text", ":0\n* < 1000 x\nf\n",
       "error@2:5 the size after \"<\" must be a number of bytes, not \"1000 x\": procmail "
       "skips \"x\""},
      {"unterminated quote in a program condition", ":0\n* ? grep \"a\nf\n",
       "error@2:10 unterminated double quote: procmail reads everything after it into the "
       "quoted text"},
      {"unknown text instead of flags", ":Q\n* x\nf\n",
       "error@1:2 unexpected \"Q\" on the start line: expected flags (HBDAahbfcwWiEer), \":\" "
       "and a lockfile, or the end of the line; procmail skips it"},
      {"an O for the 0", ":O:\n* x\nf\n",
       "error@1:2 \":O\" is not \":0\": procmail reads \":\" without a number, so the next "
       "line is a condition even without \"*\", and skips \"O:\""},
      {"a condition on the start line", ":0*  LIST ?? ^^^^\nf\n",
       "error@1:3 a condition on the start line: procmail ignores \"* LIST ?? ^^^^\" (put it "
       "on a line of its own)"},
      {"hash glued to the number", ":0#x\nf\n",
       "error@1:3 \"#\" glued to the flags: procmail skips \"#x\" (a comment starts after a "
       "blank)"},
      {"two lockfile names", ":0 c: lk extra\nf\n",
       "error@1:10 unexpected \"extra\" after the lockfile name (a recipe has one lockfile); "
       "procmail skips it"},
      {"forward without an address", ":0\n!\n",
       "error@2:1 \"!\" needs at least one address to forward to (procmail runs $SENDMAIL "
       "without one)"},
      {"unterminated quote in a folder", ":0\n\"my box\nA=1\n",
       "error@2:1 unterminated double quote: procmail reads everything after it into the "
       "quoted text"},
      {"unknown flag letter", ":0 Bx c:\nf\n",
       "warning@1:5 unknown flag \"x\": ignored, with the rest of the start line (\"x c:\"), as "
       "procmail does"},
      {"a name at the very end", "A=1\nGONE",
       "warning@2:1 the file ends right after the name \"GONE\" without a newline: procmail "
       "skips it instead of unsetting the variable"},
      {"h on a block", ":0 h\n{ }\n", "warning@1:4 the h flag has no effect on a block; "
                                      "procmail ignores it"},
      {"b on a block", ":0 Bb\n{ }\n", "warning@1:5 the b flag has no effect on a block; "
                                       "procmail ignores it"},
      {"i on a block", ":0 i\n{ }\n", "warning@1:4 the i flag has no effect on a block; "
                                      "procmail ignores it"},
      {"r on a block", ":0 r\n{ }\n", "warning@1:4 the r flag has no effect on a block; "
                                      "procmail ignores it"},
      {"lockfile on a block", ":0 :x.lock\n{ }\n",
       "warning@1:4 a lockfile on a block does not cover the block (procmail creates and "
       "removes it at once); put it on the recipes inside"},
      {"e with E", ":0 Ee\nf\n", "warning@1:4 E together with e: procmail ignores E"},
      {"e with a", ":0 ea\nf\n", "warning@1:5 a together with e: procmail ignores a"},
      {"f on a folder", ":0 f\nf\n",
       "warning@1:4 the f flag makes a pipe (\"| command\") a filter; procmail ignores it here"},
      {"f on a capture", ":0 f\nX=| cat\n",
       "warning@1:4 the f flag makes a pipe (\"| command\") a filter; procmail ignores it here"},
      {"c on a filter", ":0 fc\n| cat\n",
       "warning@1:5 the c flag has no effect on a filter or a variable capture; procmail "
       "ignores it"},
  };
  for (const auto& c : cases) {
    const Rcfile file = parse_rcfile(c.input);
    EXPECT_EQ(dump_diagnostics(file.diagnostics), std::string(c.want) + "\n")
        << c.name << "\ninput:\n" << c.input;
  }
}

// What procmail does at each mistake it reads past is what the tree holds, with a
// notice where procmail logs it (its log line in the notice; "" when it is silent).
TEST(ParseRcfile, RecoversAsProcmailDoes) {
  const TreeCase cases[] = {
      {"a line of junk is skipped whole", "-- sorting -- C=5\nD=1\n",
       "notice(Skipped \"-- sorting -- C=5\")@1:1; D=1@2:1; "},
      {"a comment without # unsets its words", "Mail from boss\n",
       "Mail@1:1; from@1:6; boss@1:11; "},
      {"a name glued to junk: the name, then the rest of the line", "boss's account x=1\n",
       "notice(Skipped \"boss\")@1:5; notice(Skipped \"'s account x=1\")@1:5; "},
      {"a name glued to a start line", "x:0\nf\n",
       "notice(Skipped \"x\")@1:2; :@1:2 () @2:1 folders [f]; "},
      {"a stray brace, and the rest of its line", "} A=1\n",
       "notice(Closing brace unexpected)@1:1; A=1@1:3; "},
      {"a program line without a recipe", ":0\n{\n|/dev/null\n}\n",
       ":@1:1 () @2:1 { notice(Skipped \"|/dev/null\")@3:1; }@4:1; "},
      {"a bare 0 for a nested :0", ":0\n{\n0\nf\n}\n",
       ":@1:1 () @2:1 { notice(Skipped \"0\")@3:1; f@4:1; }@5:1; "},
      {":O is \":\" with an unknown flag and one old-style condition", ":O\n* ^Subject: x\nf\n",
       "notice(Skipped \"O\")@1:2; :@1:1 (* regex \"^Subject: x\"@2:3) @3:1 folders [f]; "},
      {":O: drops the lockfile too", ":O:\n^Subject: x\nf\n",
       "notice(Skipped \"O:\")@1:2; :@1:1 (* regex \"^Subject: x\"@2:1) @3:1 folders [f]; "},
      {"a condition on the start line is dropped", ":0 * ^Subject: x\nf\n",
       "notice(Skipped \"* ^Subject: x\")@1:4; :@1:1 () @2:1 folders [f]; "},
      {"an unknown flag ends the flags", ":0 c z H:lock\nf\n",
       "notice(Skipped \"z H:lock\")@1:6; :c@1:1 () @2:1 folders [f]; "},
      {"missing action: conditions kept, recipe dropped", ":0\n* x\n\n:0\nf\n",
       ":@1:1 (* regex \"x\"@2:3) @4:1 dropped; :@4:1 () @5:1 folders [f]; "},
      {"without the empty line the start line is the folder", ":0\n* x\n:0\nf\n",
       ":@1:1 (* regex \"x\"@2:3) @3:1 folders [:0]; f@4:1; "},
      {"a condition continued onto the action line", ":0\n* a|\\\nf\n:0\ng\n",
       ":@1:1 (* regex \"a|f\"@2:3) @4:1 folders [:0]; g@5:1; "},
      {"incomplete recipe", ":0\n* x\n", ":@1:1 (* regex \"x\"@2:3) @3:1 none; "},
      {"missing closing brace", ":0\n{\nA=1\n",
       ":@1:1 () @2:1 { A=1@3:1; notice(Missing closing brace)@2:1; }@4:1; "},
      {"bad substitution drops ${, the name and the byte after", "H=${ A} I=${J K}\n",
       "notice(Bad substitution of \"\")@1:3; H=A}@1:1; "
       "notice(Bad substitution of \"J\")@1:11; I=K}@1:9; "},
      {"a blank in ${...} ends an assignment's value", "E=${U:-x y} F=2\n",
       "notice()@1:9; E=x@1:1; notice(Skipped \"y\")@1:11; notice(Closing brace unexpected)@1:11; "
       "F=2@1:13; "},
      {"leading blanks of the word are skipped", "D=${DATE:- \"date\"}\n",
       "D=${DATE:-'date'}@1:1; "},
      {"a blank in ${...} separates words on an action line", ":0\n${U:-x y}\n",
       ":@1:1 () @2:1 folders [${U:-x y}]; "},
      {"variables in the flags are read when the recipe is reached", ":0 $F:lock\nf\n",
       ":@1:1 () @2:1 folders [f]; "},
      {"a lockfile from a variable", ":0:$HOME/x.lock\nf\n",
       ": lock=[${HOME}/x.lock]@1:1 () @2:1 folders [f]; "},
  };
  for (const TreeCase& c : cases) {
    const Rcfile file = parse_rcfile(c.input, ParseFor::kRunning);
    EXPECT_EQ(dump(file.statements), c.want) << c.name << "\ninput:\n" << c.input;
  }
}

TEST(ParseRcfile, VariablesInTheFlagsAreKeptForTheRun) {
  const Rcfile file = parse_rcfile(":0 H$F c\nf\n:0 B`x`\ng\n");
  EXPECT_TRUE(file.diagnostics.empty()) << dump_diagnostics(file.diagnostics);
  ASSERT_EQ(file.statements.size(), 2u);
  const auto& first = std::get<Recipe>(file.statements[0].node);
  EXPECT_TRUE(first.flags.header);
  ASSERT_EQ(first.dynamic_flags.size(), 2u);
  EXPECT_EQ(render(first.dynamic_flags[0]), "${F}");
  EXPECT_EQ(render(first.dynamic_flags[1]), "c");
  const auto& second = std::get<Recipe>(file.statements[1].node);
  EXPECT_TRUE(second.flags.body);
  ASSERT_EQ(second.dynamic_flags.size(), 1u);
  EXPECT_EQ(render(second.dynamic_flags[0]), "`x`");
}

TEST(ParseRcfile, WarningsLeaveTheRecipeIntact) {
  const Rcfile file = parse_rcfile(":0 Bx c:\n* hello\nf1\n:0 fc\n| cat\n");
  EXPECT_EQ(dump(file.statements),
            "notice(Skipped \"x c:\")@1:5; :B@1:1 (* regex \"hello\"@2:3) @3:1 folders [f1]; "
            ":fc@4:1 () @5:1 pipe raw=\" cat\" [cat]; ");
}

TEST(ParseRcfile, ShellSyntaxInPipesIsNotJudged) {
  // With a shell metacharacter the text goes to the shell; ${X%%.*} is fine there.
  const Rcfile file = parse_rcfile(":0\n| echo ${X%%.*} > out\n:0\n* ? test ${#X} -gt 3 ;\nf\n");
  EXPECT_TRUE(file.diagnostics.empty()) << dump_diagnostics(file.diagnostics);
  // Without one mailsift runs the words itself, so their mistakes count.
  const Rcfile direct = parse_rcfile(":0\n| echo ${#X}\n");
  EXPECT_EQ(dump_diagnostics(direct.diagnostics),
            "error@2:8 bad substitution of \"\": ${ must be followed by a variable name; procmail "
            "drops \"${#\" and reads on\n");
}

TEST(ParseRcfile, TenMistakesGiveTenDiagnostics) {
  const char* text =
      "# an rcfile with ten mistakes\n"            // 1
      "MAILDIR=${ HOME}/Mail\n"                    // 2  bad substitution
      "LOGFILE=$MAILDIR/log junk-x\n"              // 3  name followed by junk
      "  @include other\n"                         // 4  junk
      ":0 Hx\n"                                    // 5  unknown flag (warning)
      "* ^From: boss\n"                            // 6
      "* < big\n"                                  // 7  size not a number
      "work/\n"                                    // 8
      "}\n"                                        // 9  unexpected }
      ":0 * ^To: me\n"                             // 10 a condition on the start line
      "! boss@example.com\n"                       // 11
      ":0\n"                                       // 12 missing action
      "* ^Subject: lunch\n"                        // 13
      "\n"                                         // 14
      ":0\n"                                       // 15
      "{\n"                                        // 16
      "  SAVED=\"unfinished\n"                     // 17 unterminated quote
      "  :0\n"                                     // 18
      "  spam/\n"                                  // 19
      "}\n"                                        // 20
      ":0\n"                                       // 21
      "{\n";                                       // 22 missing closing brace
  const Rcfile file = parse_rcfile(text);
  const std::string want =
      "error@2:9 bad substitution of \"\": ${ must be followed by a variable name; procmail "
      "drops \"${ \" and reads on\n"
      "error@3:26 unexpected \"-\" after the variable name \"junk\": expected \"=\", a blank or "
      "the end of the line; procmail skips \"junk\" and reads on from \"-x\"\n"
      "error@4:3 unexpected \"@include\": a statement is an assignment (NAME=value), a recipe "
      "(\":0\"), \"}\" or a comment; procmail skips the rest of the line\n"
      "warning@5:5 unknown flag \"x\": ignored, with the rest of the start line (\"x\"), as "
      "procmail does\n"
      "error@7:5 the size after \"<\" must be a number of bytes, not \"big\": procmail skips "
      "\"big\"\n"
      "error@9:1 unexpected \"}\": no block is open; procmail ignores it\n"
      "error@10:4 a condition on the start line: procmail ignores \"* ^To: me\" (put it on a "
      "line of its own)\n"
      "error@12:1 missing action: an empty line, then a new recipe (line 15); procmail tries "
      "the conditions and drops the recipe\n"
      "error@17:9 unterminated double quote: procmail reads everything after it into the "
      "quoted text\n"
      "error@22:1 missing closing brace: the block opened here is still open at the end of "
      "the file\n";
  EXPECT_EQ(dump_diagnostics(file.diagnostics), want);
}

TEST(ParseRcfile, AStatementAfterAnUnterminatedQuoteIsStillRead) {
  // The quote runs to the end of the file; a check goes on with the next line so
  // that later mistakes are reported too.
  const Rcfile file = parse_rcfile("A=\"x\n:Q\n* x\nf\n");
  EXPECT_EQ(dump_diagnostics(file.diagnostics),
            "error@1:3 unterminated double quote: procmail reads everything after it into the "
            "quoted text\n"
            "error@2:2 unexpected \"Q\" on the start line: expected flags (HBDAahbfcwWiEer), "
            "\":\" and a lockfile, or the end of the line; procmail skips it\n");
  // A run reads the rest of the file into the quote, as procmail does.
  const Rcfile run = parse_rcfile("A=\"x\n:Q\n* x\nf\n", ParseFor::kRunning);
  EXPECT_EQ(dump(run.statements), "notice(Unexpected EOL)@1:3; A='x\n:Q\n* x\nf\n'@1:1; ");
}

TEST(ParseRcfile, ARecipeAfterAnUnterminatedQuoteKeepsItsLines) {
  const Rcfile lock = parse_rcfile(":0: \"x\n* a\nf\n");
  EXPECT_EQ(dump_diagnostics(lock.diagnostics),
            "error@1:5 unterminated double quote: procmail reads everything after it into the "
            "quoted text\n");
  EXPECT_EQ(dump(lock.statements),
            "notice(Unexpected EOL)@1:5; : lock=['x\n* a\nf\n']@1:1 (* regex \"a\"@2:3) @3:1 "
            "folders [f]; ");
  const Rcfile folder = parse_rcfile(":0\n\"my box\nA=1\n");
  EXPECT_EQ(dump(folder.statements), ":@1:1 () @2:1 folders ['my box\nA=1\n']; A=1@3:1; ");
}

// One error, at the first brace too deep: the blocks around it are not reported as
// unclosed (their closing braces, if any, come after the point where reading stopped).
TEST(ParseRcfile, BlocksNestedTooDeeplyAreAnError) {
  for (const bool closed : {false, true}) {
    std::string text;
    for (int i = 0; i <= limits::kMaxBlockNesting; ++i) text += ":0\n{\n";
    if (closed) {
      text += ":0\nfolder\n";
      for (int i = 0; i <= limits::kMaxBlockNesting; ++i) text += "}\n";
    }
    const Rcfile file = parse_rcfile(text);
    ASSERT_EQ(file.diagnostics.size(), 1u) << dump_diagnostics(file.diagnostics);
    const Diagnostic& deepest = file.diagnostics.back();
    EXPECT_EQ(at(deepest.position), at(Position{2 * limits::kMaxBlockNesting + 2, 1}));
    EXPECT_EQ(deepest.message, "blocks nest more than " +
                                   std::to_string(limits::kMaxBlockNesting) +
                                   " levels deep; the rest of the file is not read");
  }
  // At the limit, the file is fine.
  std::string text;
  for (int i = 0; i < limits::kMaxBlockNesting; ++i) text += ":0\n{\n";
  text += ":0\nfolder\n";
  for (int i = 0; i < limits::kMaxBlockNesting; ++i) text += "}\n";
  EXPECT_EQ(dump_diagnostics(parse_rcfile(text).diagnostics), "");
}

TEST(ParseRcfile, DiagnosticsAreInSourceOrder) {
  const Rcfile file = parse_rcfile(":0\n{\n  A=${ x}\n");
  ASSERT_EQ(file.diagnostics.size(), 2u);
  EXPECT_EQ(at(file.diagnostics[0].position), "@2:1");  // missing brace, found last
  EXPECT_EQ(at(file.diagnostics[1].position), "@3:5");
}

TEST(ParseWords, ArgumentMode) {
  struct Case {
    const char* input;
    const char* want;
  } const cases[] = {
      {"a b\tc", " [a] [b] [c]"},
      {"a\nb", " [a] [b]"},
      {"\"a b\" 'c d'", " ['a b'] ['c d']"},
      {"\"\" x", " [''] [x]"},
      {"\"$@\" $X", " [\"${@}\"] [${X}]"},
      {"a \\\n b", " [a] [b]"},
      {"a # b c", " [a]"},
      {"a#b", " [a#b]"},
      {"  ", ""},
  };
  for (const auto& c : cases) {
    std::vector<Diagnostic> diagnostics;
    EXPECT_EQ(render_words(parse_words(c.input, Position{}, &diagnostics)), c.want)
        << "input [" << c.input << "]";
    EXPECT_TRUE(diagnostics.empty()) << c.input;
  }
  std::vector<Diagnostic> diagnostics;
  parse_words("a 'b", Position{3, 5}, &diagnostics);
  EXPECT_EQ(dump_diagnostics(diagnostics),
            "error@3:7 unterminated single quote: procmail reads everything after it into the "
            "quoted text\n");
}

TEST(FormatDiagnostic, WarningsSayWarning) {
  const std::string text = ":0 Bx\nf\n";
  const Diagnostic d{{1, 5}, "unknown flag", Severity::kWarning, {}};
  EXPECT_EQ(format_diagnostic("rc", text, d),
            "rc:1:5: warning: unknown flag\n"
            "  :0 Bx\n"
            "      ^\n");
}

// A line longer than limits::kMaxQuotedInLog is shown around the caret, with "..."
// where it was shortened, and the caret still under the byte it points at.
TEST(FormatDiagnostic, LongLinesAreShownAroundTheCaret) {
  const std::size_t limit = limits::kMaxQuotedInLog;
  std::string line;
  for (std::size_t i = 0; i < 3 * limit; ++i) line += static_cast<char>('a' + i % 26);
  const auto part = [&](std::size_t from, std::size_t n) { return line.substr(from, n); };
  struct Row {
    std::string name;
    std::size_t length;  // of the line: a prefix of `line`
    std::size_t column;
    std::string shown;
    std::size_t caret;  // blanks before the caret
  } const rows[] = {
      {"fits", limit, 5, part(0, limit), 4},
      {"caret near the start", 3 * limit, 2, part(0, limit) + "...", 1},
      {"caret in the middle", 3 * limit, limit + limit / 2 + 1,
       "..." + part(limit, limit) + "...", 3 + limit / 2},
      {"caret at the end", 3 * limit, 3 * limit, "..." + part(2 * limit, limit),
       3 + limit - 1},
  };
  for (const Row& row : rows) {
    const std::string text = line.substr(0, row.length) + "\nf\n";
    const Diagnostic d{{1, static_cast<int>(row.column)}, "oops", Severity::kError, {}};
    const std::string want = "rc:1:" + std::to_string(row.column) + ": error: oops\n  " +
                             row.shown + "\n  " + std::string(row.caret, ' ') + "^\n";
    EXPECT_EQ(format_diagnostic("rc", text, d), want) << row.name;
  }
}

TEST(ParseAssignmentArgument, NotAnAssignment) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(parse_assignment_argument("=x", &diagnostics).has_value());
  EXPECT_FALSE(parse_assignment_argument("A", &diagnostics).has_value());
  const auto a = parse_assignment_argument("A=", &diagnostics);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(render(*a->value), "");
}

}  // namespace
}  // namespace mailsift::rc
