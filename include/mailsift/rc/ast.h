// The procmailrc language as a tree with source positions (procmailrc(5); behaviour
// §3). The parser (rc/parser.h) builds it from an rcfile's text; the engine's
// evaluator walks it. Nothing here runs a program, reads a file or expands a
// variable: values stay as parsed parts (rc/value.h) until the evaluator expands them
// against the variables of the moment, as procmail does while it reads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mailsift/rc/value.h"

namespace mailsift::rc {

struct Statement;
using Statements = std::vector<Statement>;

// A mistake procmail recovers from, at the place where it would log it. A delivery
// runs what procmail runs and logs each notice as it reaches it (rc/parser.h says
// which notices go where).
using Notices = std::vector<Diagnostic>;

// NAME=value, or NAME alone (unset).
struct Assignment {
  std::string name;
  std::optional<Value> value;  // nullopt: unset
  Position position;           // of the name
};

// Text procmail reads and does not run ("Skipped ..."), a stray "}", a recipe it
// drops: logged whenever the reading passes here, also inside a block whose
// conditions did not hold (procmail reads such a block to find its end).
struct Notice {
  Diagnostic diagnostic;
  // "Missing closing brace": procmail says it only for a block it entered.
  bool only_when_run = false;
  // A bound of mailsift's own (limits.h) that procmail does not have: always logged,
  // wherever the log goes.
  bool limit = false;
};

// The flags of a recipe's start line, as written (behaviour §4). Defaults are the
// evaluator's business: neither H nor B means H; neither h nor b means hb.
struct RecipeFlags {
  bool header = false;              // H
  bool body = false;                // B
  bool case_sensitive = false;      // D
  bool also_if_matched = false;     // A
  bool also_if_succeeded = false;   // a
  bool else_if = false;             // E
  bool on_error = false;            // e
  bool deliver_head = false;        // h
  bool deliver_body = false;        // b
  bool filter = false;              // f
  bool copy = false;                // c
  bool wait = false;                // w
  bool wait_quietly = false;        // W
  bool ignore_write_errors = false; // i
  bool raw = false;                 // r
};

// One prefix of a condition, applied in order from left to right (behaviour §3.4:
// after a prefix the rest is dispatched again).
struct ConditionPrefix {
  enum class Kind {
    kNot,       // "!"
    kWeight,    // "w^x" (procmailsc(5))
    kVariable,  // "NAME ??": the rest is tried against NAME (or H/B areas, see §3.4)
    kView,      // "view.name ??": the rest is tried against a view's lines (rc/views.h)
  };
  Kind kind = Kind::kNot;
  double weight = 0;     // kWeight
  double exponent = 0;   // kWeight
  std::string variable;  // kVariable; kView: the view's name as written
};

// What is left of a condition once its prefixes are taken off.
enum class ConditionKind {
  kRegex,     // a procmail regex (the operand; a leading "\" already removed)
  kProgram,   // "?": the operand is the raw command text
  kLess,      // "<": the operand is the number text (expanded at run time)
  kGreater,   // ">"
  kExpand,    // "$": the operand is expanded as in double quotes at run time, and
              // the result is parsed again with parse_condition
};

struct Condition {
  std::string text;                      // after "*", continuations squeezed, trimmed
  Position position;                     // of the first byte of text
  std::vector<ConditionPrefix> prefixes;
  ConditionKind kind = ConditionKind::kRegex;
  std::string operand;                   // regex / command / number / text to expand
  Position operand_position;             // of the first byte of operand
  // kRegex: a backslash before the operand was taken off ("* \\^TO_x"); procmail
  // does not replace a macro right after it.
  bool after_backslash = false;
  Notices notices;                       // logged when the condition is tried
};

struct Action {
  enum class Kind {
    kFolders,  // one or more folder names (argument words)
    kPipe,     // "| command"; with the f flag a filter
    kForward,  // "! addresses"
    kCapture,  // "NAME=| command" (capture_variable set)
    kBlock,    // "{ ... }"
    kNone,     // no action: the file ended ("Incomplete recipe"), or an empty line
               // and a new start line came first ("Missing action"); procmail tries
               // the conditions and then drops the recipe (notices say which)
  };
  Kind kind = Kind::kFolders;
  Position position;               // of the action's first byte
  // kPipe, kCapture: the raw command text after "|" (leading blank included,
  // backslash-newline kept as written), for the SHELLMETAS decision and the shell.
  std::string raw;
  // kFolders, kForward, and kPipe/kCapture run without a shell: the words in
  // argument mode, each a Value (unquoted substitutions are split at run time).
  std::vector<Value> words;
  std::string capture_variable;    // kCapture
  // kCapture written "NAME=! args": the output of $SENDMAIL $SENDMAILFLAGS args is
  // captured (raw is empty; words are the arguments, as for kForward).
  bool capture_forward = false;
  Statements block;                // kBlock
  Position block_end;              // kBlock: position of the matching "}"
  // Notices of the action line. procmail reads a folder or forward line (and the
  // missing action of kNone) once the conditions are tried, whether they held or
  // not; it reads a pipe's command only to run it.
  Notices notices;
  // kNone for "Missing action": the recipe counts as not matched for A, a, E and e.
  bool dropped_before_action = false;
};

struct Recipe {
  Position position;               // of the ":"
  std::string start_line;          // the start line as written, for logs and traces
  RecipeFlags flags;
  // A local lockfile: nullopt when there is none; an empty Value for ":0:" (the
  // name is derived from the action, behaviour §7.12); else the name as written.
  std::optional<Value> lockfile;
  // Start-line words with a "$" or a backquote, expanded and scanned for more flags
  // (and a lockfile) when the recipe is reached, as procmail reads them
  // (rc/start_line.h). Empty for nearly every recipe.
  std::vector<Value> dynamic_flags;
  // Skipped start-line words with a "$" or a backquote (rc/start_line.h): procmail
  // expands them and logs them as Skipped when it reads the recipe; the notice
  // (whose procmail_says is the words as written) goes with them.
  std::vector<Value> skipped_words;
  Notices skipped_notice;
  std::vector<Condition> conditions;
  Action action;
};

struct Statement {
  std::variant<Assignment, Recipe, Notice> node;
};

struct Rcfile {
  Statements statements;
  // Every problem found, in source order: what "mailsift --check" reports. An error
  // is a mistake procmail recovers from by dropping or misreading something; a
  // delivery runs the file as procmail does anyway (the notices in the tree say
  // where), unless MAILSIFT_STRICT asks it to refuse a file with errors.
  std::vector<Diagnostic> diagnostics;
};

}  // namespace mailsift::rc
