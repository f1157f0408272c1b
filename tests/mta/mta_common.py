"""What the mail-server tests share (tests/mta/README.md): the users and their rules,
SMTP submission, reading folders, polling, spamd, and the scenarios every mail server
is put through. Each server's test supplies how to read its verdicts and its queue."""
import os, pwd, re, shutil, smtplib, socket, subprocess, tempfile, time, uuid

USERS = ["mstest1", "mstest2", "mstest3"]
problems = []
WORK = tempfile.mkdtemp(prefix="mailsift-mta-")
os.chmod(WORK, 0o755)
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = "/usr/bin/mailsift"  # where the package puts it (the configurations name it)


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


def smtp_ready():
    try:
        with smtplib.SMTP("127.0.0.1", 25, timeout=2) as s:
            return s.noop()[0] == 250
    except OSError:
        return False


def send(to, subject, sender="sender@mta.test", body="a test message\n"):
    """Submits over SMTP; returns (Message-ID, the server's queue id)."""
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
        m = re.search(rb"queued as ([0-9A-Za-z]+)|id=([0-9A-Za-z-]+)", resp)
        if m:
            return msgid, (m.group(1) or m.group(2)).decode()
        return msgid, None


def stop_lmtp_server(server, log, what, show_log):
    """SIGTERM to a mailsift --lmtp-listen: it must exit 0. Then the last lines of its log
    (the open file `log`), when show_log."""
    server.terminate()
    if server.wait(timeout=30) != 0:
        fail(f"{what}: the server exited {server.returncode} on SIGTERM")
    log.close()
    if show_log:
        print("".join(open(log.name).readlines()[-12:]), flush=True)


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




def scenarios(mta, man_page):
    """Puts the mail server through what every one must show. mta supplies:
    name; status(qid, recipient) -> (word, text) or None, the word being "sent",
    "deferred" or "bounced"; in_queue(qid); flush() (retry everything now);
    added_fields, the header fields it adds that a maildir copy must hold;
    detail, whether its configuration passes user+detail on as mailsift's $1."""
    u1 = add_user("mstest1", RC_MAIN)
    u2 = add_user("mstest2", RC_SPAM)
    add_user("mstest3", RC_BROKEN)
    mta.up()
    started = time.monotonic()
    inbox1 = os.path.join(u1.pw_dir, "Maildir")
    inbox2 = os.path.join(u2.pw_dir, "Maildir")
    name = mta.name

    # 1. maildir, with what the server adds.
    msgid, qid = send("mstest1@localhost", "hello")
    if wait_for("the message in mstest1's maildir", lambda: copies(inbox1, msgid) == 1):
        raw = folder_messages(inbox1)[msgid][0]
        # Field names in any case: Exim writes "Return-path:".
        for want in [b"Return-Path: <sender@mta.test>"] + mta.added_fields:
            if want.lower() not in raw.lower():
                fail(f"maildir: {want!r} not in the stored message")
        if raw.startswith(b"From "):
            fail("maildir: the From_ line was stored")
    print(f"maildir: delivered, {name} says {mta.status(qid, 'mstest1@localhost')}", flush=True)

    # 2. mbox: the server's From_ line first.
    msgid, qid = send("mstest1@localhost", "to-mbox")
    mbox = os.path.join(u1.pw_dir, "mbox")
    if wait_for("the message in mstest1's mbox", lambda: copies(mbox, msgid) == 1):
        raw = folder_messages(mbox)[msgid][0]
        if not raw.startswith(b"From sender@mta.test "):
            fail(f"mbox: does not start with the server's From_ line: {raw[:60]!r}")
    print("mbox: delivered", flush=True)

    # 3. user+detail reaches the rules as $1.
    if mta.detail:
        msgid, qid = send("mstest1+lists@localhost", "detail")
        wait_for("the +lists message in lists/",
                 lambda: copies(os.path.join(inbox1, "lists"), msgid) == 1)
        print("detail: routed by $1", flush=True)

    # 4. A folder that cannot be written: 75, deferred, repaired, flushed, once; and
    # the "c" copy stored before the failure is not stored again (the journal).
    failing = os.path.join(inbox1, "failing")
    for sub in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(failing, sub), exist_ok=True)  # root's: not writable
    msgid, qid = send("mstest1@localhost", "retry-me")
    status = wait_for(f"{name} to defer the retry-me message",
                      lambda: mta.status(qid, "mstest1@localhost"))
    if status and status[0] != "deferred":
        fail(f"retry: {name} said {status}, wanted deferred")
    if not mta.in_queue(qid):
        fail(f"retry: the message is not in {name}'s queue")
    copy = os.path.join(inbox1, "copy")
    if copies(copy, msgid) != 1:
        fail(f"retry: the c copy is stored {copies(copy, msgid)} times before the retry")
    for root, _, _ in os.walk(failing):
        os.chown(root, u1.pw_uid, u1.pw_gid)
    mta.flush()
    wait_for("the retried message in failing/", lambda: copies(failing, msgid) >= 1)
    wait_for("the queue to empty", lambda: not mta.in_queue(qid))
    print(f"retry: deferred ({status[1] if status else '?'}); after the flush failing/ holds "
          f"{copies(failing, msgid)}, copy/ {copies(copy, msgid)}", flush=True)
    if copies(failing, msgid) != 1 or copies(copy, msgid) != 1:
        fail(f"retry: copies failing/ {copies(failing, msgid)}, copy/ {copies(copy, msgid)}, "
             "wanted 1 and 1")
    if mta.shows_output and status:
        check_verdict("retry", status[1], failing)
    log = open(os.path.join(u1.pw_dir, "mailsift.log"), errors="replace").read()
    if "an earlier attempt stored the message" not in log:
        fail("retry: the log does not say the copy was skipped")

    # 5. A broken rcfile: the message still reaches $DEFAULT.
    msgid, qid = send("mstest3@localhost", "broken rules")
    inbox3 = os.path.join(pwd.getpwnam("mstest3").pw_dir, "Maildir")
    wait_for("mstest3's message in $DEFAULT", lambda: copies(inbox3, msgid) == 1)
    print("broken rcfile: delivered to $DEFAULT", flush=True)

    # 6. EXITCODE=67: bounced, with a DSN to the sender.
    msgid, qid = send("mstest1@localhost", "bounce-me", sender="mstest2@localhost")
    status = wait_for(f"{name} to bounce", lambda: mta.status(qid, "mstest1@localhost"))
    if status and status[0] != "bounced":
        fail(f"bounce: {name} said {status}")
    def dsn():
        for raws in folder_messages(inbox2).values():
            for raw in raws:
                if msgid.encode() in raw and re.search(
                        rb"(?mi)^Subject: (Undelivered Mail Returned|Mail delivery failed)", raw):
                    return True
        return False
    wait_for("the DSN in mstest2's maildir", dsn)
    print(f"bounce: {status and status[0]}, DSN delivered to the sender", flush=True)

    # 7. A forward goes back through the server.
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

    # 9. What the server does with each exit code; mailsift(1) must say it as measured.
    table = exit_code_verdicts(mta, "mstest1@localhost")
    codes = list(table)
    print("exit codes: " + ", ".join(f"{c} {table[c]}" for c in codes), flush=True)
    for code, verdict in {0: "sent", 75: "deferred", 67: "bounced"}.items():
        if table.get(code) != verdict:
            fail(f"exit {code}: {name} {table.get(code)}, wanted {verdict}")
    deferred = [c for c in codes if table[c] == "deferred"]
    bounced = [c for c in codes if table[c] == "bounced"]
    sentence = (f"{name} (measured by tests/mta/{name.lower()}.sh): exit 0 delivers; "
                f"{', '.join(map(str, deferred))} defer ({name} keeps the message and "
                f"retries); {', '.join(map(str, bounced))} bounce it to the sender.")
    page = open(man_page).read().replace("\n", " ")
    if sentence not in page:
        fail(f"mailsift(1) does not say what was measured; it should say:\n{sentence}")
    # What this server's configuration adds (Postfix: a pipe(8) service).
    mta.more_scenarios(table)
    print(f"{name} stage: {time.monotonic() - started:.1f} s", flush=True)


EXIT_CODES = [0, 1, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78]


def exit_code_verdicts(mta, address):
    """{exit code: "sent", "deferred" or "bounced"}, for messages to `address` whose
    rules (subject "exitcode N") end with EXITCODE=N."""
    sent = {code: send(address, f"exitcode {code}") for code in EXIT_CODES}
    table = {}
    for code, (msgid, qid) in sent.items():
        status = wait_for(f"{mta.name}'s verdict on exit {code} for {address}",
                          lambda: mta.status(qid, address))
        table[code] = status[0] if status else "?"
    return table


def check_verdict(what, text, failing):
    """The server's reason for a deferral holds mailsift's verdict (its first line of
    stderr): the exit, and the folder that failed."""
    want = "mailsift: exit 75, not delivered (the mail server keeps the message and retries)"
    if want not in text or failing.rstrip("/") not in text:
        fail(f"{what}: the server's reason is not mailsift's verdict naming {failing}: {text}")
    else:
        print(f"{what}: the server shows: {text[:160]}...", flush=True)


def package_installed():
    """Whether a mailsift package is installed (then the test build replaces it, and
    stays: the test cannot put another build back)."""
    status = run("dpkg-query", "-W", "-f=${Status}", "mailsift", check=False).stdout
    return "install ok installed" in status


def install_package():
    """Installs the Debian package the build made (MAILSIFT_DEB): the package is what
    is tested."""
    run("dpkg", "-i", os.environ["MAILSIFT_DEB"])


def is_excerpt(lines, path):
    """The lines appear, consecutively, in the file at path."""
    have = open(path, errors="replace").read().splitlines()
    return any(have[i:i + len(lines)] == lines for i in range(len(have) - len(lines) + 1))


def run_stage(mta, man_page):
    """scenarios() with the server's set-up and tear-down; the exit status of the test."""
    installed_before = package_installed()
    try:
        install_package()
        scenarios(mta, man_page)
    except Exception as e:  # a broken set-up is a failure, with what went wrong
        fail(f"{type(e).__name__}: {e}")
    finally:
        if problems:
            mta.show_log()
        mta.down()
        for name in USERS:
            run("userdel", "-r", name, check=False)
            if os.path.exists(f"/var/mail/{name}"):
                os.unlink(f"/var/mail/{name}")
        shutil.rmtree(WORK, ignore_errors=True)
        if not installed_before:
            run("dpkg", "-r", "mailsift", check=False)
    print(f"{len(problems)} failed")
    return 1 if problems else 0
