#include "mailsift/engine/session.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "mailsift/engine/log.h"
#include "mailsift/engine/variables.h"
#include "mailsift/limits.h"
#include "mailsift/sys/io.h"

namespace mailsift::engine {
namespace {

constexpr unsigned kLargest = std::numeric_limits<unsigned>::max();

// The lock and time-out settings are numbers of seconds in unsigned fields; a value
// beyond what the field holds is clamped, never cut to its low bits.
struct SecondsCase {
  const char* name;
  const char* input;
  unsigned want;
};

const SecondsCase kSecondsCases[] = {
    {"plain", "30", 30},
    {"zero", "0", 0},
    {"largest that fits", "4294967295", kLargest},
    {"2^32 (wrapped: 0, no time-out)", "4294967296", kLargest},
    {"2^32+1 (wrapped: 1 second)", "4294967297", kLargest},
    {"2^32+30", "4294967326", kLargest},
    {"beyond long (strtol saturates)", "99999999999999999999", kLargest},
};

class DevNullLog {
 public:
  DevNullLog() : fd_(::open("/dev/null", O_WRONLY | O_CLOEXEC)), log_(sys::real_io(), fd_) {}
  ~DevNullLog() { ::close(fd_); }
  Log& log() { return log_; }

 private:
  int fd_;
  Log log_;
};

TEST(SessionSeconds, TimeoutFromTheEnvironmentIsClamped) {
  for (const auto& c : kSecondsCases) {
    DevNullLog log;
    Variables variables;
    variables.set("TIMEOUT", c.input);
    const Session session(sys::real_io(), log.log(), variables);
    EXPECT_EQ(session.timeout_seconds(), c.want)
        << c.name << ": TIMEOUT=" << c.input << " got " << session.timeout_seconds()
        << ", wanted " << c.want;
  }
}

TEST(SessionSeconds, AssignedSettingsAreClamped) {
  struct Setting {
    const char* variable;
    unsigned sys::LockPolicy::*field;
  } const settings[] = {
      {"TIMEOUT", &sys::LockPolicy::give_up_after_seconds},
      {"LOCKSLEEP", &sys::LockPolicy::sleep_seconds},
      {"LOCKTIMEOUT", &sys::LockPolicy::stale_after_seconds},
      {"SUSPEND", &sys::LockPolicy::suspend_seconds},
  };
  for (const auto& setting : settings) {
    for (const auto& c : kSecondsCases) {
      DevNullLog log;
      Session session(sys::real_io(), log.log(), Variables());
      session.assign(setting.variable, std::string(c.input));
      const unsigned got = session.lock_policy().*setting.field;
      EXPECT_EQ(got, c.want) << c.name << ": " << setting.variable << "=" << c.input << " got "
                             << got << ", wanted " << c.want;
    }
  }
}

TEST(SessionSeconds, NegativeOrUnreadableValuesKeepTheCurrentSetting) {
  for (const char* input : {"-1", "-4294967297", "zzz", ""}) {
    DevNullLog log;
    Session session(sys::real_io(), log.log(), Variables());
    session.assign("TIMEOUT", std::string("45"));
    session.assign("TIMEOUT", std::string(input));
    EXPECT_EQ(session.timeout_seconds(), 45u)
        << "TIMEOUT=" << input << " got " << session.timeout_seconds() << ", wanted 45";
  }
  DevNullLog log;
  Variables variables;
  variables.set("TIMEOUT", "-4294967297");
  const Session session(sys::real_io(), log.log(), variables);
  EXPECT_EQ(session.timeout_seconds(), limits::kDefaultTimeoutSeconds);
}

}  // namespace
}  // namespace mailsift::engine
