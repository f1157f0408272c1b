#!/usr/bin/env bash
# The native duplicate test, duplicate.HANDLE (engine/duplicates.h), end to end:
# 50 concurrent deliveries of one message store it once; 50 of different messages
# store each; a run that exits 75 records nothing, so the retry delivers; a dry run
# says "duplicate" and writes nothing; --check knows the name.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
export TZ=UTC

cat > rc <<'RC'
MAILDIR=$HOME/Mail
DEFAULT=$MAILDIR/inbox/
LOGFILE=$MAILDIR/log

:0
* duplicate.default ?? ^duplicate$
duplicates/
RC
message() { printf 'From: a@example.org\nMessage-ID: <%s@example.org>\nSubject: s\n\nbody\n' "$1"; }
count() { find "$1" -type f 2> /dev/null | wc -l; }
deliver() {
  env -i PATH=/usr/bin:/bin TZ=UTC "$MAILSIFT" HOME="$1" ORGMAIL="$1/orgmail" \
    MAILSIFT_JOURNAL=no ./rc
}

# 50 at once, the same message: one in the inbox, 49 in duplicates/.
home=$WORK/same
mkdir -p "$home/Mail"
message same > same.eml
for i in $(seq 1 50); do
  (deliver "$home" < same.eml; echo $? > "status.same.$i") &
done
wait
expect_eq "same: every run exits 0" "$(cat status.same.* | sort -u)" 0
expect_eq "same: stored once" "$(count "$home/Mail/inbox/new")" 1
expect_eq "same: the others are duplicates" "$(count "$home/Mail/duplicates/new")" 49

# 50 at once, different messages: no false duplicate.
home=$WORK/different
mkdir -p "$home/Mail"
for i in $(seq 1 50); do
  message "m$i" > "m$i.eml"
  (deliver "$home" < "m$i.eml"; echo $? > "status.different.$i") &
done
wait
expect_eq "different: every run exits 0" "$(cat status.different.* | sort -u)" 0
expect_eq "different: each stored" "$(count "$home/Mail/inbox/new")" 50
expect_eq "different: none a duplicate" "$(count "$home/Mail/duplicates/new")" 0
expect_eq "the store: one table" "$(ls "$home/.mailsift/duplicates")" default.table

# A run that exits 75 records nothing: the retry is not taken for a duplicate (the
# formail -D idiom records first and loses the message).
home=$WORK/retry
mkdir -p "$home/Mail"
sed 's#^DEFAULT=.*#DEFAULT=$MAILDIR/blocked/inbox/#' rc > retry.rc
touch "$home/Mail/blocked"  # a file where a directory should be: the delivery fails
message retried > retried.eml
env -i PATH=/usr/bin:/bin "$MAILSIFT" HOME="$home" ORGMAIL="$home/blocked/orgmail" \
  MAILSIFT_JOURNAL=no ./retry.rc < retried.eml 2> /dev/null
expect_eq "retry: the first attempt exits 75" "$?" 75
rm "$home/Mail/blocked" && mkdir "$home/Mail/blocked"
for attempt in second third; do
  env -i PATH=/usr/bin:/bin "$MAILSIFT" HOME="$home" ORGMAIL="$home/blocked/orgmail" \
    MAILSIFT_JOURNAL=no ./retry.rc < retried.eml
  expect_eq "retry: the $attempt exits 0" "$?" 0
done
expect_eq "retry: stored by the second" "$(count "$home/Mail/blocked/inbox/new")" 1
expect_eq "retry: the third is a duplicate" "$(count "$home/Mail/duplicates/new")" 1

# A dry run says what the test finds and records nothing.
home=$WORK/dry
mkdir -p "$home/Mail"
message dry > dry.eml
env -i PATH=/usr/bin:/bin "$MAILSIFT" --dry-run HOME="$home" ./rc < dry.eml > trace1
expect_contains "dry run: new" trace1 '(view duplicate.default: "new")'
expect_eq "dry run: no store made" "$(ls -A "$home")" Mail
# --explain reads the store the same way, and records nothing either.
"$MAILSIFT" --explain 7 HOME="$home" ./rc < dry.eml > explain1 2>&1
expect_contains "--explain: the view's line" explain1 "tried against the view duplicate.default (1 line):"
expect_eq "--explain: no store made" "$(ls -A "$home")" Mail
deliver "$home" < dry.eml
env -i PATH=/usr/bin:/bin "$MAILSIFT" --dry-run HOME="$home" ./rc < dry.eml > trace2
expect_contains "dry run: duplicate" trace2 '(view duplicate.default: "duplicate")'
expect_contains "dry run: the recipe's folder" trace2 "would deliver to duplicates/ (maildir)"
deliver "$home" < dry.eml
expect_eq "dry run: the real run after it" "$(count "$home/Mail/duplicates/new")" 1

# --check knows the view, and names the nearest for a misspelt one.
printf ':0\n* duplicate.lists ?? ^duplicate$\n/dev/null\n' > good.rc
"$MAILSIFT" --check good.rc > check1 2>&1
expect_eq "--check: duplicate.lists" "$?" 0
printf ':0\n* duplicat.lists ?? ^duplicate$\n/dev/null\n' > bad.rc
"$MAILSIFT" --check bad.rc > check2 2>&1
expect_eq "--check: a misspelt view" "$?" 1
expect_contains "--check: the nearest view" check2 "duplicate.lists"
finish
