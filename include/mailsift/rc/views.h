// Views: computed, read-only lists of lines about the message, tested with
// procmail's "NAME ??" condition form ("* address.from.domain ?? ^example\.org$").
// A view's name is lowercase words joined by dots, which no procmail variable name
// can be: procmail reads "* header.subject ?? x" as one regex, so no condition that
// procmail takes as a variable test changes meaning. This file holds the names and
// their grammar; the engine computes a view's lines (engine/views.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::rc {

struct View {
  enum class Kind {
    kHeader,   // header.NAME: each NAME field's value, decoded
    kAddress,  // address.FIELD[.PART]: the addresses in FIELD
    kMime,     // mime.NAME: the MIME structure (field: one of mime_views())
    kDuplicate,  // duplicate.HANDLE: "duplicate" or "new" (engine/duplicates.h)
  };
  enum class Part { kWhole, kLocal, kDomain, kUser, kDetail, kName };
  Kind kind = Kind::kHeader;
  // kHeader: the field name, lowercased. kAddress: a name of address_fields().
  // kMime: a name of mime_views() ("type", "filename", ...). kDuplicate: the
  // handle, as written (letters, digits, "-" and "_").
  std::string field;
  Part part = Part::kWhole;
};

// The length of what has a view name's shape at text[at] (a lowercase word, then
// one or more "." and a word of letters, digits, "-" or "_"), or 0.
std::size_t view_name_length(std::string_view text, std::size_t at);

// The view a name stands for; nullopt for a name outside the table, with *error
// saying so and naming the nearest view.
std::optional<View> resolve_view(std::string_view name, std::string* error);

// The fields of address.FIELD, as written in view names: "from", "to", ...,
// "recipients" (every recipient field, as procmail's ^TO_ looks).
const std::vector<std::string_view>& address_fields();

// The names of mime.NAME: "type", "filename", "sniffed", "parts", "text", "anomaly".
const std::vector<std::string_view>& mime_views();

// The header fields address.FIELD reads: for "recipients", procmail's ^TO_ fields
// (To, Cc, Bcc, their Resent- and Original- forms, X-Envelope-To, Apparently-To,
// Apparently-Resent-To); for any other, the field of that name.
std::vector<std::string_view> address_header_fields(std::string_view field);

}  // namespace mailsift::rc
