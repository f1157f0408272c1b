#include "mailsift/engine/check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "mailsift/engine/expand.h"
#include "mailsift/engine/rcfile.h"
#include "mailsift/rc/checker.h"
#include "mailsift/rc/lint.h"
#include "mailsift/rc/parser.h"
#include "mailsift/rc/regex_cache.h"

namespace mailsift::engine {
namespace {

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

class Checker {
 public:
  Checker(sys::Io& io, const std::string& home) : io_(io), home_(home) { known_["HOME"] = home; }

  // named: the file was named on the command line of --check, so a delivery would
  // be given it as an rcfile and would first look at who may have written it, unless
  // its name exempts it ("./rc": rcfile_is_checked); the files it includes are not
  // looked at, in a delivery as in procmail.
  void check_file(const std::string& path, bool named) {
    const bool first_visit = visited_.insert(path).second;
    const bool trust_unchecked = named && rcfile_is_checked(path, /*mail_filter=*/false) &&
                                 trust_checked_.insert(path).second;
    if (!first_visit && !trust_unchecked) return;
    std::string text;
    if (sys::read_whole_file(io_, path, &text) != 0) {
      if (!first_visit) return;  // reported when it was first met
      report_.text += path + ": error: cannot read the rcfile: " + std::strerror(errno) + "\n";
      ++report_.errors;
      return;
    }
    if (trust_unchecked) {
      if (std::optional<rc::Diagnostic> d = trust_warning(path)) {
        report_.text += rc::format_diagnostic(path, text, *d);
        ++report_.warnings;
      }
    }
    if (!first_visit) return;
    // Read as a delivery reads it: without the CR of CR LF line ends.
    const std::optional<rc::Diagnostic> crlf = rc::drop_carriage_returns(&text);
    rc::Rcfile tree = rc::parse_rcfile(text);
    if (crlf) tree.diagnostics.push_back(*crlf);
    rc::check_regexes(tree.statements, &regexes_, /*build_matchers=*/true, &tree.diagnostics);
    rc::lint_rcfile(tree.statements, &tree.diagnostics);
    std::stable_sort(tree.diagnostics.begin(), tree.diagnostics.end(),
                     [](const rc::Diagnostic& a, const rc::Diagnostic& b) {
                       return a.position.line != b.position.line
                                  ? a.position.line < b.position.line
                                  : a.position.column < b.position.column;
                     });
    for (const rc::Diagnostic& d : tree.diagnostics) {
      report_.text += rc::format_diagnostic(path, text, d);
      if (d.severity == rc::Severity::kError) {
        ++report_.errors;
      } else {
        ++report_.warnings;
      }
    }
    follow_includes(path, text, tree.statements);
  }

  CheckReport take() { return std::move(report_); }

 private:
  // Walks the assignments in order, keeping the values that are known without
  // running anything, and checks the files INCLUDERC and SWITCHRC name.
  void follow_includes(const std::string& path, const std::string& text,
                       const rc::Statements& statements) {
    for (const rc::Statement& statement : statements) {
      if (const auto* recipe = std::get_if<rc::Recipe>(&statement.node)) {
        if (recipe->action.kind == rc::Action::Kind::kBlock)
          follow_includes(path, text, recipe->action.block);
        continue;
      }
      const auto* statement_assignment = std::get_if<rc::Assignment>(&statement.node);
      if (statement_assignment == nullptr) continue;
      const rc::Assignment& assignment = *statement_assignment;
      std::optional<std::string> value = known_value(assignment);
      if (value) {
        known_[assignment.name] = *value;
      } else {
        known_.erase(assignment.name);
      }
      if (assignment.name != "INCLUDERC" && assignment.name != "SWITCHRC") continue;
      if (!value || value->empty() || *value == "/dev/null") continue;
      // Relative names are relative to MAILDIR when a run reaches them; rcfiles kept
      // together (in a repository, say) are also looked for beside the including file.
      std::vector<std::string> candidates;
      if ((*value)[0] == '/') {
        candidates.push_back(*value);
      } else {
        const auto maildir = known_.find("MAILDIR");
        if (maildir != known_.end()) candidates.push_back(maildir->second + "/" + *value);
        candidates.push_back(directory_of(path) + "/" + *value);
      }
      bool found = false;
      for (const auto& candidate : candidates) {
        struct stat st {};
        if (io_.stat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        check_file(candidate, /*named=*/false);
        found = true;
        break;
      }
      if (!found) {
        rc::Diagnostic d;
        d.position = assignment.position;
        d.severity = rc::Severity::kWarning;
        d.message = "cannot read \"" + *value + "\" to check it (looked for " +
                    candidates.front() + (candidates.size() > 1 ? " and " + candidates.back() : "") +
                    ")";
        report_.text += rc::format_diagnostic(path, text, d);
        ++report_.warnings;
      }
    }
  }

  // What a delivery to the user who runs the check would make of this file's owner
  // and permissions: the same rules (rcfile_suspicion) that refuse it in a delivery.
  // The file is taken as the default rcfile when it is $HOME/.procmailrc (group write
  // permission then counts too), else as an rcfile named on the command line.
  std::optional<rc::Diagnostic> trust_warning(const std::string& path) const {
    struct stat file {};
    if (io_.stat(path.c_str(), &file) != 0) return std::nullopt;
    RcfileTrust trust{recipient_uid_, recipient_gid_, false};
    std::string as_delivered = path;
    if (!home_.empty()) {
      const std::string default_rcfile = home_ + "/.procmailrc";
      struct stat found {};
      if (io_.stat(default_rcfile.c_str(), &found) == 0 && found.st_dev == file.st_dev &&
          found.st_ino == file.st_ino) {
        trust.default_rcfile = true;
        as_delivered = default_rcfile;
      }
    }
    const std::string suspicion = rcfile_suspicion(io_, as_delivered, file, trust);
    if (suspicion.empty()) return std::nullopt;
    rc::Diagnostic d;
    d.position = rc::Position{1, 1};
    d.severity = rc::Severity::kWarning;
    d.message = "a delivery to uid " + std::to_string(recipient_uid_) +
                " (who runs this check) would refuse this rcfile (\"Suspicious "
                "rcfile\") and not run it: " + suspicion + "; the message would go " +
                (trust.default_rcfile ? "to $DEFAULT"
                                      : "to the next rcfile named, or to $DEFAULT") +
                " instead";
    return d;
  }

  std::optional<std::string> known_value(const rc::Assignment& assignment) const {
    if (!assignment.value) return std::nullopt;
    bool known = true;
    const VariableLookup lookup = [this, &known](std::string_view name) -> std::optional<std::string> {
      const auto found = known_.find(std::string(name));
      if (found == known_.end()) {
        known = false;
        return std::nullopt;
      }
      return found->second;
    };
    std::string value;
    std::string error;
    if (!expand_value(*assignment.value, lookup, &value, &error) || !known) return std::nullopt;
    return value;
  }

  sys::Io& io_;
  // $HOME as the check began (known_ follows the files' assignments to it).
  std::string home_;
  uid_t recipient_uid_ = ::getuid();
  gid_t recipient_gid_ = ::getgid();
  rc::RegexCache regexes_;
  std::map<std::string, std::string> known_;
  std::set<std::string> visited_;
  std::set<std::string> trust_checked_;
  CheckReport report_;
};

}  // namespace

CheckReport check_rcfiles(const std::vector<std::string>& paths, const std::string& home,
                          sys::Io& io) {
  Checker checker(io, home);
  for (const auto& path : paths) checker.check_file(path, /*named=*/true);
  return checker.take();
}

int check_exit_status(const CheckReport& report) { return report.errors > 0 ? 1 : 0; }

}  // namespace mailsift::engine
