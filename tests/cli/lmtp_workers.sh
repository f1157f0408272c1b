#!/usr/bin/env bash
# mailsift --lmtp keeps one worker per user on a connection (lmtp/user_worker.h): a
# child that has become the user and delivers that user's messages one after another.
# Shown here, on one connection driven a transaction at a time: a user's messages are
# delivered by one process that runs as that user, another user's by another; the
# rcfile is read again for every message (an edit between two messages counts); a
# worker killed in a delivery gives that recipient 451 and the next message a fresh
# worker; a worker that runs past --delivery-timeout is killed with what it started,
# 451; an account that changes gets a new worker; a worker ends after 500
# deliveries. Skipped when not root.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null; then
  echo "skipped: needs root and useradd"
  exit 0
fi
MAIL_USER_RC=$'MAILDIR=$HOME/Mail\nDEFAULT=$MAILDIR/inbox/\nLOGFILE=$MAILDIR/log\n:0 c\n| $HOME/record\n'
mail_users lw a b
for user in "${users[@]}"; do
  # record: the process that ran the rules (the program's parent) and its user id.
  printf '#!/bin/sh\necho "$PPID $(id -u) $SHELL" >> "$HOME/pids"\n' > "$WORK/$user/record"
  chmod 755 "$WORK/$user/record"
  chown "$user:" "$WORK/$user/record"
done
a=${users[0]} b=${users[1]}
count() { find "$1" -type f 2> /dev/null | wc -l; }

# The client: one `mailsift --lmtp` connection; it reads the steps on its stdin, one
# a line, and prints the final reply code of each transaction:
#   send USER [N]   N transactions (default 1) of one message to USER
#   run COMMAND     a shell command, between two transactions
#   multi USER...   one message to all of them; for each reply after DATA, its code and
#                   the seconds since the message's end was sent
cat > client.py <<'PY'
import subprocess, sys, time
server = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def reply():
    while True:
        line = server.stdout.readline()
        if not line:
            raise SystemExit("the server closed the connection")
        if line[3:4] == b" ":
            return line.decode().strip()
def command(text):
    server.stdin.write(text.encode())
    server.stdin.flush()
    return reply()
reply()
command("LHLO client.example\r\n")
sent = 0
for step in sys.stdin:
    words = step.split()
    if words[0] == "run":
        subprocess.run(step[4:], shell=True, check=True)
        continue
    if words[0] == "multi":
        command("MAIL FROM:<sender@example.net>\r\n")
        for user in words[1:]:
            command(f"RCPT TO:<{user}@example.org>\r\n")
        command("DATA\r\n")
        server.stdin.write(f"Subject: to all\r\nX-Unique: {time.time_ns()}\r\n\r\nbody\r\n.\r\n".encode())
        server.stdin.flush()
        start = time.monotonic()
        for _ in words[1:]:
            code = reply()[:3]
            print(code, f"{time.monotonic() - start:.1f}", flush=True)
        continue
    for _ in range(int(words[2]) if len(words) > 2 else 1):
        sent += 1
        command("MAIL FROM:<sender@example.net>\r\n")
        command(f"RCPT TO:<{words[1]}@example.org>\r\n")
        command("DATA\r\n")
        # Each message its own bytes (the delivery journal would take a message sent
        # again for a retry).
        print(command(f"Subject: message {sent}\r\nX-Unique: {time.time_ns()}\r\n\r\n"
                      f"body {sent}\r\n.\r\n")[:3], flush=True)
command("QUIT\r\n")
server.stdin.close()
sys.exit(server.wait())
PY

# One connection: three messages for a, one for b, two more for a.
printf 'send %s 3\nsend %s\nsend %s 2\n' "$a" "$b" "$a" |
  python3 client.py "$MAILSIFT" --lmtp > replies 2> server.log
expect_eq "every message: 250" "$(tr '\n' ' ' < replies)" "250 250 250 250 250 250 "
expect_eq "$a: five delivered" "$(count "$WORK/$a/Mail/inbox/new")" 5
expect_eq "$a: one process ran all five" "$(cut -d' ' -f1 "$WORK/$a/pids" | sort -u | wc -l)" 1
expect_eq "$a: it ran as $a" "$(cut -d' ' -f2 "$WORK/$a/pids" | sort -u)" "$(id -u "$a")"
expect_eq "$b: it ran as $b" "$(cut -d' ' -f2 "$WORK/$b/pids" | sort -u)" "$(id -u "$b")"
if [ "$(cut -d' ' -f1 "$WORK/$a/pids" | sort -u)" != "$(cut -d' ' -f1 "$WORK/$b/pids")" ]; then
  pass
else
  fail "$a and $b were delivered by the same process"
fi
rm -f "$WORK/$a/pids" "$WORK/$b/pids"

# The rcfile is read for every message: an edit between two messages of a connection
# takes effect at the next one.
cat > steps <<EOF2
send $a
run printf 'MAILDIR=\$HOME/Mail\n:0\nedited/\n' > $WORK/$a/.procmailrc
send $a
EOF2
python3 client.py "$MAILSIFT" --lmtp < steps > replies 2> server.log
expect_eq "edit: both 250" "$(tr '\n' ' ' < replies)" "250 250 "
expect_eq "edit: the second message by the edited rules" "$(count "$WORK/$a/Mail/edited/new")" 1

# A worker killed in a delivery: that recipient 451; the next message a fresh worker.
printf '#!/bin/sh\nkill -9 $PPID\n' > "$WORK/$b/kill-parent" && chmod 755 "$WORK/$b/kill-parent"
printf 'MAILDIR=$HOME/Mail\n:0 c\n| $HOME/kill-parent\n:0\ninbox/\n' > "$WORK/$b/.procmailrc"
cat > steps <<EOF2
send $b
run printf 'MAILDIR=\$HOME/Mail\n:0\nafter/\n' > $WORK/$b/.procmailrc
send $b
EOF2
python3 client.py "$MAILSIFT" --lmtp < steps > replies 2> server.log
expect_eq "killed worker: 451, then 250" "$(tr '\n' ' ' < replies)" "451 250 "
expect_eq "killed worker: the next message delivered" "$(count "$WORK/$b/Mail/after/new")" 1

# A delivery past --delivery-timeout: the worker and the program it started are
# killed, 451; the next message is delivered by a fresh worker.
printf '#!/bin/sh\necho $$ > "$HOME/sleeper"\nexec sleep 60\n' > "$WORK/$b/sleeper.sh"
chmod 755 "$WORK/$b/sleeper.sh"
printf 'MAILDIR=$HOME/Mail\n:0 c\n| $HOME/sleeper.sh\n:0\ninbox/\n' > "$WORK/$b/.procmailrc"
cat > steps <<EOF2
send $b
run printf 'MAILDIR=\$HOME/Mail\n:0\nafter/\n' > $WORK/$b/.procmailrc
send $b
EOF2
start=$(date +%s)
python3 client.py "$MAILSIFT" --lmtp --delivery-timeout=2 < steps > replies 2> server.log
expect_eq "timeout: 451, then 250" "$(tr '\n' ' ' < replies)" "451 250 "
expect_eq "timeout: the next message delivered" "$(count "$WORK/$b/Mail/after/new")" 2
if [ $(( $(date +%s) - start )) -lt 30 ]; then pass; else fail "the timeout did not end the delivery"; fi
# (Killed, it may stay a zombie for a while where nobody reaps orphans: not running.)
sleeper=$(cat "$WORK/$b/sleeper")
if [ -e "/proc/$sleeper" ] && [ "$(awk '{print $3}' "/proc/$sleeper/stat" 2> /dev/null)" != Z ]; then
  fail "the program of the timed-out delivery is still running"
else
  pass
fi

# The account changes (another login shell, as usermod makes it while the worker
# runs) between two messages: a new worker, which has the new account ($SHELL).
printf 'MAILDIR=$HOME/Mail\n:0 c\n| $HOME/record\n:0\ninbox/\n' > "$WORK/$b/.procmailrc"
cp "$WORK/$a/record" "$WORK/$b/record" && chown "$b:" "$WORK/$b/record"
rm -f "$WORK/$b/pids"
cat > steps <<EOF2
send $b
run usermod -s /bin/bash $b
send $b
EOF2
python3 client.py "$MAILSIFT" --lmtp < steps > replies 2> server.log
expect_eq "new shell: both 250" "$(tr '\n' ' ' < replies)" "250 250 "
expect_eq "new shell: two workers" "$(cut -d' ' -f1 "$WORK/$b/pids" | sort -u | wc -l)" 2
expect_eq "new shell: the second has it" "$(cut -d' ' -f3 "$WORK/$b/pids" | tr '\n' ' ')" "/bin/sh /bin/bash "

# The replies after DATA come as each delivery ends (RFC 2033 section 4.2): a's at once,
# b's when its slow rules are done.
printf 'MAILDIR=$HOME/Mail\n:0 c\n| sleep 3\n:0\ninbox/\n' > "$WORK/$b/.procmailrc"
printf 'multi %s %s\n' "$a" "$b" | python3 client.py "$MAILSIFT" --lmtp > replies 2> server.log
expect_eq "streamed: two 250" "$(cut -d' ' -f1 replies | tr '\n' ' ')" "250 250 "
first=$(sed -n 1p replies | cut -d' ' -f2) second=$(sed -n 2p replies | cut -d' ' -f2)
if awk -v f="$first" -v s="$second" 'BEGIN { exit !(f < 2.0 && s >= 2.9) }'; then
  pass
else
  fail "the first reply came after ${first}s, the second after ${second}s (wanted under 2, and 3 or more)"
fi

# A worker serves 500 deliveries; the 501st message starts a fresh one. (The sanitizer
# build leaves this out: LMTP_WORKER_ROLLOVER=no.)
if [ "${LMTP_WORKER_ROLLOVER:-yes}" = yes ]; then
  printf 'MAILDIR=$HOME/Mail\n:0 c\n| $HOME/record\n:0\n/dev/null\n' > "$WORK/$a/.procmailrc"
  rm -f "$WORK/$a/pids"
  printf 'send %s 502\n' "$a" | python3 client.py "$MAILSIFT" --lmtp > replies 2> server.log
  expect_eq "502 messages: all 250" "$(sort -u replies)" "250"
  expect_eq "502 messages: two workers" "$(cut -d' ' -f1 "$WORK/$a/pids" | sort | uniq -c | awk '{print $1}' | sort -n | tr '\n' ' ')" "2 500 "
fi
finish
