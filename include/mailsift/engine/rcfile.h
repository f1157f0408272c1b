// Finding, reading, checking and running one rcfile.
#pragma once

#include <string>

#include "mailsift/engine/log.h"
#include "mailsift/engine/session.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {

// Where an rcfile named on the command line is (procmail(1)): absolute names as
// they are, "./x" (and, with -m, any relative name) relative to the current
// directory, other relative names relative to $HOME.
std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter);

enum class RcfileResult {
  kUnreadable,  // could not be opened (the next rcfile is tried)
  kBroken,      // has errors: logged, nothing in it was run
  kRan,         // every statement ran
};

// Reads and parses the whole file first; only a file without errors is run. Every
// diagnostic is logged as file:line:col with the source line.
RcfileResult run_rcfile(sys::Io& io, Session& session, Log& log, const std::string& path);

}  // namespace mailsift::engine
