// LMTP (RFC 2033) as a pure state machine: bytes from the client in, reply bytes out,
// and a Delivery that is asked about each recipient and handed each message. It does
// no I/O of its own, so that the server loop (lmtp/server.h) stays small and this can
// be fuzzed.
//
// Commands: LHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT; VRFY is refused politely
// (252); HELO and EHLO are refused (LMTP is not SMTP). Extensions: PIPELINING,
// ENHANCEDSTATUSCODES, 8BITMIME, SIZE, CHUNKING (RFC 3030 BDAT, without BINARYMIME: the
// chunks' CR LF become LF as after DATA). After DATA or BDAT LAST, one reply per
// accepted recipient, in the order of their RCPT commands (RFC 2033 section 4.2); each
// BDAT before LAST gets one 250. Each limit is logged (the Delivery's log) when it bites.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailsift::lmtp {

struct Limits {
  std::size_t max_command_line = 2048;       // a command line (RFC 5321: 512 at least)
  std::size_t max_text_line = 1 << 20;       // a line of the message (we never refuse mail
                                             // for long lines below this)
  std::size_t max_message = 64u << 20;       // SIZE, and the most DATA that is taken
  std::size_t max_recipients = 100;          // per transaction
  int max_bad_commands = 10;                 // then 421 and hang up
};

struct Recipient {
  std::string address;  // as given in RCPT TO:<...>
  std::string user;     // the local part before any "+"
  std::string detail;   // after the first "+" ("" when none)
};

// What a reply says: the code, the enhanced status and the text.
struct Reply {
  int code = 250;
  std::string status = "2.0.0";
  std::string text = "Ok";
  std::string line() const;  // "250 2.0.0 Ok\r\n"
};

class Delivery {
 public:
  virtual ~Delivery() = default;
  // Whether the recipient is one (250), or not (550 5.1.1 and the like), at RCPT time.
  virtual Reply check_recipient(const Recipient& recipient) = 0;
  // The message (LF line ends, dot-stuffing undone) for every accepted recipient:
  // `answer` is called once for each, in order, as soon as that recipient's delivery
  // has ended. A recipient it is not called for is told 451.
  virtual void deliver(const std::string& sender, const std::vector<Recipient>& recipients,
                       const std::string& message,
                       const std::function<void(const Reply&)>& answer) = 0;
  // A limit bit, or the client did something odd: one line for the log.
  virtual void note(const std::string& line) = 0;
};

class Session {
 public:
  Session(Delivery& delivery, Limits limits, std::string hostname);

  std::string greeting() const;
  // From now on, the replies after DATA go to `write` one by one, as each recipient's
  // delivery ends (RFC 2033 section 4.2), each with whatever feed() had to send before
  // it: a client waits for one delivery at a time, not for all of them. Without it they
  // come together in what feed() returns.
  void stream_to(std::function<void(std::string_view)> write) { write_ = std::move(write); }
  // Takes what the client sent (any amount: part of a line, many pipelined commands)
  // and returns what to send back.
  std::string feed(std::string_view bytes);
  // The client has gone: a message not yet ended is thrown away, undelivered.
  void end_of_input();
  // QUIT, or too many bad commands: send what feed returned, then close.
  bool closed() const { return closed_; }
  // Part of a command line has come, or part of a message: the client is sending.
  bool mid_command() const { return !pending_.empty() || discarding_line_ || in_data(); }
  // How many command lines and messages have ended so far (a message sent in BDAT
  // chunks counts once, at its LAST chunk).
  std::uint64_t completed() const { return completed_; }
  // In the middle of a message: DATA (the client has been told 354), or BDAT chunks
  // before the LAST one has been read.
  bool in_data() const {
    return state_ == State::kData || state_ == State::kChunks || chunk_remaining_ > 0;
  }

 private:
  // kChunks: a BDAT chunk has been taken and the LAST one has not.
  enum class State { kStart, kGreeted, kMail, kRecipients, kData, kChunks };
  void command(std::string_view line, std::string* out);
  void data_line(std::string_view line, bool crlf, std::string* out);
  // BDAT: the command, its octets (any amount), and the end of its chunk.
  void chunk_command(std::string_view argument, std::string* out);
  void chunk_data(std::string_view octets);
  void end_chunk(std::string* out);
  // The message is whole (DATA's dot, BDAT LAST): one reply per recipient.
  void end_message(std::string* out);
  void reset_transaction();
  void bad_command(const Reply& reply, std::string* out);

  Delivery& delivery_;
  Limits limits_;
  std::string hostname_;
  State state_ = State::kStart;
  bool closed_ = false;
  int bad_commands_ = 0;
  std::string pending_;   // an incomplete line
  bool discarding_line_ = false;  // the rest of a line that was too long
  bool previous_line_crlf_ = true;  // the line before ended in CR LF
  std::string sender_;
  std::vector<Recipient> recipients_;
  std::string message_;
  bool message_too_big_ = false;
  std::uint64_t message_octets_ = 0;  // BDAT octets taken so far, as sent
  std::uint64_t chunk_remaining_ = 0;  // of the chunk being read
  std::uint64_t chunk_size_ = 0;
  bool chunk_last_ = false;
  bool chunk_cr_ = false;  // the chunk so far ends in a CR not yet stored
  std::optional<Reply> chunk_refusal_;  // the chunk being read is refused with this
  std::function<void(std::string_view)> write_;
  std::uint64_t completed_ = 0;
};

// The client's queue id for the log: the id clause of the message's first Received
// field (RFC 5321 section 4.4), where Postfix and Exim write the id of the message in
// their queue ("... with ESMTP id 4Fq3Kx1Dmcz9sWx; date"). "" when there is none (at
// most 100 printable characters).
std::string queue_id_of(std::string_view message);

// "user+detail@domain" or "<...>" parts; false when it is not an address LMTP takes.
bool parse_path(std::string_view text, std::string* address);
Recipient recipient_of(const std::string& address);

}  // namespace mailsift::lmtp
