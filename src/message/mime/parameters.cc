#include "mailsift/message/mime/parameters.h"

#include <algorithm>
#include <map>
#include <set>

#include "mailsift/limits.h"
#include "mailsift/message/mime/charset.h"
#include "mailsift/message/mime/encoded_words.h"

#include "ascii.h"

namespace mailsift::message::mime {
namespace {

using ascii::hex_value;
using ascii::lowered;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Reads past blanks and comments.
void skip_blanks(std::string_view text, std::size_t* i) {
  while (*i < text.size()) {
    if (is_space(text[*i])) {
      ++*i;
    } else if (text[*i] == '(') {
      int depth = 0;
      while (*i < text.size()) {
        const char c = text[(*i)++];
        if (c == '\\') {
          ++*i;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')' && --depth == 0) {
          break;
        }
      }
    } else {
      return;
    }
  }
}

// A value: a quoted string (unquoted), or the text up to ";" (blanks trimmed; readers
// take "name=my file.exe" whole).
std::string read_value(std::string_view text, std::size_t* i) {
  std::string out;
  if (*i < text.size() && text[*i] == '"') {
    ++*i;
    while (*i < text.size() && text[*i] != '"') {
      // "\" quotes the next character; before any but a quote or a backslash it is
      // taken as itself, as Windows mailers mean it ("C:\Users\x.pdf").
      if (text[*i] == '\\' && *i + 1 < text.size() && (text[*i + 1] == '"' || text[*i + 1] == '\\'))
        ++*i;
      if (text[*i] != '\r' && text[*i] != '\n') out += text[*i];
      ++*i;
    }
    if (*i < text.size()) ++*i;
    return out;
  }
  while (*i < text.size() && text[*i] != ';') {
    if (text[*i] != '\r' && text[*i] != '\n') out += text[*i];
    ++*i;
  }
  while (!out.empty() && is_space(out.back())) out.pop_back();
  return out;
}

// One RFC 2231 segment of a parameter ("name*1*=").
struct Segment {
  std::string text;
  bool extended = false;  // "*" before "=": charset'language' (first) and %XX
};

}  // namespace

StructuredValue parse_structured_value(std::string_view text) {
  StructuredValue out;
  std::size_t i = 0;
  skip_blanks(text, &i);
  while (i < text.size() && text[i] != ';') {
    if (is_space(text[i]) || text[i] == '"') {
      ++i;
    } else if (text[i] == '(') {
      skip_blanks(text, &i);
    } else {
      out.token += text[i++];
    }
  }
  out.token = lowered(out.token);

  // name -> segments by number (-1: the name without "*N"); names in first order.
  std::vector<std::string> order;
  std::map<std::string, std::map<long, Segment>> found;
  std::size_t count = 0;    // parameters (an RFC 2231 name of segments counts once)
  std::size_t singles = 0;  // values without a segment number
  constexpr long kSingle = -(1L << 40);
  while (i < text.size()) {
    ++i;  // the ";"
    skip_blanks(text, &i);
    const std::size_t name_start = i;
    while (i < text.size() && text[i] != '=' && text[i] != ';' && !is_space(text[i])) ++i;
    std::string name = lowered(text.substr(name_start, i - name_start));
    skip_blanks(text, &i);
    if (i >= text.size() || text[i] != '=') {
      while (i < text.size() && text[i] != ';') ++i;  // no value: skipped
      continue;
    }
    ++i;
    skip_blanks(text, &i);
    std::string value = read_value(text, &i);
    while (i < text.size() && text[i] != ';') ++i;
    if (name.empty()) continue;
    Segment segment;
    // "name" and "name*" are values of their own, kept in the order they come (keys
    // below every segment number); "name*N" and "name*N*" are segment N.
    long number = kSingle + static_cast<long>(++singles);
    if (name.back() == '*') {
      segment.extended = true;
      name.pop_back();
    }
    const std::size_t star = name.rfind('*');
    if (star != std::string::npos && star + 1 < name.size() &&
        std::all_of(name.begin() + static_cast<long>(star) + 1, name.end(),
                    [](char c) { return c >= '0' && c <= '9'; }) &&
        name.size() - star <= 6) {
      number = std::stol(name.substr(star + 1));
      name.erase(star);
    }
    segment.text = std::move(value);
    auto& segments = found[name];
    // Each value of its own counts, and so does a name's first numbered segment (they
    // are joined into one value, whatever came before); its further segments count
    // against kMaxRfc2231Segments instead.
    const bool single = number < 0;
    const bool first_numbered = !single && segments.lower_bound(0) == segments.end();
    if (single || first_numbered) {
      if (++count > limits::kMaxMimeParameters) {
        out.parameter_limit = true;
        if (segments.empty()) found.erase(name);
        break;
      }
      if (segments.empty()) order.push_back(name);
    }
    if (segments.count(number) != 0) out.duplicate_parameter = true;
    if (segments.size() >= limits::kMaxRfc2231Segments) {
      out.segment_limit = true;
      continue;
    }
    segments.emplace(number, std::move(segment));
  }

  for (const std::string& name : order) {
    const auto& segments = found[name];
    // "name" and "name*" are values of their own; "name*0", "name*1", ... are joined
    // in order. The first extended segment names the charset.
    auto decoded = [&](const Segment& segment, std::string* charset, bool first) {
      if (!segment.extended) return decode_to_utf8(segment.text).text;
      std::string_view encoded = segment.text;
      if (first) {
        const std::size_t q1 = encoded.find('\'');
        const std::size_t q2 = q1 == std::string_view::npos ? q1 : encoded.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          *charset = std::string(encoded.substr(0, q1));
          encoded.remove_prefix(q2 + 1);
        }
      }
      return percent_decoded(encoded);
    };
    std::string joined;
    std::string charset;
    bool any_extended = false;
    bool first = true;
    for (const auto& [number, segment] : segments) {
      if (number < 0) {  // a single value
        std::string single_charset;
        std::string value = decoded(segment, &single_charset, true);
        if (segment.extended) {
          Utf8Text converted = to_utf8(value, single_charset);
          if (!converted.converted) out.unknown_charset = true;
          value = std::move(converted.text);
        } else if (!is_utf8(value)) {
          out.unknown_charset = true;
        }
        out.parameters.push_back({name, std::move(value)});
        continue;
      }
      // Extended segments are converted together: a character may be split.
      if (segment.extended) any_extended = true;
      joined += decoded(segment, &charset, first && segment.extended);
      first = false;
    }
    if (!first) {
      if (any_extended) {
        Utf8Text converted = to_utf8(joined, charset);
        if (!converted.converted) out.unknown_charset = true;
        joined = std::move(converted.text);
      }
      out.parameters.push_back({name, std::move(joined)});
    }
  }
  // One name twice (say "name" and "name*"): a reader takes one of them.
  std::set<std::string_view> names;
  for (const Parameter& parameter : out.parameters)
    if (!names.insert(parameter.name).second) out.duplicate_parameter = true;
  return out;
}

std::vector<std::string> parameter_values(const StructuredValue& value, std::string_view name) {
  std::vector<std::string> out;
  for (const Parameter& parameter : value.parameters)
    if (parameter.name == name) out.push_back(parameter.value);
  return out;
}

}  // namespace mailsift::message::mime
