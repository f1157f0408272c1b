#include "mailsift/engine/rule_test.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "mailsift/sys/io.h"
#include "mailsift/sys/process.h"

namespace mailsift::engine {
namespace {

struct Expectation {
  std::vector<std::string> folders;
  int exit = 0;
  std::string skip;  // the reason, when the message is skipped
  // What is wrong with the file itself ("2: ...", from the line number on), one entry
  // per bad line: the message then fails without being run, as there is nothing
  // sound to compare its outcome with.
  std::vector<std::string> problems;
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  return text.substr(start);
}

// An exit status as written after "exit:": the whole field a decimal number from 0
// to 255 (what a process can exit with). Anything else, such as "abc" or "7x", is
// nullopt rather than a guess.
std::optional<int> exit_status_from(const std::string& field) {
  if (field.empty()) return std::nullopt;
  int value = 0;
  for (const char c : field) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
    if (value > 255) return std::nullopt;
  }
  return value;
}

Expectation parse_expectation(const std::string& text) {
  Expectation want;
  std::size_t start = 0;
  int number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = trimmed(line.substr(colon + 1));
    if (key == "folder") {
      want.folders.push_back(value);
    } else if (key == "exit") {
      if (const std::optional<int> status = exit_status_from(value)) {
        want.exit = *status;
      } else {
        want.problems.push_back(std::to_string(number) + ": exit: \"" + value +
                                "\" is not an exit status (a number from 0 to 255)");
      }
    } else if (key == "dry-run" && value.rfind("skip", 0) == 0) {
      want.skip = trimmed(value.substr(4));
      if (want.skip.empty()) want.skip = "skipped";
    }
  }
  return want;
}

// The value of "key":"..." (or a number) in one JSON line of the trace.
std::string json_field(const std::string& line, const std::string& key) {
  const std::string marker = "\"" + key + "\":";
  const std::size_t at = line.find(marker);
  if (at == std::string::npos) return {};
  std::size_t i = at + marker.size();
  if (i >= line.size() || line[i] != '"') {
    std::size_t end = i;
    while (end < line.size() && line[end] != ',' && line[end] != '}') ++end;
    return line.substr(i, end - i);
  }
  std::string out;
  for (++i; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] != '\\' || i + 1 >= line.size()) {
      out += line[i];
      continue;
    }
    const char c = line[++i];
    if (c == 'n') {
      out += '\n';
    } else if (c == 't') {
      out += '\t';
    } else if (c == 'u' && i + 4 < line.size()) {
      out += static_cast<char>(std::stoi(line.substr(i + 1, 4), nullptr, 16));
      i += 4;
    } else {
      out += c;
    }
  }
  return out;
}

struct Prediction {
  std::vector<std::string> folders;
  int exit = -1;
  std::string problem;
};

Prediction predict(const std::string& self, const std::string& rcfile,
                   const std::vector<std::string>& args,
                   const std::vector<std::string>& environment, const std::string& message) {
  sys::ProgramSpec spec;
  spec.argv = {self, "--dry-run", "--format=json"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.argv.push_back(rcfile);
  spec.environment = environment;
  spec.capture_output = true;
  spec.timeout_seconds = 60;
  const sys::ProgramOutcome outcome = sys::run_program(spec, [&message](int fd) {
    return sys::write_all(sys::real_io(), fd, message.data(), message.size()) == 0 ? 0 : errno;
  });
  Prediction got;
  std::string maildir;
  std::vector<std::string> folders;
  std::size_t start = 0;
  const std::string& out = outcome.output;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    const std::string type = json_field(line, "type");
    if (type == "delivery") folders.push_back(json_field(line, "folder"));
    if (type == "result") {
      // A result without a readable exit status is treated as no result.
      got.exit = exit_status_from(json_field(line, "exit")).value_or(-1);
      maildir = json_field(line, "maildir");
    }
  }
  if (got.exit < 0) {
    got.problem = "the dry run ended without a result (exit " +
                  std::to_string(outcome.procmail_code()) + ")";
  }
  for (auto& folder : folders) {
    // Relative to the final $MAILDIR, as the expectation files name folders.
    if (!maildir.empty() && folder.rfind(maildir + "/", 0) == 0) folder.erase(0, maildir.size() + 1);
    while (folder.rfind("./", 0) == 0) folder.erase(0, 2);
    got.folders.push_back(folder);
  }
  return got;
}

std::string listed(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

}  // namespace

RuleTestReport run_rule_tests(const std::string& self, const std::string& rcfile_name,
                              const std::string& dir, const std::vector<std::string>& args,
                              const std::vector<std::string>& environment) {
  RuleTestReport report;
  // The rcfile as named here (a bare relative name would be looked for in $HOME).
  std::string rcfile = rcfile_name;
  if (char* resolved = ::realpath(rcfile_name.c_str(), nullptr)) {
    rcfile = resolved;
    std::free(resolved);
  }
  std::vector<std::string> names;
  if (sys::real_io().list_directory(dir.c_str(), &names) != 0) {
    report.text = dir + ": cannot read the directory: " + std::strerror(errno) + "\n";
    ++report.failed;
    return report;
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.size() < 5 || name.substr(name.size() - 4) != ".eml") continue;
    const std::string path = dir + "/" + name;
    const std::string expect_path = path.substr(0, path.size() - 4) + ".expect";
    std::string message;
    std::string expect_text;
    if (sys::read_whole_file(sys::real_io(), path, &message) != 0) {
      report.text += "FAIL " + path + "\n  cannot read it: " + std::strerror(errno) + "\n";
      ++report.failed;
      continue;
    }
    if (sys::read_whole_file(sys::real_io(), expect_path, &expect_text) != 0) {
      report.text += "FAIL " + path + "\n  no expectation file " + expect_path + "\n";
      ++report.failed;
      continue;
    }
    const Expectation want = parse_expectation(expect_text);
    if (!want.problems.empty()) {
      // Reported even when the message would be skipped: the file is wrong either way.
      report.text += "FAIL " + path + "\n";
      for (const auto& problem : want.problems)
        report.text += "  malformed expectation " + expect_path + ":" + problem + "\n";
      ++report.failed;
      continue;
    }
    if (!want.skip.empty()) {
      report.text += "skip " + path + " (" + want.skip + ")\n";
      ++report.skipped;
      continue;
    }
    const Prediction got = predict(self, rcfile, args, environment, message);
    std::string diff;
    if (!got.problem.empty()) diff += "  " + got.problem + "\n";
    if (listed(got.folders) != listed(want.folders))
      diff += "  folders: want " + listed(want.folders) + "\n           got  " +
              listed(got.folders) + "\n";
    if (got.exit != want.exit)
      diff += "  exit:    want " + std::to_string(want.exit) + ", got " + std::to_string(got.exit) +
              "\n";
    if (diff.empty()) {
      report.text += "ok   " + path + "\n";
      ++report.passed;
    } else {
      report.text += "FAIL " + path + "\n" + diff;
      ++report.failed;
    }
  }
  report.text += std::to_string(report.passed) + " passed, " + std::to_string(report.failed) +
                 " failed, " + std::to_string(report.skipped) + " skipped\n";
  return report;
}

int rule_test_exit_status(const RuleTestReport& report) {
  return report.failed > 0 || report.passed + report.skipped == 0 ? 1 : 0;
}

}  // namespace mailsift::engine
