#pragma once
// mailsift-formail's command line: every option of formail 3.22, parsed as formail
// parses it (clustered letters, a value in the rest of the cluster or the next word,
// "+N" and "-N" counts, "-s" last).

#include <optional>
#include <string>
#include <vector>

#include "mailsift/formail/fields.h"

namespace mailsift::formail {

struct Options {
  bool split = false;        // -s
  bool force = false;        // -f
  bool escape_from = true;   // not -b
  bool every = false;        // -e
  bool digest = false;       // -d (and -B)
  bool babyl = false;        // -B
  bool berkeley = false;     // -Y
  bool no_wait = false;      // -n
  long child_limit = 0;      // -n N
  bool keep_body = false;    // -k
  bool concatenate = false;  // -c
  bool zap = false;          // -z
  bool quiet = true;         // -q, -q-
  bool reply = false;        // -r
  int header_reply = 0;      // 1: -t; 2: -a Resent-
  std::optional<std::string> log_folder;  // -l
  long skip = 0;             // +N
  long total = -1;           // -N
  long min_fields = 0;       // -m; 0: not given
  long duplicate_length = 0; // -D N
  int duplicate_fd = -1;     // -D's cache, opened while parsing, as formail does
  std::string duplicate_file;
  std::string escape = ">";  // -p
  FieldList add_if_missing;  // -a
  FieldList add_always;      // -A
  FieldList rename_insert;   // -i
  FieldList delete_insert;   // -I
  FieldList extract;         // -x
  FieldList extract_keep;    // -X
  FieldList first_unique;    // -u
  FieldList last_unique;     // -U
  FieldList rename;          // -R: old name, then the new name after name_length
  std::vector<std::string> command;  // after -s
};

enum class ParseResult {
  kRun,
  kUsage,          // usage text, exit 64
  kHelp,           // usage and help text, exit 64
  kVersion,        // version text, exit 64 (as formail)
  kInvalidField,   // "Invalid field-name", usage, exit 64
  kCannotOpen,     // -D cache, exit 73
};

struct Parsed {
  ParseResult result = ParseResult::kRun;
  std::string detail;  // the invalid field name, or the cache path
};

Parsed parse_options(const std::vector<std::string>& args, Options* options);

std::string usage_text(const std::string& program);
std::string help_text();

}  // namespace mailsift::formail
