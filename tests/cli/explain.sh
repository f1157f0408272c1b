#!/usr/bin/env bash
# mailsift --explain LINE: the recipe at that line (or the nearest), each condition with
# the header lines it was tried against, and a hint for the usual near misses.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
printf 'From: "Alice Example" <a@example.org>\nTo: bobby@example.org\nSubject: =?UTF-8?B?R3LDvMOfZQ==?= Report\nX-Note: Quarterly\n\nbody\n' > msg

# explain RCFILE_TEXT LINE: the explanation of the rcfile's recipe at LINE.
explain() {
  printf '%s' "$1" > rc
  "$MAILSIFT" --explain "$2" ORGMAIL= DEFAULT=/dev/null ./rc < msg > out 2> err
  echo $? > status
}

explain $':0\n* ^Subject:.*Grüße\nyes/\n' 2
expect_eq "encoded: exit (a dry run's)" "$(cat status)" 0
expect_contains "encoded: the recipe" out 'recipe at ./rc:1 (":0")'
expect_contains "encoded: the condition" out "condition 1 (line 2): * ^Subject:.*Grüße  -> false"
expect_contains "encoded: the line tried" out "      Subject: =?UTF-8?B?R3LDvMOfZQ==?= Report"
expect_contains "encoded: the hint" out 'decoded it reads "Subject: Grüße Report", which the regex matches'
[ -e yes ] && fail "--explain delivered" || pass

explain $':0 D\n* ^Subject:.*report\nyes/\n' 1
expect_contains "case: the hint" out "hint: it matches when case is ignored; the D flag"

explain $':0\n* ^Quarterly\nyes/\n' 5
expect_contains "anchor: nearest" out "(the recipe nearest to line 5)"
expect_contains "anchor: the hint" out 'hint: the text is there, but not at the start of a line'

explain $':0\n* ^To:.*\\<bob\\>\nyes/\n' 2
expect_contains "word boundary: the hint" out 'hint: it matches without \< and \>'

explain $':0\n* ^From:.*Alice\nyes/\n' 2
expect_contains "display name: matched" out "-> true"
expect_contains "display name: the hint" out 'hint: it matched the display name in "From: "Alice Example" <a@example.org>", not the address <a@example.org>'

explain $':0\n* ^Subject\nfirst/\n\n:0\n* ^To:.*bob\nsecond/\n' 5
expect_contains "not reached" out 'the recipe at ./rc:5 (":0") was not reached'
expect_contains "not reached: what ended processing" out \
  'the recipe at ./rc:1 (":0") delivered the message to "first/" and ended processing'
expect_contains "not reached: its condition explained anyway" out \
  "condition 1 (line 6): * ^To:.*bob  -> true"
expect_contains "exit of a real run" out "exit status 0 (in a real run)"
[ -e first ] && fail "--explain delivered" || pass

explain $':0\n* ^X-None\n{\n  :0\n  * ^From:.*Alice\n  inner/\n}\n' 5
expect_contains "in a block not taken" out \
  'it is in the block of the recipe at ./rc:1 (":0"), which was not taken'
expect_contains "in a block not taken: its condition" out "condition 1 (line 5): * ^From:.*Alice  -> true"
finish
