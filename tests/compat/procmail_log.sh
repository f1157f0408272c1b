#!/usr/bin/env bash
# LOGFILE, LOG and LOGABSTRACT: the log mailsift writes is the log /usr/bin/procmail
# writes for the same rcfile and message (abstracts byte for byte; procmail's own
# "procmail: " lines would read "mailsift: "), so mailstat and log readers keep working.
source "$(dirname "$0")/../support/e2e.sh"
if [ ! -x /usr/bin/procmail ]; then
  echo "skipped: no /usr/bin/procmail"
  exit 0
fi

# run_both NAME RCFILE_TEXT MESSAGE: each program in its own directory, the rcfile
# as ./rc there (so MAILDIR is that directory), stderr kept beside the log.
run_both() {
  local name=$1 rc=$2 msg=$3 prog dir
  for prog in procmail mailsift; do
    dir="$WORK/$name.$prog"
    mkdir -p "$dir"
    printf '%s' "$rc" > "$dir/rc"
    local binary=/usr/bin/procmail
    [ "$prog" = mailsift ] && binary=$MAILSIFT
    (cd "$dir" && "$binary" ORGMAIL= ./rc < "$msg" 2> stderr; echo $? > status)
  done
  expect_eq "$name: exit status" "$(cat "$WORK/$name.mailsift/status")" \
    "$(cat "$WORK/$name.procmail/status")"
  local file
  for file in log stderr; do
    if [ -e "$WORK/$name.procmail/$file" ]; then
      # Maildir file names differ (and with them the tabs that align the size).
      sed 's/^procmail: /mailsift: /; s#/new/[^\t ]*[\t ]*#/new/NAME #' \
        "$WORK/$name.procmail/$file" > "$WORK/$name.want.$file"
      sed 's#/new/[^\t ]*[\t ]*#/new/NAME #' "$WORK/$name.mailsift/$file" > "$WORK/$name.got.$file"
      expect_same_bytes "$name: $file" "$WORK/$name.got.$file" "$WORK/$name.want.$file"
    fi
  done
}

m=$TEST_DATA/messages
run_both maildir-abstract $'LOGFILE=log\nDEFAULT=md/\n' "$m/from-line.eml"
run_both mbox-abstract $'LOGFILE=log\nDEFAULT=box\n' "$m/from-line.eml"
run_both folded-subject $'LOGFILE=log\nDEFAULT=box\n' "$m/folded-headers.eml"
run_both mh-abstract $'LOGFILE=log\nDEFAULT=mh/.\n' "$m/from-line-remote.eml"
run_both dev-null-abstract $'LOGFILE=log\nDEFAULT=/dev/null\n' "$m/from-line.eml"
run_both log-text $'LOGFILE=log\nLOG="one\ntwo\n"\nLOG=three\nDEFAULT=box\n' "$m/from-line.eml"
run_both abstract-off $'LOGFILE=log\nLOGABSTRACT=no\nDEFAULT=box\n' "$m/from-line.eml"
run_both abstract-to-stderr $'LOGABSTRACT=yes\nDEFAULT=box\n' "$m/from-line.eml"
run_both no-logfile $'DEFAULT=box\n' "$m/from-line.eml"
run_both logfile-switched $'LOGFILE=log\nLOG=first\nLOGFILE=log2\nLOG=second\nDEFAULT=box\n' \
  "$m/from-line.eml"
expect_eq "logfile-switched: second log" "$(cat "$WORK/logfile-switched.mailsift/log2" 2>&1)" \
  "$(cat "$WORK/logfile-switched.procmail/log2" 2>&1)"
finish
