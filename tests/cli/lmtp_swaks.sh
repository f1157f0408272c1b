#!/usr/bin/env bash
# mailsift --lmtp against a real client: swaks (Debian's swaks) speaking LMTP to it
# through a pipe (--pipe, as inetd or a Postfix pipe would connect them), for the
# protocol's corner cases: pipelined commands to three recipients (one unknown);
# DATA with lone dots, a dot-stuffed line and a last line that ends only where the
# terminator begins; 8-bit bytes; a message over --max-message-size. Every reply
# code is asserted, and the bytes stored. Skipped when not root or without swaks.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null || ! command -v swaks > /dev/null; then
  echo "skipped: needs root, useradd and swaks"
  exit 0
fi
mail_users ls a b
a=${users[0]} b=${users[1]}
unknown="nobody-here-$$"
count() { find "$1" -type f 2> /dev/null | wc -l; }
# replies TRANSCRIPT: the server's reply codes in order ("<-" lines; "<**" when swaks
# took a reply for an error).
replies() { grep -E '^<(-|\*\*) +[0-9]{3}( |$)' "$1" | sed -E 's/^<(-|\*\*) +([0-9]{3}).*/\2/' | tr '\n' ' '; }
# stored USER SUBJECT: the file in USER's inbox of the message with that subject
# (not the last name: two deliveries in one second need not sort in their order).
stored() { grep -l -a -F -e "Subject: $2" "$WORK/$1"/Mail/inbox/new/* | head -n 1; }

# Pipelined: the whole transaction in one write; the unknown recipient refused at
# RCPT, one reply per accepted recipient after DATA.
swaks --pipe "$MAILSIFT --lmtp" --protocol LMTP --pipeline --from sender@example.net \
  --to "$a@example.org,$unknown@example.org,$b+tag@example.org" --header "Subject: pipelined" \
  > pipelined.out 2>&1
expect_contains "swaks saw PIPELINING offered" pipelined.out "250-PIPELINING"
expect_eq "pipelined: every reply" "$(replies pipelined.out)" "220 250 250 250 550 250 354 250 250 221 "
expect_eq "pipelined: $a" "$(count "$WORK/$a/Mail/inbox/new")" 1
expect_eq "pipelined: $b (+tag)" "$(count "$WORK/$b/Mail/inbox/new")" 1
expect_contains "pipelined: the envelope sender" "$(stored "$a" pipelined)" "Return-Path: <sender@example.net>"

# DATA as swaks is told to send it, byte for byte (--no-data-fixup; swaks adds only
# the CRLF after the terminating dot): a lone dot
# stuffed as "..", a line that starts with a dot, and a last line with no line end
# of its own (the CRLF before the terminating dot is the terminator's).
printf 'Subject: dots\r\n\r\n..\r\n..starts with a dot\r\nmiddle\r\n...\r\nlast line\r\n.' > dots.data
swaks --pipe "$MAILSIFT --lmtp" --protocol LMTP --from sender@example.net --to "$a@example.org" \
  --data @dots.data --no-data-fixup > dots.out 2>&1
expect_eq "dots: every reply" "$(replies dots.out)" "220 250 250 250 354 250 221 "
printf 'Subject: dots\n\n.\n.starts with a dot\nmiddle\n..\nlast line\n' > dots.want
sed '1,/^$/{/^Return-Path:/d}' "$(stored "$a" dots)" > dots.got
expect_same_bytes "dots: the stored message" dots.got dots.want

# 8-bit bytes (UTF-8, Latin-1, and bytes that are neither) arrive as sent.
printf 'Subject: caf\xc3\xa9\r\n\r\nLatin-1: caf\xe9\r\nraw: \x80\x9f\xfe\xff\r\n.' > eight.data
swaks --pipe "$MAILSIFT --lmtp" --protocol LMTP --from sender@example.net --to "$b@example.org" \
  --data @eight.data --no-data-fixup > eight.out 2>&1
expect_contains "8-bit: 8BITMIME offered" eight.out "250-8BITMIME"
expect_eq "8-bit: every reply" "$(replies eight.out)" "220 250 250 250 354 250 221 "
printf 'Subject: caf\xc3\xa9\n\nLatin-1: caf\xe9\nraw: \x80\x9f\xfe\xff\n' > eight.want
sed '1{/^Return-Path:/d}' "$(stored "$b" caf)" > eight.got
expect_same_bytes "8-bit: the stored message" eight.got eight.want

# Over --max-message-size: 552 5.3.4 for each recipient after DATA; nothing stored.
before=$(count "$WORK/$a/Mail/inbox/new")
swaks --pipe "$MAILSIFT --lmtp --max-message-size=4096" --protocol LMTP --from sender@example.net \
  --to "$a@example.org,$b@example.org" --body "$(head -c 9000 /dev/zero | tr '\0' 'x' | fold -w 70)" \
  > big.out 2>&1
expect_contains "oversize: SIZE announced" big.out "250 SIZE 4096"
expect_eq "oversize: every reply" "$(replies big.out)" "220 250 250 250 250 354 552 552 221 "
expect_contains "oversize: the enhanced status" big.out "552 5.3.4"
expect_eq "oversize: nothing stored" "$(count "$WORK/$a/Mail/inbox/new")" "$before"
finish
