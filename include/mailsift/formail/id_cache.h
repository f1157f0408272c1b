#pragma once
// formail -D's cache of message ids: keys ending in NUL, one after another, the
// logical end of the ring marked by an empty key, wrapping to the start once the
// end passes the length given. Unlike formail, each lookup-and-store holds an fcntl
// lock on the whole file (as reformail does), so parallel runs lose no key.

#include <string>

namespace mailsift::formail {

// Looks `key` up in the cache open as `fd` and stores it when missing. Returns true
// when it was there. An unreadable cache reads as empty; a write error is reported
// by *write_failed.
bool seen_before(int fd, long max_length, const std::string& key, bool* write_failed);

}  // namespace mailsift::formail
