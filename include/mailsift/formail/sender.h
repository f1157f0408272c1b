#pragma once
// Who a message is from, as formail decides it: each candidate field has a weight
// (one table for the envelope sender, two for -r -t), an address is penalised for
// looking local or old-fashioned, and the heaviest wins (the earlier on a tie).

#include <optional>
#include <string>
#include <string_view>

#include "mailsift/formail/fields.h"

namespace mailsift::formail {

// The address an RFC 822 field value gives: the <...> part if there is one, else the
// first word, comments and blanks removed. nullopt when there is none.
std::optional<std::string> first_address(std::string_view value);

enum class ReplyWeights {
  kEnvelope,        // the From_ line and Return-Path first (formail without -t)
  kHeader,          // -t: Reply-To, From, Sender
  kHeaderResent,    // -t -a Resent-: the Resent- fields first
};

class SenderChooser {
 public:
  explicit SenderChooser(ReplyWeights weights) : weights_(weights) {}

  // Looks at one header field; first_field says whether it starts the header (only
  // there is a From_ line a sender).
  void consider(const Field& field, bool first_field);

  const std::optional<std::string>& sender() const { return sender_; }
  void reset() { sender_.reset(); }

 private:
  ReplyWeights weights_;
  std::optional<std::string> sender_;
  int weight_ = 0;
};

}  // namespace mailsift::formail
