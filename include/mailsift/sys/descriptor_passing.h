// Messages with an open descriptor attached (SCM_RIGHTS), over a SOCK_SEQPACKET unix
// socket: how the LMTP connection hands a spooled message to the worker that
// delivers it as its user.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mailsift::sys {

// Sends `data` (one packet, at most kMaxPacket bytes) with `fd` attached (-1: none).
// 0, or an errno (EPIPE: the other end has gone). Never raises SIGPIPE.
int send_packet(int socket, std::string_view data, int fd);

// Receives one packet into *data and the descriptor that came with it into *fd (-1
// when none; it is close-on-exec). 0; -1 at the end (the other side closed its end);
// or an errno.
int receive_packet(int socket, std::string* data, int* fd);

inline constexpr std::size_t kMaxPacket = 65536;

}  // namespace mailsift::sys
