#!/usr/bin/env bash
# Views in a delivery, --check, --dry-run and --explain: header.NAME and address.*
# tested with procmail's "NAME ??" form (mailsiftrc(5), VIEWS).
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
cat > msg <<'MSG'
From sender@example.net  Thu Dec  3 10:00:00 2026
From: "boss@corp.example" <x@Evil.Example>
To: Team: =?UTF-8?Q?J=C3=B6rg?= <joerg+lists@example.de>;, bob+shop@example.org
Subject: =?ISO-8859-1?Q?Caf=E9?= =?UTF-8?B?44Oh44OL44Ol44O8?=
Message-ID: <views@example.net>

body
MSG

# deliver RCFILE_TEXT: runs a delivery; the folders that got mail in "got".
deliver() {
  rm -rf Mail && mkdir Mail
  printf '%s' "$1" > rc
  "$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" LOGFILE="$WORK/Mail/log" \
    "$WORK/rc" < msg > out 2> err
  echo $? > status
  (cd Mail && find . -path '*/new/*' -type f | sed 's#^\./##; s#/new/.*##' | sort | tr '\n' ' ') > got
}

deliver $':0\n* header.subject ?? ^Caféメニュー$\nyes/\n'
expect_eq "header view: decoded and converted" "$(cat got)" "yes "
expect_eq "header view: exit" "$(cat status)" 0
expect_eq "header view: nothing on stderr" "$(cat err)" ""

deliver $':0\n* ^Subject:.*Café\nyes/\n'
expect_eq "the raw header is still raw" "$(cat got)" "inbox "

deliver $':0 D\n* header.subject ?? ^café\nyes/\n'
expect_eq "D on a view" "$(cat got)" "inbox "
deliver $':0\n* header.subject ?? ^café\nyes/\n'
expect_eq "case ignored on a view" "$(cat got)" "yes "

deliver $':0\n* address.from ?? ^boss@corp\\.example$\nboss/\n\n:0\n* address.from.name ?? ^boss@corp\\.example$\n* address.from.domain ?? ^evil\\.example$\nfake/\n'
expect_eq "a display name is never the address" "$(cat got)" "fake "

deliver $':0\n* address.to.detail ?? ^\\/shop$\nplus.$MATCH/\n'
expect_eq "\\/ and MATCH on a view" "$(cat got)" "plus.shop "

deliver $':0\n* ! address.cc ?? .\nno-cc/\n'
expect_eq "an empty view and !" "$(cat got)" "no-cc "

deliver $':0\n* 1^1 address.to.user ?? ^.*$\nscore.$=/\n'
expect_eq "scoring on a view counts its lines" "$(cat got)" "score.2 "

deliver $'V=address.to.name\n:0\n* $ $V ?? ^Jörg$\nexpanded/\n'
expect_eq "a view named by a \"\$\" condition" "$(cat got)" "expanded "

deliver $':0\n* header.subject ?? < 10\nshort/\n:0\n* header.subject ?? > 10\nlong/\n'
expect_eq "size conditions measure the view's text" "$(cat got)" "long "

# An unknown view: the condition is not tried, the recipe not taken; the log says why
# and names the nearest view; the message goes on.
deliver $':0\n* address.form ?? x\nwrong/\n\n:0\n* address.from ?? evil\nright/\n'
expect_eq "unknown view: the next recipe runs" "$(cat got)" "right "
expect_eq "unknown view: exit" "$(cat status)" 0
expect_contains "unknown view: logged with its place" Mail/log \
  "$WORK/rc:2:3: error: unknown view \"address.form\" (the nearest is \"address.from\""
expect_eq "unknown view: logged once" "$(grep -c 'unknown view' Mail/log)" 1

# --check: an unknown view is an error at its line and column, with the nearest name.
printf ':0\n* ! mime.filenam ?? \\.exe$\n/dev/null\n\n:0\n* header.subject ?? x\nok/\n' > check.rc
"$MAILSIFT" --check ./check.rc > check.out 2>&1
expect_eq "--check: unknown view is an error" "$?" 1
expect_contains "--check: the place and the nearest" check.out \
  './check.rc:2:5: error: unknown view "mime.filenam"'
expect_eq "--check: a known view is fine" "$(grep -c 'check.rc:6' check.out)" 0

# --check: raw regexes that look for encoded text name the view that holds it decoded.
printf ':0\n* ^Subject:.*Grüße\na/\n\n:0\n* ^Subject:.*=\\?utf-8\\?\nb/\n' > raw.rc
"$MAILSIFT" --check ./raw.rc > raw.out 2>&1
expect_contains "--check: non-ASCII names the view" raw.out \
  'the view header.subject holds it decoded to UTF-8'
expect_contains "--check: =? names the view" raw.out \
  './raw.rc:6:3: warning: this regex looks for RFC 2047 encoded text'

# --dry-run: the condition's result in the trace, nothing delivered.
printf ':0\n* address.to.domain ?? ^example\\.de$\nde/\n' > dry.rc
rm -rf Mail && mkdir Mail
"$MAILSIFT" --dry-run ORGMAIL= MAILDIR="$WORK/Mail" "$WORK/dry.rc" < msg > dry.out 2>&1
expect_contains "--dry-run: the view condition" dry.out 'address.to.domain ?? ^example\.de$'
expect_contains "--dry-run: the folder" dry.out 'de/'
expect_contains "--dry-run: the view's lines and the line matched" dry.out \
  '-> true, matched "example.de" (view address.to.domain: "example.de", "example.org")'
"$MAILSIFT" --dry-run --format=json ORGMAIL= MAILDIR="$WORK/Mail" "$WORK/dry.rc" < msg > dry.json 2>&1
expect_contains "--dry-run JSON: the view's lines" dry.json \
  '"matched":"example.de","note":"view address.to.domain: \"example.de\", \"example.org\""'
expect_eq "--dry-run: nothing written" "$(find Mail -type f | wc -l)" 0

# --explain: the lines the view held.
printf ':0\n* address.to ?? ^bob@example\\.com$\nbob/\n' > explain.rc
"$MAILSIFT" --explain 2 ORGMAIL= DEFAULT=/dev/null ./explain.rc < msg > explain.out 2>&1
expect_contains "--explain: result" explain.out '* address.to ?? ^bob@example\.com$  -> false'
expect_contains "--explain: the view's lines" explain.out 'tried against the view address.to (2 lines):'
expect_contains "--explain: a line" explain.out '      bob+shop@example.org'
printf ':0\n* ^Subject:.*Café\nbob/\n' > hint.rc
"$MAILSIFT" --explain 2 ORGMAIL= DEFAULT=/dev/null ./hint.rc < msg > hint.out 2>&1
expect_contains "--explain: the hint names the view" hint.out \
  'the view header.subject holds it decoded to UTF-8'

finish
