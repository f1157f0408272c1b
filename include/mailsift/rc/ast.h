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

// NAME=value, or NAME alone (unset).
struct Assignment {
  std::string name;
  std::optional<Value> value;  // nullopt: unset
  Position position;           // of the name
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
  };
  Kind kind = Kind::kNot;
  double weight = 0;     // kWeight
  double exponent = 0;   // kWeight
  std::string variable;  // kVariable
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
};

struct Action {
  enum class Kind {
    kFolders,  // one or more folder names (argument words)
    kPipe,     // "| command"; with the f flag a filter
    kForward,  // "! addresses"
    kCapture,  // "NAME=| command" (capture_variable set)
    kBlock,    // "{ ... }"
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
};

struct Recipe {
  Position position;               // of the ":"
  std::string start_line;          // the start line as written, for logs and traces
  RecipeFlags flags;
  // A local lockfile: nullopt when there is none; an empty Value for ":0:" (the
  // name is derived from the action, behaviour §7.12); else the name as written.
  std::optional<Value> lockfile;
  std::vector<Condition> conditions;
  Action action;
};

struct Statement {
  std::variant<Assignment, Recipe> node;
};

struct Rcfile {
  Statements statements;
  // Every problem found, in source order. A file with any error (severity kError)
  // is not run; warnings are logged and the file runs.
  std::vector<Diagnostic> diagnostics;
};

}  // namespace mailsift::rc
