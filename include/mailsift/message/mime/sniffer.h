// The real type of an attachment, from its content (mime.sniffed): a small interface
// so that tests can fake it, and the one implementation, libmagic.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailsift::message::mime {

class Sniffer {
 public:
  virtual ~Sniffer() = default;
  // The MIME type of content ("application/x-dosexec"), or "" when none could be
  // found (the sniffer is unusable: error() says why).
  virtual std::string type_of(std::string_view content) = 0;
  // The same for several contents at once (libmagic then reads its database once for
  // all of them).
  virtual std::vector<std::string> types_of(const std::vector<std::string_view>& contents) {
    std::vector<std::string> types;
    for (const std::string_view content : contents) types.push_back(type_of(content));
    return types;
  }
  virtual std::string error() const { return {}; }
};

// The process's libmagic. The library is loaded (dlopen) and its database opened
// on the first call, never at start-up, so that a delivery that sniffs nothing pays
// nothing for it. libmagic runs with its text checks off (they cost 30-400 ms on
// plain or blank input) and without looking inside compressed data (that forks
// gzip), on at most limits::kMaxSniffedBytes of content.
Sniffer& libmagic_sniffer();

}  // namespace mailsift::message::mime
