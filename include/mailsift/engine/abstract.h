// The log abstract procmail writes for each message (procmailrc(5), LOGABSTRACT),
// which mailstat(1) summarises:
//
//   From sender  Sat Nov 28 14:58:20 2026      (only if the message has a From_ line)
//    Subject: the subject                      (first Subject field, at most 78 chars)
//     Folder: inbox/new/1234.M5P6.host                                          2171
#pragma once

#include <cstddef>
#include <string>

#include "mailsift/message/message.h"

namespace mailsift::engine {

// folder: LASTFOLDER, or **Requeued** / **Bounced**; size: bytes of the last write.
std::string format_abstract(const message::Message& message, const std::string& folder,
                            std::size_t size);

}  // namespace mailsift::engine
