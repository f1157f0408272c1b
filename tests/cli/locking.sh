#!/usr/bin/env bash
# A dotlock held by someone else past $TIMEOUT fails the delivery with 75 and leaves
# the mbox as it was; a stale dotlock (older than $LOCKTIMEOUT) is removed.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
printf 'From: a@example.org\nSubject: lock test\n\nbody\n' > msg
printf 'From old@example.org  Sat Nov 28 14:00:00 2026\nold\n\n' > box
cp box box.before

# A fresh lock held by "another process".
echo 0 > box.lock
"$MAILSIFT" ORGMAIL= DEFAULT="$WORK/box" TIMEOUT=2 LOCKSLEEP=1 /dev/null < msg 2> log1
expect_eq "held lock: exit" "$?" 75
expect_same_bytes "held lock: mbox unchanged" box box.before
expect_contains "held lock: logged" log1 "lock"
expect_eq "held lock: the other's lock is left alone" "$(cat box.lock)" "0"

# The same lock, now stale.
touch -d '2 hours ago' box.lock
"$MAILSIFT" ORGMAIL= DEFAULT="$WORK/box" TIMEOUT=30 LOCKTIMEOUT=60 SUSPEND=0 /dev/null < msg 2> log2
expect_eq "stale lock: exit" "$?" 0
expect_contains "stale lock: delivered" box "Subject: lock test"
[ -e box.lock ] && fail "stale lock: lock file left behind" || pass
finish
