// Content-Type and Content-Disposition values (RFC 2045 §5.1, RFC 2183): the leading
// token ("multipart/mixed", "attachment") and the parameters, with RFC 2231's
// extended forms assembled (continuations "name*0=", "name*1*=", a charset and
// percent-encoding "name*=UTF-8''%E2%82%AC.exe") and RFC 2047 encoded words in
// values decoded (forbidden there, and carried by mail, and decoded by readers).
// Every value ends up as UTF-8 where its charset is known.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailsift::message::mime {

struct Parameter {
  std::string name;   // lowercased, without RFC 2231's "*N" and "*"
  std::string value;  // decoded
};

struct StructuredValue {
  std::string token;  // lowercased, blanks and comments taken out ("text/plain")
  std::vector<Parameter> parameters;  // in order; a name may come twice
  // Oddities, each an anomaly token (mime.anomaly):
  bool duplicate_parameter = false;  // one name twice (after assembling RFC 2231)
  bool unknown_charset = false;      // a value's charset unknown or not convertible
  bool parameter_limit = false;      // more than limits::kMaxMimeParameters
  bool segment_limit = false;        // an RFC 2231 name in more than kMaxRfc2231Segments
};

StructuredValue parse_structured_value(std::string_view value);

// The values of every parameter called `name` (lowercase), in order.
std::vector<std::string> parameter_values(const StructuredValue& value, std::string_view name);

}  // namespace mailsift::message::mime
