// The text conditions are matched against (behaviour §2.3, §2.4): the header area
// (everything up to and including the empty line that ends the header, any leading
// empty lines and the From_ line included) with every newline that is followed by a
// blank or tab inside it turned into a space; the body as it is; or both.
#pragma once

#include <string>
#include <string_view>

#include "mailsift/message/message.h"

namespace mailsift::message {

enum class Area { kHeader, kBody, kHeaderAndBody };

// The header area with continuation lines joined. (A copy: the message is unchanged.)
std::string joined_header(const Message& message);

// The text a condition with the given area searches. The returned view points into
// message or into *storage, which must outlive it. The body is not copied for kBody,
// nor for kHeaderAndBody when it is spooled (Message::body_with_prefix; the view is
// then valid until the next body_with_prefix call with another prefix).
std::string_view search_area(const Message& message, Area area, std::string* storage);

}  // namespace mailsift::message
