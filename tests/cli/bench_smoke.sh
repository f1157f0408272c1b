#!/usr/bin/env bash
# The benchmark's scripts (bench/) work, on a tiny corpus: the corpus is deterministic, the rule
# sets are written for procmail and maildrop, and mailsift, procmail (and maildrop, when it is
# installed) deliver every message into the folder the corpus expects. A program that delivers
# nothing must make the check fail. The measurements themselves are bench/run's.
source "$(dirname "$0")/../support/e2e.sh"
bench=$SOURCE_DIR/bench
if [ ! -x /usr/bin/procmail ] || ! command -v python3 > /dev/null; then
  echo "skipped: needs /usr/bin/procmail and python3"
  exit 0
fi

python3 "$bench/gen_corpus.py" --out "$WORK/corpus" --count 12 --fixed none > "$WORK/gen1.out"
expect_eq "gen_corpus exit status" "$?" 0
expect_eq "messages written" "$(ls "$WORK/corpus/timing" | wc -l)" 12
python3 "$bench/gen_corpus.py" --out "$WORK/corpus" --count 12 --fixed none > "$WORK/gen2.out"
expect_contains "an up-to-date corpus is kept" "$WORK/gen2.out" "is up to date"
python3 "$bench/gen_corpus.py" --out "$WORK/again" --count 12 --fixed none > /dev/null
if diff -r "$WORK/corpus" "$WORK/again" > /dev/null; then pass; else fail "the same seed gave other bytes"; fi
python3 "$bench/gen_corpus.py" --out "$WORK/other" --count 12 --fixed none --seed 7 > /dev/null
if ! cmp -s "$WORK/corpus/timing/0003.eml" "$WORK/other/timing/0003.eml"; then pass; else
  fail "another seed gave the same message"; fi
expect_contains "list messages" "$WORK/corpus/timing/0000.eml" "Received: from"
grep -lq "^List-Id:" "$WORK"/corpus/timing/*.eml && pass || fail "no message has a List-Id"
grep -lq "=?UTF-8?" "$WORK"/corpus/timing/*.eml && pass || fail "no message has an RFC 2047 word"

python3 "$bench/gen_rules.py" --out "$WORK/rules" --k 10 100 --spread 100 > /dev/null
expect_eq "gen_rules exit status" "$?" 0
expect_eq "recipes in procmailrc-K100" "$(grep -c '^:0' "$WORK/rules/procmailrc-K100")" 100
expect_eq "rules in mailfilter-K100" "$(grep -c '^ *to ' "$WORK/rules/mailfilter-K100")" 100
expect_eq "recipes in procmailrc-K100-spread" "$(grep -c '^:0' "$WORK/rules/procmailrc-K100-spread")" 100
# The spread rule set's matching recipes are not all at the end.
first=$(grep -n 'spread.g' "$WORK/rules/procmailrc-K100-spread" | head -1 | cut -d: -f1)
total=$(wc -l < "$WORK/rules/procmailrc-K100-spread")
[ "$first" -lt $((total * 3 / 4)) ] && pass || fail "spread: the first match is at line $first of $total"
expect_eq "mailfilter mode (maildrop refuses group or world bits)" \
  "$(stat -c %a "$WORK/rules/mailfilter-K10")" 600

python3 "$bench/measure.py" --work "$WORK" --mailsift "$MAILSIFT" --routing-only --k 10 100 --spread 100 \
  > "$WORK/route.out" 2>&1
status=$?
expect_eq "routing check exit status" "$status" 0
expect_contains "the same folders" "$WORK/route.out" ": the same"
[ "$status" -eq 0 ] || cat "$WORK/route.out" >&2

# A "mailsift" that reads the message and stores nothing must be caught.
printf '#!/bin/sh\ncat > /dev/null\n' > "$WORK/drops-everything"
chmod +x "$WORK/drops-everything"
python3 "$bench/measure.py" --work "$WORK" --mailsift "$WORK/drops-everything" --routing-only \
  --k 10 --no-maildrop > "$WORK/bad.out" 2>&1
expect_eq "routing check exit status with a program that stores nothing" "$?" 1
expect_contains "the difference is shown" "$WORK/bad.out" "mailsift -> nowhere"
finish
