#!/usr/bin/env bash
# System mailbox screening (procmail's screenmailbox(), spec in /work/notes/mailbox-screening.md):
# in -d mode and in normal mode (never with -m), before any rcfile runs, /var/mail/$LOGNAME is
# created if missing, renamed to BOGUS.$LOGNAME.<inode> if it is a symlink, not the recipient's,
# not owner-writable, a file with several links or a directory the owner cannot search
# ("Renaming bogus mailbox"), chmodded when it has bits the umask forbids ("Enforcing stricter
# permissions"), refused with exit 67 in -d mode when setuid (or a setgid file: "Autoforwarding
# mailbox found"); a $DEFAULT.lock of another user is renamed bogus too (silently).
#
# Every case runs with a fresh throwaway recipient through /usr/bin/procmail (the oracle, as
# Debian installs it: setuid root, setgid mail) when it is installed, and through $MAILSIFT; both
# must give the outcome recorded here: exit status, the mailbox (type, mode, owner, group,
# messages), the BOGUS file and its exact name, the lockfile, where the message went, $ORGMAIL as
# the rcfile sees it, and the lines on stderr. mailsift is never setgid mail: run as the user in
# normal mode it cannot create or rename anything in Debian's root:mail 2775 /var/mail, and must
# then do what procmail does when those calls fail, as a procmail without its setuid/setgid bits
# does (a copy of /usr/bin/procmail with the bits removed checks those expectations):
# 'Couldn't create "/var/mail/USER"', ORGMAIL unset, and the rcfile runs as usual.
#
# procmail waits SUSPEND (16) seconds before it renames a bogus mailbox, and SUSPEND cannot be
# set in time (the screening runs before command-line assignments and ignores the environment):
# the test interrupts that sleep with SIGUSR1 (procmail: VERBOSE off) as soon as the program sits
# in clock_nanosleep, which also checks that mailsift waits there too.
#
# Needs root, useradd and setpriv and Debian's /var/mail (root:mail, mode 2775); skipped (and
# counted as such) otherwise. Only /var/mail files of the users it creates are touched, and the
# users, their homes and those files are removed on exit, also on failure.
source "$(dirname "$0")/../support/e2e.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null || ! command -v setpriv > /dev/null; then
  echo "skipped: needs root, useradd and setpriv"
  exit 0
fi
if [ "$(stat -c '%U:%G %a' /var/mail 2> /dev/null)" != "root:mail 2775" ]; then
  echo "skipped: /var/mail is not Debian's root:mail 2775 spool ($(stat -c '%U:%G %a' /var/mail 2>&1))"
  exit 0
fi
[ -d "$WORK" ] || exit 1
chmod 755 "$WORK"
procmail=/usr/bin/procmail
if [ ! -x "$procmail" ]; then
  procmail=
elif [ ! -u "$procmail" ] || [ "$(stat -c %G "$procmail")" != mail ] || [ ! -g "$procmail" ]; then
  echo "note: $procmail is not setuid root and setgid mail as Debian ships it: not used"
  procmail=
fi
plain=
if [ -n "$procmail" ]; then
  plain="$WORK/procmail-plain"  # the same binary without setuid/setgid: an unprivileged procmail
  cp "$procmail" "$plain"
  chmod 755 "$plain"
fi
printf 'From: a@example.org\nSubject: screening\n\nbody\n' > "$WORK/msg"

users=()
serial=0
other="mso$$"
cleanup() {
  local u
  for u in "${users[@]}"; do
    [ -n "$u" ] || continue
    userdel "$u" 2> /dev/null
    rm -rf "/var/mail/$u" "/var/mail/$u.lock" /var/mail/BOGUS."$u".*
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP  # so that the EXIT trap cleans up then too
users+=("$other")
useradd -M -d "$WORK/home-other" -s /bin/sh "$other"

# new_user: a fresh throwaway recipient $user (home $home, mailbox $mbox) for one situation;
# the runs of that situation (procmail, mailsift) each start from fresh_state.
new_user() {
  serial=$((serial + 1))
  user="msm$$x$serial"
  users+=("$user")
  home="$WORK/home-$user"
  mbox="/var/mail/$user"
  rm -rf "$mbox" "$mbox.lock" /var/mail/BOGUS."$user".*
  useradd -M -d "$home" -s /bin/sh "$user" || { fail "useradd $user"; return 1; }
  [ "$(id -u "$user")" -ne 0 ] || { fail "$user has uid 0"; exit 1; }
}
# fresh_state [falloff]: nothing in /var/mail for $user, and a new home whose rcfile logs $ORGMAIL
# and stores into $HOME/Maildir/ (with "falloff", falls off the end to $DEFAULT).
fresh_state() {
  rm -rf "$mbox" "$mbox.lock" /var/mail/BOGUS."$user".* "$home"
  mkdir -m 755 "$home"
  printf 'LOGFILE=$HOME/log\nLOG="orgmail=[$ORGMAIL]\n"\n' > "$home/.procmailrc"
  [ "${1:-}" = falloff ] || printf 'DEFAULT=$HOME/Maildir/\n' >> "$home/.procmailrc"
  chown -R "$user:" "$home"
  chmod 644 "$home/.procmailrc"
}

# The situation before the run, in /var/mail/$user (and $home).
setup() {
  case $1 in
    missing) ;;
    fine600) install -m 600 -o "$user" -g mail /dev/null "$mbox" ;;
    symlink) install -m 600 -o "$user" /dev/null "$home/target"; ln -s "$home/target" "$mbox" ;;
    rootowned) install -m 660 -o root -g mail /dev/null "$mbox" ;;
    otherowned) install -m 660 -o "$other" -g mail /dev/null "$mbox" ;;
    readonly) install -m 400 -o "$user" -g mail /dev/null "$mbox" ;;
    hardlink) install -m 600 -o "$user" -g mail /dev/null "$mbox"; ln "$mbox" "$home/link" ;;
    baddir) mkdir "$mbox"; chown "$user:mail" "$mbox"; chmod 600 "$mbox" ;;
    gooddir) mkdir "$mbox"; chown "$user:mail" "$mbox"; chmod 700 "$mbox" ;;
    mode644) install -m 644 -o "$user" -g mail /dev/null "$mbox" ;;
    mode666) install -m 666 -o "$user" -g mail /dev/null "$mbox" ;;
    mode604) install -m 604 -o "$user" -g mail /dev/null "$mbox" ;;
    mode744) install -m 744 -o "$user" -g mail /dev/null "$mbox" ;;
    setuid) install -m 4600 -o "$user" -g mail /dev/null "$mbox" ;;
    setgid) install -m 2660 -o "$user" -g mail /dev/null "$mbox" ;;
    rootsetuid) install -m 4660 -o root -g mail /dev/null "$mbox" ;;
    lockother) install -m 600 -o "$user" -g mail /dev/null "$mbox"
      install -m 644 -o "$other" -g "$other" /dev/null "$mbox.lock" ;;
    lockother660) install -m 660 -o "$user" -g mail /dev/null "$mbox"
      install -m 644 -o "$other" -g "$other" /dev/null "$mbox.lock" ;;
    lockroot) install -m 600 -o "$user" -g mail /dev/null "$mbox"
      install -m 644 -o root -g mail /dev/null "$mbox.lock" ;;
    *) fail "unknown setup $1" ;;
  esac
}

# procmail's ultoan(): the inode in base 64 ([A-Za-z0-9-_]), least significant digit first.
ultoan() {
  local v=$1 out="" chars=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_
  while :; do
    out+=${chars:$((v & 63)):1}
    v=$((v >> 6))
    [ "$v" -eq 0 ] && break
  done
  echo "$out"
}

# "file MODE OWNER:GROUP msgs=N [links=N]", "dir MODE OWNER:GROUP", "symlink" or "missing".
describe() {
  local d
  if [ -L "$1" ]; then
    d=symlink
  elif [ -d "$1" ]; then
    d="dir $(stat -c '%a %U:%G' "$1")"
  elif [ -f "$1" ]; then
    d="file $(stat -c '%a %U:%G' "$1") msgs=$(grep -c '^From ' "$1")"
    [ "$(stat -c %h "$1")" -eq 1 ] || d+=" links=$(stat -c %h "$1")"
  elif [ -e "$1" ]; then
    d=other
  else
    d=missing
  fi
  d=${d//$user/USER}
  echo "${d//$other/OTHER}"
}

# nanosleep and clock_nanosleep, for /proc/PID/syscall.
case $(uname -m) in
  x86_64) sleep_calls=" 35 230 " ;;
  aarch64) sleep_calls=" 101 115 " ;;
  *) sleep_calls= ;;
esac
mkfifo "$WORK/never"
exec 9<> "$WORK/never"  # read -t on it is a sleep without a fork
# kick PID: while PID lives, interrupt its sleeps with SIGUSR1; writes "yes" to $WORK/kicked.
kick() {
  local n rest
  while kill -0 "$1" 2> /dev/null; do
    n=
    read -r n rest < "/proc/$1/syscall" 2> /dev/null
    if [ -n "$n" ] && [[ "$sleep_calls" == *" $n "* ]]; then
      kill -USR1 "$1" 2> /dev/null && echo yes > "$WORK/kicked"
    fi
    read -r -t 0.05 -u 9 n
  done
}

# run PROGRAM MODE: d (root runs PROGRAM -d $user), n (the user runs PROGRAM), p (the user runs
# PROGRAM -p); the message on stdin; sets $rc, stderr in $WORK/stderr.
run() {
  local program=$1 mode=$2 pid kpid
  rm -f "$WORK/kicked"
  if [ "$mode" = d ]; then
    "$program" -d "$user" < "$WORK/msg" 2> "$WORK/stderr" &
  else
    local flag=
    [ "$mode" = p ] && flag=-p
    (exec setpriv --reuid="$user" --regid="$user" --init-groups \
      env -i PATH=/usr/bin:/bin HOME="$home" LOGNAME="$user" "$program" $flag \
      < "$WORK/msg" 2> "$WORK/stderr") &
  fi
  pid=$!
  kick "$pid" &
  kpid=$!
  wait "$pid"
  rc=$?
  kill "$kpid" 2> /dev/null
  wait "$kpid" 2> /dev/null
}

# check LABEL PROGRAM MODE SETUP [falloff] -- EXPECTATIONS...
# Expectations, each KEY=VALUE (USER, OTHER, BOGUSM and BOGUSL are replaced by the user, the
# other user, and the BOGUS names made from the mailbox's and the lock's inode):
#   rc=N  mbox=DESC  bogus=none|mailbox:DESC|lock:DESC  lock=DESC  to=maildir|mbox|none
#   orgmail=VALUE|"not run"  waited=yes|no  err=TEXT (may be repeated; without any, no
#   screening message may appear on stderr)
check() {
  local label=$1 program=$2 mode=$3 situation=$4
  shift 4
  local falloff=
  [ "$1" = falloff ] && { falloff=falloff; shift; }
  [ "$1" = -- ] && shift
  fresh_state $falloff
  setup "$situation"
  local ino lockino bogusm="-" bogusl="-"
  ino=$(stat -c %i "$mbox" 2> /dev/null) && bogusm="BOGUS.$user.$(ultoan "$ino")"
  lockino=$(stat -c %i "$mbox.lock" 2> /dev/null) && bogusl="BOGUS.$user.$(ultoan "$lockino")"
  run "$program" "$mode"
  local name="$situation${falloff:+ (falls off the end)}, $label"
  if [ "$rc" -eq 138 ]; then
    fail "$name: killed by SIGUSR1 while sleeping (procmail turns VERBOSE off on SIGUSR1 and"
    fail "  ends its SUSPEND wait; the test sends SIGUSR1 to end that wait)"
  fi

  # What happened.
  local -A got
  got[rc]=$rc
  got[mbox]=$(describe "$mbox")
  got[lock]=$(describe "$mbox.lock")
  got[bogus]=none
  local f
  for f in /var/mail/BOGUS."$user".*; do
    [ -e "$f" ] || [ -L "$f" ] || continue
    if [ "${f##*/}" = "$bogusm" ]; then
      got[bogus]="mailbox:$(describe "$f")"
    elif [ "${f##*/}" = "$bogusl" ]; then
      got[bogus]="lock:$(describe "$f")"
    else
      got[bogus]="unexpected name ${f##*/} (mailbox inode gives $bogusm, lock inode $bogusl)"
    fi
  done
  got[to]=none
  if [ -n "$(find "$home/Maildir/new" -type f 2> /dev/null)" ]; then
    got[to]=maildir
  elif [ -f "$mbox" ] && [ ! -L "$mbox" ] && grep -q '^Subject: screening' "$mbox"; then
    got[to]=mbox
  fi
  got[orgmail]="not run"
  if [ -f "$home/log" ] && grep -q '^orgmail=' "$home/log"; then
    got[orgmail]=$(sed -n 's/^orgmail=\[\(.*\)\]$/\1/p' "$home/log" | head -1)
    got[orgmail]=${got[orgmail]//$user/USER}
  fi
  got[waited]=no
  [ -f "$WORK/kicked" ] && got[waited]=yes

  # What should have happened.
  local -A want=([rc]=0 [mbox]=missing [bogus]=none [lock]=missing [to]=maildir
    [orgmail]=/var/mail/USER [waited]=no)
  # procmail's fall-back delivery into a mailbox it just created sleeps a second before its
  # "Lock failure" (its setgid dotlock is not used then): not a screening wait.
  [ -z "$falloff" ] || want[waited]=any
  local errs=() e key value
  for e in "$@"; do
    key=${e%%=*}
    value=${e#*=}
    value=${value//BOGUSM/$bogusm}
    value=${value//BOGUSL/$bogusl}
    if [ "$key" = err ]; then
      value=${value//USER/$user}
      errs+=("$value")
    else
      value=${value//BOGUS.$user./BOGUS.USER.}
      want[$key]=$value
    fi
  done
  for key in rc mbox bogus lock to orgmail waited; do
    [ "${want[$key]}" != any ] || continue
    expect_eq "$name: $key" "${got[$key]}" "${want[$key]}"
  done
  for e in "${errs[@]}"; do
    expect_contains "$name: stderr" "$WORK/stderr" "$e"
  done
  if [ "${#errs[@]}" -eq 0 ]; then
    if grep -E 'bogus mailbox|Enforcing stricter|Autoforwarding|Couldn.t create' "$WORK/stderr" > /dev/null; then
      fail "$name: unexpected screening message: $(cat "$WORK/stderr")"
    else
      pass
    fi
  fi
}

# both SETUP [falloff] -- EXPECTATIONS: the same outcome from procmail and mailsift, in -d mode.
both_d() {
  local situation=$1
  shift
  new_user || return
  [ -z "$procmail" ] || check "procmail -d" "$procmail" d "$situation" "$@"
  check "mailsift -d" "$MAILSIFT" d "$situation" "$@"
}

# Expectations reused below.
fresh="mbox=file 660 USER:mail msgs=0"
renamed='err=Renaming bogus mailbox "/var/mail/USER" info "/var/mail/BOGUSM"'

# --- -d USER run by root (as an MTA runs it): mailsift can do all procmail does.
both_d missing -- "$fresh"
both_d fine600 -- "mbox=file 600 USER:mail msgs=0"
both_d symlink -- "$fresh" "bogus=mailbox:symlink" "$renamed" waited=yes
both_d rootowned -- "$fresh" "bogus=mailbox:file 660 root:mail msgs=0" "$renamed" waited=yes
both_d otherowned -- "$fresh" "bogus=mailbox:file 660 OTHER:mail msgs=0" "$renamed" waited=yes
both_d readonly -- "$fresh" "bogus=mailbox:file 400 USER:mail msgs=0" "$renamed" waited=yes
both_d hardlink -- "$fresh" "bogus=mailbox:file 600 USER:mail msgs=0 links=2" "$renamed" waited=yes
both_d baddir -- "$fresh" "bogus=mailbox:dir 2600 USER:mail" "$renamed" waited=yes
both_d gooddir -- "mbox=dir 2700 USER:mail"
both_d mode644 -- "mbox=file 640 USER:mail msgs=0" \
  'err=Enforcing stricter permissions on "/var/mail/USER"'
both_d mode666 -- "mbox=file 660 USER:mail msgs=0" \
  'err=Enforcing stricter permissions on "/var/mail/USER"'
both_d mode604 -- "mbox=file 600 USER:mail msgs=0" \
  'err=Enforcing stricter permissions on "/var/mail/USER"'
both_d mode744 -- "mbox=file 744 USER:mail msgs=0"
both_d setuid -- rc=67 "mbox=file 4600 USER:mail msgs=0" to=none "orgmail=not run" \
  "err=Autoforwarding mailbox found"
both_d setgid -- rc=67 "mbox=file 2660 USER:mail msgs=0" to=none "orgmail=not run" \
  "err=Autoforwarding mailbox found"
both_d rootsetuid -- "$fresh" "bogus=mailbox:file 4660 root:mail msgs=0" "$renamed" waited=yes
both_d lockother -- "mbox=file 600 USER:mail msgs=0" "bogus=lock:file 644 OTHER:OTHER msgs=0"
both_d lockother660 -- "mbox=file 660 USER:mail msgs=0" "lock=file 644 OTHER:OTHER msgs=0"
both_d lockroot -- "mbox=file 600 USER:mail msgs=0" "lock=file 644 root:mail msgs=0"
# The rcfile falls off the end: the message goes to the mailbox just created.
both_d missing falloff -- "mbox=file 660 USER:mail msgs=1" to=mbox
both_d rootowned falloff -- "mbox=file 660 USER:mail msgs=1" to=mbox \
  "bogus=mailbox:file 660 root:mail msgs=0" "$renamed" waited=yes

# --- Normal mode, run by the user (with and without -p): procmail creates and renames in
# /var/mail through its setgid mail; mailsift cannot, and does what procmail does when it
# cannot (checked against $plain, procmail without its setuid/setgid bits).
# user_case SETUP MODE "PROCMAIL EXPECTATIONS" "MAILSIFT EXPECTATIONS" (each a ;-list)
user_case() {
  local situation=$1 mode=$2 pm ms
  IFS=';' read -r -a pm <<< "$3"
  IFS=';' read -r -a ms <<< "$4"
  new_user || return
  [ -z "$procmail" ] || check "procmail (user, $mode)" "$procmail" "$mode" "$situation" -- "${pm[@]}"
  [ -z "$plain" ] || check "procmail without setgid (user, $mode)" "$plain" "$mode" "$situation" -- "${ms[@]}"
  check "mailsift (user, $mode)" "$MAILSIFT" "$mode" "$situation" -- "${ms[@]}"
}
cannot="orgmail=;err=Couldn't create \"/var/mail/USER\""
for mode in n p; do
  user_case missing $mode "$fresh" "mbox=missing;$cannot"
  user_case symlink $mode "$fresh;bogus=mailbox:symlink;$renamed;waited=yes" \
    "mbox=symlink;$renamed;$cannot;waited=yes"
done
user_case rootowned n "$fresh;bogus=mailbox:file 660 root:mail msgs=0;$renamed;waited=yes" \
  "mbox=file 660 root:mail msgs=0;$renamed;$cannot;waited=yes"
user_case hardlink n \
  "$fresh;bogus=mailbox:file 600 USER:mail msgs=0 links=2;$renamed;waited=yes" \
  "mbox=file 600 USER:mail msgs=0 links=2;$renamed;$cannot;waited=yes"
user_case fine600 n "mbox=file 600 USER:mail msgs=0" "mbox=file 600 USER:mail msgs=0"
# Not autoforwarding outside -d mode.
user_case setuid n "mbox=file 4600 USER:mail msgs=0" "mbox=file 4600 USER:mail msgs=0"
# A foreign lock: procmail renames it with its setgid; mailsift cannot and leaves it.
user_case lockother n "mbox=file 600 USER:mail msgs=0;bogus=lock:file 644 OTHER:OTHER msgs=0" \
  "mbox=file 600 USER:mail msgs=0;lock=file 644 OTHER:OTHER msgs=0"
# The user owns the mailbox, so chmod needs no privilege: mailsift does what procmail does
# (procmail's umask for the spool is 007, as the spool's group is its egid; a procmail without
# setgid would make this 600, so $plain is not asked).
new_user
for program in $procmail "$MAILSIFT"; do
  check "$(basename "$program") (user, n)" "$program" n mode644 -- \
    "mbox=file 640 USER:mail msgs=0" 'err=Enforcing stricter permissions on "/var/mail/USER"'
done

# --- -m: no screening at all.
new_user
for program in $procmail "$MAILSIFT"; do
  fresh_state
  (cd "$home" && exec setpriv --reuid="$user" --regid="$user" --init-groups \
    env -i PATH=/usr/bin:/bin HOME="$home" LOGNAME="$user" "$program" -m "$home/.procmailrc" \
    < "$WORK/msg" 2> "$WORK/stderr")
  expect_eq "-m, $(basename "$program"): exit status" "$?" 0
  expect_eq "-m, $(basename "$program"): mailbox" "$(describe "$mbox")" missing
done

# --- The spool directory itself is missing (a private mount namespace hides /var under an
# empty tmpfs of the given mode): it is made by the recipient, mode 0700, if the recipient may;
# otherwise 'Couldn't create' and ORGMAIL is unset. Skipped where unshare -m does not work.
if unshare -m true 2> /dev/null; then
  # spool_case VARMODE PROGRAM WANT
  spool_case() {
    local varmode=$1 program=$2 expected=$3
    fresh_state
    unshare -m bash -c '
      mount -t tmpfs -o mode=$1 none /var || exit 99
      "$2" -d "$3" < "$4/msg" 2> "$4/stderr"
      echo "rc=$? spool=$(stat -c "%a %U:%G" /var/mail 2>/dev/null || echo missing)" \
        "mbox=$(stat -c "%a %U:%G" /var/mail/$3 2>/dev/null || echo missing)"
    ' spool "$varmode" "$program" "$user" "$WORK" > "$WORK/spool-result"
    local got
    got=$(sed "s/$user/USER/g" "$WORK/spool-result")
    expect_eq "missing spool dir, /var $varmode, $(basename "$program") -d: result" "$got" "$expected"
    expect_eq "missing spool dir, /var $varmode, $(basename "$program") -d: delivered" \
      "$(find "$home/Maildir/new" -type f 2> /dev/null | wc -l)" 1
    if [[ "$expected" == *"mbox=missing"* ]]; then
      expect_contains "missing spool dir, /var $varmode, $(basename "$program"): stderr" \
        "$WORK/stderr" "Couldn't create \"/var/mail/$user\""
      expect_contains "missing spool dir, /var $varmode, $(basename "$program"): ORGMAIL" \
        "$home/log" "orgmail=[]"
    fi
  }
  new_user
  for program in $procmail "$MAILSIFT"; do
    spool_case 1777 "$program" "rc=0 spool=700 USER:USER mbox=600 USER:USER"
    spool_case 755 "$program" "rc=0 spool=missing mbox=missing"
  done
else
  echo "note: unshare -m unavailable, missing spool directory cases skipped"
fi
finish
