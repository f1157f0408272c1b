#!/usr/bin/env bash
# Every example under rules-examples/ runs on each of its test messages
# (rules-examples/tests/<example>/<case>.eml) and must do what <case>.expect says:
#   folder: F     one message stored in folder F (relative to $HOME/Mail; "x/" a
#                 maildir, else an mbox file); one line per message
#   runs: N       deliver the message N times (default 1)
#   sent: N       messages handed to $SENDMAIL (a recorder here)
#   exit: N       the exit status of every run
# PROGRAM=/usr/bin/procmail runs the same expectations against procmail.
# The examples that call formail run mailsift-formail (FORMAIL=, $MAILSIFT_FORMAIL)
# under mailsift, and procmail's formail under procmail.
source "$(dirname "$0")/../support/e2e.sh"
program=${PROGRAM:-$MAILSIFT}
formail=formail
[ -z "${PROGRAM:-}" ] && formail=${MAILSIFT_FORMAIL:?MAILSIFT_FORMAIL must name mailsift-formail}
examples=$SOURCE_DIR/rules-examples

# spam.rc needs spamd: start one on loopback when the port is free.
spamd_pid=
if command -v spamd > /dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/783) 2> /dev/null; then
  spamd -L --listen=127.0.0.1:783 --pidfile="$WORK/spamd.pid" -d -u nobody \
    --syslog=stderr 2> "$WORK/spamd.log"
  for _ in $(seq 1 100); do
    spamc -K > /dev/null 2>&1 && break
    sleep 0.1
  done
  spamd_pid=$(cat "$WORK/spamd.pid" 2> /dev/null)
fi
trap '[ -n "$spamd_pid" ] && kill "$spamd_pid"; rm -rf "$WORK"' EXIT

# The folders that hold messages below Mail, one line per message, sorted.
stored_messages() {
  local mail=$1
  (
    cd "$mail" || exit
    find . -path '*/new/*' -type f | sed 's#^\./##; s#/new/[^/]*$#/#'
    find . -type f ! -path '*/new/*' ! -path '*/cur/*' ! -path '*/tmp/*' ! -name log \
      ! -name '*.cache' ! -name '*.lock' ! -path './.mailsift/*' -print0 |
      while IFS= read -r -d '' f; do
        n=$(grep -c '^From ' "$f")
        for _ in $(seq 1 "$n"); do echo "${f#./}"; done
      done
  ) | sort
}

for test_dir in "$examples"/tests/*/; do
  name=$(basename "$test_dir")
  rcfile=$examples/$name.rc
  [ -f "$rcfile" ] || { fail "$name: no $rcfile for $test_dir"; continue; }
  for msg in "$test_dir"*.eml; do
    expect=${msg%.eml}.expect
    case_name="$name/$(basename "$msg" .eml)"
    home=$WORK/$name.$(basename "$msg" .eml)
    mkdir -p "$home/Mail" "$home/bin"
    printf "#!/bin/sh\ncat > %s/sent.\$\$\n" "$home" > "$home/bin/sendmail"
    chmod +x "$home/bin/sendmail"
    # vacation.rc runs "mailsift --vacation" from the PATH, under procmail too.
    ln -sf "$MAILSIFT" "$home/bin/mailsift"
    runs=$(sed -n 's/^runs: *//p' "$expect")
    want_exit=$(sed -n 's/^exit: *//p' "$expect")
    for _ in $(seq 1 "${runs:-1}"); do
      env -i HOME="$home" LOGNAME=bob PATH=/usr/bin:/bin TZ=UTC \
        "$program" HOME="$home" ORGMAIL="$home/orgmail" SENDMAIL="$home/bin/sendmail" \
        FORMAIL="$formail" PATH="$home/bin:/usr/bin:/bin" "$rcfile" \
        < "$msg" 2>> "$home/stderr"
      expect_eq "$case_name: exit status" "$?" "${want_exit:-0}"
    done
    expect_eq "$case_name: folders" "$(stored_messages "$home/Mail")" \
      "$(sed -n 's/^folder: *//p' "$expect" | sort)"
    want_sent=$(sed -n 's/^sent: *//p' "$expect")
    if [ -n "$want_sent" ]; then
      expect_eq "$case_name: messages sent" "$(find "$home" -maxdepth 1 -name 'sent.*' | wc -l)" \
        "$want_sent"
    fi
    if [ -s "$home/stderr" ] || [ -e "$home/orgmail" ]; then
      fail "$case_name: stderr or ORGMAIL used: $(cat "$home/stderr" 2> /dev/null)"
    fi
  done
done
finish
