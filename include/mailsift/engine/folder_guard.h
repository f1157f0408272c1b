// Folder names built from message data must stay inside $MAILDIR (mailsiftrc(5),
// DIFFERENCES FROM PROCMAIL). procmail writes wherever an expanded name points:
// with `* ^Subject: \/.*` and the action `$MATCH`, a Subject of "../../x" or
// "/home/u/.forward" names a file outside the mail directory. mailsift refuses,
// after expansion, a folder name in which
//   1. a path component is ".." and not all of it stood literally in the action
//      line (some of it came from a variable, an argument or a backquote);
//   2. the leading "/" of an absolute name came from message data;
//   3. a path component begins with a "." that came from message data (".forward",
//      ".procmailrc", ".ssh", "."), which would reach the dot files of $HOME when
//      $MAILDIR is $HOME.
// Message data is what expand.h marks Origin::kMessage. What the rcfile writes
// itself ("../archive", "$HOME/.lists/$MATCH/", "$DEFAULT") is never refused, nor
// is it when it reaches the folder through a variable: after
// "F=.lists.`echo $MATCH`/", the leading "." of $F is the rcfile's (Maildir++
// folders are named so); only what followed it came from the message.
#pragma once

#include <string>

#include "mailsift/engine/expand.h"

namespace mailsift::engine {

// Why the folder may not be used, in words for the log; "" when it may.
std::string folder_refusal(const ExpandedWord& folder);

}  // namespace mailsift::engine
