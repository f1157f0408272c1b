#include "mailsift/rc/lint.h"

#include <cctype>
#include <set>
#include <string>

namespace mailsift::rc {
namespace {

Diagnostic warning(Position at, std::string message) {
  Diagnostic d;
  d.position = at;
  d.message = std::move(message);
  d.severity = Severity::kWarning;
  return d;
}

bool delivers_always(const Recipe& recipe) {
  const RecipeFlags& f = recipe.flags;
  if (!recipe.conditions.empty() || f.also_if_matched || f.also_if_succeeded || f.else_if ||
      f.on_error || f.copy)
    return false;
  switch (recipe.action.kind) {
    case Action::Kind::kFolders:
    case Action::Kind::kForward:
      return true;
    case Action::Kind::kPipe:
      return !f.filter;
    case Action::Kind::kCapture:
    case Action::Kind::kBlock:
    case Action::Kind::kNone:
      return false;
  }
  return false;
}

// The first folder name when it is written out in full (no variables or
// backquotes in it: only then is it known to be a file), else empty.
std::string literal_first_folder(const Action& action) {
  if (action.words.empty()) return {};
  std::string name;
  for (const ValuePart& part : action.words.front()) {
    if (part.kind != ValuePart::Kind::kLiteral) return {};
    name += part.text;
  }
  return name;
}

bool names_a_directory(const std::string& name) {
  return name.ends_with("/") || name.ends_with("/.");
}

void check_mbox_lock(const Recipe& recipe, std::vector<Diagnostic>* diagnostics) {
  if (recipe.action.kind != Action::Kind::kFolders || recipe.lockfile) return;
  const std::string name = literal_first_folder(recipe.action);
  if (name.empty() || names_a_directory(name) || name == "/dev/null") return;
  diagnostics->push_back(warning(
      recipe.action.position,
      "delivery to the mbox file \"" + name +
          "\" without a lockfile: write \":0:\" so that other mail programs that use "
          "lockfiles cannot write to it at the same time (ignore this if \"" + name +
          "\" is a directory)"));
}

bool searches_header(const Recipe& recipe, const Condition& condition) {
  for (const ConditionPrefix& prefix : condition.prefixes) {
    if (prefix.kind == ConditionPrefix::Kind::kView) return false;
    if (prefix.kind == ConditionPrefix::Kind::kVariable)
      return prefix.variable == "H" || prefix.variable == "HB" || prefix.variable == "BH";
  }
  return recipe.flags.header || !recipe.flags.body;
}

// The field a header regex is about ("^Subject:.*x" is about "subject"), or "".
std::string field_of(std::string_view regex) {
  if (regex.size() < 3 || regex[0] != '^') return {};
  std::size_t i = 1;
  while (i < regex.size() && (std::isalnum(static_cast<unsigned char>(regex[i])) != 0 ||
                              regex[i] == '-' || regex[i] == '_'))
    ++i;
  if (i == 1 || i >= regex.size() || regex[i] != ':') return {};
  std::string field(regex.substr(1, i - 1));
  for (char& c : field) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return field;
}

// A raw regex that looks for text a header carries encoded: non-ASCII text, or the
// "=?" of an encoded word. The header views (rc/views.h) hold it decoded.
void check_encoded_headers(const Recipe& recipe, std::vector<Diagnostic>* diagnostics) {
  for (const Condition& condition : recipe.conditions) {
    if (condition.kind != ConditionKind::kRegex || !searches_header(recipe, condition)) continue;
    const std::string& op = condition.operand;
    std::size_t at_byte = std::string::npos;
    for (std::size_t i = 0; i < op.size() && at_byte == std::string::npos; ++i)
      if (static_cast<unsigned char>(op[i]) >= 0x80) at_byte = i;
    const std::size_t encoded = op.find("=\\?");
    const bool looks_encoded = encoded != std::string::npos || op.find("=?") != std::string::npos;
    if (at_byte == std::string::npos && !looks_encoded) continue;
    const std::string field = field_of(op);
    const std::string view = field.empty() ? "header.NAME" : "header." + field;
    Position at = condition.operand_position;
    if (at_byte != std::string::npos) {
      at.column += static_cast<int>(at_byte);
      diagnostics->push_back(warning(
          at, "this regex holds non-ASCII text and is tried against the header, where "
              "such text usually arrives RFC 2047 encoded (\"=?UTF-8?B?...?=\") and will "
              "not match; the view " + view + " holds it decoded to UTF-8 (\"* " + view +
              " ?? ...\", mailsiftrc(5) VIEWS)"));
    } else {
      diagnostics->push_back(warning(
          at, "this regex looks for RFC 2047 encoded text (\"=?\"), which a sender may "
              "encode in any charset, B or Q, split anywhere; the view " + view +
              " holds it decoded to UTF-8 (\"* " + view + " ?? ...\", mailsiftrc(5) VIEWS)"));
    }
  }
}

// Variables procmail (and mailsift) set before an rcfile runs, or as it runs; the
// environment is cleaned at start-up, so nothing else is set unless assigned.
const std::set<std::string>& preset_variables() {
  static const std::set<std::string> names = {
      "HOME", "LOGNAME", "SHELL", "ORGMAIL", "DEFAULT", "MAILDIR", "SENDMAIL", "SENDMAILFLAGS",
      "SHELLFLAGS", "SHELLMETAS", "MSGPREFIX", "LOCKEXT", "HOST", "PATH", "LINEBUF", "COMSAT",
      "TZ", "LASTFOLDER", "MATCH", "EXITCODE", "MAILSIFT_VERSION", "PROCMAIL_VERSION",
      "LOGFILE", "LOG", "VERBOSE", "LOGABSTRACT", "UMASK", "TIMEOUT", "LOCKSLEEP", "LOCKTIMEOUT",
      "SUSPEND", "LOCKFILE", "INCLUDERC", "SWITCHRC", "TRAP", "SHIFT", "DELIVERED", "USER_SHELL"};
  return names;
}

bool is_special_name(const std::string& name) {
  // $1..$9, $#, $$, $?, $_, $-, $=, $@, $0
  return name.size() == 1 && !(name[0] >= 'A' && name[0] <= 'Z') &&
         !(name[0] >= 'a' && name[0] <= 'z');
}

// What an rcfile assigns, and which of its variables hold text that comes from the
// message (MATCH, and variables set from a backquote or a capture).
struct Names {
  std::set<std::string> assigned;
  std::set<std::string> from_message = {"MATCH"};
};

bool holds_backquote(const Value& value) {
  for (const ValuePart& part : value) {
    if (part.kind == ValuePart::Kind::kBackquote) return true;
    if (part.kind == ValuePart::Kind::kVariable && holds_backquote(part.word)) return true;
  }
  return false;
}

// A value that copies message data ("SUBJ=$MATCH") holds message data too (as the
// evaluator counts it: engine/folder_guard.h).
bool uses_message_data(const Value& value, const Names& names) {
  for (const ValuePart& part : value) {
    if (part.kind == ValuePart::Kind::kVariable &&
        (names.from_message.count(part.text) != 0 || uses_message_data(part.word, names)))
      return true;
  }
  return false;
}

void collect_names(const Statements& statements, Names* names) {
  for (const Statement& statement : statements) {
    if (const auto* assignment = std::get_if<Assignment>(&statement.node)) {
      names->assigned.insert(assignment->name);
      if (assignment->value && (holds_backquote(*assignment->value) ||
                                uses_message_data(*assignment->value, *names)))
        names->from_message.insert(assignment->name);
      continue;
    }
    const auto* found = std::get_if<Recipe>(&statement.node);
    if (found == nullptr) continue;
    const Recipe& recipe = *found;
    if (recipe.action.kind == Action::Kind::kCapture) {
      names->assigned.insert(recipe.action.capture_variable);
      names->from_message.insert(recipe.action.capture_variable);
    }
    if (recipe.action.kind == Action::Kind::kBlock) collect_names(recipe.action.block, names);
  }
}

// The variables a value uses ($NAME and the alternatives of ${NAME:-word}).
void used_variables(const Value& value, std::vector<std::string>* out) {
  for (const ValuePart& part : value) {
    if (part.kind != ValuePart::Kind::kVariable) continue;
    // ${NAME:-x} and friends say themselves what happens when NAME is unset.
    if (part.substitution == Substitution::kPlain || part.substitution == Substitution::kRegexQuoted)
      out->push_back(part.text);
    used_variables(part.word, out);
  }
}

// "$NAME" and "${NAME" uses in raw text (a command handed to the shell, a "$"
// condition); quoted tells whether the use stands inside double quotes.
struct RawUse {
  std::string name;
  bool quoted;
};
std::vector<RawUse> raw_variable_uses(std::string_view text) {
  std::vector<RawUse> uses;
  bool in_double = false;
  bool in_single = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '\'' && !in_double) in_single = !in_single;
    if (c == '"' && !in_single) in_double = !in_double;
    if (c != '$' || in_single || i + 1 >= text.size()) continue;
    std::size_t start = i + 1;
    if (text[start] == '{') ++start;
    std::size_t end = start;
    while (end < text.size() && is_name_char(text[end])) ++end;
    if (end > start && is_name_start(text[start]))
      uses.push_back({std::string(text.substr(start, end - start)), in_double});
  }
  return uses;
}

void warn_unset(const Names& names, const std::string& name, Position at,
                std::set<std::string>* warned, std::vector<Diagnostic>* diagnostics) {
  if (is_special_name(name) || preset_variables().count(name) != 0 ||
      names.assigned.count(name) != 0 || !warned->insert(name).second)
    return;
  diagnostics->push_back(warning(at, "$" + name + " is used but never set in this file (the "
                                         "environment is cleaned at start-up, so it is "
                                         "empty unless an included file assigns it)"));
}

void check_values(const Statements& statements, const Names& names, std::set<std::string>* warned,
                  std::vector<Diagnostic>* diagnostics) {
  for (const Statement& statement : statements) {
    std::vector<std::string> used;
    if (const auto* assignment = std::get_if<Assignment>(&statement.node)) {
      if (assignment->value) used_variables(*assignment->value, &used);
      for (const auto& name : used) warn_unset(names, name, assignment->position, warned, diagnostics);
      continue;
    }
    const auto* found = std::get_if<Recipe>(&statement.node);
    if (found == nullptr) continue;
    const Recipe& recipe = *found;
    for (const Value& word : recipe.action.words) used_variables(word, &used);
    if (recipe.lockfile) used_variables(*recipe.lockfile, &used);
    for (const auto& name : used)
      warn_unset(names, name, recipe.action.position, warned, diagnostics);
    for (const Condition& condition : recipe.conditions) {
      if (condition.kind != ConditionKind::kExpand) continue;
      for (const RawUse& use : raw_variable_uses(condition.operand))
        warn_unset(names, use.name, condition.operand_position, warned, diagnostics);
    }
    if (recipe.action.kind == Action::Kind::kBlock)
      check_values(recipe.action.block, names, warned, diagnostics);
  }
}

// The literal text of a word, or "" when part of it is not literal.
std::string literal_word(const Value& word) {
  std::string text;
  for (const ValuePart& part : word) {
    if (part.kind != ValuePart::Kind::kLiteral) return {};
    text += part.text;
  }
  return text;
}

// "| sh -c "echo $MATCH"": no shell character, so the variable is expanded into
// the text that the shell named in the command then parses: the message's text
// becomes commands (in procmail as in mailsift).
void check_shell_command_text(const Action& action, const Names& names,
                              std::vector<Diagnostic>* diagnostics) {
  if (action.words.size() < 3) return;
  std::string program = literal_word(action.words[0]);
  program = program.substr(program.find_last_of('/') + 1);
  static const std::set<std::string> shells = {"sh", "bash", "dash", "ksh", "zsh", "ash"};
  if (shells.count(program) == 0) return;
  std::size_t i = 1;
  while (i < action.words.size() && literal_word(action.words[i]) != "-c") ++i;
  for (++i; i < action.words.size(); ++i) {
    std::vector<std::string> used;
    used_variables(action.words[i], &used);
    for (const auto& name : used) {
      if (names.from_message.count(name) == 0) continue;
      diagnostics->push_back(warning(
          action.position, "$" + name + " holds text from the message and is expanded into "
                           "the commands that \"" + program + " -c\" runs: the message's "
                           "text becomes commands; write '... \"$" + name + "\" ...' (single "
                           "quotes around, so that the shell takes it from the environment)"));
      return;
    }
  }
}

// Message text in a folder name, or unquoted on a command line the shell reads.
void check_message_data(const Recipe& recipe, const Names& names,
                        std::vector<Diagnostic>* diagnostics) {
  const Action& action = recipe.action;
  if (action.kind == Action::Kind::kFolders && !action.words.empty()) {
    std::vector<std::string> used;
    used_variables(action.words.front(), &used);
    // A recipe that looks at MATCH (say "* ! MATCH ?? \.\.") has had its say.
    bool checked = false;
    for (const Condition& condition : recipe.conditions)
      for (const ConditionPrefix& prefix : condition.prefixes)
        if (prefix.kind == ConditionPrefix::Kind::kVariable && names.from_message.count(prefix.variable))
          checked = true;
    for (const auto& name : used) {
      if (names.from_message.count(name) == 0 || checked) continue;
      diagnostics->push_back(warning(
          action.position, "$" + name + " holds text from the message and names a folder "
                           "here: mailsift refuses a value that would lead out of $MAILDIR "
                           "or to a dot file (\"../x\", \"/x\", \".forward\"; the message "
                           "then goes on to $DEFAULT), but any other name the sender chooses "
                           "is used; check it first (\"* ! " + name + " ?? (^\\.|/)\")"));
      break;
    }
    return;
  }
  if (action.kind != Action::Kind::kPipe && action.kind != Action::Kind::kCapture) return;
  // The shell reads the command only when it holds one of the default SHELLMETAS.
  if (action.raw.find_first_of("&|<>~;?*[") == std::string::npos) {
    check_shell_command_text(action, names, diagnostics);
    return;
  }
  for (const RawUse& use : raw_variable_uses(action.raw)) {
    if (use.quoted || names.from_message.count(use.name) == 0) continue;
    diagnostics->push_back(warning(
        action.position, "$" + use.name + " holds text from the message and stands unquoted "
                         "in a command the shell reads: the shell splits and globs it; write "
                         "\"$" + use.name + "\""));
    return;
  }
}

// A "c" copy into a folder with nothing delivering after it: the message is stored
// there and, at the end, in $DEFAULT as well.
bool delivers(const Recipe& recipe) {
  switch (recipe.action.kind) {
    case Action::Kind::kFolders:
    case Action::Kind::kForward:
      return true;
    case Action::Kind::kPipe:
      return !recipe.flags.filter;
    case Action::Kind::kCapture:
    case Action::Kind::kNone:
      return false;
    case Action::Kind::kBlock:
      for (const Statement& statement : recipe.action.block) {
        const auto* inner = std::get_if<Recipe>(&statement.node);
        if (inner != nullptr && delivers(*inner)) return true;
      }
      return false;
  }
  return false;
}

void check_copies(const Statements& statements, bool delivering_after,
                  std::vector<Diagnostic>* diagnostics) {
  bool later = delivering_after;
  for (auto it = statements.rbegin(); it != statements.rend(); ++it) {
    const auto* recipe = std::get_if<Recipe>(&it->node);
    if (recipe == nullptr) continue;
    if (recipe->action.kind == Action::Kind::kBlock) {
      check_copies(recipe->action.block, later, diagnostics);
    } else if (recipe->flags.copy && recipe->action.kind == Action::Kind::kFolders && !later) {
      diagnostics->push_back(warning(
          recipe->position, "a copy (\"c\") with nothing delivering after it: the message is "
                            "stored here and in $DEFAULT as well; drop the \"c\" if this "
                            "folder is meant to be its place"));
    }
    if (delivers(*recipe) && !recipe->flags.copy) later = true;
  }
}

void lint_statements(const Statements& statements, std::vector<Diagnostic>* diagnostics) {
  const Recipe* always = nullptr;
  for (const Statement& statement : statements) {
    const auto* recipe = std::get_if<Recipe>(&statement.node);
    if (recipe == nullptr) continue;
    if (always != nullptr) {
      diagnostics->push_back(warning(
          recipe->position, "this recipe can never run: the recipe at line " +
                                std::to_string(always->position.line) +
                                " has no conditions and always delivers, which ends "
                                "processing (unless that delivery fails)"));
      always = nullptr;  // once per unconditional recipe
    }
    check_mbox_lock(*recipe, diagnostics);
    check_encoded_headers(*recipe, diagnostics);
    if (recipe->action.kind == Action::Kind::kBlock)
      lint_statements(recipe->action.block, diagnostics);
    if (delivers_always(*recipe)) always = recipe;
  }
}

}  // namespace

void lint_message_data(const Statements& statements, const Names& names,
                       std::vector<Diagnostic>* diagnostics) {
  for (const Statement& statement : statements) {
    const auto* recipe = std::get_if<Recipe>(&statement.node);
    if (recipe == nullptr) continue;
    check_message_data(*recipe, names, diagnostics);
    if (recipe->action.kind == Action::Kind::kBlock)
      lint_message_data(recipe->action.block, names, diagnostics);
  }
}

void lint_rcfile(const Statements& statements, std::vector<Diagnostic>* diagnostics) {
  lint_statements(statements, diagnostics);
  Names names;
  collect_names(statements, &names);
  std::set<std::string> warned;
  check_values(statements, names, &warned, diagnostics);
  lint_message_data(statements, names, diagnostics);
  check_copies(statements, false, diagnostics);
  lint_procmail_traps(statements, diagnostics);
}

}  // namespace mailsift::rc
