#!/usr/bin/env bash
# Exit codes and fall-backs of whole runs, with real failures (no fault injection):
# /dev/full fails every write with ENOSPC.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
msg=$TEST_DATA/messages/simple.eml
[ -f "$msg" ] || printf 'From: a@example.org\nSubject: simple\n\nbody\n' > "$WORK/simple.eml"
[ -f "$msg" ] || msg=$WORK/simple.eml

# DEFAULT (a maildir under a regular file) and ORGMAIL both fail: 75, and the log
# says why. (ORGMAIL is written without a dotlock, so nothing is created in /dev.)
touch plainfile
"$MAILSIFT" ORGMAIL=/dev/full DEFAULT="$WORK/plainfile/inbox/" /dev/null < "$msg" 2> log1
expect_eq "both fail: exit" "$?" 75
expect_contains "both fail: log names the step" log1 'write "/dev/full"'

# procmail's codes on request.
"$MAILSIFT" --procmail-exit-codes ORGMAIL= DEFAULT="$WORK/plainfile/inbox/" /dev/null < "$msg" 2> /dev/null
expect_eq "procmail exit codes" "$?" 73
"$MAILSIFT" --procmail-exit-codes -t ORGMAIL= DEFAULT="$WORK/plainfile/inbox/" /dev/null < "$msg" 2> /dev/null
expect_eq "procmail exit codes with -t" "$?" 75

# DEFAULT fails, ORGMAIL stores: 0.
"$MAILSIFT" ORGMAIL="$WORK/orgmail" DEFAULT="$WORK/plainfile/inbox/" /dev/null < "$msg" 2> log2
expect_eq "ORGMAIL rescues: exit" "$?" 0
expect_contains "ORGMAIL rescues: stored" orgmail "Subject:"

expect_contains "DEFAULT failure logged" log1 "plainfile/inbox"

# A mistake procmail reads past is read past: the rcfile runs as procmail runs it, and
# the log has procmail's line with file:line:col after it. Here the block is entered,
# never closed, and delivers nothing: the message goes to DEFAULT.
printf 'DEFAULT=%s\n\n:0\n* ^Subject:\n{\n  :0\n  * ^Subject: nothing\n  folder\n' \
  "$WORK/assigned" > broken.rc
"$MAILSIFT" ORGMAIL= DEFAULT="$WORK/fallback" "$WORK/broken.rc" < "$msg" 2> log4
expect_eq "broken rcfile: exit" "$?" 0
expect_contains "broken rcfile: procmail's line and the position" log4 \
  "Missing closing brace: $WORK/broken.rc:5:1: error: missing closing brace"
expect_contains "broken rcfile: its assignments run" assigned "Subject:"

# MAILSIFT_STRICT=yes: a file with an error is not run at all; every error is logged
# with its source line and a caret, and the message goes to DEFAULT.
"$MAILSIFT" ORGMAIL= DEFAULT="$WORK/fallback" MAILSIFT_STRICT=yes "$WORK/broken.rc" < "$msg" \
  2> log5
expect_eq "strict: exit" "$?" 0
expect_contains "strict: position" log5 "$WORK/broken.rc:5:1: error: missing closing brace"
expect_contains "strict: source line" log5 "  {"
expect_contains "strict: says why it did not run" log5 "has errors and was not run"
expect_contains "strict: delivered to DEFAULT" fallback "Subject:"
[ "$(grep -c '^Subject:' assigned)" = 1 ] && pass || fail "strict: its assignments must not run"

# An rcfile that cannot be read: DEFAULT.
"$MAILSIFT" ORGMAIL= DEFAULT="$WORK/fallback2" "$WORK/missing.rc" < "$msg" 2> log5
expect_eq "missing rcfile: exit" "$?" 0
expect_contains "missing rcfile: logged" log5 "Couldn't read"

# -d with an unknown user: 67 (permanent), nothing delivered.
"$MAILSIFT" -d no-such-user-mailsift < "$msg" 2> log6
expect_eq "unknown user: exit" "$?" 67
expect_contains "unknown user: logged" log6 'Unknown user "no-such-user-mailsift"'

# -m without an rcfile: 66; -m without DEFAULT in the rcfile: nothing stored, 75.
"$MAILSIFT" -m < "$msg" 2> /dev/null
expect_eq "-m without rcfile" "$?" 66
echo 'LOGFILE=' > empty.rc
"$MAILSIFT" -m ./empty.rc < "$msg" 2> /dev/null
expect_eq "-m falls off the end" "$?" 75

# EXITCODE set by the rules wins.
printf 'DEFAULT=/dev/null\nEXITCODE=67\n' > reject.rc
"$MAILSIFT" ./reject.rc < "$msg" 2> /dev/null
expect_eq "EXITCODE" "$?" 67

# LOG writes to the log; LOGABSTRACT=no suppresses the abstract.
printf 'LOGFILE=%s\nLOG="hello log\n"\nLOGABSTRACT=no\nDEFAULT=/dev/null\n' "$WORK/own.log" > log.rc
"$MAILSIFT" ./log.rc < "$msg"
expect_eq "LOG: exit" "$?" 0
expect_eq "LOG text" "$(cat own.log)" "hello log"

# For a mail server (-d, or RECIPIENT in the environment) a run that fails says why
# in its first line of stderr, which is what Postfix shows in its log and its notice:
# the exit, the folders that failed, the copy that was stored. Nothing of the message.
mkdir -p copy
{
  echo "MAILDIR=$WORK/no-such-maildir"
  echo "DEFAULT=$WORK/nowhere/default"
  echo "ORGMAIL=$WORK/nowhere/orgmail"
  printf ':0 c\n%s\n:0\n%s\n' "$WORK/copy/" "$WORK/plainfile/inbox/"
} > verdict.rc
RECIPIENT=someone MAILSIFT_JOURNAL=$WORK/journal "$MAILSIFT" ./verdict.rc < "$msg" 2> verdict.err
expect_eq "verdict: exit" "$?" 75
first=$(head -n 1 verdict.err)
want_start="mailsift: exit 75, not delivered (the mail server keeps the message and retries): \"$WORK/plainfile/inbox/\": "
want_default="; \"$WORK/nowhere/default\" (\$DEFAULT): "
want_orgmail="; \"$WORK/nowhere/orgmail\" (\$ORGMAIL): "
want_copy="; a copy was stored in \"$WORK/copy/new/"
want_end="\", which the retry skips (delivery journal)"
case "$first" in
  "$want_start"*"$want_default"*"$want_orgmail"*"$want_copy"*"$want_end") pass ;;
  *) fail "verdict: the first line is: $first" ;;
esac
expect_eq "verdict: one line" "$(grep -c 'exit 75' verdict.err)" 1
expect_contains "verdict: the other lines follow" verdict.err "Couldn't chdir to"
subject=$(sed -n 's/^Subject: //p' "$msg" | head -n 1)
if grep -qF -- "$subject" verdict.err; then fail "verdict: the subject is on stderr"; else pass; fi
# With LOGFILE, the verdict is all that stderr holds.
printf 'LOGFILE=%s\nEXITCODE=67\n:0\n/dev/null\n' "$WORK/verdict.log" > bounce.rc
RECIPIENT=someone MAILSIFT_JOURNAL=no "$MAILSIFT" ./bounce.rc < "$msg" 2> bounce.err
expect_eq "verdict: EXITCODE" "$?" 67
expect_eq "verdict: the EXITCODE line" "$(cat bounce.err)" \
  'mailsift: exit 67: the rules set EXITCODE=67; the message was stored in "/dev/null"'
# EXITCODE set but empty: TRAP's status decides (as procmail), and the verdict says so.
printf 'TRAP=false\nEXITCODE=\n:0\n/dev/null\n' > trap.rc
MAIL_CONFIG=/etc/postfix MAILSIFT_JOURNAL=no "$MAILSIFT" ./trap.rc < "$msg" 2> trap.err
expect_eq "verdict: TRAP" "$?" 1
expect_eq "verdict: the TRAP line" "$(cat trap.err)" \
  'mailsift: exit 1: the status of TRAP (EXITCODE is not a number); the message was stored in "/dev/null"'
# A success, or a run by hand, writes no verdict.
RECIPIENT=someone MAILSIFT_JOURNAL=no "$MAILSIFT" DEFAULT=/dev/null < "$msg" 2> ok.err
expect_eq "verdict: none on success" "$(cat ok.err)" ""
"$MAILSIFT" ./verdict.rc < "$msg" 2> by-hand.err
expect_eq "verdict: none by hand" "$(grep -c '^mailsift: exit' by-hand.err)" 0

# Version and help.
"$MAILSIFT" --version > version.out 2>&1
expect_eq "--version" "$?" 0
expect_contains "--version text" version.out "mailsift"
"$MAILSIFT" --help > help.out 2>&1
expect_eq "--help" "$?" 0
expect_contains "--help lists -d" help.out "-d"
finish
