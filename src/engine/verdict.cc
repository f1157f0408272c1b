#include "mailsift/engine/verdict.h"

#include "mailsift/engine/exit_status.h"

namespace mailsift::engine {
namespace {

// One line: control characters (a newline in a folder name) become spaces.
std::string one_line(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return text;
}

}  // namespace

std::string delivery_verdict(int code, const Session& session, VerdictCause cause) {
  if (code == kExitOk) return {};
  const std::string lastfolder = session.variables().get_or("LASTFOLDER", "");
  std::string out = "exit " + std::to_string(code);
  if (cause != VerdictCause::kDelivery) {
    out += cause == VerdictCause::kExitcode ? ": the rules set EXITCODE=" + std::to_string(code)
                                            : ": the status of TRAP (EXITCODE is not a number)";
    if (session.stored()) out += "; the message was stored in \"" + lastfolder + "\"";
    return one_line(out.size() > kMaxVerdictBytes ? out.substr(0, kMaxVerdictBytes) + "..." : out);
  }
  out += code == kExitTempFail ? ", not delivered (the mail server keeps the message and retries)"
                               : ", not delivered";
  std::string why;
  for (const auto& failure : session.failures()) {
    why += why.empty() ? ": " : "; ";
    why += "\"" + failure.folder + "\"";
    if (!failure.role.empty()) why += " (" + failure.role + ")";
    why += ": " + failure.reason;
  }
  if (session.failures_not_kept() > 0)
    why += "; " + std::to_string(session.failures_not_kept()) + " more folders failed";
  if (why.empty()) why = ": no folder was written";
  std::string copy;
  if (session.stored()) {
    copy = "; a copy was stored in \"" + lastfolder + "\"";
    const RetryJournal* journal = session.journal();
    copy += journal != nullptr && journal->active() ? ", which the retry skips (delivery journal)"
                                                    : ", which a retry stores again";
  }
  // The copy's fate is said whatever the length of the reasons.
  const std::size_t room = kMaxVerdictBytes > out.size() + copy.size()
                               ? kMaxVerdictBytes - out.size() - copy.size()
                               : 0;
  if (why.size() > room) why = why.substr(0, room) + "...";
  return one_line(out + why + copy);
}

}  // namespace mailsift::engine
