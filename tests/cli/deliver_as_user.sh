#!/usr/bin/env bash
# Run as root with -d USER (as an MTA runs it), mailsift becomes USER before it reads
# the rcfile or opens a folder: what it stores belongs to USER. Creates its own
# unprivileged user; skipped (and counted as such) when not root.
source "$(dirname "$0")/../support/e2e.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null; then
  echo "skipped: needs root and useradd"
  exit 0
fi
user="mst$$"
chmod 755 "$WORK"
home="$WORK/home"
useradd -M -d "$home" -s /bin/sh "$user"
trap 'userdel "$user" 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p "$home"
chown "$user:" "$home"
printf 'DEFAULT=$HOME/Maildir/\nLOGFILE=$HOME/log\n' > "$home/.procmailrc"
chown "$user:" "$home/.procmailrc"
printf 'From: a@example.org\nSubject: for %s\n\nbody\n' "$user" > "$WORK/msg"

"$MAILSIFT" -d "$user" < "$WORK/msg" 2> "$WORK/stderr"
expect_eq "exit status" "$?" 0
file=$(find "$home/Maildir/new" -type f | head -1)
[ -n "$file" ] && pass || fail "nothing delivered; stderr: $(cat "$WORK/stderr")"
expect_eq "owner of the delivered file" "$(stat -c %U "$file")" "$user"
expect_eq "owner of the maildir" "$(stat -c %U "$home/Maildir")" "$user"
expect_eq "mode of the delivered file" "$(stat -c %a "$file")" "600"
expect_eq "owner of the log" "$(stat -c %U "$home/log")" "$user"
expect_contains "log abstract" "$home/log" "Subject: for $user"

# A spool directory like Debian's /var/mail (root:mail 2775; mailsift is not setgid
# mail): the user cannot create the dotlock there, so the kernel lock alone guards
# the append, with a warning in the log, and the message is stored.
spool="$WORK/spool"
mkdir "$spool"
chmod 2775 "$spool"
touch "$spool/$user"
chown "$user:" "$spool/$user"
chmod 600 "$spool/$user"
printf 'DEFAULT=%s\nLOGFILE=$HOME/spool.log\n' "$spool/$user" > "$home/.procmailrc"
"$MAILSIFT" -d "$user" < "$WORK/msg" 2> "$WORK/stderr3"
expect_eq "exit status into an unwritable spool directory" "$?" 0
expect_eq "messages in the spool mailbox" "$(grep -c '^From ' "$spool/$user")" 1
expect_contains "dotlock warning" "$home/spool.log" "using the kernel lock only"
expect_eq "no lock left in the spool" "$(ls "$spool")" "$user"

# A user other than root cannot deliver as someone else: retry (75), nothing stored.
su -s /bin/sh "$user" -c "'$MAILSIFT' -d root < '$WORK/msg'" 2> "$WORK/stderr2"
expect_eq "non-root -d other user" "$?" 75
expect_contains "logged" "$WORK/stderr2" "Insufficient privileges"
finish
