// "mailsift --vacation ...": the auto-reply program (vacation/vacation.h) that rules
// run as "| mailsift --vacation ...", and that a dry run recognises.
#pragma once

#include <string>
#include <vector>

#include "mailsift/engine/run.h"

namespace mailsift::engine {

// Reads the message from ctx.stdin_fd, decides, replies or not, and writes one line
// to ctx.stderr_fd (the log, when mailsift or procmail runs it). Exit status: 0
// (replied, or decided not to), 64 (bad options), 75 (the reply could not be sent
// or recorded: not counted as delivered, and the next message tries again).
int run_vacation_command(const std::vector<std::string>& words, const RunContext& ctx);

// Whether a program's words are the vacation command: "mailsift --vacation ...".
bool is_vacation_command(const std::vector<std::string>& argv);

}  // namespace mailsift::engine
