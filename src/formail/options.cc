#include "mailsift/formail/options.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace mailsift::formail {
namespace {

constexpr std::size_t kMaxFolderLength = 61;  // what fits before the size column of -l

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// strtol from `at`, as far as it reads; moves `at` past the number.
long read_number(std::string_view text, std::size_t* at) {
  const std::string copy(text.substr(*at));
  char* end = nullptr;
  const long value = std::strtol(copy.c_str(), &end, 10);
  *at += static_cast<std::size_t>(end - copy.c_str());
  return value;
}

}  // namespace

Parsed parse_options(const std::vector<std::string>& args, Options* options) {
  Options& o = *options;
  Parsed parsed;
  auto usage = [&] {
    parsed.result = ParseResult::kUsage;
    return parsed;
  };
  auto invalid = [&](std::string_view name) {
    parsed.result = ParseResult::kInvalidField;
    parsed.detail = std::string(name);
    return parsed;
  };

  std::size_t index = 0;
  while (index < args.size()) {
    std::string_view word = args[index];
    std::size_t at = 0;
    auto peek = [&]() -> char { return at < word.size() ? word[at] : '\0'; };
    // An option's value: the rest of this word, else the next word.
    auto next_value = [&]() -> bool {
      if (peek() != '\0') return true;
      if (++index >= args.size()) return false;
      word = args[index];
      at = 0;
      return true;
    };
    bool next_word = false;
    char letter = peek();
    ++at;
    if (letter != '+' && letter != '-') return usage();
    bool number_first = letter == '+';
    while (!next_word) {
      if (!number_first) {
        letter = peek();
        ++at;
      }
      bool number = number_first;
      number_first = false;
      switch (number ? '#' : letter) {
        case '\0':
          next_word = true;
          break;
        case 't': o.header_reply |= 1; break;
        case 'r': o.reply = true; break;
        case 'f': o.force = true; break;
        case 'e': o.every = true; break;
        case 'B':
          o.babyl = o.every = true;
          o.digest = true;
          break;
        case 'd': o.digest = true; break;
        case 'n':
          o.no_wait = true;
          if (!next_value()) return usage();
          o.child_limit = read_number(word, &at);
          break;
        case 'k': o.keep_body = true; break;
        case 'c': o.concatenate = true; break;
        case 'z': o.zap = true; break;
        case 'q':
          o.quiet = true;
          if (peek() == '-') {
            ++at;
            o.quiet = false;
          }
          break;
        case 'l': {
          if (!next_value()) return usage();
          std::string folder(word.substr(at));
          if (folder.size() > kMaxFolderLength) folder.resize(kMaxFolderLength);
          for (char& c : folder)
            if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') c = ' ';
          o.log_folder = std::move(folder);
          next_word = true;
          break;
        }
        case 's':
          o.split = true;
          if (peek() != '\0') return usage();
          o.command.assign(args.begin() + static_cast<long>(index) + 1, args.end());
          return parsed;
        case 'h':
        case '?':
          parsed.result = ParseResult::kHelp;
          return parsed;
        case 'b': o.escape_from = false; break;
        case 'Y': o.berkeley = true; break;
        case 'p':
          if (!next_value()) return usage();
          o.escape = std::string(word.substr(at));
          next_word = true;
          break;
        case 'v':
          parsed.result = ParseResult::kVersion;
          return parsed;
        case 'a': case 'A': case 'i': case 'I': case 'x': case 'X': case 'u': case 'U':
        case 'R': {
          if (!next_value()) return usage();
          std::string text(word.substr(at));
          const long length = break_field(text);
          const auto size = static_cast<long>(text.size());
          if (letter == 'a') {
            if (length <= 0) {
              if (length != -7 || size != 7 || strcasecmp(text.c_str(), "Resent-") != 0)
                return invalid(text);
              o.header_reply |= 2;  // -a Resent-: a modifier of -r -t, not a field
              next_word = true;
              break;
            }
          } else if (letter == 'A' || (letter != 'R' && -length != size)) {
            if (length <= 0) return invalid(text);
          }
          text += '\n';
          FieldList& list = letter == 'i'   ? o.rename_insert
                            : letter == 'I' ? o.delete_insert
                            : letter == 'a' ? o.add_if_missing
                            : letter == 'A' ? o.add_always
                            : letter == 'x' ? o.extract
                            : letter == 'u' ? o.first_unique
                            : letter == 'U' ? o.last_unique
                            : letter == 'X' ? o.extract_keep
                                            : o.rename;
          Field field = make_field(text, false);
          if (letter == 'R') {
            // The new name: in the same word after blanks, or the next word.
            const long first = length;
            std::size_t from = field.name_length;
            const std::size_t end = text.size();  // the added newline counts as a blank
            while (from < end && (text[from] == ' ' || text[from] == '\t' || text[from] == '\n')) ++from;
            std::string second = text.substr(from, end - from);
            long second_length = break_field(second);
            if (second_length < 0) {
              if (first > 0) return invalid(second);
              second_length = -second_length;
            }
            std::string new_name;
            if (second_length > 0) {
              new_name = second.substr(0, static_cast<std::size_t>(second_length));
            } else {
              if (from < end || ++index >= args.size()) return invalid(index < args.size() ? args[index] : "");
              const std::string& next = args[index];
              second_length = break_field(next);
              if ((second_length == 0 && !next.empty())) return invalid(next);
              if (second_length <= 0) {
                second_length = -second_length;
                if (first > 0) return invalid(next);
              }
              new_name = next.substr(0, static_cast<std::size_t>(second_length));
            }
            field.text = field.text.substr(0, field.name_length) + new_name;
          }
          list.push_back(std::move(field));
          next_word = true;
          break;
        }
        case 'D':
        case 'm':
          if (!next_value()) return usage();
          number = true;
          [[fallthrough]];
        default: {
          if (!number) --at;  // the letter itself: "-5" is a count
          if (!is_digit(peek())) return usage();
          const long value = read_number(word, &at);
          if (letter == '+') {
            o.skip = value;
          } else if (letter == 'D') {
            o.duplicate_length = value;
            if (!next_value()) return usage();
            o.duplicate_file = std::string(word.substr(at));
            if (o.duplicate_fd >= 0) ::close(o.duplicate_fd);
            o.duplicate_fd = ::open(o.duplicate_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
            if (o.duplicate_fd < 0) {
              parsed.result = ParseResult::kCannotOpen;
              parsed.detail = o.duplicate_file;
              return parsed;
            }
            next_word = true;
          } else if (letter == 'm') {
            o.min_fields = value;
          } else {
            o.total = value;
          }
          break;
        }
      }
    }
    ++index;
  }
  return parsed;
}

std::string usage_text(const std::string& program) {
  const std::string& p = program;
  return "Usage: " + p + " [-vbczfrktqY] [-D nnn idcache] [-p prefix] [-l folder]\n"
         "\t[-xXaAiIuU field] [-R ofield nfield]\n"
         "   Or: " + p + " [+nnn] [-nnn] [-bczfrktedqBY] [-D nnn idcache] [-p prefix]\n"
         "\t[-n [nnn]] [-m nnn] [-l folder] [-xXaAiIuU field] [-R ofield nfield]\n"
         "\t-s [prg [arg ...]]\n";
}

std::string help_text() {
  return " -v\t\tdisplay the version number and exit\n"
         " -b\t\tdon't escape bogus mailbox headers\n"
         " -Y\t\tBerkeley format mailbox, disregard Content-Length:\n"
         " -c\t\tconcatenate continued header-fields\n"
         " -z\t\tzap whitespace and empty header-fields\n"
         " -f\t\tforce formail to pass along any non-mailbox format\n"
         " -r\t\tgenerate an auto-reply header, preserve fields with -i\n"
         " -k\t\ton auto-reply keep the body, prevent escaping with -b\n"
         " -t\t\treply to the header sender instead of the envelope sender\n"
         " -l folder\tgenerate a procmail-compatible log summary\n"
         " -D nnn idcache\tdetect duplicates with an idcache of length nnn\n"
         " -s prg arg\tsplit the mail, startup prg for every message\n"
         " +nnn\t\tskip the first nnn\t-nnn\toutput at most nnn messages\n"
         " -n [nnn]\tdon't serialise splits\t-e\tempty lines are optional\n"
         " -d\t\taccept digest format\t-B\texpect BABYL rmail format\n"
         " -q\t\tbe quiet\t\t-p prefix\tquotation prefix\n"
         " -m nnn \tmin fields threshold (default 2) for start of message\n"
         " -x field\textract contents\t-X field\textract fully\n"
         " -a field\tadd if not present\t-A field\tadd in any case\n"
         " -i field\trename and insert\t-I field\tdelete and insert\n"
         " -u field\tfirst unique\t\t-U field\tlast unique\n"
         " -R oldfield newfield\trename\n";
}

}  // namespace mailsift::formail
