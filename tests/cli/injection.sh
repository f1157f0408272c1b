#!/usr/bin/env bash
# No injection through mail (mailsiftrc(5), SECURITY): header text captured in
# $MATCH and passed to a program runs no shell command unless the rcfile itself hands
# it to a shell; children get procmail's cleaned environment (stricter with -p);
# a folder name built from message data cannot leave $MAILDIR or reach a dot file.
# Where /usr/bin/procmail is installed, each case is run through it as well, and
# what it does is checked too (same result, or the documented difference).
source "$(dirname "$0")/../support/e2e.sh"
procmail=/usr/bin/procmail
[ -x "$procmail" ] || procmail=
programs=("$MAILSIFT" $procmail)
home=$WORK/home

owned="$WORK/owned"
subject="\$(touch $owned.1) \`touch $owned.2\`; touch $owned.3 | touch $owned.4 && touch $owned.5 > $owned.6"
printf 'From: a@example.org\nSubject: %s\n\nbody\n' "$subject" > "$WORK/inject.msg"

# run PROGRAM RCFILE-TEXT [MESSAGE] [ARGS...]: a fresh $home, the rcfile $WORK/rc,
# stdout/stderr in $WORK/out and $WORK/err, the status in $status.
run() {
  local program=$1 text=$2 msg=${3:-$WORK/inject.msg}
  shift 3 2> /dev/null || shift $#
  rm -rf "$home" "$owned".*
  mkdir -p "$home/mail"
  printf '%s\n' "$text" > "$WORK/rc"
  (cd "$home" && env -i PATH=/usr/bin:/bin TZ=UTC "$program" "$@" HOME="$home" \
    MAILDIR="$home/mail" ORGMAIL="$home/orgmail" DEFAULT="$home/default/" "$WORK/rc" \
    < "$msg" > "$WORK/out" 2> "$WORK/err")
  status=$?
  sleep 0.1  # programs run without "w" may still be finishing
}
created() { ls "$owned".* 2> /dev/null | tr '\n' ' '; }
name_of() { basename "$1"; }

# --- $MATCH on a command line the shell does not read: no command runs.
for program in "${programs[@]}"; do
  p=$(name_of "$program")
  for action in '| /bin/echo $MATCH' '| /usr/bin/printf %s\n "$MATCH" $MATCH' \
      'RESULT=| /bin/echo $MATCH' '| /bin/echo `/bin/echo $MATCH`'; do
    run "$program" ":0 w
* ^Subject: \/.*
$action"
    expect_eq "$p [$action]: exit status" "$status" 0
    expect_eq "$p [$action]: commands run from the Subject" "$(created)" ""
  done
  # A backquote in an assignment, and a "?" condition: run directly too.
  run "$program" ":0
* ^Subject: \/.*
{ X=\`/bin/echo \$MATCH\` }
:0
* ? /bin/echo \$MATCH
{ }"
  expect_eq "$p [backquote, ? condition]: commands run from the Subject" "$(created)" ""

  # --- The command holds shell metacharacters: the shell reads the rcfile's text
  # and takes $MATCH from the environment, so it is data there too.
  run "$program" ":0 w
* ^Subject: \/.*
| /bin/echo \"\$MATCH\" > \$HOME/echoed"
  expect_eq "$p [shell, \"\$MATCH\"]: commands run" "$(created)" ""
  expect_eq "$p [shell, \"\$MATCH\"]: what the program got" "$(cat "$home/echoed")" "$subject"
  run "$program" ":0 w
* ^Subject: \/.*
| /bin/echo \$MATCH > \$HOME/echoed"
  expect_eq "$p [shell, \$MATCH unquoted]: commands run" "$(created)" ""

  # The rcfile hands the text to a shell itself: procmail expands $MATCH into the
  # argument before sh parses it, and so does mailsift (it quotes nothing): the
  # Subject's commands run. Documented; "mailsift --check" warns about it.
  run "$program" ":0 w
* ^Subject: \/.*
| sh -c \"echo \$MATCH\""
  expect_eq "$p [sh -c \"... \$MATCH\"]: the rcfile's own shell runs the text" \
    "$(created)" "$owned.1 $owned.2 $owned.3 $owned.4 $owned.5 $owned.6 "
done

# "mailsift --check" warns about that line, and not about the safe way to write it.
printf ':0 w\n* ^Subject: \\/.*\n| sh -c "echo $MATCH"\n' > "$WORK/shc.rc"
"$MAILSIFT" --check "$WORK/shc.rc" > "$WORK/check.out"
expect_contains "--check: sh -c with \$MATCH" "$WORK/check.out" \
  "$WORK/shc.rc:3:1: warning: \$MATCH holds text from the message and is expanded into the commands that \"sh -c\" runs"
printf ':0 w\n* ^Subject: \\/.*\n| /bin/sh -c '"'"'echo "$MATCH" > out'"'"'\n' > "$WORK/shc.rc"
"$MAILSIFT" --check "$WORK/shc.rc" > "$WORK/check.out"
grep -q "warning" "$WORK/check.out" && fail "--check warns about sh -c '... \"\$MATCH\"': $(cat "$WORK/check.out")" || pass

# --- The environment children get.
cat > "$WORK/evil.sh" << EOF
touch $owned.bash_env
EOF
pollution=(LD_PRELOAD=/nonexistent/evil.so LD_LIBRARY_PATH=/tmp LIBPATH=/x IFS=/ ENV="$WORK/evil.sh"
  BASH_ENV="$WORK/evil.sh" SHELLOPTS=xtrace BASHOPTS=extglob "BASH_FUNC_cat%%=() { touch $owned.func; }"
  GCONV_PATH=/tmp NLSPATH=/tmp LOCPATH=/tmp MALLOC_CHECK_=3 TMPDIR=/tmp/evil RES_OPTIONS=debug
  PATH=/tmp/evil:/usr/bin:/bin HOME=/tmp/evil SHELL=/tmp/evil/sh PWD=/tmp/evil EXITCODE=9
  LASTFOLDER=x FOO=bar TZ=Europe/Paris)
printf 'From: a@example.org\n\n' > "$WORK/env.msg"
# The shell (bash, so that BASH_ENV and exported functions would count) writes the
# environment it got.
envrc='SHELL=/bin/bash
:0 wc
| env > $HOME/env
:0
/dev/null'
env_names() {  # env_names PROGRAM [-p]
  rm -rf "$home" "$owned".*
  mkdir -p "$home"
  printf '%s\n' "$envrc" > "$WORK/rc"
  (cd "$home" && env -i "${pollution[@]}" "$1" ${2:-} HOME="$home" MAILDIR="$home" \
    DEFAULT="$home/default/" ORGMAIL="$home/default/" "$WORK/rc" < "$WORK/env.msg" \
    > /dev/null 2>&1)
  sleep 0.1
  # Names only (a value can hold newlines); bash adds PWD, SHLVL and _ itself.
  grep -o '^[A-Za-z_][A-Za-z0-9_%]*=' "$home/env" | tr -d = | grep -vxE 'PWD|SHLVL|_' |
    grep -vxE 'MAILSIFT_VERSION|PROCMAIL_VERSION' | sort | tr '\n' ' '
}
want_clean="COMSAT DEFAULT HOME HOST LINEBUF LOCKEXT LOGNAME MAILDIR MSGPREFIX ORGMAIL PATH SENDMAIL SENDMAILFLAGS SHELL SHELLFLAGS SHELLMETAS TZ "
expect_eq "environment of a child" "$(env_names "$MAILSIFT")" "$want_clean"
# PATH starts with the bin of the home in the password file, as procmail's.
passwd_home=$(getent passwd "$(id -un)" | cut -d: -f6)
expect_eq "PATH of a child" "$(sed -n 's/^PATH=//p' "$home/env")" "$passwd_home/bin:/usr/local/bin:/usr/bin:/bin"
expect_eq "TZ kept" "$(sed -n 's/^TZ=//p' "$home/env")" "Europe/Paris"
expect_eq "BASH_ENV not run" "$(created)" ""
if [ -n "$procmail" ]; then
  expect_eq "procmail: environment of a child" "$(env_names "$procmail")" "$want_clean"
fi
# -p keeps the environment, but never what changes the loader or the shell.
got=$(env_names "$MAILSIFT" -p)
for name in LD_PRELOAD LD_LIBRARY_PATH LIBPATH IFS ENV BASH_ENV SHELLOPTS BASHOPTS \
    BASH_FUNC_cat%% GCONV_PATH NLSPATH LOCPATH MALLOC_CHECK_ TMPDIR RES_OPTIONS EXITCODE \
    LASTFOLDER; do
  case " $got " in
    *" $name "*) fail "-p: $name reached a child" ;;
    *) pass ;;
  esac
done
case " $got " in *" FOO "*) pass ;; *) fail "-p: FOO was not kept: $got" ;; esac
expect_eq "-p: PATH is still mailsift's" "$(sed -n 's/^PATH=//p' "$home/env")" "$passwd_home/bin:/usr/local/bin:/usr/bin:/bin"
expect_eq "-p: BASH_ENV and exported functions not run" "$(created)" ""
if [ -n "$procmail" ]; then
  # procmail -p passes BASH_ENV, SHELLOPTS and exported functions on, and bash runs
  # them: the difference is on purpose.
  got=$(env_names "$procmail" -p)
  case " $got " in *" BASH_ENV "*) pass ;; *) fail "procmail -p: BASH_ENV not passed: $got" ;; esac
  expect_eq "procmail -p: bash ran BASH_ENV" "$(created)" "$owned.bash_env "
fi

# --- Folder names from message data stay inside $MAILDIR.
msg_with() { printf 'From: a@example.org\nSubject: %s\n\nbody\n' "$1" > "$WORK/folder.msg"; }
stored_in_default() { [ -n "$(find "$home/default/new" -type f 2> /dev/null)" ]; }
# refused RCFILE SUBJECT ESCAPED-PATH [no-oracle]: the rcfile's folder, built from
# the Subject, is refused; the message is in $DEFAULT; mailsift's log is err.mailsift.
refused() {
  local text=$1 subject=$2 escaped=$3 oracle=$procmail
  [ "${4:-}" = no-oracle ] && oracle=
  local label="[${text//$'\n'/ }] ($subject)"
  msg_with "$subject"
  run "$MAILSIFT" "$text" "$WORK/folder.msg"
  cp "$WORK/err" "$WORK/err.mailsift"
  expect_eq "$label: exit status" "$status" 0
  [ -e "$escaped" ] && fail "$label: $escaped was written" || pass
  stored_in_default && pass || fail "$label: not in \$DEFAULT; stderr: $(cat "$WORK/err")"
  expect_contains "$label: log" "$WORK/err" "Refusing folder"
  if [ -n "$oracle" ]; then
    # procmail writes where the name points (the difference is on purpose).
    run "$procmail" "$text" "$WORK/folder.msg"
    [ -e "$escaped" ] && pass || fail "$label: procmail did not write $escaped"
  fi
}
match_rc() { printf ':0\n* ^Subject: \\/.*\n%s' "$1"; }
refused "$(match_rc '$MATCH')" '../escaped' "$home/escaped"
expect_contains "the log names the recipe and the folder" "$WORK/err.mailsift" \
  "$WORK/rc:1:1: Refusing folder \"../escaped\" of this recipe: a \"..\" in it comes from the message"
refused "$(match_rc '$MATCH')" "$home/absolute" "$home/absolute"
expect_contains "absolute: reason" "$WORK/err.mailsift" "it is an absolute name taken from the message"
refused "$(match_rc '$MATCH')" '../.forward' "$home/.forward"
# (procmail fails here too, as mail/sub does not exist: no oracle.)
refused "$(match_rc 'sub/$MATCH')" '../../escaped' "$home/escaped" no-oracle
# Copied into another variable, captured by a program, or a backquote's output:
# still the message's text.
refused ':0
* ^Subject: \/.*
{ SUBJ=$MATCH }
:0
$SUBJ' '../escaped' "$home/escaped"
refused ':0
SUBJ=| sed -n "s/^Subject: //p"
:0
$SUBJ' '../escaped' "$home/escaped"
refused ":0
\`sed -n 's/^Subject: //p'\`" '../escaped' "$home/escaped"
# .forward in $MAILDIR itself (MAILDIR=$HOME is the default).
msg_with '.forward'
run "$MAILSIFT" ':0
* ^Subject: \/.*
$MATCH' "$WORK/folder.msg"
[ -e "$home/mail/.forward" ] && fail ".forward written from the Subject" || pass
expect_contains ".forward: reason" "$WORK/err" "a name beginning with \".\" (\".forward\") is taken from the message"

# Written literally in the rcfile, ".." is the author's choice.
msg_with 'x'
run "$MAILSIFT" ':0
* ^Subject: \/.*
../$MATCH' "$WORK/folder.msg"
[ -f "$home/x" ] && pass || fail "a literal ../\$MATCH was not followed; stderr: $(cat "$WORK/err")"
# The refused recipe fails like any failed delivery: an "e" recipe after it runs.
msg_with '../escaped'
run "$MAILSIFT" ':0
* ^Subject: \/.*
$MATCH
:0 e
fallback/' "$WORK/folder.msg"
[ -n "$(find "$home/mail/fallback/new" -type f 2> /dev/null)" ] && pass ||
  fail "the e recipe after a refused folder did not run; stderr: $(cat "$WORK/err")"
# A dry run shows the refusal.
msg_with '../escaped'
run "$MAILSIFT" ':0
* ^Subject: \/.*
$MATCH' "$WORK/folder.msg" --dry-run
expect_contains "dry run" "$WORK/out" "refused"
finish
