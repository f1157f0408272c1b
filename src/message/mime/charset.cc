#include "mailsift/message/mime/charset.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>

#include "ascii.h"

namespace mailsift::message::mime {
namespace {

using ascii::lowered;

bool is_ascii(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Names mail uses whose iconv reading differs from what mail readers show, or that
// iconv does not know. Lowercase; every other name goes to iconv as it is.
struct Alias {
  std::string_view mail;
  std::string_view iconv;  // empty: no known charset ("unknown-8bit")
};
constexpr Alias kAliases[] = {
    // Mail labelled Latin-1 or ASCII is read as windows-1252 by every reader (the
    // C1 range holds the quotes and dashes that Windows mailers wrote).
    {"us-ascii", "WINDOWS-1252"},
    {"ascii", "WINDOWS-1252"},
    {"ansi_x3.4-1968", "WINDOWS-1252"},
    {"iso-8859-1", "WINDOWS-1252"},
    {"iso8859-1", "WINDOWS-1252"},
    {"latin1", "WINDOWS-1252"},
    {"iso-8859-9", "WINDOWS-1254"},
    {"tis-620", "CP874"},
    {"iso-8859-11", "CP874"},
    // Korean: the Microsoft name, and EUC-KR as readers extend it.
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"euc-kr", "CP949"},
    // Hebrew and Arabic "logical order" labels: the same bytes.
    {"iso-8859-8-i", "ISO-8859-8"},
    {"iso-8859-8-e", "ISO-8859-8"},
    {"iso-8859-6-i", "ISO-8859-6"},
    {"iso-8859-6-e", "ISO-8859-6"},
    {"x-mac-roman", "MACINTOSH"},
    {"mac", "MACINTOSH"},
    {"x-sjis", "SHIFT_JIS"},
    {"shift-jis", "SHIFT_JIS"},
    {"x-euc-jp", "EUC-JP"},
    {"gb2312", "GB18030"},
    {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},
    {"cp936", "GB18030"},
    {"big5", "BIG5-HKSCS"},
    {"x-big5", "BIG5-HKSCS"},
    {"utf8", "UTF-8"},
    {"x-unicode-2-0-utf-8", "UTF-8"},
    {"unicode-1-1-utf-7", "UTF-7"},
    {"unknown-8bit", ""},
    {"x-unknown", ""},
    {"unknown", ""},
    {"default", ""},
    {"x-user-defined", ""},
};

// iconv descriptors, opened once per process and charset (iconv_open reads gconv
// modules: far dearer than a conversion). nullptr: iconv does not know the name.
class Converters {
 public:
  ~Converters() {
    for (auto& [name, cd] : open_)
      if (cd != reinterpret_cast<iconv_t>(-1)) iconv_close(cd);
  }
  iconv_t get(const std::string& charset) {
    auto it = open_.find(charset);
    if (it == open_.end()) it = open_.emplace(charset, iconv_open("UTF-8", charset.c_str())).first;
    return it->second;
  }

 private:
  std::map<std::string, iconv_t> open_;
};

std::mutex converters_mutex;
Converters& converters() {
  static Converters instance;
  return instance;
}

bool ascii_compatible(const std::string& iconv_name) {
  const std::string name = lowered(iconv_name);
  for (const std::string_view prefix : {"iso-2022", "iso2022", "csiso2022", "utf-7", "utf7",
                                        "hz", "utf-16", "utf16", "utf-32", "utf32", "ucs-",
                                        "ucs2", "ucs4", "unicode"})
    if (name.rfind(prefix, 0) == 0) return false;
  return true;
}

// How many bytes at text's end begin a UTF-8 character that a cut left incomplete:
// 0 when text ends on a whole character (or on bytes that are not UTF-8 anyway).
std::size_t split_utf8_tail(std::string_view text) {
  std::size_t back = 0;
  while (back < 3 && back < text.size() &&
         (static_cast<unsigned char>(text[text.size() - 1 - back]) & 0xC0u) == 0x80u)
    ++back;
  if (back == text.size()) return 0;
  const auto lead = static_cast<unsigned char>(text[text.size() - 1 - back]);
  const std::size_t needs = lead >= 0xF0 && lead <= 0xF4   ? 3
                            : lead >= 0xE0 && lead <= 0xEF ? 2
                            : lead >= 0xC2 && lead <= 0xDF ? 1
                                                           : 0;
  return needs > back ? back + 1 : 0;
}

// The most UTF-8 one iconv call writes: a large text is converted piece by piece.
constexpr std::size_t kConvertPiece = 64u << 10;

}  // namespace

bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int more = 0;
    unsigned code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      more = 1;
      code = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      more = 2;
      code = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      more = 3;
      code = c & 0x07u;
    } else {
      return false;
    }
    if (i + static_cast<std::size_t>(more) >= text.size()) return false;
    for (int k = 1; k <= more; ++k) {
      const auto d = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((d & 0xC0u) != 0x80u) return false;
      code = (code << 6) | (d & 0x3Fu);
    }
    if ((more == 2 && code < 0x800) || (more == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += static_cast<std::size_t>(more) + 1;
  }
  return true;
}

std::string iconv_charset(std::string_view declared) {
  // RFC 2231 section 5: "charset*language".
  const std::size_t star = declared.find('*');
  if (star != std::string_view::npos) declared = declared.substr(0, star);
  while (!declared.empty() && (declared.front() == ' ' || declared.front() == '"'))
    declared.remove_prefix(1);
  while (!declared.empty() && (declared.back() == ' ' || declared.back() == '"'))
    declared.remove_suffix(1);
  const std::string name = lowered(declared);
  // A name with control bytes in it is no charset (iconv would read it only up to a
  // NUL, and take "ucs4\r..." for UCS-4).
  for (const char c : name)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) return {};
  for (const Alias& alias : kAliases)
    if (alias.mail == name) return std::string(alias.iconv);
  return name.empty() ? std::string() : name;
}

bool charset_known(std::string_view declared) {
  const std::string name = iconv_charset(declared);
  if (name.empty()) return false;
  if (lowered(name) == "utf-8") return true;
  const std::lock_guard<std::mutex> hold(converters_mutex);
  return converters().get(name) != reinterpret_cast<iconv_t>(-1);
}

Utf8Text to_utf8(std::string_view bytes, std::string_view charset, bool cut) {
  Utf8Text out;
  const std::string name = iconv_charset(charset);
  // ASCII bytes are the same text in every charset but the 7-bit ones that write
  // other characters with ASCII bytes (ISO-2022-JP's escapes, UTF-7, HZ) and the
  // wide ones.
  if (is_ascii(bytes) && ascii_compatible(name)) {
    out.text.assign(bytes);
    return out;
  }
  if (name.empty() || name == "utf-8" || name == "UTF-8") {
    // No charset known, or UTF-8: kept as they are; anything not UTF-8 in them
    // could not be read.
    if (cut) bytes = bytes.substr(0, bytes.size() - split_utf8_tail(bytes));
    out.text.assign(bytes);
    out.converted = is_utf8(bytes);
    return out;
  }
  const std::lock_guard<std::mutex> hold(converters_mutex);
  iconv_t cd = converters().get(name);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    out.text.assign(bytes);
    out.converted = false;
    return out;
  }
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // a fresh shift state
  char* in = const_cast<char*>(bytes.data());
  std::size_t in_left = bytes.size();
  // Converted a piece at a time: a UTF-8 character takes at most 4 bytes a byte.
  std::string buffer(std::min<std::size_t>(bytes.size() * 4 + 16, kConvertPiece), '\0');
  while (in_left > 0) {
    char* to = buffer.data();
    std::size_t to_left = buffer.size();
    const std::size_t done = iconv(cd, &in, &in_left, &to, &to_left);
    out.text.append(buffer.data(), buffer.size() - to_left);
    if (done != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    if (errno == EINVAL && cut) break;  // the last character, split by the cut
    // EILSEQ or EINVAL (a sequence cut at the end): the byte is kept as it came.
    out.converted = false;
    out.text += *in;
    ++in;
    --in_left;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  // Flush a stateful charset's closing sequence.
  char* to = buffer.data();
  std::size_t to_left = buffer.size();
  iconv(cd, nullptr, nullptr, &to, &to_left);
  out.text.append(buffer.data(), buffer.size() - to_left);
  // glibc's wide charsets (UCS-4) take values past U+10FFFF and write them as the
  // 5- and 6-byte sequences UTF-8 no longer has: that text is not UTF-8 either.
  if (out.converted && !is_utf8(out.text)) out.converted = false;
  return out;
}

}  // namespace mailsift::message::mime
