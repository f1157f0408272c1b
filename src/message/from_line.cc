#include "mailsift/message/from_line.h"

#include <array>

#include "mailsift/limits.h"

namespace mailsift::message {
namespace {

constexpr std::string_view kFrom = "From ";

// ctime(3) is 24 characters: "Sat Nov 28 14:58:20 2026". Offsets of the two colons
// of "hh:mm:ss" within it; procmail uses them to find an old date on a From_ line.
constexpr std::size_t kCtimeLength = 24;
constexpr std::size_t kFirstColon = 13;
constexpr std::size_t kSecondColon = 16;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string two_digits(int n) {
  std::string s(2, '0');
  s[0] = static_cast<char>('0' + (n / 10) % 10);
  s[1] = static_cast<char>('0' + n % 10);
  return s;
}

// ctime(3) text without its newline. Written by hand rather than with strftime so that
// the day and month names never depend on LC_TIME.
std::string ctime_text(std::time_t when) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  if (localtime_r(&when, &tm) == nullptr) {
    std::time_t zero = 0;
    localtime_r(&zero, &tm);
  }
  std::string out;
  out += kDays[static_cast<std::size_t>(tm.tm_wday) % 7];
  out += ' ';
  out += kMonths[static_cast<std::size_t>(tm.tm_mon) % 12];
  out += tm.tm_mday < 10 ? "  " : " ";
  out += std::to_string(tm.tm_mday);
  out += ' ';
  out += two_digits(tm.tm_hour) + ':' + two_digits(tm.tm_min) + ':' + two_digits(tm.tm_sec);
  out += ' ';
  out += std::to_string(tm.tm_year + 1900);
  return out;
}

// Where the date of an existing From_ line starts, as procmail locates it for
// "-f -". `rest` is the line after "From " including its newline. procmail keeps the
// address (the first word); if the line is long enough to hold a ctime date after
// it, it looks from the right for the "hh:mm:" of such a date and keeps everything
// before the blanks that precede the word holding it.
std::size_t date_position(std::string_view rest) {
  std::size_t address_end = 0;
  while (address_end < rest.size() && is_blank(rest[address_end])) ++address_end;
  while (address_end < rest.size() && !is_blank(rest[address_end]) &&
         rest[address_end] != '\n') {
    ++address_end;
  }
  std::size_t after_blanks = address_end;
  while (after_blanks < rest.size() && is_blank(rest[after_blanks])) ++after_blanks;
  // The latest start a 24-character date can have: it must end at the newline.
  if (rest.size() < kCtimeLength + 1) return address_end;
  const std::size_t last_start = rest.size() - (kCtimeLength + 1);
  if (after_blanks >= last_start) return address_end;
  std::size_t p = last_start;
  while (!(rest[p + kFirstColon] == ':' && rest[p + kSecondColon] == ':')) {
    --p;
    if (p <= address_end) {
      p = address_end;
      break;
    }
  }
  // Step left over the rest of the word before p, then over the blanks before it;
  // the date is taken to start at those blanks.
  bool seen_blank = false;
  for (std::size_t i = p; i > address_end; --i) {
    const char c = rest[i - 1];
    if (is_blank(c)) {
      seen_blank = true;
    } else if (seen_blank) {
      return i;
    }
  }
  return address_end;
}

}  // namespace

std::string make_from_line(std::string_view sender, std::time_t when) {
  std::string line(kFrom);
  line += sender;
  line += "  ";
  line += ctime_text(when);
  line += '\n';
  return line;
}

bool is_from_line(std::string_view line) { return line.substr(0, kFrom.size()) == kFrom; }

std::string from_line_sender(std::string_view line) {
  if (!is_from_line(line)) return {};
  std::size_t i = kFrom.size();
  while (i < line.size() && is_blank(line[i])) ++i;
  std::size_t end = i;
  while (end < line.size() && !is_blank(line[end]) && line[end] != '\n') ++end;
  return std::string(line.substr(i, end - i));
}

FromLineEdit apply_from_line_policy(std::string_view leading, const FromLinePolicy& policy,
                                    std::time_t now) {
  FromLineEdit edit;
  if (!policy.manage) return edit;  // normal mode without -f: verbatim

  // Leading empty lines are dropped.
  std::size_t start = 0;
  while (start < leading.size() && leading[start] == '\n') ++start;
  edit.consumed = start;

  bool have_line = false;
  std::string_view line;
  if (is_from_line(leading.substr(start))) {
    const std::size_t nl = leading.find('\n', start);
    // procmail holds the first line in a LINEBUF-sized buffer less two bytes; a
    // longer From_ line, or one never ended by a newline, is dropped entirely.
    const std::size_t end = nl == std::string_view::npos ? leading.size() : nl + 1;
    edit.consumed = end;
    if (nl != std::string_view::npos && end - start <= limits::kMaxFromLine - 2) {
      have_line = true;
      line = leading.substr(start, end - start);
    }
  }

  const std::string& invoker = policy.invoker;
  if (!have_line) {
    const bool named = policy.sender.has_value() && *policy.sender != "-";
    edit.replacement = make_from_line(named ? *policy.sender : invoker, now);
    return edit;
  }
  if (!policy.sender.has_value()) {
    edit.replacement = std::string(line);  // kept unchanged
  } else if (*policy.sender == "-") {
    // Keep the sender part, put the current date in place of the old one.
    const std::string_view rest = line.substr(kFrom.size());
    edit.replacement = std::string(kFrom);
    edit.replacement += rest.substr(0, date_position(rest));
    edit.replacement += "  ";
    edit.replacement += ctime_text(now);
    edit.replacement += '\n';
  } else {
    edit.replacement = make_from_line(*policy.sender, now);
  }
  return edit;
}

}  // namespace mailsift::message
