#include "mailsift/sys/unique_name.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>

namespace mailsift::sys {
namespace {

// Names made by this process so far: two names made within one microsecond still
// differ (the "Q" part, as in Dovecot's maildir names).
std::atomic<unsigned long> name_counter{0};

}  // namespace

std::string escape_hostname(const std::string& hostname) {
  // The maildir spec: '/' would make the name a path and ':' starts the info part
  // of a name in cur/, so both are written as octal escapes.
  std::string out;
  out.reserve(hostname.size());
  for (const char c : hostname) {
    if (c == '/') {
      out += "\\057";
    } else if (c == ':') {
      out += "\\072";
    } else {
      out += c;
    }
  }
  return out;
}

std::string unique_maildir_name(const std::string& hostname) {
  struct timeval now {};
  ::gettimeofday(&now, nullptr);
  const unsigned long n = name_counter.fetch_add(1, std::memory_order_relaxed) + 1;
  std::string name = std::to_string(now.tv_sec);
  name += ".M";
  name += std::to_string(now.tv_usec);
  name += 'P';
  name += std::to_string(::getpid());
  name += 'Q';
  name += std::to_string(n);
  name += '.';
  name += escape_hostname(hostname.empty() ? std::string("localhost") : hostname);
  return name;
}

}  // namespace mailsift::sys
