#pragma once

#include <string>

namespace mailsift::sys {

// The node name (uname -n), or "localhost" when it cannot be read.
std::string hostname();

}  // namespace mailsift::sys
