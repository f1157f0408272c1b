#!/usr/bin/env bash
# mailsift --vacation end to end, run by the rules as "| mailsift --vacation ..."
# (vacation/vacation.h; each rule of the decision has a unit test in
# tests/unit/vacation/): the reply's envelope and header as $SENDMAIL gets them, the
# log line of each decision, a dry run that says and sends nothing, a failed
# $SENDMAIL that is not recorded, and a retried delivery that sends no second reply.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
export TZ=UTC

mkdir -p bin
cat > bin/sendmail <<'SH'
#!/bin/sh
# Records its arguments and the message; exits $SENDMAIL_STATUS (file), default 0.
n=$(ls "$HOME"/sent.*.args 2> /dev/null | wc -l)
printf '%s\n' "$@" > "$HOME/sent.$n.args"
cat > "$HOME/sent.$n.msg"
[ -f "$HOME/sendmail-status" ] && exit "$(cat "$HOME/sendmail-status")"
exit 0
SH
chmod +x bin/sendmail
ln -s "$MAILSIFT" bin/mailsift

cat > rc <<'RC'
MAILDIR=$HOME/Mail
DEFAULT=${INBOX:-$MAILDIR/inbox/}
LOGFILE=$MAILDIR/log

:0 c
| mailsift --vacation --days=7 --address=bob@example.org --text="Away until Monday."
RC
message() {  # $1: envelope sender, $2: extra fields, $3: message id
  printf 'From %s  Sat Nov 28 10:00:00 2026\nReturn-Path: <%s>\nFrom: Carol <carol@example.net>\nReply-To: elsewhere@example.com\nTo: Bob <bob@example.org>\nSubject: plans\nMessage-ID: <%s@example.net>\n%s\nThe original body.\n' \
    "$1" "$1" "$3" "$2"
}
deliver() {  # $1: home; the message on stdin; extra arguments after
  local home=$1
  shift
  env -i PATH=/usr/bin:/bin TZ=UTC HOME="$home" "$MAILSIFT" "$@" HOME="$home" \
    ORGMAIL="${ORGMAIL_FOR_TEST:-$home/orgmail}" SENDMAIL="$WORK/bin/sendmail" \
    PATH="$WORK/bin:/usr/bin:/bin" ./rc
}
count() { find "$1" -maxdepth 1 -type f -name "$2" 2> /dev/null | wc -l; }

# A reply: to the envelope sender, from the null sender, with the RFC 3834 fields.
home=$WORK/one
mkdir -p "$home/Mail"
message carol@example.net '' m1 | deliver "$home"
expect_eq "delivered" "$?" 0
expect_eq "one reply" "$(count "$home" 'sent.*.msg')" 1
expect_eq "sendmail's arguments" "$(cat "$home/sent.0.args" | tr '\n' ' ')" "-oi -f <> carol@example.net "
reply=$home/sent.0.msg
expect_contains "To: the envelope sender" "$reply" "To: carol@example.net"
expect_contains "Subject: Auto:" "$reply" "Subject: Auto: plans"
expect_contains "In-Reply-To" "$reply" "In-Reply-To: <m1@example.net>"
expect_contains "Auto-Submitted" "$reply" "Auto-Submitted: auto-replied"
expect_contains "the user's text" "$reply" "Away until Monday."
if grep -q "The original body" "$reply" || grep -q "elsewhere@example.com" "$reply"; then
  fail "the reply has the original body or the Reply-To address"
else pass; fi
expect_contains "the log says so" "$home/Mail/log" "vacation: replied to carol@example.net"
expect_eq "the message is in the inbox" "$(count "$home/Mail/inbox/new" '*')" 1
# The same sender again: no second reply, and the log says why.
message carol@example.net '' m2 | deliver "$home"
expect_eq "second message: one reply still" "$(count "$home" 'sent.*.msg')" 1
expect_contains "second message: the reason" "$home/Mail/log" \
  "vacation: no reply to carol@example.net: a reply went to carol@example.net within the last 7 days"
expect_eq "the record is private" "$(stat -c %a "$home/.mailsift/vacation/default.table")" 600

# Each suppression is logged with its reason.
home=$WORK/suppressed
mkdir -p "$home/Mail"
message dave@example.net 'List-Id: <news.example.net>' n1 | deliver "$home"
message erin@example.net 'Precedence: bulk' n2 | deliver "$home"
message frank@example.net 'Auto-Submitted: auto-generated' n3 | deliver "$home"
message MAILER-DAEMON@example.net '' n4 | deliver "$home"
message grace@example.net 'X-Spam-Flag: YES' n5 | deliver "$home"
expect_eq "no replies" "$(count "$home" 'sent.*.msg')" 0
for reason in "List-Id" "Precedence: bulk" "Auto-Submitted: auto-generated" \
              "a bounce or a report" "X-Spam-Flag: YES"; do
  expect_contains "logged: $reason" "$home/Mail/log" "$reason"
done
expect_eq "all five in the inbox" "$(count "$home/Mail/inbox/new" '*')" 5

# A dry run says whether it would reply, and why not, and sends nothing.
home=$WORK/dry
mkdir -p "$home/Mail"
message carol@example.net '' d1 | deliver "$home" --dry-run > trace 2>&1
expect_contains "dry run: would reply" trace "would reply to carol@example.net"
message dave@example.net 'Precedence: junk' d2 | deliver "$home" --dry-run > trace 2>&1
expect_contains "dry run: why not" trace "Precedence: junk"
expect_eq "dry run: nothing sent" "$(count "$home" 'sent.*.msg')" 0
[ -e "$home/.mailsift" ] && fail "dry run: the record was written" || pass

# $SENDMAIL fails: logged, not recorded; the next message replies.
home=$WORK/failing
mkdir -p "$home/Mail"
echo 75 > "$home/sendmail-status"
message carol@example.net '' f1 | deliver "$home"
expect_eq "sendmail failed: the message is still delivered" "$?" 0
expect_contains "sendmail failed: logged" "$home/Mail/log" "was not sent"
rm "$home/sendmail-status"
message carol@example.net '' f2 | deliver "$home"
expect_contains "the next message: replied" "$home/Mail/log" "vacation: replied to carol@example.net"

# A retried delivery (the inbox failed after the reply went out; exit 75): after the
# repair, the retry stores the message and sends no second reply.
home=$WORK/retry
mkdir -p "$home/Mail"
message carol@example.net '' r1 > r1.eml
ORGMAIL_FOR_TEST=/dev/full deliver "$home" INBOX=/dev/full < r1.eml  # a full disk
expect_eq "first try: 75" "$?" 75
expect_eq "first try: the reply went out" "$(count "$home" 'sent.*.msg')" 1
deliver "$home" < r1.eml
expect_eq "the retry: delivered" "$?" 0
expect_eq "the retry: still one reply" "$(count "$home" 'sent.*.msg')" 1
expect_eq "the retry: the message stored once" "$(count "$home/Mail/inbox/new" '*')" 1

# Bad options: the program says so (exit 64), and the delivery goes on.
home=$WORK/bad
mkdir -p "$home/Mail"
sed 's/--days=7/--days=0/' rc > rc.bad && mv rc.bad rc
message carol@example.net '' b1 | deliver "$home"
expect_eq "bad options: delivered" "$?" 0
expect_contains "bad options: logged" "$home/Mail/log" "--days \"0\""
finish
