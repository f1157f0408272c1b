#include "mailsift/sys/hostname.h"

#include <sys/utsname.h>

namespace mailsift::sys {

std::string hostname() {
  struct utsname info {};
  if (::uname(&info) != 0 || info.nodename[0] == '\0') return "localhost";
  return info.nodename;
}

}  // namespace mailsift::sys
