#!/usr/bin/env python3
"""mailsift under Debian's Postfix, end to end (tests/mta/README.md).

Postfix runs with its own configuration, written here into /etc/postfix (the files
that were there are put back at the end), on loopback only, with
    mailbox_command = <mailsift> -a "$EXTENSION"
as Postfix's documentation suggests for procmail. Messages go in over SMTP (Python's
smtplib) to users the test creates, each with its own ~/.procmailrc. Every wait polls
the mailbox, the queue or Postfix's log; none sleeps a fixed time.

Shown: delivery into maildir and mbox with the fields Postfix adds; user+detail
reaching the rules as $1; a folder that cannot be written: exit 75, Postfix defers,
the folder is repaired, the queue flushed, and the message arrives exactly once,
also in the folder a "c" copy had already stored (the delivery journal); a broken
rcfile still delivering to $DEFAULT; EXITCODE=67 bounced with a DSN to the sender;
a forward through Postfix; and, for every exit code mailsift can give, what Postfix
does with it (printed as the table of mailsift(1), EXIT STATUS).
"""
import email, json, os, pwd, re, shutil, smtplib, subprocess, sys, tempfile, time, uuid

MAILSIFT = sys.argv[1]
MAN_PAGE = sys.argv[2]  # man/mailsift.1
USERS = ["mstest1", "mstest2", "mstest3"]
problems = []
WORK = tempfile.mkdtemp(prefix="mailsift-mta-")
os.chmod(WORK, 0o755)
BIN = os.path.join(WORK, "mailsift")  # where every user can run it
MAILLOG = os.path.join(WORK, "maillog")
SAVED = os.path.join(WORK, "saved-postfix")


def fail(text):
    problems.append(text)
    print("FAIL: " + text, flush=True)


def run(*argv, check=True):
    r = subprocess.run(argv, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def wait_for(what, predicate, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    fail(f"timed out ({timeout} s) waiting for {what}")
    return None


# --- Postfix, configured for the test -------------------------------------------------
SETTINGS = {
    "compatibility_level": "3.6",
    "myhostname": "mta.test",
    "mydomain": "mta.test",
    "myorigin": "$myhostname",
    "mydestination": "localhost, $myhostname",
    "inet_interfaces": "loopback-only",
    "inet_protocols": "ipv4",
    "mynetworks": "127.0.0.0/8",
    "relayhost": "",
    "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
    "alias_maps": "",
    "alias_database": "",
    "local_recipient_maps": "proxy:unix:passwd.byname",
    "recipient_delimiter": "+",
    "mailbox_command": f'{BIN} -a "$EXTENSION"',
    "mailbox_size_limit": "0",
    "biff": "no",
    "smtputf8_enable": "no",
    "maillog_file": MAILLOG,
    "maillog_file_prefixes": f"/var, /dev/stdout, {WORK}",
    # Retries only when the test flushes the queue.
    "queue_run_delay": "3600s",
    "minimal_backoff_time": "3600s",
    "maximal_backoff_time": "3600s",
    "bounce_queue_lifetime": "5d",
}


def postfix_up():
    os.makedirs(SAVED, exist_ok=True)
    for name in ("main.cf", "master.cf"):
        shutil.copy2(f"/etc/postfix/{name}", os.path.join(SAVED, name))
    run("postfix", "stop", check=False)
    run("postconf", "-e", *[f"{k}={v}" for k, v in SETTINGS.items()])
    # postlogd writes maillog_file (Postfix 3.4 and later); Debian's master.cf has it
    # as a comment or not at all.
    master = open("/etc/postfix/master.cf").read()
    if not re.search(r"(?m)^postlog\s", master):
        with open("/etc/postfix/master.cf", "a") as f:
            f.write("postlog   unix-dgram n  -       n       -       1       postlogd\n")
    run("postfix", "check")
    run("postfix", "start")

    wait_for("Postfix listening on 127.0.0.1:25", smtp_ready, 30)


def postfix_down():
    run("postfix", "stop", check=False)
    run("postsuper", "-d", "ALL", check=False)
    for name in ("main.cf", "master.cf"):
        if os.path.exists(os.path.join(SAVED, name)):
            shutil.copy2(os.path.join(SAVED, name), f"/etc/postfix/{name}")


def smtp_ready():
    try:
        with smtplib.SMTP("127.0.0.1", 25, timeout=2) as s:
            return s.noop()[0] == 250
    except OSError:
        return False


def send(to, subject, sender="sender@mta.test", body="a test message\n"):
    """Submits over SMTP; returns (Message-ID, Postfix queue id)."""
    msgid = f"<{uuid.uuid4().hex}@mta.test>"
    text = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {msgid}\r\n"
            f"\r\n{body.replace(chr(10), chr(13) + chr(10))}")
    with smtplib.SMTP("127.0.0.1", 25, timeout=30) as s:
        s.ehlo("client.test")
        s.mail(sender)
        code, resp = s.rcpt(to)
        if code != 250:
            raise RuntimeError(f"RCPT {to}: {code} {resp}")
        code, resp = s.data(text)
        m = re.search(rb"queued as ([0-9A-Za-z]+)", resp)
        return msgid, m.group(1).decode() if m else None


def log_status(qid, recipient):
    """The status= word Postfix logged for the queue id and recipient, or None."""
    if not os.path.exists(MAILLOG):
        return None
    for line in open(MAILLOG, errors="replace"):
        if f" {qid}: to=<{recipient}>" in line or f" {qid}: to=<{recipient}," in line:
            m = re.search(r"status=(\w+) \((.*)\)", line)
            if m:
                return m.group(1), m.group(2)
    return None


def in_queue(qid):
    r = run("postqueue", "-j", check=False)
    return any(json.loads(line).get("queue_id") == qid for line in r.stdout.splitlines() if line)


def start_spamd():
    """spamd on 127.0.0.1:783 (as tests/cli/examples.sh starts it), or None."""
    if not shutil.which("spamd") or smtp_port_open(783):
        return None
    proc = subprocess.Popen(["spamd", "-L", "--listen=127.0.0.1:783", "-u", "nobody",
                             "--syslog=stderr"], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(WORK, "spamd.log"), "w"))
    if not wait_for("spamd to answer", lambda: subprocess.run(
            ["spamc", "-K"], capture_output=True).returncode == 0, 60):
        proc.terminate()
        return None
    return proc


def smtp_port_open(port):
    import socket
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- Users and their rules ------------------------------------------------------------
def add_user(name, rcfile):
    run("userdel", "-r", name, check=False)
    run("useradd", "-m", "-s", "/bin/sh", name)
    pw = pwd.getpwnam(name)
    # What a user who has had mail has: a maildir to point MAILDIR at (procmail and
    # mailsift stay in $HOME when MAILDIR cannot be entered), and a system mailbox
    # (mailsift is not setgid mail, so it cannot create one in Debian's /var/mail;
    # Postfix's local(8) makes it on a first delivery without mailbox_command).
    maildir = os.path.join(pw.pw_dir, "Maildir")
    for sub in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        os.chown(os.path.join(maildir, sub), pw.pw_uid, pw.pw_gid)
    spool = f"/var/mail/{name}"
    open(spool, "a").close()
    os.chown(spool, pw.pw_uid, pwd.getpwnam(name).pw_gid)
    os.chmod(spool, 0o600)
    path = os.path.join(pw.pw_dir, ".procmailrc")
    with open(path, "w") as f:
        f.write(rcfile)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    os.chmod(path, 0o644)
    return pw


def folder_messages(path):
    """{Message-ID: [raw bytes, ...]} of a maildir (new/ and cur/) or an mbox file."""
    found = {}
    def add(raw):
        m = re.search(rb"(?mi)^Message-ID:\s*(<[^>]+>)", raw)
        if m:
            found.setdefault(m.group(1).decode(), []).append(raw)
    if os.path.isdir(path):
        for sub in ("new", "cur"):
            d = os.path.join(path, sub)
            for n in os.listdir(d) if os.path.isdir(d) else []:
                add(open(os.path.join(d, n), "rb").read())
    elif os.path.exists(path):
        data = open(path, "rb").read()
        for chunk in re.split(rb"\n(?=From )", data):
            add(chunk)
    return found


def copies(path, msgid):
    return len(folder_messages(path).get(msgid, []))


RC_MAIN = r"""MAILDIR=$HOME/Maildir
DEFAULT=$MAILDIR/
LOGFILE=$HOME/mailsift.log
DETAIL=$1

:0
* ^Subject: to-mbox
$HOME/mbox

:0
* DETAIL ?? ^lists$
lists/

:0
* ^Subject: forward-me
! mstest2@localhost

:0
* ^Subject: bounce-me
{
  EXITCODE=67
  :0
  /dev/null
}

:0
* ^Subject: exitcode \/[0-9]+
{
  EXITCODE=$MATCH
  :0
  /dev/null
}

:0
* ^Subject: retry-me
{
  DEFAULT=$HOME/nowhere/default
  ORGMAIL=$HOME/nowhere/orgmail
  :0 c
  copy/
  :0
  failing/
}
"""

RC_PLAIN = "MAILDIR=$HOME/Maildir\nDEFAULT=$MAILDIR/\nLOGFILE=$HOME/mailsift.log\n"

# A spamc filter with the spamd this test starts (as rules-examples/spam.rc).
RC_SPAM = RC_PLAIN + """
:0 fw
* ^Subject: spam-check
| spamc
:0
* ^X-Spam-Flag: YES
spam/
"""
GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

RC_BROKEN = RC_PLAIN + ":0 ]]\n* (unclosed\n{ broken/\n:0 B\n* [\nbroken2/\n"


def main():
    shutil.copy2(MAILSIFT, BIN)
    os.chmod(BIN, 0o755)
    u1 = add_user("mstest1", RC_MAIN)
    u2 = add_user("mstest2", RC_SPAM)
    u3 = add_user("mstest3", RC_BROKEN)
    postfix_up()
    started = time.monotonic()
    inbox1 = os.path.join(u1.pw_dir, "Maildir")
    inbox2 = os.path.join(u2.pw_dir, "Maildir")

    # 1. maildir, with what Postfix adds.
    msgid, qid = send("mstest1@localhost", "hello")
    if wait_for("the message in mstest1's maildir", lambda: copies(inbox1, msgid) == 1):
        raw = folder_messages(inbox1)[msgid][0]
        for want in (b"Return-Path: <sender@mta.test>", b"Delivered-To: mstest1@localhost",
                     b"Received: from client.test"):
            if want not in raw:
                fail(f"maildir: {want!r} not in the stored message")
        if raw.startswith(b"From "):
            fail("maildir: the From_ line was stored")
    print(f"maildir: delivered, status {log_status(qid, 'mstest1@localhost')}", flush=True)

    # 2. mbox: Postfix's From_ line first.
    msgid, qid = send("mstest1@localhost", "to-mbox")
    mbox = os.path.join(u1.pw_dir, "mbox")
    if wait_for("the message in mstest1's mbox", lambda: copies(mbox, msgid) == 1):
        raw = folder_messages(mbox)[msgid][0]
        if not raw.startswith(b"From sender@mta.test "):
            fail(f"mbox: does not start with Postfix's From_ line: {raw[:60]!r}")
        if b"Delivered-To: mstest1@localhost" not in raw:
            fail("mbox: no Delivered-To")
    print("mbox: delivered", flush=True)

    # 3. user+detail reaches the rules as $1.
    msgid, qid = send("mstest1+lists@localhost", "detail")
    wait_for("the +lists message in lists/", lambda: copies(os.path.join(inbox1, "lists"), msgid) == 1)
    print("detail: routed by $1", flush=True)

    # 4. A folder that cannot be written: 75, deferred, repaired, flushed, once.
    failing = os.path.join(inbox1, "failing")
    for sub in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(failing, sub), exist_ok=True)  # root's: not writable
    msgid, qid = send("mstest1@localhost", "retry-me")
    status = wait_for("Postfix to defer the retry-me message",
                      lambda: log_status(qid, "mstest1@localhost"))
    if status and status[0] != "deferred":
        fail(f"retry: Postfix said {status}, wanted deferred")
    if not in_queue(qid):
        fail("retry: the message is not in Postfix's queue")
    copy = os.path.join(inbox1, "copy")
    if copies(copy, msgid) != 1:
        fail(f"retry: the c copy is stored {copies(copy, msgid)} times before the retry")
    for root, dirs, files in os.walk(failing):
        os.chown(root, u1.pw_uid, u1.pw_gid)
    open(MAILLOG, "a").close()
    run("postqueue", "-f")
    wait_for("the retried message in failing/", lambda: copies(failing, msgid) >= 1)
    wait_for("the queue to empty", lambda: not in_queue(qid))
    print(f"retry: deferred with ({status[1] if status else '?'}); after the flush "
          f"failing/ holds {copies(failing, msgid)}, copy/ {copies(copy, msgid)}", flush=True)
    if copies(failing, msgid) != 1 or copies(copy, msgid) != 1:
        fail(f"retry: copies failing/ {copies(failing, msgid)}, copy/ {copies(copy, msgid)}, "
             "wanted 1 and 1")
    log = open(os.path.join(u1.pw_dir, "mailsift.log"), errors="replace").read()
    if "an earlier attempt stored the message" not in log:
        fail("retry: the log does not say the copy was skipped")

    # 5. A broken rcfile: the message still reaches $DEFAULT.
    msgid, qid = send("mstest3@localhost", "broken rules")
    inbox3 = os.path.join(pwd.getpwnam("mstest3").pw_dir, "Maildir")
    wait_for("mstest3's message in $DEFAULT", lambda: copies(inbox3, msgid) == 1)
    status = log_status(qid, "mstest3@localhost")
    print(f"broken rcfile: delivered to $DEFAULT, status {status and status[0]}", flush=True)

    # 6. EXITCODE=67: bounced, with a DSN to the sender.
    msgid, qid = send("mstest1@localhost", "bounce-me", sender="mstest2@localhost")
    status = wait_for("Postfix to bounce", lambda: log_status(qid, "mstest1@localhost"))
    if status and status[0] != "bounced":
        fail(f"bounce: Postfix said {status}")
    def dsn():
        for raws in folder_messages(inbox2).values():
            for raw in raws:
                if b"Undelivered Mail Returned to Sender" in raw and msgid.encode() in raw:
                    return True
        return False
    wait_for("the DSN in mstest2's maildir", dsn)
    print(f"bounce: {status and status[0]}, DSN delivered to the sender", flush=True)

    # 7. A forward goes back through Postfix.
    msgid, qid = send("mstest1@localhost", "forward-me")
    wait_for("the forwarded message at mstest2", lambda: copies(inbox2, msgid) == 1)
    print("forward: arrived", flush=True)

    # 8. A ":0 fw | spamc" filter, with spamd on loopback.
    spamd = start_spamd()
    if spamd is not None:
        msgid, qid = send("mstest2@localhost", "spam-check", body=GTUBE + "\n")
        spam = os.path.join(inbox2, "spam")
        if wait_for("the GTUBE message in mstest2's spam/", lambda: copies(spam, msgid) == 1):
            if b"X-Spam-Status: Yes" not in folder_messages(spam)[msgid][0]:
                fail("spamc: no X-Spam-Status: Yes in the stored message")
        print("spamc: the filtered message was routed by spamd's verdict", flush=True)
        spamd.terminate()
        spamd.wait()
    else:
        print("spamc: SKIPPED (no spamd, or port 783 taken)", flush=True)

    # 9. What Postfix does with each exit code (the table of mailsift(1)).
    codes = [0, 1, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78]
    sent = {code: send("mstest1@localhost", f"exitcode {code}") for code in codes}
    table = {}
    for code, (msgid, qid) in sent.items():
        status = wait_for(f"Postfix's verdict on exit {code}",
                          lambda: log_status(qid, "mstest1@localhost"))
        table[code] = status[0] if status else "?"
    print("exit codes: " + ", ".join(f"{c} {table[c]}" for c in codes), flush=True)
    want = {0: "sent", 75: "deferred", 67: "bounced", 73: "bounced", 64: "bounced",
            71: "deferred"}
    for code, verdict in want.items():
        if table.get(code) != verdict:
            fail(f"exit {code}: Postfix {table.get(code)}, wanted {verdict}")
    # mailsift(1) states these measurements; the page must say what was measured.
    deferred = [c for c in codes if table[c] == "deferred"]
    bounced = [c for c in codes if table[c] == "bounced"]
    sentence = (f"Postfix (measured by tests/mta/postfix.sh): exit 0 delivers; "
                f"{', '.join(map(str, deferred))} defer (Postfix keeps the message and "
                f"retries); {', '.join(map(str, bounced))} bounce it to the sender.")
    page = open(MAN_PAGE).read().replace("\n", " ")
    if sentence not in page:
        fail(f"mailsift(1) does not say what was measured; it should say:\n{sentence}")
    print(f"postfix stage: {time.monotonic() - started:.1f} s", flush=True)


try:
    main()
except Exception as e:  # a broken setup is a failure, with what went wrong
    fail(f"{type(e).__name__}: {e}")
finally:
    if problems and os.path.exists(MAILLOG):
        print("--- maillog (last 40 lines)")
        print("".join(open(MAILLOG, errors="replace").readlines()[-40:]))
    postfix_down()
    for name in USERS:
        run("userdel", "-r", name, check=False)
        if os.path.exists(f"/var/mail/{name}"):
            os.unlink(f"/var/mail/{name}")
    shutil.rmtree(WORK, ignore_errors=True)
print(f"{len(problems)} failed")
sys.exit(1 if problems else 0)
