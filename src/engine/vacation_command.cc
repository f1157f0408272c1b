#include "mailsift/engine/vacation_command.h"

#include <unistd.h>

#include "mailsift/limits.h"
#include "mailsift/message/reader.h"
#include "mailsift/sys/io.h"
#include "mailsift/vacation/vacation.h"

namespace mailsift::engine {
namespace {

void write_line(int fd, const std::string& line) {
  const std::string text = line + "\n";
  (void)sys::write_all(sys::real_io(), fd, text.data(), text.size());
}

}  // namespace

bool is_vacation_command(const std::vector<std::string>& argv) {
  if (argv.size() < 2 || argv[1] != "--vacation") return false;
  const std::string& program = argv[0];
  const std::string base = program.substr(program.rfind('/') + 1);
  return base == "mailsift";
}

int run_vacation_command(const std::vector<std::string>& words, const RunContext& ctx) {
  sys::Io& io = ctx.io != nullptr ? *ctx.io : sys::real_io();
  std::vector<std::string> environment;
  for (const char* const* e = ctx.environ; e != nullptr && *e != nullptr; ++e) environment.emplace_back(*e);
  vacation::Settings settings;
  std::string error;
  if (!vacation::parse_settings(words, environment, &settings, &error)) {
    write_line(ctx.stderr_fd, error);
    return 64;
  }
  message::ReadOptions read;
  read.in_memory_limit = limits::kMaxInMemoryMessage;
  message::Message message;
  if (const sys::Status status = message::read_message(io, ctx.stdin_fd, read, &message); !status.ok()) {
    write_line(ctx.stderr_fd, "vacation: couldn't read the message: " + status.message());
    return 75;
  }
  const vacation::Result result = vacation::respond(io, message, settings, settings.dry_run,
                                                    environment, vacation::send_with_sendmail);
  write_line(ctx.stderr_fd, result.log);
  return result.failed ? 75 : 0;
}

}  // namespace mailsift::engine
