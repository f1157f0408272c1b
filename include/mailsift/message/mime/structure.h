// The MIME structure of a message (RFC 2045, 2046, 2183), walked as mail readers
// show it: multipart bodies split at their boundaries, message/rfc822 parts entered
// (also when they are base64 or quoted-printable encoded, as readers do), part paths
// as reformime numbers them ("1", "1.2", "1.2.1"). Where a message can be read two
// ways (two Content-Type fields, two boundaries, a name and a filename), the
// structure holds what every reading gives and its anomalies say so: a filter that
// sees less than a reader shows is how MIME filters are bypassed.
//
// Nothing is decoded but what the walk needs (an encoded message/rfc822); a leaf
// part's content is decoded on demand (decode_part). Bounded by limits.h: depth,
// parts, header fields and parameters per part; a limit that bites adds an anomaly
// and the walk goes on without what lies past it.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mailsift/message/message.h"
#include "mailsift/message/mime/transfer_encoding.h"

namespace mailsift::message::mime {

struct MimePart {
  std::string path;  // "1" for the message itself, "1.2" its second part, ...
  int depth = 1;     // the number of parts in the path
  // The declared type/subtype, lowercased, of every reading (two Content-Type
  // fields give two); the default (text/plain, message/rfc822 in a digest) when
  // there is none or it is not a type.
  std::vector<std::string> types;
  std::string disposition;             // "attachment", "inline", ... or ""
  std::vector<std::string> filenames;  // every name and filename, decoded, without
                                       // a directory or bidi controls; each once
  std::string charset;                 // the charset parameter, as written
  TransferEncoding encoding = TransferEncoding::kIdentity;
  bool container = false;              // a multipart, or a message walked into
  // The content as it is in the message (still encoded): a view of the body, or of
  // a decoded message/rfc822 that the structure holds.
  std::string_view content;
  // Offset of content in the message body, or npos when it is in a decoded buffer.
  std::size_t body_offset = std::string_view::npos;

  bool is_text() const;  // a leaf whose first type is text/*
};

struct MimeStructure {
  std::vector<MimePart> parts;         // in the order a reader lists them
  std::vector<std::string> anomalies;  // each token once, in the order found
  std::deque<std::string> buffers;     // decoded message/rfc822 parts (content views)

  void add_anomaly(std::string_view token);
};

// Called with (offset, length) of body ranges the walk or a decode has finished
// with, so that the pages of a spooled body can be dropped (Message::release_body).
using ReleaseBody = std::function<void(std::size_t, std::size_t)>;

MimeStructure walk_message(const Message& message, const ReleaseBody& release = {});

// A file name as mime.filename shows it: without a directory (up to the last "/" or
// "\\") and without the bidi controls that can hide its real end, blanks trimmed.
std::string filename_as_shown(std::string name);

// A leaf part's content decoded: its size, the first `keep` bytes of it, and whether
// the transfer encoding was bad (a bad-base64 anomaly). With whole false, decoding
// stops once `keep` bytes are there (size and bad then cover only what was decoded,
// and complete is false): sniffing the start of a 45 MB attachment reads 1 MiB of it.
struct DecodedPart {
  std::size_t size = 0;
  std::string head;
  bool bad = false;
  bool complete = true;
};
DecodedPart decode_part(const MimePart& part, std::size_t keep, const ReleaseBody& release = {},
                        bool whole = true);

}  // namespace mailsift::message::mime
