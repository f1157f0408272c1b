// Vacation: an auto-reply that follows RFC 5230 (Sieve vacation) and RFC 3834 (when
// an automatic response may be sent), run from the rules as a program:
//
//   :0 c
//   | mailsift --vacation --days=7 --address=bob@example.org --text-file=$HOME/away.txt
//
// procmail runs that line the same way (it is a program), so an rcfile means one thing
// under both. mailsift's dry run recognises it and says whether it would reply, and why
// not, without sending or recording anything.
//
// The reply goes only to the envelope sender (Return-Path, else the From_ line), never
// to From: or Reply-To:, through $SENDMAIL with an empty envelope sender; at most one
// per sender and handle in `days` days, recorded once $SENDMAIL has accepted it (a
// retried delivery finds the record and sends no second reply).
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "mailsift/message/message.h"
#include "mailsift/sys/io.h"

namespace mailsift::vacation {

struct Settings {
  std::string handle = "default";        // --handle: replies are counted per handle
  long days = 7;                         // --days: at least 1
  std::vector<std::string> addresses;    // --address (repeatable), and $RECIPIENT
  std::string from;                      // --from: the reply's From: (default: first address)
  std::optional<std::string> subject;    // --subject (default: "Auto: " + the original's)
  std::string text;                      // --text, or the file --text-file names
  std::string store;                     // --store (default: $HOME/.mailsift/vacation)
  std::string sendmail = "/usr/sbin/sendmail";  // $SENDMAIL
  bool dry_run = false;                  // --dry-run: decide and say, send nothing
};

// Reads the words after "--vacation" ("--name=value" or "--name value"), with the
// environment for $RECIPIENT, $HOME and $SENDMAIL. false with *error for a word it
// does not know, a value missing, days below 1, or a text file it cannot read.
bool parse_settings(const std::vector<std::string>& words, const std::vector<std::string>& environment,
                    Settings* settings, std::string* error);

struct Decision {
  bool reply = false;
  std::string sender;  // the envelope sender, when there is one
  std::string reason;  // why not, as one line for the log ("" when replying)
};

// RFC 5230 section 4.5 and RFC 3834 section 2, from the message alone (not yet the
// record of earlier replies).
Decision decide(const message::Message& message, const Settings& settings);

// The reply: a whole message (header and body), ready for $SENDMAIL.
std::string reply_message(const message::Message& message, const Settings& settings,
                          const std::string& to, std::time_t now, const std::string& message_id);

// What became of a vacation run.
struct Result {
  Decision decision;
  bool sent = false;
  bool failed = false;  // the reply could not be sent or recorded: try again later
  std::string log;      // the line for the log
};

// Sends the reply `send` is given (the argv and the bytes) unless the message or the
// record says not to. dry_run: decides and reads the record, sends and writes nothing.
using Sender = int (*)(const std::vector<std::string>& argv, const std::string& bytes,
                       const std::vector<std::string>& environment);
Result respond(sys::Io& io, const message::Message& message, const Settings& settings,
               bool dry_run, const std::vector<std::string>& environment, Sender send);

// Runs $SENDMAIL with the reply on its standard input; its exit status, or -1.
int send_with_sendmail(const std::vector<std::string>& argv, const std::string& bytes,
                       const std::vector<std::string>& environment);

}  // namespace mailsift::vacation
