#include "mailsift/engine/folder_guard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mailsift/engine/expand.h"
#include "mailsift/rc/parser.h"

namespace mailsift::engine {
namespace {

using Vars = std::map<std::string, std::string>;

// MATCH and SUBJ hold message data here, and LIST from its 7th byte on (as after
// LIST=.lists.`cmd`); HOME, DIR and the rest do not.
Expander expander_for(const Vars& vars) {
  Expander e;
  e.lookup = [vars](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  e.from_message = [](std::string_view name) -> std::optional<std::size_t> {
    if (name == "MATCH" || name == "SUBJ") return 0;
    if (name == "LIST") return 7;
    return std::nullopt;
  };
  e.backquote = [](const std::string& command) -> std::optional<std::string> {
    return command == "echo up" ? std::optional<std::string>("../x") : std::string("list");
  };
  e.arguments = {"../arg"};
  return e;
}

std::vector<ExpandedWord> expand(const std::string& action, const Vars& vars) {
  std::vector<rc::Diagnostic> diagnostics;
  const auto words = rc::parse_words(action, rc::Position{}, &diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << action;
  std::vector<ExpandedWord> out;
  std::string error;
  EXPECT_TRUE(expand_words(words, expander_for(vars), &out, &error)) << action << ": " << error;
  return out;
}

// One letter a byte: L literal, V variable, M message.
std::string origins_of(const ExpandedWord& word) {
  std::string out;
  for (const Origin o : word.origins)
    out += o == Origin::kLiteral ? 'L' : o == Origin::kVariable ? 'V' : 'M';
  return out;
}

TEST(ExpandWords, OriginOfEveryByte) {
  struct Case {
    const char* action;
    Vars vars;
    const char* want_text;
    const char* want_origins;
  } const cases[] = {
      {"in/box", {}, "in/box", "LLLLLL"},
      {"$HOME/x", {{"HOME", "/h"}}, "/h/x", "VVLL"},
      {"a$MATCH", {{"MATCH", "bc"}}, "abc", "LMM"},
      {"\"$SUBJ\"/", {{"SUBJ", "s t"}}, "s t/", "MMML"},
      {"${MATCH:-dflt}", {}, "dflt", "LLLL"},
      {"${NONE:-$MATCH}", {{"MATCH", "m"}}, "m", "M"},
      {"$1", {{"1", "one"}}, "one", "MMM"},
      {"`date`", {}, "list", "MMMM"},
      {"x$DIR", {{"DIR", "/y"}}, "x/y", "LVV"},
      {"$LIST/", {{"LIST", ".lists.dev_x"}}, ".lists.dev_x/", "VVVVVVVMMMMML"},
      {"\"$LIST\"", {{"LIST", ".lists.a b"}}, ".lists.a b", "VVVVVVVMMM"},
  };
  for (const auto& c : cases) {
    const auto words = expand(c.action, c.vars);
    ASSERT_EQ(words.size(), 1u) << c.action;
    EXPECT_EQ(words[0].text, c.want_text) << c.action;
    EXPECT_EQ(origins_of(words[0]), c.want_origins)
        << c.action << ": got " << origins_of(words[0]) << ", wanted " << c.want_origins;
  }
}

TEST(ExpandValue, TellsWhereMessageDataStarts) {
  struct Case {
    const char* text;
    Vars vars;
    std::size_t want;  // from which byte on: npos for none
  } const cases[] = {
      {"plain", {}, std::string::npos},
      {"$HOME/x", {{"HOME", "/h"}}, std::string::npos},
      {"re:$MATCH", {{"MATCH", "hi"}}, 3},
      {"$MATCH", {}, std::string::npos},  // unset: nothing came from it
      {"${NONE:-$SUBJ}", {{"SUBJ", "s"}}, 0},
      {"`date`", {}, 0},
      {"$2", {{"2", "arg"}}, 0},
      {".lists.`date`", {}, 7},
      {"x$LIST", {{"LIST", ".lists.y"}}, 8},
      {"x$LIST", {{"LIST", ".lists."}}, std::string::npos},  // no byte from the message
      {"$MATCH$HOME", {{"MATCH", "m"}, {"HOME", "/h"}}, 0},
  };
  for (const auto& c : cases) {
    std::size_t pos = 0;
    std::vector<rc::Diagnostic> diagnostics;
    const rc::Value value = rc::parse_value(c.text, &pos, rc::Position{}, &diagnostics);
    std::string out;
    std::string error;
    std::size_t message_from = 12345;
    ASSERT_TRUE(expand_value(value, expander_for(c.vars), &out, &error, &message_from)) << c.text;
    EXPECT_EQ(message_from, c.want) << c.text << " expanded to [" << out << "]";
  }
}

TEST(FolderRefusal, Table) {
  struct Case {
    const char* action;
    Vars vars;
    const char* want;  // part of the reason; "" when the folder is used
  } const cases[] = {
      // Message data that would leave $MAILDIR or reach a dot file.
      {"$MATCH", {{"MATCH", "../../etc/x"}}, "a \"..\" in it comes from the message"},
      {"$MATCH", {{"MATCH", "sub/../../y"}}, "from the message"},
      {"$MATCH/../z", {{"MATCH", ".."}}, "from the message"},
      {".$MATCH/", {{"MATCH", "./x"}}, "from the message"},  // ".." made of both
      {"$MATCH", {{"MATCH", "/home/u/.forward"}}, "absolute name taken from the message"},
      {"$SUBJ", {{"SUBJ", "/tmp/x"}}, "absolute"},
      {"$1", {{"1", "/tmp/x"}}, "absolute"},
      {"$MATCH", {{"MATCH", ".forward"}}, "beginning with \".\" (\".forward\")"},
      {"lists/$MATCH", {{"MATCH", "a/.ssh"}}, "(\".ssh\")"},
      {"$MATCH/", {{"MATCH", "."}}, "beginning with \".\""},
      {"`echo up`", {}, "from the message"},
      {"\"$@\"", {}, "from the message"},
      // A ".." that came from a variable the rcfile set is refused too (write it).
      {"$DIR/x", {{"DIR", "../archive"}}, "a \"..\" in it comes from a variable"},
      // What the rcfile itself writes is used.
      {"../$MATCH", {{"MATCH", "x"}}, ""},
      {"$MATCH/../z", {{"MATCH", "a"}}, ""},
      {"$HOME/../x", {{"HOME", "/h"}}, ""},
      {"$DIR/x", {{"DIR", "/abs/dir"}}, ""},
      {"$HOME/Maildir/.$MATCH/", {{"HOME", "/h"}, {"MATCH", "lists"}}, ""},
      {".$MATCH/", {{"MATCH", ".x"}}, ""},  // "..x" is a plain name
      {"lists/$MATCH", {{"MATCH", "a/b"}}, ""},
      {"$MATCH", {{"MATCH", "inbox..old"}}, ""},
      {"$MATCH", {{"MATCH", "in.box/"}}, ""},
      // Maildir++ names built in the rcfile: the leading dot is the rcfile's.
      {"$LIST/", {{"LIST", ".lists.dev@lists_example_org"}}, ""},
      {"Maildir/$LIST/", {{"LIST", ".lists.x"}}, ""},
      {"$LIST/", {{"LIST", ".lists./.ssh"}}, "(\".ssh\")"},
      {"/dev/null", {}, ""},
      {"${MATCH:-../default}", {}, ""},
  };
  for (const auto& c : cases) {
    const auto words = expand(c.action, c.vars);
    ASSERT_FALSE(words.empty()) << c.action;
    const std::string got = folder_refusal(words[0]);
    if (std::string(c.want).empty()) {
      EXPECT_EQ(got, "") << c.action << " -> " << words[0].text;
    } else {
      EXPECT_NE(got.find(c.want), std::string::npos)
          << c.action << " -> " << words[0].text << ": got [" << got
          << "], wanted it to contain [" << c.want << "]";
    }
  }
}

TEST(FolderRefusal, OriginsOfTheWrongLengthAreRefused) {
  ExpandedWord word;
  word.text = "inbox";
  EXPECT_NE(folder_refusal(word), "");
}

}  // namespace
}  // namespace mailsift::engine
