// The identity of one message for one recipient across the attempts a mail server
// makes to deliver it: what the delivery journal (state/journal.h) is named by.
//
// A server that gets exit 75 keeps the message and runs the MDA again later with
// the same bytes, except for what it writes afresh at each attempt. Left out of the
// digest, so that a retry finds the journal of the attempt before:
//   - the date of the From_ line (Postfix and Exim write the time of the attempt;
//     mailsift itself writes one for -d and -f): only the sender address counts;
//   - every "Delivery-date:" field (Exim's delivery_date_add, on by default in
//     Debian's configuration).
// Everything else counts byte for byte: the header fields the server adds once
// (Return-Path, Delivered-To, Envelope-to, its Received line) are the same in every
// attempt, and a message that differs in any other byte is another message.
#pragma once

#include <string>
#include <string_view>

#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"

namespace mailsift::message {

// 32 hex digits (SipHash-1-3-128, sys/siphash.h) over the recipient and the message
// as described above. A spooled body is read window by window and its pages are let
// go as they are hashed (io: for Message::release_body).
std::string retry_digest(sys::Io& io, const Message& message, std::string_view recipient);

}  // namespace mailsift::message
