#!/usr/bin/env bash
# mailsift-formail's deliberate differences from formail (man/mailsift-formail.1,
# DIFFERENCES FROM FORMAIL); the behaviour it shares with formail is compared with
# /usr/bin/formail by tests/formail/.
#  - -D locks its cache: 200 runs at once with distinct ids store all 200;
#  - formail's CVE inputs end cleanly (the sanitizer build runs this too);
#  - messages name the program as it was run.
source "$(dirname "$0")/../support/e2e.sh"
: "${MAILSIFT_FORMAIL:?MAILSIFT_FORMAIL must name mailsift-formail}"
cd "$WORK"

# 200 at once, distinct ids, one cache: every id is stored.
pids=()
for i in $(seq 1 200); do
  printf 'Message-ID: <id%03d@example.org>\n\nbody\n' "$i" | "$MAILSIFT_FORMAIL" -D 100000 ids.cache &
  pids+=($!)
done
statuses=
for pid in "${pids[@]}"; do
  wait "$pid"
  statuses+="$?"$'\n'
done
expect_eq "200 new ids: each run says new (exit 1)" "$(sort -u <<< "${statuses%$'\n'}")" 1
expect_eq "200 ids in the cache" "$(tr '\0' '\n' < ids.cache | grep -c '^<id[0-9]*@example.org>$')" 200
expect_eq "200 distinct ids in the cache" \
  "$(tr '\0' '\n' < ids.cache | grep '^<id' | sort -u | wc -l)" 200
printf 'Message-ID: <id123@example.org>\n\nbody\n' | "$MAILSIFT_FORMAIL" -D 100000 ids.cache
expect_eq "a stored id is a duplicate afterwards (exit 0)" "$?" 0

# formail's CVE inputs (procmail-behaviour.md section 11): a clean exit, an address
# or foo@bar, never a crash.
inputs=(
  'From: "abc@d\n\nbody\n'                                  # CVE-2014-3618: unclosed quote
  'From: [1.2.3\n\nbody\n'                                  # CVE-2014-3618: domain literal
  'Reply-To: <moo@example.com,\n\nbody\n'                   # Debian #769937
  'Reply-To: <moo@example.com\\\n\nbody\n'                  # Debian #769937
  'From: a@b.c\nFrom (\\'                                   # upstream #4: From (\ at the end
  'From x (\\\n\n'                                          # the same on a From_ line
  'Sender: ((((((((((((((((((((((((\\\n\nbody\n'             # nested, unclosed comments
)
for input in "${inputs[@]}"; do
  for options in -r -rt "-rD 8192 cve.cache" "-x From" -c "-a Message-ID:"; do
    # shellcheck disable=SC2086
    printf "$input" | "$MAILSIFT_FORMAIL" $options > out 2> err
    status=$?
    case $status in
      0 | 1 | 67) pass ;;
      *) fail "CVE input ${input@Q} with $options: exit $status: $(cat err)" ;;
    esac
  done
done
# Long fields, many of them (CVE-2017-16844: a buffer grown by too little).
{
  for i in $(seq 1 200); do printf 'X-Field-%d: %s\n' "$i" "$(head -c 3000 /dev/zero | tr '\0' x)"; done
  printf 'From: "%s" <a@b.c>\n\nbody\n' "$(head -c 100000 /dev/zero | tr '\0' y)"
} > long.eml
"$MAILSIFT_FORMAIL" -rt < long.eml > out
expect_eq "long fields: the reply's address" "$(head -n 1 out)" "To: a@b.c"
"$MAILSIFT_FORMAIL" -c < long.eml > out
expect_eq "long fields: all kept" "$(grep -c '^X-Field-' out)" 200

# The program's name in its messages: under the name "formail", formail's words.
ln -s "$MAILSIFT_FORMAIL" formail
./formail -Z < /dev/null 2> err
expect_eq "usage: exit status" "$?" 64
expect_eq "usage names the program" "$(head -n 1 err | cut -c1-15)" "Usage: formail "
./formail -I 'a b' < /dev/null 2> err
expect_eq "invalid field name" "$(head -n 1 err)" 'formail: Invalid field-name: "a b"'
"$MAILSIFT_FORMAIL" -v 2> err
expect_eq "-v: exit status (64, as formail)" "$?" 64
expect_contains "-v: the version" err "mailsift-formail 0."
finish
