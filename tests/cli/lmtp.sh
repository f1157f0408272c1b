#!/usr/bin/env bash
# mailsift --lmtp: one LMTP connection on stdin and stdout, with three users this test
# creates. Each recipient is delivered by a child that becomes that user; after DATA
# one reply per accepted recipient, in order; a full mailbox for one of three gives
# 250/451/250, and the retry (the MTA retries only that recipient) delivers it once;
# +detail reaches the rules as $1; an unknown user is refused at RCPT; a client that
# goes away in the middle of DATA leaves nothing delivered; the rules' EXITCODE as the
# reply (550 5.1.1, 550 5.3.0, 451 4.3.0); the idle and command timeouts; with
# --lmtp-listen, RSET in the middle of a transaction from Python's smtplib.LMTP,
# --max-connections (421 4.3.2) and --log=syslog. Skipped when not root.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
if [ "$(id -u)" -ne 0 ] || ! command -v useradd > /dev/null; then
  echo "skipped: needs root and useradd"
  exit 0
fi
# ORGMAIL in the mailbox tree too: a mailbox made unwritable has no way out (75).
MAIL_USER_RC=$'MAILDIR=$HOME/Mail\nDEFAULT=$MAILDIR/inbox/\nORGMAIL=$MAILDIR/inbox/orgmail\nLOGFILE=$MAILDIR/log\nARG=$1\n:0\n* ARG ?? ^lists$\nlists/\n'
mail_users lm a b c
a=${users[0]} b=${users[1]} c=${users[2]}

# session FILE: the client's side, CRLF line ends; the replies in FILE.out.
session() {
  sed 's/$/\r/' "$1" | "$MAILSIFT" --lmtp > "$1.out" 2> "$1.log"
  tr -d '\r' < "$1.out" > "$1.replies"
}
count() { find "$1" -type f 2> /dev/null | wc -l; }

cat > one <<EOF2
LHLO client.example
MAIL FROM:<carol@example.net>
RCPT TO:<$a@example.org>
RCPT TO:<nobody-$$@example.org>
RCPT TO:<$c+lists@example.org>
DATA
From: carol@example.net
Subject: hello

..a line with a dot
.
QUIT
EOF2
session one
expect_eq "replies (the last line of each)" "$(grep -E '^[0-9]{3} ' one.replies | cut -c1-3 | tr '\n' ' ')" \
  "220 250 250 250 550 250 354 250 250 221 "
expect_eq "$a: in the inbox" "$(count "$WORK/$a/Mail/inbox/new")" 1
expect_eq "$c: +lists reached the rules as \$1" "$(count "$WORK/$c/Mail/lists/new")" 1
file=$(find "$WORK/$a/Mail/inbox/new" -type f | head -n 1)
expect_eq "the file belongs to $a" "$(stat -c %U "$file")" "$a"
expect_contains "the envelope sender in the From_ line" "$WORK/$a/Mail/log" "From carol@example.net"
if grep -qx '.a line with a dot' "$file"; then pass; else fail "dot-stuffing not undone: $(cat "$file")"; fi
expect_contains "a log line per recipient" one.log "<$a@example.org> from <carol@example.net>: 250"
expect_contains "the log line names the folder" one.log "ms) to \"$WORK/$a/Mail/inbox/new/"
expect_contains "the log line names the folder" one.log "ms) to \"lists/new/"

# A full mailbox for one of three: 250, 451, 250; the retry delivers it once.
mkdir -p "$WORK/$b/Mail/inbox" && chown "$b:" "$WORK/$b/Mail/inbox" && chmod 000 "$WORK/$b/Mail/inbox"
cat > three <<EOF2
LHLO client.example
MAIL FROM:<carol@example.net>
RCPT TO:<$a@example.org>
RCPT TO:<$b@example.org>
RCPT TO:<$c@example.org>
DATA
Subject: three

body
.
QUIT
EOF2
session three
expect_eq "one of three fails" "$(grep -E '^(250|451) [0-9]' three.replies | tail -n 3 | cut -c1-3 | tr '\n' ' ')" \
  "250 451 250 "
chmod 700 "$WORK/$b/Mail/inbox"
grep -v -e "RCPT TO:<$a@" -e "RCPT TO:<$c@" three > retry
session retry
expect_eq "the retry: delivered" "$(grep -cE '^250 2\.0\.0' retry.replies)" 1
expect_eq "$b: one copy" "$(count "$WORK/$b/Mail/inbox/new")" 1
expect_eq "$a: two messages (one each)" "$(count "$WORK/$a/Mail/inbox/new")" 2

# --lmtp-listen: a server on a unix socket; 8 clients at once, each a pipelined
# transaction for two users; SIGTERM stops it, and it removes its socket.
"$MAILSIFT" --lmtp-listen "unix:$WORK/lmtp.sock" 2> listen.log &
server=$!
for _ in $(seq 1 100); do grep -q "listening on" listen.log 2> /dev/null && break; sleep 0.1; done
python3 - "$WORK/lmtp.sock" "$a" "$c" > clients.out <<'PY'
import socket, sys, threading
path, a, c = sys.argv[1:4]
results = []
def client(n):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall((f"LHLO c{n}\r\nMAIL FROM:<p{n}@example.net>\r\nRCPT TO:<{a}@x>\r\n"
               f"RCPT TO:<{c}+lists@x>\r\nDATA\r\nSubject: parallel {n}\r\n\r\nbody\r\n.\r\n"
               "QUIT\r\n").encode())
    data = b""
    while True:
        piece = s.recv(65536)
        if not piece:
            break
        data += piece
    codes = [line[:3] for line in data.decode().split("\r\n") if len(line) > 3 and line[3] == " "]
    results.append(" ".join(codes))
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print("\n".join(sorted(results)))
PY
expect_eq "8 clients: every reply" "$(sort -u clients.out)" "220 250 250 250 250 354 250 250 221"
expect_eq "8 clients: 8 lines" "$(wc -l < clients.out)" 8
expect_eq "$a: 8 more" "$(count "$WORK/$a/Mail/inbox/new")" 10
expect_eq "$c: 8 more in lists/" "$(count "$WORK/$c/Mail/lists/new")" 9

# Python's smtplib.LMTP, a client of its own: RSET in the middle of a transaction forgets
# its sender and recipient; the next transaction on the connection delivers to its own.
python3 - "$WORK/lmtp.sock" "$a" "$c" > rset.out <<'PY'
import smtplib, sys
path, a, c = sys.argv[1:4]
with smtplib.LMTP(path) as s:
    s.ehlo_or_helo_if_needed()
    replies = [s.mail("first@example.net")[0], s.rcpt(f"{a}@x")[0], s.rset()[0],
               s.rcpt(f"{c}@x")[0], s.mail("second@example.net")[0], s.rcpt(f"{c}@x")[0]]
    s.putcmd("data")
    replies.append(s.getreply()[0])
    s.send(b"Subject: after RSET\r\n\r\nbody\r\n.\r\n")
    replies.append(s.getreply()[0])
print(" ".join(map(str, replies)))
PY
expect_eq "RSET: the replies" "$(cat rset.out)" "250 250 250 503 250 250 354 250"
expect_eq "RSET: $a got nothing" "$(count "$WORK/$a/Mail/inbox/new")" 10
expect_eq "RSET: $c got it" "$(grep -l 'after RSET' "$WORK/$c"/Mail/inbox/new/* | wc -l)" 1
kill -TERM "$server"
wait "$server"
expect_eq "SIGTERM: the server exits 0" "$?" 0

# --max-connections: one more than the limit is told 421 4.3.2, and the log says so;
# the --log=syslog lines go to syslog (facility mail): when the machine has no
# /dev/log, a stand-in is made there for the length of this part.
if [ ! -e /dev/log ]; then syslog=yes; else syslog=no; fi
python3 - "$MAILSIFT" "$WORK/limited.sock" "$a" "$syslog" > limited.out 2> limited.log <<'PY'
import os, socket, subprocess, sys, time
binary, path, user, syslog = sys.argv[1:5]
receiver = None
if syslog == "yes":
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind("/dev/log")
    receiver.settimeout(10)
try:
    argv = [binary, "--lmtp-listen", "unix:" + path, "--max-connections=1"]
    if receiver:
        argv.append("--log=syslog")
    server = subprocess.Popen(argv, stderr=subprocess.PIPE)
    for _ in range(100):
        if os.path.exists(path):
            break
        time.sleep(0.1)
    def connect():
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        return s, s.makefile("rb")
    first, first_in = connect()
    print(first_in.readline().decode()[:3])
    second, second_in = connect()
    print(second_in.readline().decode()[:9])
    first.sendall(f"LHLO c\r\nMAIL FROM:<s@x>\r\nRCPT TO:<{user}@x>\r\nDATA\r\nSubject: logged\r\n\r\nb\r\n.\r\nQUIT\r\n".encode())
    print(first_in.read().decode().split("\r\n")[-3][:9])
    server.terminate()
    server.wait(timeout=30)
    log = server.stderr.read().decode()
    if receiver:
        lines = []
        try:
            while not any("250 2.0.0" in l for l in lines):
                lines.append(receiver.recv(65536).decode(errors="replace"))
        except socket.timeout:
            pass
        log += "\n".join(lines)
        # <22>: facility mail (2), priority info (6); the ident is the program's.
        print("syslog:", any(l.startswith("<22>") and "mailsift[" in l and "250 2.0.0" in l for l in lines))
    else:
        print("syslog: True")  # a real syslog is there: not replaced
    print("refusal logged:", "more than 1 connections at once: one refused" in log)
finally:
    if receiver:
        os.unlink("/dev/log")
PY
expect_eq "--max-connections=1: the second is refused, the first served; the log" \
  "$(tr '\n' '|' < limited.out)" "220|421 4.3.2|250 2.0.0|syslog: True|refusal logged: True|"
[ "$syslog" = yes ] && [ -e /dev/log ] && fail "the stand-in /dev/log is left" || pass
[ -e "$WORK/lmtp.sock" ] && fail "the socket is left behind" || pass

# The systemd units (tests/mta/systemd, shown in mailsift(1)): the service's ExecStart
# with this build's binary, given a listening socket the way systemd passes the
# .socket unit's (descriptor 3, LISTEN_FDS=1, LISTEN_PID its own); the socket path in
# ExecStart is then not used.
units=$SOURCE_DIR/tests/mta/systemd
exec_start=$(sed -n 's/^ExecStart=//p' "$units/mailsift-lmtp.service")
expect_eq "the service runs the listener on the socket's path" "$exec_start" \
  "/usr/bin/mailsift --lmtp-listen unix:$(sed -n 's/^ListenStream=//p' "$units/mailsift-lmtp.socket")"
read -r -a command <<< "${exec_start/\/usr\/bin\/mailsift/$MAILSIFT}"
python3 - "$WORK/activated.sock" "${command[@]}" 2> activated.log <<'PY' &
import os, socket, sys
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen(16)
os.dup2(listener.fileno(), 3)
os.set_inheritable(3, True)  # when the socket was 3 already, dup2 kept its close-on-exec
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execv(sys.argv[2], sys.argv[2:])
PY
activated=$!
for _ in $(seq 1 100); do grep -q "listening on" activated.log 2> /dev/null && break; sleep 0.1; done
printf 'LHLO c\r\nMAIL FROM:<s@example.net>\r\nRCPT TO:<%s@x>\r\nDATA\r\nSubject: activated\r\n\r\nb\r\n.\r\nQUIT\r\n' "$a" |
  python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR); print(s.makefile("rb").read().decode())' \
    "$WORK/activated.sock" > activated.out
expect_contains "socket activation: delivered" activated.out "250 2.0.0 <$a@x> delivered"
expect_eq "$a: one more" "$(count "$WORK/$a/Mail/inbox/new")" 12
kill -TERM "$activated"
wait "$activated"
expect_eq "socket activation: exit 0 on SIGTERM" "$?" 0
[ -e /run/mailsift/lmtp ] && fail "the path in ExecStart was used" || pass

# The server killed in the middle of DATA: no 250 was said, and nothing is stored.
python3 - "$MAILSIFT" "$b" > killed.out <<'PY'
import os, signal, subprocess, sys, time
server = subprocess.Popen([sys.argv[1], "--lmtp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
server.stdin.write(f"LHLO c\r\nMAIL FROM:<k@example.net>\r\nRCPT TO:<{sys.argv[2]}@x>\r\nDATA\r\n"
                   "Subject: killed\r\n\r\nhalf of it\r\n".encode())
server.stdin.flush()
time.sleep(0.5)
server.send_signal(signal.SIGKILL)
server.wait()
print(server.stdout.read().decode())
PY
if grep -q '^250 2\.0\.0' killed.out; then fail "killed: a 250 for the message"; else pass; fi
expect_eq "killed: nothing stored" "$(count "$WORK/$b/Mail/inbox/new")" 1
# A JSON log line per recipient: the client's queue id (its Received field's), the
# reply, the exit status and where the message went.
printf 'LHLO c\r\nMAIL FROM:<j@example.net>\r\nRCPT TO:<%s@x>\r\nDATA\r\nReceived: from c by mta.test (Postfix) with ESMTP id 4QueueId7\r\n\tfor <b@x>; Fri, 4 Dec 2026 19:00:00 +0000\r\nSubject: json\r\n\r\nb\r\n.\r\nQUIT\r\n' "$b" |
  "$MAILSIFT" --lmtp --log-format=json > json.out 2> json.log
expect_eq "json log" "$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); print(d["queue_id"], d["code"], d["status"], d["recipient"].split("@")[1], d["exit"], d["folders"][0].split("/new/")[0])' json.log)" "4QueueId7 250 2.0.0 x 0 $WORK/$b/Mail/inbox"
expect_eq "$b: the JSON one stored" "$(count "$WORK/$b/Mail/inbox/new")" 2

# The client goes away in the middle of DATA: nothing delivered.
printf 'LHLO c\r\nMAIL FROM:<x@example.net>\r\nRCPT TO:<%s@example.org>\r\nDATA\r\nSubject: cut\r\n\r\npart' "$b" |
  "$MAILSIFT" --lmtp > cut.out 2> cut.log
expect_eq "cut: still two copies" "$(count "$WORK/$b/Mail/inbox/new")" 2
expect_contains "cut: logged" cut.log "nothing was delivered"
# The rules' exit status as the reply: EXITCODE=67 is 550 5.1.1, another failing one
# 550 5.3.0, 75 is 451 4.3.0; the other recipient of the same message is delivered.
cat >> "$WORK/$c/.procmailrc" <<'RC'
:0
* ^Subject: exitcode \/[0-9]+
{
  EXITCODE=$MATCH
  :0
  /dev/null
}
RC
for code in 67 77 75; do
  printf 'LHLO c\r\nMAIL FROM:<e@example.net>\r\nRCPT TO:<%s@x>\r\nRCPT TO:<%s@x>\r\nDATA\r\nSubject: exitcode %s\r\n\r\nb\r\n.\r\nQUIT\r\n' \
    "$c" "$a" "$code" | "$MAILSIFT" --lmtp 2> "exit$code.log" | tr -d '\r' | grep -E '^(250|451|550) [0-9]' | tail -n 2 |
    cut -d' ' -f1,2 | tr '\n' ' '
  echo
done > exitcodes.out
expect_eq "EXITCODE 67, 77, 75: the replies (the rules' user, then the other)" "$(cat exitcodes.out)" \
  "550 5.1.1 250 2.0.0 
550 5.3.0 250 2.0.0 
451 4.3.0 250 2.0.0 "

# Timeouts, each 421 4.4.2 and logged: a client that sends nothing for --idle-timeout;
# one that sends a command a byte at a time, or a message a line at a time, each byte
# within the idle timeout, for longer than --command-timeout (the message then is not
# delivered).
python3 - "$MAILSIFT" "$b" > timeouts.out <<'PY'
import subprocess, sys, time
def trickle(pieces, pause, due):
    server = subprocess.Popen([sys.argv[1], "--lmtp", "--idle-timeout=2", "--command-timeout=3"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    began = time.monotonic()
    try:
        for piece in pieces:
            if server.poll() is not None:
                break
            server.stdin.write(piece.encode())
            server.stdin.flush()
            time.sleep(pause)
    except BrokenPipeError:
        pass
    server.wait(timeout=30)  # standard input still open: only a timeout ends it
    # Ended at the timeout, not before (slow machines: allow start-up and a late poll).
    seconds = time.monotonic() - began
    when = "on time" if due <= seconds < due + 2 else f"after {seconds:.1f} s"
    last = [l for l in server.stdout.read().decode().split("\r\n") if l][-1]
    err = server.stderr.read()
    kind = ("too slow" if b"seconds to send a command or message" in err else
            "idle" if b"idle for 2 seconds" in err else repr(err))
    print(f"{last[:9]}|{when}|{kind}")
trickle(["LHLO c\r\n"], 0, 2)  # then silence
trickle(list("NOOP and more and more\r\n"), 0.5, 3)
trickle([f"LHLO c\r\nMAIL FROM:<t@x>\r\nRCPT TO:<{sys.argv[2]}@x>\r\nDATA\r\nSubject: slow\r\n\r\n"] +
        ["a line\r\n"] * 12, 0.5, 3)
PY
expect_eq "timeouts: idle, a slow command, a slow message (reply|when|log)" \
  "$(tr '\n' ' ' < timeouts.out)" "421 4.4.2|on time|idle 421 4.4.2|on time|too slow 421 4.4.2|on time|too slow "
expect_eq "timeouts: the slow message is not stored" "$(count "$WORK/$b/Mail/inbox/new")" 2

# A mailbox with no room (its file system full) for one of three: 250, 452 4.2.2,
# 250; once there is room, the retry (the MTA retries only that recipient) delivers it
# once. A small tmpfs over $b's inbox (where it cannot be mounted, this is skipped).
full="$WORK/$b/Mail/inbox"
if mount -t tmpfs -o size=256k,mode=0700 tmpfs "$full" 2> /dev/null; then
  mkdir -p "$full/new" "$full/cur" "$full/tmp"
  chown -R "$b:" "$full"
  head -c 1000000 /dev/zero > "$full/filler" 2> /dev/null  # up to ENOSPC
  a_before=$(count "$WORK/$a/Mail/inbox/new")
  sed 's/^Subject: three$/Subject: no room/' three > noroom
  session noroom
  expect_eq "no room: 250 452 250" "$(grep -E '^(250|452) [0-9]' noroom.replies | tail -n 3 | cut -c1-9 | tr '\n' ' ')" \
    "250 2.0.0 452 4.2.2 250 2.0.0 "
  expect_eq "no room: the others delivered" "$(count "$WORK/$a/Mail/inbox/new")" $((a_before + 1))
  rm -f "$full/filler"
  grep -v -e "RCPT TO:<$a@" -e "RCPT TO:<$c@" noroom > noroom-retry
  session noroom-retry
  expect_eq "no room, the retry: delivered" "$(grep -cE '^250 2\.0\.0' noroom-retry.replies)" 1
  expect_eq "no room, the retry: one copy" "$(count "$full/new")" 1
  umount "$full"
else
  echo "(no tmpfs: the full-mailbox case is not run)"
fi

finish
