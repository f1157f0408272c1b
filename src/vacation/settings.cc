#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>

#include "mailsift/vacation/vacation.h"

namespace mailsift::vacation {
namespace {

std::string environment_value(const std::vector<std::string>& environment, std::string_view name) {
  for (const std::string& entry : environment)
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=')
      return entry.substr(name.size() + 1);
  return {};
}

bool valid_handle(const std::string& handle) {
  return !handle.empty() && handle[0] != '.' &&
         std::all_of(handle.begin(), handle.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

}  // namespace

bool parse_settings(const std::vector<std::string>& words, const std::vector<std::string>& environment,
                    Settings* settings, std::string* error) {
  Settings& s = *settings;
  std::string text_file;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word == "--dry-run") {
      s.dry_run = true;
      continue;
    }
    const std::size_t equals = word.find('=');
    const std::string name = word.substr(0, equals);
    std::string value;
    if (equals != std::string::npos) {
      value = word.substr(equals + 1);
    } else if (i + 1 < words.size()) {
      value = words[++i];
    } else {
      *error = "vacation: " + name + " needs a value";
      return false;
    }
    if (name == "--handle") {
      if (!valid_handle(value)) {
        *error = "vacation: --handle \"" + value + "\": letters, digits, '.', '_' and '-' only";
        return false;
      }
      s.handle = value;
    } else if (name == "--days") {
      char* end = nullptr;
      const long days = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || days < 1 || days > 3650) {
        *error = "vacation: --days \"" + value + "\": a number of days from 1 to 3650";
        return false;
      }
      s.days = days;
    } else if (name == "--address") {
      s.addresses.push_back(value);
    } else if (name == "--from") {
      s.from = value;
    } else if (name == "--subject") {
      s.subject = value;
    } else if (name == "--text") {
      s.text = value;
    } else if (name == "--text-file") {
      text_file = value;
    } else if (name == "--store") {
      s.store = value;
    } else {
      *error = "vacation: unknown option \"" + word + "\"";
      return false;
    }
  }
  if (!text_file.empty()) {
    std::ifstream in(text_file, std::ios::binary);
    if (!in) {
      *error = "vacation: cannot read the text file \"" + text_file + "\"";
      return false;
    }
    s.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The recipient the mail server names is one of the user's addresses (without its
  // +detail, RFC 5233).
  if (std::string recipient = environment_value(environment, "RECIPIENT"); !recipient.empty()) {
    const std::size_t at = recipient.rfind('@');
    const std::size_t plus = recipient.find('+');
    if (plus != std::string::npos && (at == std::string::npos || plus < at))
      recipient.erase(plus, (at == std::string::npos ? recipient.size() : at) - plus);
    s.addresses.push_back(recipient);
  }
  if (s.store.empty()) s.store = environment_value(environment, "HOME") + "/.mailsift/vacation";
  if (const std::string sendmail = environment_value(environment, "SENDMAIL"); !sendmail.empty())
    s.sendmail = sendmail;
  if (s.from.empty() && !s.addresses.empty()) s.from = s.addresses.front();
  return true;
}

}  // namespace mailsift::vacation
