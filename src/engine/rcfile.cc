#include "mailsift/engine/rcfile.h"

namespace mailsift::engine {

std::string resolve_rcfile(const std::string& name, const std::string& home, bool mail_filter) {
  if (name.empty() || name[0] == '/') return name;
  if (mail_filter || name.rfind("./", 0) == 0) return name;
  return home + "/" + name;
}

}  // namespace mailsift::engine
