// Addresses in a header field (RFC 5322 §3.4, with the obsolete forms of §4.4 that
// mail still carries): "Name <local@domain>", "local@domain (Name)", groups
// ("team: a@x, b@y;"), routes ("<@relay:a@x>"). A display name or a comment is never
// taken for an address, however much it looks like one: in
// "\"boss@corp.example\" <x@evil.example>" the address is x@evil.example.
//
// Reading is lenient, as a mail reader's is: a missing ">" or ";", stray commas,
// an unquoted dot in a name. What cannot be an address is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailsift::message::mime {

struct Address {
  std::string local;   // the local part, unquoted ("john doe" for "\"john doe\"@x")
  std::string domain;  // lowercased; empty when the address has none ("root")
  std::string name;    // the display name (or the comment of "a@x (Name)"), decoded
                       // to UTF-8 as field_text does; empty when there is none
  // "local@domain" with the local part quoted when it is not a dot-atom; "local"
  // alone when there is no domain.
  std::string text() const;
};

// Every address in the value of an address field (unfolded or not), in order,
// groups expanded.
std::vector<Address> parse_address_list(std::string_view value);

}  // namespace mailsift::message::mime
