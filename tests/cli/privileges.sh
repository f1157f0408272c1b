#!/usr/bin/env bash
# Privileges and rcfile trust (mailsift(1), SECURITY): run as root with -d USER,
# mailsift takes USER's uid, gid and supplementary groups before it reads an rcfile;
# an rcfile that others could have written is not run ("Suspicious rcfile"), exactly
# where procmail refuses one, and the message goes to $DEFAULT with exit 0; a setuid
# copy of mailsift gives the borrowed ids up. Each trust case is also run through
# /usr/bin/procmail when it is installed, and both must decide alike.
# Creates its own users and group; skipped (and counted as such) when not root.
source "$(dirname "$0")/../support/e2e.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null; then
  echo "skipped: needs root and useradd"
  exit 0
fi
user="msp$$"
other="mso$$"
group="msg$$"
chmod 755 "$WORK"
home="$WORK/home"
spool="/var/mail/$user"
cleanup() {
  userdel "$user" 2> /dev/null
  userdel "$other" 2> /dev/null
  groupdel "$group" 2> /dev/null
  rm -f "$spool" "$spool.lock"
  rm -rf "$WORK"
}
trap cleanup EXIT
groupadd "$group"
useradd -M -d "$home" -s /bin/sh -G "$group" "$user"
useradd -M -d "$WORK/elsewhere" -s /bin/sh "$other"
printf 'From: a@example.org\nSubject: privileges\n\nbody\n' > "$WORK/msg"
procmail=/usr/bin/procmail
[ -x "$procmail" ] || procmail=

# The system mailbox is $DEFAULT in -d mode; mailsift (not setgid mail) cannot
# create it in /var/mail, so it is there already, as an MTA setup has it.
fresh_spool() {
  rm -f "$spool" "$spool.lock"
  touch "$spool"
  chown "$user:" "$spool"
  chmod 600 "$spool"
}

# A fresh home (mode 755, the user's) with an rcfile that stores into $HOME/Maildir/.
fresh_home() {
  rm -rf "$home"
  mkdir -m 755 "$home"
  chown "$user:" "$home"
  printf 'DEFAULT=$HOME/Maildir/\n' > "$home/.procmailrc"
  chown "$user:" "$home/.procmailrc"
  chmod 644 "$home/.procmailrc"
  fresh_spool
}

# Where the message went: "rcfile" (its Maildir) or "default" (the system mailbox).
where_stored() {
  if [ -n "$(find "$home/Maildir/new" -type f 2> /dev/null)" ]; then
    echo rcfile
  elif grep -q '^Subject: privileges' "$spool"; then
    echo default
  else
    echo nowhere
  fi
}

# --- Identity: uid, gid and supplementary groups are the user's, before the rcfile.
fresh_home
secret="$WORK/root-only.rc"
printf 'LOG="the root-only file was read\n"\n' > "$secret"
chmod 600 "$secret"
cat > "$home/.procmailrc" << EOF
INCLUDERC=$secret
:0 c
| id -u > \$HOME/uid; id -g > \$HOME/gid; id -G | tr ' ' '\\n' | sort -n > \$HOME/groups
DEFAULT=\$HOME/Maildir/
EOF
"$MAILSIFT" -d "$user" < "$WORK/msg" 2> "$WORK/stderr"
expect_eq "exit status" "$?" 0
expect_eq "uid of the programs" "$(cat "$home/uid")" "$(id -u "$user")"
expect_eq "gid of the programs" "$(cat "$home/gid")" "$(id -g "$user")"
expect_eq "supplementary groups" "$(cat "$home/groups")" "$(id -G "$user" | tr ' ' '\n' | sort -n)"
grep -qx "$(getent group "$group" | cut -d: -f3)" "$home/groups" && pass ||
  fail "the user's supplementary group $group is missing"
grep -qx 0 "$home/groups" && fail "root's group kept" || pass
expect_contains "a root-only INCLUDERC is read as the user" "$WORK/stderr" "Couldn't read \"$secret\""
grep -q "root-only file was read" "$WORK/stderr" && fail "the INCLUDERC was read as root" || pass
expect_eq "stored by the rcfile" "$(where_stored)" rcfile

# --- The default rcfile in -d mode: procmail's checks, case by case.
# check NAME WANT(rcfile|default) REASON -- the setup is done before calling.
check_d() {
  local name=$1 want=$2 reason=$3
  "$MAILSIFT" -d "$user" < "$WORK/msg" 2> "$WORK/stderr"
  expect_eq "$name: exit status" "$?" 0
  expect_eq "$name: stored by" "$(where_stored)" "$want"
  if [ "$want" = default ]; then
    expect_contains "$name: log" "$WORK/stderr" "Suspicious rcfile \"$home/.procmailrc\": $reason"
  else
    grep -q Suspicious "$WORK/stderr" && fail "$name: refused: $(cat "$WORK/stderr")" || pass
  fi
}
# The same setup through procmail: it must decide the same way.
oracle_d() {
  local name=$1 want=$2
  [ -n "$procmail" ] || return 0
  rm -rf "$home/Maildir"
  fresh_spool
  "$procmail" -d "$user" < "$WORK/msg" 2> "$WORK/pm-stderr"
  expect_eq "$name: procmail stored by" "$(where_stored)" "$want"
  rm -rf "$home/Maildir"
}
# case NAME WANT REASON SETUP-COMMANDS...
case_d() {
  local name=$1 want=$2 reason=$3
  shift 3
  fresh_home
  eval "$*"
  check_d "$name" "$want" "$reason"
  oracle_d "$name" "$want"
}
case_d "plain" rcfile "" ":"
case_d "rcfile mode 666" default "everyone may write to it (mode 0666)" \
  "chmod 666 '$home/.procmailrc'"
case_d "rcfile mode 646" default "everyone may write" "chmod 646 '$home/.procmailrc'"
case_d "rcfile group-writable, user's own group" rcfile "" "chmod 664 '$home/.procmailrc'"
case_d "rcfile group-writable, another group" default "its group (gid" \
  "chgrp '$group' '$home/.procmailrc'; chmod 664 '$home/.procmailrc'"
case_d "rcfile owned by another user" default "it belongs to uid $(id -u "$other")" \
  "chown '$other' '$home/.procmailrc'"
case_d "rcfile owned by root" rcfile "" "chown root '$home/.procmailrc'"
case_d "home mode 777" default "everyone may replace it: its directory \"$home\" is writable by all" "chmod 777 '$home'"
case_d "home mode 757" default "everyone may replace it" "chmod 757 '$home'"
case_d "home mode 1777 (sticky)" rcfile "" "chmod 1777 '$home'"
case_d "home mode 776 (others cannot search it)" rcfile "" "chmod 776 '$home'"
case_d "home group-writable, user's own group" rcfile "" "chmod 775 '$home'"
case_d "home group-writable, another group" default "its group may replace it" \
  "chgrp '$group' '$home'; chmod 775 '$home'"
case_d "home group-writable, another group, sticky" rcfile "" \
  "chgrp '$group' '$home'; chmod 1775 '$home'"
case_d "symlink to another user's file" default "it belongs to uid" \
  "printf 'DEFAULT=\$HOME/Maildir/\n' > '$WORK/theirs.rc'; chown '$other' '$WORK/theirs.rc';
   rm '$home/.procmailrc'; ln -s '$WORK/theirs.rc' '$home/.procmailrc'"

# --- Rcfiles named on the command line, run by the user: not group-checked, and
# "./rc" and relative -m rcfiles are not checked at all.
# named NAME WANT ARGS... (run in $home as the user; DEFAULT=$home/default)
named() {
  local name=$1 want=$2
  shift 2
  local program
  for program in "$MAILSIFT" $procmail; do
    rm -rf "$home/Maildir" "$home/default"
    (cd "$home" && su -s /bin/sh "$user" -c "'$program' $* < '$WORK/msg'") 2> "$WORK/stderr"
    expect_eq "$name ($(basename "$program")): exit status" "$?" 0
    local got=nowhere
    [ -n "$(find "$home/Maildir/new" -type f 2> /dev/null)" ] && got=rcfile
    grep -qs '^Subject: privileges' "$home/default" && got=default
    expect_eq "$name ($(basename "$program")): stored by" "$got" "$want"
  done
}
rc_in() {  # rc_in DIR MODE OWNER[:GROUP]: an rcfile DIR/rc
  mkdir -p "$1"
  printf 'DEFAULT=$HOME/Maildir/\n' > "$1/rc"
  chmod "$2" "$1/rc"
  chown "$3" "$1/rc"
}
fresh_home
mkdir -m 755 "$WORK/d"
chown "$user:" "$WORK/d"
rc_in "$WORK/d" 644 "$user:"
named "absolute, plain" rcfile "DEFAULT=$home/default $WORK/d/rc"
rc_in "$WORK/d" 666 "$user:"
named "absolute, mode 666" default "DEFAULT=$home/default $WORK/d/rc"
expect_contains "named rcfile: log" "$WORK/stderr" "Suspicious rcfile \"$WORK/d/rc\""
rc_in "$WORK/d" 664 "$user:$group"
named "absolute, group-writable by another group" rcfile "DEFAULT=$home/default $WORK/d/rc"
rc_in "$WORK/d" 644 "$other:"
named "absolute, another user's" default "DEFAULT=$home/default $WORK/d/rc"
rc_in "$WORK/d" 644 "$user:"
chmod 777 "$WORK/d"
named "absolute, world-writable directory" default "DEFAULT=$home/default $WORK/d/rc"
chmod 1777 "$WORK/d"
named "absolute, sticky directory" rcfile "DEFAULT=$home/default $WORK/d/rc"
chmod 775 "$WORK/d"
chgrp "$group" "$WORK/d"
named "absolute, directory group-writable by another group" rcfile \
  "DEFAULT=$home/default $WORK/d/rc"
rc_in "$home" 666 "$other:"
named "./rc, mode 666, another user's: not checked" rcfile "DEFAULT=$home/default ./rc"
named "\$HOME-relative rc, mode 666, another user's" default "DEFAULT=$home/default rc"
named "-m, relative rc, mode 666, another user's: not checked" rcfile "-m DEFAULT=$home/default rc"
rc_in "$WORK/d" 666 "$user:"
named "-m, absolute rc, mode 666" default "-m DEFAULT=$home/default $WORK/d/rc"
# A refused rcfile is skipped like a missing one: the next one runs.
printf 'DEFAULT=$HOME/Maildir/\n' > "$home/good.rc"
chown "$user:" "$home/good.rc"
named "refused, then a good rcfile" rcfile "DEFAULT=$home/default $WORK/d/rc $home/good.rc"

# --- A setuid (or setgid) copy of mailsift gives those ids up at once.
cp "$MAILSIFT" "$WORK/mailsift-setuid"
chmod 4755 "$WORK/mailsift-setuid"
su -s /bin/sh "$user" -c "'$WORK/mailsift-setuid' -d root < '$WORK/msg'" 2> "$WORK/stderr"
expect_eq "setuid copy: -d root" "$?" 75
expect_contains "setuid copy: says so" "$WORK/stderr" "installed setuid or setgid"
expect_contains "setuid copy: no privileges" "$WORK/stderr" "Insufficient privileges"
su -s /bin/sh "$user" -c "'$WORK/mailsift-setuid' --check '$secret'" > "$WORK/out" 2>&1
grep -q "root-only file was read" "$WORK/out" && fail "--check read a root-only file" || pass
chmod 640 "$secret"
chmod 2755 "$WORK/mailsift-setuid"
chgrp root "$WORK/mailsift-setuid"
su -s /bin/sh "$user" -c "'$WORK/mailsift-setuid' --check '$secret'" > "$WORK/out" 2>&1
grep -q "root-only file was read" "$WORK/out" && fail "setgid --check read a root-only file" || pass
finish
