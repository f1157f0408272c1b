// All hard limits of mailsift, each with the reason for its value.
// Nothing else in the tree hard-codes a size, a count or a time-out.
#pragma once

#include <cstddef>

namespace mailsift::limits {

// A message up to this size is held in memory; a larger one is spooled once to an
// unlinked temporary file and mapped, and only the parts that rules or writers read
// are in memory at a time. Typical mail (2-200 KB) stays off the disk; the bound is
// what one delivery process holds besides itself (issue 6: a 50 MB message with
// header rules in at most 8 MB, of which the program itself takes 4 to 5).
inline constexpr std::size_t kMaxInMemoryMessage = 1u << 20;

// Bytes read from stdin per read(2): large enough for few system calls, small enough
// to stay in the L2 cache while the reader scans it.
inline constexpr std::size_t kReadChunk = 64u << 10;

// The header area (From_ line, fields and the blank line) is always held in memory
// because rules match it many times. Past this size the rest of the message is body
// for matching purposes; the bytes delivered are unchanged.
inline constexpr std::size_t kMaxHeaderBytes = 16u << 20;

// A From_ line longer than this is dropped, as procmail drops one longer than LINEBUF.
inline constexpr std::size_t kMaxFromLine = 2048;

// Bytes handed to one write(2) call while delivering.
inline constexpr std::size_t kWriteChunk = 64u << 10;

// A spooled body that a writer must read (">From " quoting, or a destination the
// kernel cannot copy to) is read this much at a time, and the window's pages are
// dropped from memory before the next: what a delivery holds of a large message.
inline constexpr std::size_t kSpoolWindow = 256u << 10;

// procmail's defaults for lock handling (procmailrc(5)): seconds between attempts
// (LOCKSLEEP), age after which a dotlock is stale and removed (LOCKTIMEOUT), and
// the pause after removing a stale lock (SUSPEND).
inline constexpr unsigned kDefaultLockSleepSeconds = 8;
inline constexpr unsigned kDefaultLockTimeoutSeconds = 1024;
inline constexpr unsigned kDefaultSuspendSeconds = 16;

// procmail's TIMEOUT default. mailsift also uses it as the longest time it waits
// for a lock on a folder before giving up with a temporary failure, so that a
// stuck lock holder makes the MTA retry instead of hanging the delivery forever.
inline constexpr unsigned kDefaultTimeoutSeconds = 960;

// Attempts at a unique maildir/directory file name before giving up (qmail retries,
// procmail gives up after 5).
inline constexpr int kUniqueNameAttempts = 8;

// Largest number of folders named in one action.
inline constexpr std::size_t kMaxFoldersPerAction = 64;

// How deep INCLUDERC may nest (procmail has no limit and recurses until it runs out
// of file descriptors; an include loop must end with a clear log line instead).
inline constexpr int kMaxIncludeDepth = 32;

// How deep "{ }" blocks may nest in one rcfile. The parser recurses once per level;
// this bound keeps a hostile or broken file from exhausting the stack (procmail has
// no limit). Real rcfiles nest a handful of levels.
inline constexpr int kMaxBlockNesting = 256;

// How deep "${NAME:-word}" substitutions may nest inside one another's words. The
// value parser and the expansion recurse once per level: without a bound, 20000
// nested levels (a 120 KB rcfile, found by fuzzing) overflowed the stack. Real values
// nest one or two levels.
inline constexpr int kMaxSubstitutionNesting = 64;

// How many SWITCHRC switches one run may make (SWITCHRC=$_ restarts a file; a loop
// of switches must end).
inline constexpr int kMaxSwitches = 1000;

// Longest regex (before macros are substituted). Translating and compiling take a few
// hundred bytes of memory per byte of regex, and a regex built from a variable may
// come from the message ("* $ ${SUBJECT}"): a 10 MB one took 1.4 GB. 256 KiB is 128
// times procmail's default LINEBUF, which bounds procmail's regexes; longer lists
// belong in a file that a program searches.
inline constexpr std::size_t kMaxRegexBytes = 256u << 10;

// Bytes of text the search for procmail's MATCH split (the earliest place where the
// part before "\/" can end and the part after it begin) may hand to RE2 for one
// condition. Each candidate split costs up to the area's length, so a hostile message
// could make the search quadratic; past this budget MATCH comes from RE2's own split,
// which is valid but may be later, and the log says so. 256 MiB is well under a
// second of matching and leaves every real rule on any real message exact.
inline constexpr std::size_t kMaxSplitSearchBytes = 256u << 20;

// A regex whose matcher is not built yet is searched with procmail's own engine
// (rc/procmail_nfa.h) in an area up to this size (a header, a small body), within
// a bound of steps per byte; a larger area, or a search past the bound, builds RE2.
inline constexpr std::size_t kMaxUnbuiltSearchBytes = 64u << 10;

// Bytes of a user's text (an rcfile line, a regex) quoted in one log line; a longer
// text is shown in part, with "...", so that a huge line does not flood the log.
inline constexpr std::size_t kMaxQuotedInLog = 200;

// Output kept from a backquote command or a capture ("VAR=| cmd"); procmail reads a
// capture without limit and a backquote up to LINEBUF. More is dropped and logged.
inline constexpr std::size_t kMaxCapturedOutput = 16u << 20;

// Output kept from a filter: the new message. Past kMaxInMemoryMessage it is spooled
// like stdin, so this bounds disk, not memory: a runaway filter (an endless loop
// printing) must not fill $TMPDIR. More is not a message: the filter fails, the
// message is kept.
inline constexpr std::size_t kMaxFilterOutput = 256u << 20;

// When TIMEOUT runs out, a program's process group gets SIGTERM and, if any of it is
// still there this much later, SIGKILL: time enough for a program to clean up, short
// enough that one ignoring SIGTERM does not hold the delivery much past TIMEOUT.
inline constexpr unsigned kKillGraceMilliseconds = 500;

// MIME (the mime.* views, message/mime/structure.h). Each limit that bites is logged
// and named in mime.anomaly; the message itself is never changed by one.
//
// How deep parts may nest (a multipart in a multipart, a message in a message):
// Dovecot stops at 100, gmime at 1024; real mail nests a handful of levels (a
// forward of a forward as attachments: ten). 100 is Dovecot's: a message Dovecot
// shows whole, mailsift walks whole. The walker recurses once per level.
inline constexpr int kMaxMimeDepth = 100;

// Parts walked in one message (Dovecot's limit): a mail with more is a bomb.
inline constexpr std::size_t kMaxMimeParts = 10000;

// Header fields read in one part's header, and parameters in one field: real parts
// have under 20 and under 5; a bomb of millions is read no further.
inline constexpr std::size_t kMaxPartHeaderFields = 1000;
inline constexpr std::size_t kMaxMimeParameters = 100;

// Segments of one RFC 2231 parameter ("name*0*=", "name*1*=", ...): a file name of
// 100 segments is already 7 KB.
inline constexpr std::size_t kMaxRfc2231Segments = 100;

// Decoded text mime.text holds: of one part, and of all parts together. A message of
// many large text parts would otherwise make the view, and the memory it takes, as
// large as the message (40 parts of 1 MiB took 160 MB). SpamAssassin looks at the
// first 50 KB of each text part; a part's first 256 KiB is more than any rule needs,
// and leaves room for the text/html twin of a text/plain part and a few more parts.
inline constexpr std::size_t kMaxDecodedTextPerPart = 256u << 10;
inline constexpr std::size_t kMaxDecodedTextInAll = 1u << 20;

// Content decoded per part to find its type. libmagic's tests look at the start of a
// file (the furthest of the usual mail attachments: a ZIP's first entries, an
// Office file's directory); only this much of a part is decoded for it, so sniffing
// a 45 MB attachment reads 64 KiB of it. With 1 MiB, libmagic's searches through
// the buffer took 2.5 MB more memory and 4 times the time on random data.
inline constexpr std::size_t kMaxSniffedBytes = 64u << 10;

// Parts whose type libmagic is asked for in one message: about 1 ms per part after
// the first, so a message of many attachments stays within 100 ms of sniffing.
inline constexpr std::size_t kMaxSniffedParts = 64;

// Parts sniffed together: their starts (kMaxSniffedBytes each) are held at once,
// and libmagic's database is mapped once for them (mapping it a slice at a time
// costs about 2 ms a pass here, message/mime/libmagic_slices.h).
inline constexpr std::size_t kSniffedPartsAtOnce = 8;

// A base64 or quoted-printable message/rfc822 part is decoded in memory to walk
// inside it, as mail readers do; a larger one is walked as far as this.
inline constexpr std::size_t kMaxDecodedMessagePart = 4u << 20;

// The delivery journal (state/journal.h). Its records must outlive every retry of
// the mail server: 7 days is longer than Postfix's maximal_queue_lifetime (5 days)
// and Exim's default retry rule (4 days), after which they bounce and never retry.
inline constexpr long kJournalRetentionSeconds = 7L * 24 * 60 * 60;
// Older records are removed by a run at most this often (one stat(2) per run
// otherwise), and at most this many at a time (bounded work per delivery: a
// mailbox that gets more mail catches up over the next runs).
inline constexpr long kJournalPruneInterval = 60L * 60;
inline constexpr std::size_t kJournalPruneBudget = 2000;
// A maildir delivery's staged copy (state/journal.h) is removed by the next prune
// once it is this old: by then the run's lines are written out (the kernel writes
// dirty data back within 30 s by default). One whose message was deleted goes at
// the next prune, or at once when a delivery finds the mailbox full; until then
// the message keeps its space. At most this many are looked at per prune (an
// lstat each).
inline constexpr long kJournalStagedCopySeconds = 10L * 60;
inline constexpr std::size_t kJournalStagedCopyBudget = 10000;

// The duplicate test (engine/duplicates.h): RFC 7352's default period, 7 days, and
// how long a delivery waits for another that tests the same id (it holds the id
// until its run ends: a slow filter can take that long) before it takes the
// message as new (a second copy, at worst; never a lost message).
inline constexpr long kDuplicateDefaultSeconds = 7L * 24 * 60 * 60;
inline constexpr long kDuplicateWaitMilliseconds = 60L * 1000;

// LMTP: one connection keeps a worker per user it has delivered to (lmtp/user_worker.h),
// at most this many (the least recently used one ends when another is needed): a
// mail server's connection carries mail for a few users at a time.
inline constexpr std::size_t kLmtpWorkersPerConnection = 8;
// A worker ends after this many deliveries and the next message starts a fresh one:
// whatever one delivery may leave behind in the process is bounded, and a change to
// the user's groups is seen within as many messages.
inline constexpr unsigned kLmtpDeliveriesPerWorker = 500;

}  // namespace mailsift::limits
