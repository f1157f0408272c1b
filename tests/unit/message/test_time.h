// Shared by the message tests: a fixed clock and a fixed time zone, so that generated
// From_ lines have known bytes.
#pragma once

#include <cstdlib>
#include <ctime>

namespace mailsift::message::test {

// 2001-09-09 01:46:40 UTC: a one-digit day, so the ctime padding is exercised.
inline constexpr std::time_t kNow = 1000000000;
inline constexpr const char* kNowText = "Sun Sep  9 01:46:40 2001";

// Call at the start of a test that depends on kNowText.
inline void use_utc() {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
}

}  // namespace mailsift::message::test
