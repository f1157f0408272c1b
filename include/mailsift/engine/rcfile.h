// Finding an rcfile named on the command line.
#pragma once

#include <string>

namespace mailsift::engine {

// Where an rcfile named on the command line is (procmail(1)): absolute names as
// they are, "./x" (and, with -m, any relative name) relative to the current
// directory, other relative names relative to $HOME.
std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter);

}  // namespace mailsift::engine
