#include "mailsift/engine/run.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string>

#include "mailsift/deliver/folder_kind.h"
#include "mailsift/engine/abstract.h"
#include "mailsift/engine/exit_status.h"
#include "mailsift/engine/log.h"
#include "mailsift/engine/verdict.h"
#include "mailsift/engine/rcfile.h"
#include "mailsift/engine/session.h"
#include "mailsift/engine/system_mailbox.h"
#include "mailsift/limits.h"
#include "mailsift/message/reader.h"
#include "mailsift/engine/evaluator.h"
#include "mailsift/rc/parser.h"
#include "mailsift/sys/hostname.h"
#include "mailsift/sys/privileges.h"
#include "mailsift/sys/process.h"
#include "mailsift/sys/signals.h"

namespace mailsift::engine {
namespace {

// procmail's SUSPEND before it renames a bogus system mailbox: the screening comes
// before any assignment, so always its default.
constexpr unsigned kScreeningSuspendSeconds = 16;

// Where folders named relative to $MAILDIR were written: $MAILDIR when it is absolute,
// else the working directory it led to (a relative $MAILDIR is relative to the previous
// one, and one that could not be entered leaves the directory as it was).
std::string folder_base(const std::string& maildir) {
  if (!maildir.empty() && maildir.front() == '/') return maildir;
  char buffer[4096];
  if (::getcwd(buffer, sizeof buffer) != nullptr) return buffer;
  return maildir;
}

constexpr const char* kDefaultShellMetas = "&|<>~;?*[";

std::string environment_value(const char* const* environ, std::string_view name) {
  if (environ == nullptr) return {};
  for (const char* const* e = environ; *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.size() > name.size() && entry.substr(0, name.size()) == name &&
        entry[name.size()] == '=')
      return std::string(entry.substr(name.size() + 1));
  }
  return {};
}

// Where a message too large to hold in memory is spooled, read from stdin or made
// by a filter: $TMPDIR as mailsift was started with it, else /tmp.
std::string spool_directory(const RunContext& ctx) {
  const std::string tmpdir = environment_value(ctx.environ, "TMPDIR");
  return tmpdir.empty() ? "/tmp" : tmpdir;
}

// procmail's variables at start-up (procmailrc(5), "Environment variable defaults";
// checked against procmail 3.23: tests/compat/cases/329-recover-env-of-programs).
// With -p and -m together procmail presets only what it must and keeps the rest of
// the caller's environment as it is (a mail filter run by someone who asked for
// their environment); otherwise its defaults replace the caller's values.
Variables initial_variables(const Invocation& inv, const RunContext& ctx,
                            const sys::Account& account) {
  Variables vars = Variables::from_environment(ctx.environ, inv.preserve_environment);
  vars.set("LOGNAME", account.name);
  vars.set("HOME", account.home);
  vars.set("SHELL", account.shell);
  vars.set("LINEBUF", "2048");
  vars.arguments = inv.arguments;
  vars.program_name = inv.program_name;
  if (inv.preserve_environment && inv.mail_filter) return vars;
  const std::string orgmail = "/var/mail/" + account.name;
  vars.set("ORGMAIL", orgmail);
  vars.set("MAILSIFT_VERSION", "0.1.0");
  // The procmail whose behaviour mailsift reproduces (rcfiles test it).
  vars.set("PROCMAIL_VERSION", "3.23pre");
  vars.set("SENDMAILFLAGS", "-oi");
  vars.set("SENDMAIL", "/usr/sbin/sendmail");
  vars.set("DEFAULT", orgmail);
  vars.set("SHELLFLAGS", "-c");
  vars.set("MSGPREFIX", "msg.");
  vars.set("LOCKEXT", ".lock");
  vars.set("SHELLMETAS", kDefaultShellMetas);
  vars.set("HOST", sys::hostname());
  vars.set("PATH", account.home + "/bin:/usr/local/bin:/usr/bin:/bin");
  for (const char* name : {"LASTFOLDER", "EXITCODE", "IFS", "ENV", "PWD"}) vars.unset(name);
  // (With -p the caller's COMSAT, if any, stays as it was.)
  if ((!inv.rcfiles.empty() || inv.mail_filter) && !inv.preserve_environment)
    vars.set("COMSAT", "no");
  if (inv.mail_filter) vars.unset("ORGMAIL");
  return vars;
}

bool starts_relative_to_cwd(const Invocation& inv) {
  if (inv.rcfiles.empty()) return false;
  const std::string& first = inv.rcfiles.front();
  if (first.empty() || first[0] == '/') return false;
  return inv.mail_filter || first.rfind("./", 0) == 0;
}

// The "fall off the end" delivery: $DEFAULT (with the dotlock $DEFAULT$LOCKEXT when
// it is a file), then $ORGMAIL when it is set and differs. True when stored.
bool deliver_fallback(sys::Io& io, Session& session, const Invocation& inv,
                      const message::Message& message) {
  const Variables& vars = session.variables();
  const auto fallback = vars.get("DEFAULT");
  const bool default_usable = !inv.mail_filter || session.default_assigned();
  if (default_usable && fallback && !fallback->empty()) {
    const auto name = deliver::classify_folder(io, *fallback, false);
    const std::string dotlock = name.kind == deliver::FolderKind::kMbox
                                    ? *fallback + vars.get_or("LOCKEXT", ".lock")
                                    : std::string();
    // The global LOCKFILE may be this very lock already.
    const bool held = !dotlock.empty() && dotlock == vars.get_or("LOCKFILE", "");
    if (session.deliver({*fallback}, message, held ? std::string() : dotlock)) return true;
  }
  const auto orgmail = vars.get("ORGMAIL");
  if (orgmail && !orgmail->empty() && orgmail != fallback)
    return session.deliver({*orgmail}, message, "");
  return false;
}

// TRAP at the end of a run (procmailrc(5)): its stdin is the message, its stdout
// and stderr go to the log. Returns its exit status, or -1 when there was none.
int run_trap(Session& session, Evaluator& evaluator, int code) {
  const auto trap = session.variables().get("TRAP");
  if (!trap || trap->empty()) return -1;
  if (!session.exitcode_assigned() || !session.variables().is_set("EXITCODE"))
    session.variables().set("EXITCODE", std::to_string(code));
  return evaluator.run_trap(*trap);
}

// The abstract names where the message went, or why it went nowhere
// (**Requeued**, **Bounced**); after a HOST mismatch it names nothing.
void write_abstract(Session& session, Log& log, const message::Message& message, int code,
                    bool stored, bool dropped_by_host) {
  const auto setting = session.variables().get("LOGABSTRACT");
  const long level = setting ? parse_number_or_boolean(*setting, -1) : -1;
  const bool wanted = level > 0 || (level < 0 && (log.file_open() || log.verbose_on()));
  if (!wanted) return;
  if (dropped_by_host) {
    // procmail names the last folder or program the message was given, and its size.
    log.raw(format_abstract(message, session.variables().get_or("LASTFOLDER", ""),
                            session.last_write_size()));
    return;
  }
  const std::string folder = stored ? session.variables().get_or("LASTFOLDER", "")
                                    : failure_folder_name(code);
  log.raw(format_abstract(message, folder, session.last_write_size()));
}

// Reads stdin to its end without looking at it: a mail server expects its input
// taken (as procmail, which reads the message first, always does) even when the
// delivery is refused before the message is read.
void discard_input(sys::Io& io, int fd) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = io.read(fd, buffer, sizeof buffer);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    return;
  }
}

// The system mailbox screening (system_mailbox.h), when this run does one: normal
// and -d mode, not -m, not a dry run, and a spool to screen.
bool screens_system_mailbox(const Invocation& inv, const RunContext& ctx) {
  return !inv.mail_filter && !inv.dry_run && !ctx.system_mailbox_spool.empty();
}

ScreeningResult screen(const Invocation& inv, const RunContext& ctx, sys::Io& io, Log& log,
                       const sys::Account& account, bool delivery_mode) {
  if (!screens_system_mailbox(inv, ctx)) return {};
  return screen_system_mailbox(io, log, ctx.system_mailbox_spool + "/" + account.name, account,
                               delivery_mode, kScreeningSuspendSeconds);
}

// What comes before the change of ids for a -d recipient: only root (or the user
// itself) may deliver as them, and the system mailbox screening (as root). kExitOk,
// or the exit code to end with (the reason is logged).
int check_and_screen(const Invocation& inv, const RunContext& ctx, sys::Io& io, Log& log,
                     const sys::Account& account, ScreeningResult* screening) {
  const ExitPolicy policy{inv.procmail_exit_codes, inv.fail_softly};
  Outcome outcome;
  if (::geteuid() != 0 && account.uid != ::getuid()) {
    log.line("Insufficient privileges to deliver as \"" + account.name + "\"");
    outcome.kind = Outcome::Kind::kInsufficientPrivileges;
    return exit_code(outcome, policy);
  }
  *screening = screen(inv, ctx, io, log, account, /*delivery_mode=*/true);
  if (screening->autoforwarding) {
    outcome.kind = Outcome::Kind::kAutoforwardingMailbox;
    return exit_code(outcome, policy);
  }
  return kExitOk;
}

// Takes the identity of the -d recipient (as root), or checks that the invoker is
// that recipient; screens the recipient's system mailbox first (as root, as
// procmail does). Returns kIdentityTaken with *account and *screening filled in, or
// the exit code to end with (the reason is logged).
constexpr int kIdentityTaken = -1;
int take_identity(const Invocation& inv, const RunContext& ctx, sys::Io& io,
                  const std::string& recipient, Log& log, sys::Account* account,
                  ScreeningResult* screening) {
  const ExitPolicy policy{inv.procmail_exit_codes, inv.fail_softly};
  Outcome outcome;
  if (!sys::lookup_account(recipient, account)) {
    log.line("Unknown user \"" + recipient + "\"");
    outcome.kind = Outcome::Kind::kUnknownUser;
    return exit_code(outcome, policy);
  }
  const int checked = check_and_screen(inv, ctx, io, log, *account, screening);
  if (checked != kExitOk) return checked;
  if (::geteuid() == 0) {
    const sys::Status became = sys::become(*account);
    if (!became.ok()) {
      log.line("Couldn't become \"" + account->name + "\": " + became.message());
      outcome.kind = Outcome::Kind::kInternalError;
      return exit_code(outcome, policy);
    }
  }
  return kIdentityTaken;
}

// A mail server runs mailsift: -d, or in the environment RECIPIENT (Postfix local(8),
// Exim's pipe transport, qmail-local, Courier) or MAIL_CONFIG (Postfix exports it to
// every command it runs: local(8) and pipe(8), whose services set no RECIPIENT). A
// run by hand has none of them.
bool delivering_for_mail_server(const Invocation& inv, const RunContext& ctx) {
  return !inv.recipients.empty() || !environment_value(ctx.environ, "RECIPIENT").empty() ||
         !environment_value(ctx.environ, "MAIL_CONFIG").empty();
}

// One recipient (or the invoking user): identity, variables, rcfiles, fall-back.
// identity, screened: the recipient's account and the screening of its mailbox
// when run() has already taken it.
int deliver_for(const Invocation& inv, const RunContext& ctx, sys::Io& io, Log& log,
                message::Message& message, const std::string* recipient,
                const sys::Account* identity = nullptr,
                const ScreeningResult* screened = nullptr) {
  const ExitPolicy policy{inv.procmail_exit_codes, inv.fail_softly};
  Outcome outcome;
  sys::Account account;
  ScreeningResult screening;
  if (identity != nullptr) {
    account = *identity;
    if (screened != nullptr) screening = *screened;
  } else if (recipient != nullptr) {
    const int code = take_identity(inv, ctx, io, *recipient, log, &account, &screening);
    if (code != kIdentityTaken) return code;
  } else {
    account = sys::current_account();
    screening = screen(inv, ctx, io, log, account, /*delivery_mode=*/false);
  }

  ::umask(077);
  bool dropped_by_host = false;
  // The verdict goes first on stderr, where the mail server shows it (verdict.h).
  const bool server = delivering_for_mail_server(inv, ctx);
  if (server && !inv.dry_run) log.hold_stderr();
  Session session(io, log, initial_variables(inv, ctx, account));
  // procmail: the mailbox could not be made, so there is no $ORGMAIL ($DEFAULT stays).
  if (screening.orgmail_unusable) session.variables().unset("ORGMAIL");
  Trace trace;  // silent unless a plain dry run
  if (inv.dry_run) {
    if (!inv.explain_line)
      trace = Trace(STDOUT_FILENO, inv.trace_json ? Trace::Format::kJson : Trace::Format::kText);
    session.set_dry_run(&trace, inv.run_programs);
  }
  for (const auto& argument : inv.assignments) {
    std::vector<rc::Diagnostic> diagnostics;
    const auto assignment = rc::parse_assignment_argument(argument, &diagnostics);
    std::string value;
    std::string error;
    if (!assignment || !diagnostics.empty() ||
        !expand_value(*assignment->value, session.lookup(), &value, &error)) {
      log.line("Ignoring the command-line assignment \"" + argument + "\"" +
               (error.empty() ? std::string() : ": " + error));
      continue;
    }
    session.assign(assignment->name, value);
  }
  // The initial directory: "." for ./rcfile (and relative -m rcfiles), else $HOME.
  if (!session.maildir_assigned()) {
    if (starts_relative_to_cwd(inv)) {
      session.variables().set("MAILDIR", ".");
    } else {
      session.assign("MAILDIR", session.variables().get_or("HOME", account.home));
    }
  }

  // The delivery journal, named by the message as received (before any filter) and
  // the recipient with its arguments ($1: user+detail reaches the rules as -a).
  // On by default when a mail server delivers (delivering_for_mail_server).
  std::string who = account.name;
  for (const auto& argument : inv.arguments) who += std::string(1, '\0') + argument;
  DuplicateTests duplicates(io, log, inv.dry_run, who);
  session.set_duplicates(&duplicates);
  std::unique_ptr<RetryJournal> journal;
  if (!inv.dry_run) {
    journal = std::make_unique<RetryJournal>(io, log, message, std::move(who), server);
    session.set_journal(journal.get());
  }

  const std::string home = session.variables().get_or("HOME", account.home);
  Evaluator evaluator(session, message, inv.berkeley, spool_directory(ctx));
  if (inv.explain_line) evaluator.explain(*inv.explain_line, STDOUT_FILENO);
  if (session.host_mismatch()) {
    // HOST=other on the command line: procmail ends at once, successfully.
    dropped_by_host = true;
  } else if (inv.rcfiles.empty()) {
    if (!inv.mail_filter) {
      // The default rcfile; a missing one is not an error.
      const std::string path = home + "/.procmailrc";
      struct stat st;
      if (io.stat(path.c_str(), &st) == 0) {
        const RcfileTrust trust{account.uid, account.gid, true};
        evaluator.run_file(path, &trust);
        dropped_by_host = evaluator.host_mismatch();
      }
    }
  } else {
    for (const auto& name : inv.rcfiles) {
      const std::string path = resolve_rcfile(name, home, inv.mail_filter);
      const RcfileTrust trust{account.uid, account.gid, false};
      const RcfileResult result =
          evaluator.run_file(path, rcfile_is_checked(name, inv.mail_filter) ? &trust : nullptr);
      if (evaluator.delivered()) break;
      if (evaluator.host_mismatch()) {
        // HOST named another machine: this rcfile ends; the next one is tried.
        session.clear_host_mismatch();
        session.variables().set("HOST", session.hostname());
        dropped_by_host = true;
        continue;
      }
      dropped_by_host = false;
      if (result != RcfileResult::kUnreadable) break;
      if (inv.mail_filter) break;
    }
  }

  // procmail ends without delivering when the last rcfile was ended by HOST: the
  // rules decided so (procmailrc(5), HOST).
  bool stored = evaluator.delivered();
  session.set_fallback(true);
  if (!stored && !dropped_by_host) stored = deliver_fallback(io, session, inv, message);
  if (!stored && session.stored()) {
    log.line("A copy (\"c\") of this message was stored in \"" +
             session.variables().get_or("LASTFOLDER", "") +
             "\"; the message itself could not be, so it is requeued and the retry will " +
             (journal && journal->active() ? "skip that copy (delivery journal)"
                                           : "store that copy again"));
  }

  outcome.kind = stored || dropped_by_host ? Outcome::Kind::kStored : Outcome::Kind::kNotStored;
  if (const auto exitcode = session.exitcode_assigned() ? session.variables().get("EXITCODE")
                                                        : std::nullopt) {
    const long n = parse_number_or_boolean(*exitcode, -2);
    if (n >= 0) outcome.exitcode = static_cast<int>(n);
  }
  int code = exit_code(outcome, policy);
  if (inv.dry_run) {
    session.trace().result(code, folder_base(session.variables().get_or("MAILDIR", "")));
    // The parent of a dry run's "c" clone has the last word.
    if (inv.explain_line && !session.trace().in_clone()) evaluator.finish_explaining(code);
    if (ctx.process_ends_after) evaluator.keep_rules_until_exit();
    return code;
  }
  write_abstract(session, log, message, code, stored, dropped_by_host);
  const bool exitcode_set = outcome.exitcode.has_value();
  const int trap_status = run_trap(session, evaluator, code);
  // A TRAP's status counts only when EXITCODE is set but not a number (§1.5), and
  // never turns a failed delivery into success.
  VerdictCause cause = exitcode_set && code == *outcome.exitcode ? VerdictCause::kExitcode
                                                                   : VerdictCause::kDelivery;
  if (trap_status > 0 && !exitcode_set && session.exitcode_assigned() &&
      session.variables().is_set("EXITCODE") &&
      parse_number_or_boolean(session.variables().get_or("EXITCODE", ""), -2) < 0) {
    code = trap_status & 0xff;
    cause = VerdictCause::kTrap;
  }
  const auto& failures = session.failures();
  const bool mailbox_full =
      code == kExitTempFail && std::any_of(failures.begin(), failures.end(), [](const auto& f) {
        return f.error == ENOSPC || f.error == EDQUOT;
      });
  if (ctx.report != nullptr) {
    ctx.report->delivered_to = session.delivered_to();
    ctx.report->mailbox_full = mailbox_full;
  }
  session.release_global_lock();
  evaluator.wait_for_clones();
  if (journal) journal->finish(mailbox_full);
  duplicates.finish(code == kExitOk);
  log.release_stderr(delivery_verdict(code, session, cause));
  if (ctx.process_ends_after) evaluator.keep_rules_until_exit();
  return code;
}

}  // namespace

int run_as_invoker(int stderr_fd) {
  Log log(sys::real_io(), stderr_fd);
  bool dropped = false;
  const sys::Status plain = sys::drop_set_id_privileges(&dropped);
  if (!plain.ok()) {
    log.line("Couldn't give up the setuid or setgid ids: " + plain.message());
    Outcome outcome;
    outcome.kind = Outcome::Kind::kInternalError;
    return exit_code(outcome, ExitPolicy{});
  }
  if (dropped)
    log.line("mailsift is installed setuid or setgid, which it does not need: it runs as "
             "the invoking user");
  return kExitOk;
}

int prepare_recipient(const Invocation& inv, const RunContext& ctx, const sys::Account& account,
                      ScreeningResult* screening) {
  sys::Io& io = ctx.io != nullptr ? *ctx.io : sys::real_io();
  Log log(io, ctx.stderr_fd);
  return check_and_screen(inv, ctx, io, log, account, screening);
}

int run(const Invocation& inv, const RunContext& ctx) {
  sys::Io& io = ctx.io != nullptr ? *ctx.io : sys::real_io();
  Log log(io, ctx.stderr_fd);
  // SIGUSR1 and SIGUSR2: VERBOSE off and on, as in procmail.
  sys::install_verbose_signals();
  const ExitPolicy policy{inv.procmail_exit_codes, inv.fail_softly};
  for (const auto& warning : inv.warnings) log.line(warning);

  message::ReadOptions read;
  read.from_line.manage = !inv.recipients.empty() || inv.from.has_value();
  read.from_line.sender = inv.from;
  read.from_line.invoker = ctx.invoker.empty() ? sys::current_account().name : ctx.invoker;
  // One recipient (the usual MTA call): become that user before the first byte of
  // the message is read, so that no part of it is handled as root. Several: each
  // is delivered in a child that takes its recipient's identity (below).
  sys::Account single;
  ScreeningResult single_screening;
  const bool single_taken = inv.recipients.size() == 1;
  if (single_taken && ctx.identity != nullptr) {
    single = *ctx.identity;
    single_screening = ctx.screened;
  } else if (single_taken) {
    const int code =
        take_identity(inv, ctx, io, inv.recipients.front(), log, &single, &single_screening);
    if (code != kIdentityTaken) {
      discard_input(io, ctx.stdin_fd);
      return code;
    }
  }
  read.from_line.override_existing = inv.override_from;
  read.berkeley = inv.berkeley;
  read.in_memory_limit = limits::kMaxInMemoryMessage;
  read.spool_directory = spool_directory(ctx);
  message::Message message;
  const sys::Status status = message::read_message(io, ctx.stdin_fd, read, &message);
  if (!status.ok()) {
    // Nothing can be delivered from a partial message: the MTA must keep it.
    log.line("Couldn't read the message: " + status.message());
    Outcome outcome;
    outcome.kind = Outcome::Kind::kInternalError;
    return exit_code(outcome, policy);
  }
  if (message.head_cut())
    log.line("The header does not end within " + std::to_string(limits::kMaxHeaderBytes) +
             " bytes: conditions take that much as the header and the rest as the body "
             "(the message is delivered unchanged)");

  if (inv.recipients.size() <= 1) {
    const std::string* recipient = inv.recipients.empty() ? nullptr : &inv.recipients.front();
    return deliver_for(inv, ctx, io, log, message, recipient, single_taken ? &single : nullptr,
                       &single_screening);
  }
  // Several recipients: each is delivered in a child of its own (each takes that
  // user's identity); the run succeeds only when every one did.
  int worst = kExitOk;
  for (const auto& recipient : inv.recipients) {
    const int code = sys::run_in_child(
        [&] { return deliver_for(inv, ctx, io, log, message, &recipient); });
    if (code != kExitOk) {
      Outcome failed;
      failed.kind = Outcome::Kind::kNotStored;
      worst = code < 0 ? exit_code(failed, policy) : code;
    }
  }
  return worst;
}

}  // namespace mailsift::engine
