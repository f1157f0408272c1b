#!/usr/bin/env bash
# mailsift --check: every error and warning with its file:line:col, the source line and
# a caret; exit 1 for errors, 0 for warnings only; the files INCLUDERC names are
# checked too; every rcfile under rules-examples/ checks clean.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"

# Warnings only: each kind once, exit 0.
cat > warnings.rc <<'RC'
:0 Hz
* ^Subject: x
x/

:0
* ^Subject: Grüße
greetings/

:0
archive

:0
never/
RC
"$MAILSIFT" --check "$WORK/warnings.rc" > out1
expect_eq "warnings only: exit" "$?" 0
expect_eq "warnings only: the diagnostic lines" "$(grep -c ': warning: ' out1)" 4
expect_contains "unknown flag" out1 "$WORK/warnings.rc:1:5: warning: unknown flag \"z\""
expect_contains "non-ASCII regex on the header" out1 \
  "$WORK/warnings.rc:6:15: warning: this regex holds non-ASCII text"
expect_contains "mbox without a lockfile" out1 \
  "$WORK/warnings.rc:10:1: warning: delivery to the mbox file \"archive\" without a lockfile"
expect_contains "a recipe that can never run" out1 \
  "$WORK/warnings.rc:12:1: warning: this recipe can never run: the recipe at line 9"
expect_contains "source line" out1 "  * ^Subject: Grüße"
[ ! -e x ] && [ ! -e archive ] && pass || fail "--check must not deliver anything"

# Text from the message in a folder name or unquoted in a shell command, a copy with
# nothing after it, a variable never set.
cat > data.rc <<'RC'
SUBJ=`formail -xSubject:`

:0
* ^From: \/[a-z]+
from-$MATCH/

:0
* ^From: \/[a-z]+
* ! MATCH ?? (^\.|/)
checked-$MATCH/

:0 c
| echo $SUBJ >> subjects.txt

:0 c
| echo "$SUBJ" >> quoted.txt

:0 c:
archive

LOG="to $USER ${NICK:-friend}
"
RC
"$MAILSIFT" --check "$WORK/data.rc" > out7
expect_eq "data warnings: exit" "$?" 0
expect_eq "data warnings: count" "$(grep -c ': warning: ' out7)" 4
expect_contains "MATCH names a folder" out7 "$WORK/data.rc:5:1: warning: \$MATCH holds text from the message and names a folder"
expect_contains "unquoted in a shell command" out7 "$WORK/data.rc:13:1: warning: \$SUBJ holds text from the message and stands unquoted"
expect_contains "copy with nothing after it" out7 "$WORK/data.rc:18:1: warning: a copy (\"c\") with nothing delivering after it"
expect_contains "never set" out7 "$WORK/data.rc:21:1: warning: \$USER is used but never set"

# Errors: exit 1, all of them, also in an included file (found beside the rcfile).
mkdir rules
cat > rules/main.rc <<'RC'
INCLUDERC=lists.rc
INCLUDERC=missing.rc

:0
* ^Subject:.*(urgent
urgent/

:0
* < 10k
big/
RC
printf ':0\n* ^List-Id: x\n{\n  :0\n  lists/\n' > rules/lists.rc
"$MAILSIFT" --check "$WORK/rules/main.rc" > out2
expect_eq "errors: exit" "$?" 1
expect_contains "regex error" out2 "$WORK/rules/main.rc:5:14: error: invalid regular expression"
expect_contains "size error" out2 "$WORK/rules/main.rc:9:5: error: the size after \"<\" must be a number"
expect_contains "error in the included file" out2 "$WORK/rules/lists.rc:3:1: error: missing closing brace"
expect_contains "missing include" out2 "$WORK/rules/main.rc:2:1: warning: cannot read \"missing.rc\""

# An include loop is checked once per file.
printf 'INCLUDERC=b.rc\n' > a.rc
printf 'INCLUDERC=a.rc\n' > b.rc
"$MAILSIFT" --check "$WORK/a.rc" > out3
expect_eq "include loop: exit" "$?" 0
expect_eq "include loop: no output" "$(cat out3)" ""

# No rcfile: a usage error.
"$MAILSIFT" --check > out4 2>&1
expect_eq "no rcfile: exit" "$?" 64

# An unreadable rcfile is an error.
"$MAILSIFT" --check "$WORK/nonexistent.rc" > out5
expect_eq "unreadable rcfile: exit" "$?" 1

# Ownership and permissions: a warning at file:1:1 wherever a delivery to the user who
# runs the check would refuse the rcfile ("Suspicious rcfile"), saying why; exit 0.
mkdir trust
printf ':0:\ninbox\n' > trust/ok.rc
chmod 644 trust/ok.rc
"$MAILSIFT" --check "$WORK/trust/ok.rc" > out8
expect_eq "trusted rcfile: exit" "$?" 0
expect_eq "trusted rcfile: no output" "$(cat out8)" ""
cp trust/ok.rc trust/ow.rc
chmod o+w trust/ow.rc
"$MAILSIFT" --check "$WORK/trust/ow.rc" > out8
expect_eq "world-writable: exit" "$?" 0
expect_eq "world-writable: one warning" "$(grep -c ': warning: ' out8)" 1
expect_contains "world-writable: why" out8 \
  "$WORK/trust/ow.rc:1:1: warning: a delivery to uid $(id -u) (who runs this check) would refuse this rcfile (\"Suspicious rcfile\") and not run it: everyone may write to it (mode 0646); the message would go to the next rcfile named, or to \$DEFAULT instead"
expect_contains "world-writable: source line" out8 "  :0:"
# A delivery with the same file does refuse it.
printf 'From: a@example.org\nSubject: trust\n\nbody\n' > trust.msg
"$MAILSIFT" ORGMAIL="$WORK/trust/org" DEFAULT="$WORK/trust/default" "$WORK/trust/ow.rc" \
  < trust.msg 2> delivery.log
expect_contains "world-writable: a delivery refuses it" delivery.log \
  "Suspicious rcfile \"$WORK/trust/ow.rc\": everyone may write to it"
# Along with the file's other diagnostics, and only for the files named: an included
# file is not looked at, in a delivery as here.
printf 'INCLUDERC=ow.rc\n:0 Hz\nx/\n' > trust/includes.rc
"$MAILSIFT" --check "$WORK/trust/includes.rc" > out8
expect_eq "included world-writable file: no warning" "$(grep -c 'Suspicious' out8)" 0
"$MAILSIFT" --check "$WORK/trust/includes.rc" "$WORK/trust/ow.rc" > out8
expect_contains "named after being included: warned" out8 "$WORK/trust/ow.rc:1:1: warning: a delivery"
expect_contains "and the other warnings" out8 "$WORK/trust/includes.rc:2:5: warning: unknown flag"
# A directory anyone may write to, without the sticky bit; with it, no warning.
mkdir trust/open trust/sticky
chmod 777 trust/open
chmod 1777 trust/sticky
cp trust/ok.rc trust/open/x.rc
cp trust/ok.rc trust/sticky/x.rc
"$MAILSIFT" --check "$WORK/trust/open/x.rc" > out8
expect_eq "world-writable directory: exit" "$?" 0
expect_contains "world-writable directory: why" out8 \
  "$WORK/trust/open/x.rc:1:1: warning: a delivery to uid $(id -u) (who runs this check) would refuse this rcfile (\"Suspicious rcfile\") and not run it: everyone may replace it: its directory \"$WORK/trust/open\" is writable by all and has no sticky bit"
"$MAILSIFT" --check "$WORK/trust/sticky/x.rc" > out8
expect_eq "sticky directory: no output" "$(cat out8)" ""
# Group write permission matters for $HOME/.procmailrc only (procmail's rule).
cp trust/ok.rc trust/gw.rc
chmod g+w trust/gw.rc
"$MAILSIFT" --check "$WORK/trust/gw.rc" > out8
expect_eq "group-writable rcfile named: no output" "$(cat out8)" ""
if [ "$(id -u)" -eq 0 ]; then
  # Root may hand the files to ids that are not root's (no user needs to exist).
  mkdir -m 755 trust/home
  cp trust/ok.rc trust/home/.procmailrc
  chgrp 65534 trust/home/.procmailrc
  chmod 664 trust/home/.procmailrc
  HOME="$WORK/trust/home" "$MAILSIFT" --check "$WORK/trust/home/.procmailrc" > out8
  expect_eq "group-writable default rcfile: exit" "$?" 0
  expect_contains "group-writable default rcfile: why" out8 \
    "$WORK/trust/home/.procmailrc:1:1: warning: a delivery to uid 0 (who runs this check) would refuse this rcfile (\"Suspicious rcfile\") and not run it: its group (gid 65534) may write to it and is not the recipient's own group (mode 0664); the message would go to \$DEFAULT instead"
  HOME="$WORK" "$MAILSIFT" --check "$WORK/trust/home/.procmailrc" > out8
  expect_eq "the same file when not \$HOME/.procmailrc: no output" "$(cat out8)" ""
  cp trust/ok.rc trust/theirs.rc
  chown 65534 trust/theirs.rc
  "$MAILSIFT" --check "$WORK/trust/theirs.rc" > out8
  expect_eq "another owner: exit" "$?" 0
  expect_contains "another owner: why" out8 \
    "$WORK/trust/theirs.rc:1:1: warning: a delivery to uid 0 (who runs this check) would refuse this rcfile (\"Suspicious rcfile\") and not run it: it belongs to uid 65534, not to uid 0 (the recipient) or root"
else
  echo "ownership and group cases skipped: need root"
fi

# Every example checks clean.
for rc in "$SOURCE_DIR"/rules-examples/*.rc; do
  "$MAILSIFT" --check "$rc" > out6
  expect_eq "$(basename "$rc"): exit" "$?" 0
  expect_eq "$(basename "$rc"): output" "$(cat out6)" ""
done
finish
