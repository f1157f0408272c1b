// The mbox From_ line: "From " sender "  " ctime-date "\n", and procmail's rules for
// keeping, replacing or generating it (-f, -o, -d; procmail(1)).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace mailsift::message {

// How the reader treats the first line (procmail -f/-r, -o, -d).
struct FromLinePolicy {
  // True in delivery mode (-d) or when -f was given: leading empty lines are dropped
  // and a From_ line is kept, replaced or generated. False: input is taken verbatim.
  bool manage = false;
  // -f NAME: the sender to put on the From_ line; "-" refreshes only the date.
  std::optional<std::string> sender;
  // The invoking user's name, used when a From_ line is generated without -f.
  std::string invoker;
  // -o: override an existing From_ line (procmail: for unprivileged invokers a
  // fresh one for the invoker is generated; mailsift never runs setuid, so -o
  // only has an effect together with -f).
  bool override_existing = false;
};

// "From <sender>  <24-char ctime>\n" for the given time (local time, as procmail).
std::string make_from_line(std::string_view sender, std::time_t when);

// True when `line` starts with the five bytes "From ".
bool is_from_line(std::string_view line);

// The sender word of a From_ line ("From a@b  date" -> "a@b"), or empty.
std::string from_line_sender(std::string_view line);

// Applies the policy to the start of a message. `leading` is the message text from
// its first byte up to at least the end of its first non-empty line. Returns the
// replacement for the first `consumed` bytes of the input.
struct FromLineEdit {
  std::size_t consumed = 0;  // bytes of the input replaced
  std::string replacement;   // new text for them
};
FromLineEdit apply_from_line_policy(std::string_view leading, const FromLinePolicy& policy,
                                    std::time_t now);

}  // namespace mailsift::message
