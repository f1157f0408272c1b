#!/usr/bin/env bash
# The README's first command: the bundled rcfile and message, run from a copy of the
# tree, deliver one message into demo-mail/new and log its abstract.
source "$(dirname "$0")/../support/e2e.sh"

mkdir -p "$WORK/tree"
cp -r "$SOURCE_DIR/rules-examples" "$WORK/tree/"
cd "$WORK/tree"
"$MAILSIFT" ./rules-examples/quickstart.rc < rules-examples/quickstart.eml 2> stderr
expect_eq "exit status" "$?" 0
files=$(find demo-mail/new -type f | wc -l)
expect_eq "files in demo-mail/new" "$files" 1
# A maildir file is the message without its From_ line.
tail -n +2 rules-examples/quickstart.eml > want
expect_same_bytes "maildir file" "$(find demo-mail/new -type f)" want
expect_eq "tmp/ is empty" "$(ls demo-mail/tmp | wc -l)" 0
expect_contains "abstract subject" demo-mail.log " Subject: Trying mailsift"
expect_contains "abstract folder" demo-mail.log "  Folder: demo-mail/new/"
expect_eq "nothing on stderr" "$(cat stderr)" ""
finish
