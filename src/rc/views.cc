#include "mailsift/rc/views.h"

#include <algorithm>

namespace mailsift::rc {
namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

constexpr std::string_view kParts[] = {"local", "domain", "user", "detail", "name"};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Every view name there is, with header.NAME as "header." and the last word of
// `name` (so that "heder.subject" finds "header.subject").
std::vector<std::string> candidates(std::string_view name) {
  std::vector<std::string> out;
  const std::size_t dot = name.rfind('.');
  out.push_back("header." + std::string(dot == std::string_view::npos ? "subject" : name.substr(dot + 1)));
  for (const std::string_view view : mime_views()) out.push_back("mime." + std::string(view));
  out.push_back("duplicate." + std::string(dot == std::string_view::npos ? "default" : name.substr(dot + 1)));
  for (const std::string_view field : address_fields()) {
    const std::string whole = "address." + std::string(field);
    out.push_back(whole);
    for (const std::string_view part : kParts) out.push_back(whole + "." + std::string(part));
  }
  return out;
}

}  // namespace

const std::vector<std::string_view>& address_fields() {
  static const std::vector<std::string_view> fields = {
      "from",      "sender",      "reply-to",  "to",        "cc",        "bcc",
      "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-bcc", "recipients"};
  return fields;
}

const std::vector<std::string_view>& mime_views() {
  static const std::vector<std::string_view> names = {"type", "filename", "sniffed",
                                                      "parts", "text", "anomaly"};
  return names;
}

std::vector<std::string_view> address_header_fields(std::string_view field) {
  if (field != "recipients") return {field};
  return {"to",
          "cc",
          "bcc",
          "resent-to",
          "resent-cc",
          "resent-bcc",
          "original-to",
          "original-cc",
          "original-bcc",
          "original-resent-to",
          "original-resent-cc",
          "original-resent-bcc",
          "x-envelope-to",
          "apparently-to",
          "apparently-resent-to"};
}

std::size_t view_name_length(std::string_view text, std::size_t at) {
  std::size_t i = at;
  while (i < text.size() && is_lower(text[i])) ++i;
  if (i == at) return 0;
  int words = 0;
  while (i + 1 < text.size() && text[i] == '.' && is_word_char(text[i + 1])) {
    ++i;
    while (i < text.size() && is_word_char(text[i])) ++i;
    ++words;
  }
  if (words == 0) return 0;
  if (i < text.size() && (is_word_char(text[i]) || text[i] == '.')) return 0;
  return i - at;
}

std::optional<View> resolve_view(std::string_view name, std::string* error) {
  const std::size_t dot = name.find('.');
  const std::string_view root = name.substr(0, dot);
  const std::string_view rest = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (root == "header" && !rest.empty() && rest.find('.') == std::string_view::npos) {
    return View{View::Kind::kHeader, lowered(rest), View::Part::kWhole};
  }
  if (root == "duplicate" && !rest.empty() && rest.find('.') == std::string_view::npos)
    return View{View::Kind::kDuplicate, std::string(rest), View::Part::kWhole};
  if (root == "mime") {
    const auto& names = mime_views();
    if (std::find(names.begin(), names.end(), rest) != names.end())
      return View{View::Kind::kMime, std::string(rest), View::Part::kWhole};
  }
  if (root == "address") {
    const std::size_t second = rest.find('.');
    const std::string_view field = rest.substr(0, second);
    const std::string_view part =
        second == std::string_view::npos ? "" : rest.substr(second + 1);
    const auto& fields = address_fields();
    if (std::find(fields.begin(), fields.end(), field) != fields.end()) {
      View view{View::Kind::kAddress, std::string(field), View::Part::kWhole};
      if (part.empty()) return view;
      constexpr View::Part kKinds[] = {View::Part::kLocal, View::Part::kDomain, View::Part::kUser,
                                       View::Part::kDetail, View::Part::kName};
      for (std::size_t k = 0; k < std::size(kParts); ++k) {
        if (kParts[k] == part) {
          view.part = kKinds[k];
          return view;
        }
      }
    }
  }
  std::string nearest;
  std::size_t best = std::string_view::npos;
  for (const std::string& candidate : candidates(name)) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best) {
      best = d;
      nearest = candidate;
    }
  }
  *error = "unknown view \"" + std::string(name) + "\" (the nearest is \"" + nearest +
           "\"; mailsiftrc(5) lists the views)";
  return std::nullopt;
}

}  // namespace mailsift::rc
