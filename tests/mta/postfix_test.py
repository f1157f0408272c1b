#!/usr/bin/env python3
"""mailsift under Debian's Postfix, end to end (tests/mta/README.md).

Postfix runs with a configuration written here into /etc/postfix (the files that
were there are put back at the end), on loopback only. What the documentation shows
is in postfix/ and is applied as it is:
    postfix/local.cf     mailbox_command = /usr/bin/mailsift -a "$EXTENSION", for
                         local users (the scenarios of mta_common);
    postfix/virtual.cf,  the addresses of virtual.test through a pipe(8) service that
    postfix/master.cf    runs mailsift -m as the user vmail, with
    postfix/virtual.rc   as /etc/mailsift/virtual.rc (pipe_scenarios below);
    postfix/lmtp.cf      the domain lmtp.test through Postfix's lmtp(8) client to
                         mailsift --lmtp-listen on private/mailsift-lmtp
                         (lmtp_scenarios below).
"""
import json, os, pwd, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mta_common as m  # noqa: E402

MAILLOG = os.path.join(m.WORK, "maillog")
SAVED = os.path.join(m.WORK, "saved-postfix")
CONFIG = os.path.join(m.HERE, "postfix")
VIRTUAL_RC = "/etc/mailsift/virtual.rc"
VIRTUAL_MAILBOXES = "/etc/postfix/virtual-mailboxes"
VMAIL = "/var/vmail"
# Where mailsift --lmtp-listen listens: lmtp(8) runs chrooted in the queue directory,
# and postfix/lmtp.cf names the socket relative to it.
LMTP_SOCKET = "/var/spool/postfix/private/mailsift-lmtp"
# The test's own settings (what the documentation shows comes from postfix/*.cf).
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
    "mailbox_size_limit": "0",
    "biff": "no",
    "smtputf8_enable": "no",
    "maillog_file": MAILLOG,
    "maillog_file_prefixes": f"/var, /dev/stdout, {m.WORK}",
    # Retries only when the test flushes the queue.
    "queue_run_delay": "3600s",
    "minimal_backoff_time": "3600s",
    "maximal_backoff_time": "3600s",
}


def settings_of(name):
    """The "name = value" lines of postfix/<name>, comments left out."""
    found = {}
    for line in open(os.path.join(CONFIG, name)):
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split("=", 1)
            found[key.strip()] = value.strip()
    return found


class Postfix:
    name = "Postfix"
    added_fields = [b"Delivered-To: mstest1@localhost", b"Received: from client.test"]
    detail = True
    # local(8) and pipe(8) put the start of the command's output in the reason.
    shows_output = True
    made = []  # what up() made that was not there: removed by down()
    restore = []  # files that were there: put back by down()

    def up(self):
        os.makedirs(SAVED, exist_ok=True)
        for name in ("main.cf", "master.cf"):
            shutil.copy2(f"/etc/postfix/{name}", os.path.join(SAVED, name))
        m.run("postfix", "stop", check=False)
        self.set_up_virtual()
        master = open("/etc/postfix/master.cf").read()
        with open("/etc/postfix/master.cf", "a") as f:
            f.write(open(os.path.join(CONFIG, "master.cf")).read())
            # postlogd writes maillog_file (Postfix 3.4 and later).
            if not re.search(r"(?m)^postlog\s", master):
                f.write("postlog   unix-dgram n  -       n       -       1       postlogd\n")
        settings = dict(SETTINGS, **settings_of("local.cf"), **settings_of("virtual.cf"))
        m.run("postconf", "-e", *[f"{k}={v}" for k, v in settings.items()])
        m.run("postfix", "check")
        m.run("postfix", "start")
        m.wait_for("Postfix listening on 127.0.0.1:25", m.smtp_ready, 30)

    def set_up_virtual(self):
        """The pipe(8) user vmail, its mail under /var/vmail, the rcfile, the mailboxes."""
        try:
            pwd.getpwnam("vmail")
        except KeyError:
            m.run("useradd", "--system", "-d", VMAIL, "-s", "/usr/sbin/nologin", "vmail")
            self.made.append("user")
        for path in (VMAIL, os.path.dirname(VIRTUAL_RC)):
            if not os.path.exists(path):
                os.makedirs(path)
                self.made.append(path)
        vmail = pwd.getpwnam("vmail")
        anna = os.path.join(VMAIL, "anna")
        if os.path.exists(anna):
            raise RuntimeError(f"{anna} is there already: the test would deliver into it")
        self.made.append(anna)
        for sub in ("", "new", "cur", "tmp"):
            os.makedirs(os.path.join(anna, sub))
            os.chown(os.path.join(anna, sub), vmail.pw_uid, vmail.pw_gid)
        if VMAIL in self.made:  # vmail's home: its journal goes there
            os.chown(VMAIL, vmail.pw_uid, vmail.pw_gid)
        # An rcfile or mailbox list of the machine's own is kept aside and put back.
        for path in (VIRTUAL_RC, VIRTUAL_MAILBOXES):
            if os.path.exists(path):
                shutil.copy2(path, os.path.join(SAVED, os.path.basename(path)))
                self.restore.append(path)
            else:
                self.made.append(path)
        shutil.copy2(os.path.join(CONFIG, "virtual.rc"), VIRTUAL_RC)
        os.chmod(VIRTUAL_RC, 0o644)
        with open(VIRTUAL_MAILBOXES, "w") as f:
            f.write("anna@virtual.test  anna/\n")

    def down(self):
        m.run("postfix", "stop", check=False)
        m.run("postsuper", "-d", "ALL", check=False)
        for name in ("main.cf", "master.cf"):
            if os.path.exists(os.path.join(SAVED, name)):
                shutil.copy2(os.path.join(SAVED, name), f"/etc/postfix/{name}")
        for made in reversed(self.made):
            if made == "user":
                m.run("userdel", "vmail", check=False)
            elif os.path.isdir(made):
                shutil.rmtree(made, ignore_errors=True)
            elif os.path.exists(made):
                os.unlink(made)
        for path in self.restore:
            shutil.copy2(os.path.join(SAVED, os.path.basename(path)), path)

    def more_scenarios(self, local_table):
        pipe_scenarios(self, local_table)
        lmtp_scenarios(self)

    def status(self, qid, recipient):
        if not os.path.exists(MAILLOG):
            return None
        for line in open(MAILLOG, errors="replace"):
            if f" {qid}: to=<{recipient}>" in line:
                found = re.search(r"status=(\w+) \((.*)\)", line)
                if found:
                    return found.group(1), found.group(2)
        return None

    def in_queue(self, qid):
        r = m.run("postqueue", "-j", check=False)
        return any(json.loads(line).get("queue_id") == qid for line in r.stdout.splitlines() if line)

    def flush(self):
        m.run("postqueue", "-f")

    def show_log(self):
        if os.path.exists(MAILLOG):
            print("--- maillog (last 40 lines)")
            print("".join(open(MAILLOG, errors="replace").readlines()[-40:]))


def pipe_scenarios(mta, local_table):
    """mailsift run by pipe(8) (postfix/master.cf) for anna@virtual.test."""
    inbox = os.path.join(VMAIL, "anna")
    vmail = pwd.getpwnam("vmail")
    msgid, qid = m.send("anna@virtual.test", "hello")
    if m.wait_for("anna's message in /var/vmail/anna", lambda: m.copies(inbox, msgid) == 1):
        raw = m.folder_messages(inbox)[msgid][0]
        for want in (b"Return-Path: <sender@mta.test>", b"Delivered-To: anna@virtual.test"):
            if want not in raw:
                m.fail(f"pipe: {want!r} not in the stored message")
    print(f"pipe: delivered, Postfix says {mta.status(qid, 'anna@virtual.test')}", flush=True)

    msgid, qid = m.send("anna+lists@virtual.test", "detail")
    m.wait_for("the +lists message in anna's lists/",
               lambda: m.copies(os.path.join(inbox, "lists"), msgid) == 1)
    print("pipe: +detail routed by $2", flush=True)

    # A folder vmail cannot write: deferred with mailsift's verdict as the reason;
    # repaired and flushed, it arrives once, and the copy before it is not repeated.
    failing = os.path.join(inbox, "failing")
    for sub in ("", "new", "cur", "tmp"):
        os.makedirs(os.path.join(failing, sub), exist_ok=True)  # root's
    msgid, qid = m.send("anna@virtual.test", "retry-me")
    status = m.wait_for("Postfix to defer anna's retry-me message",
                        lambda: mta.status(qid, "anna@virtual.test"))
    if not status or status[0] != "deferred":
        m.fail(f"pipe retry: Postfix said {status}, wanted deferred")
    else:
        m.check_verdict("pipe retry", status[1], failing)
    for root, _, _ in os.walk(failing):
        os.chown(root, vmail.pw_uid, vmail.pw_gid)
    mta.flush()
    copy = os.path.join(inbox, "copy")
    m.wait_for("the retried message in anna's failing/", lambda: m.copies(failing, msgid) >= 1)
    m.wait_for("the queue to empty", lambda: not mta.in_queue(qid))
    if m.copies(failing, msgid) != 1 or m.copies(copy, msgid) != 1:
        m.fail(f"pipe retry: copies failing/ {m.copies(failing, msgid)}, copy/ "
               f"{m.copies(copy, msgid)}, wanted 1 and 1")
    print("pipe: deferred, flushed, stored once", flush=True)

    table = m.exit_code_verdicts(mta, "anna@virtual.test")
    if table != local_table:
        m.fail(f"pipe: exit codes {table}, unlike local(8)'s {local_table}; mailsift(1) "
               "says they are the same")
    print("pipe: exit codes as under local(8)", flush=True)


def lmtp_scenarios(mta):
    """Postfix's lmtp(8) client delivering to mailsift --lmtp-listen (mailsift(1), LMTP)."""
    log = open(os.path.join(m.WORK, "lmtp.log"), "w")
    server = subprocess.Popen([m.BIN, "--lmtp-listen", "unix:" + LMTP_SOCKET], stderr=log)
    try:
        if not m.wait_for("mailsift's LMTP socket", lambda: os.path.exists(LMTP_SOCKET), 10):
            return
        m.run("postconf", "-e", *[f"{k}={v}" for k, v in settings_of("lmtp.cf").items()])
        m.run("postfix", "reload")
        # A user whose inbox can be made unwritable with no way out (ORGMAIL in it too).
        m.USERS.append("mstest4")
        u4 = m.add_user("mstest4", "MAILDIR=$HOME/Maildir\nDEFAULT=$MAILDIR/inbox/\n"
                        "ORGMAIL=$MAILDIR/inbox/orgmail\nLOGFILE=$HOME/mailsift.log\n")
        inbox = os.path.join(u4.pw_dir, "Maildir", "inbox")

        msgid, qid = m.send("mstest4@lmtp.test", "over-lmtp")
        if m.wait_for("the LMTP message in mstest4's inbox", lambda: m.copies(inbox, msgid) == 1):
            status = m.wait_for("Postfix's status", lambda: mta.status(qid, "mstest4@lmtp.test"))
            if not status or status[0] != "sent" or "250 2.0.0" not in status[1]:
                m.fail(f"lmtp: Postfix said {status}, wanted sent with 250 2.0.0")
            owner = os.stat(os.path.join(inbox, "new", os.listdir(os.path.join(inbox, "new"))[0]))
            if owner.st_uid != u4.pw_uid:
                m.fail("lmtp: the delivered file is not mstest4's")
        print(f"lmtp: delivered, Postfix says {mta.status(qid, 'mstest4@lmtp.test')}", flush=True)

        msgid, qid = m.send("nosuchuser@lmtp.test", "nobody-here")
        status = m.wait_for("Postfix to bounce the unknown user",
                            lambda: mta.status(qid, "nosuchuser@lmtp.test"))
        if not status or status[0] != "bounced" or "5.1.1" not in status[1]:
            m.fail(f"lmtp: unknown user: Postfix said {status}, wanted bounced with 5.1.1")
        print("lmtp: an unknown user bounced at RCPT", flush=True)

        # The inbox unwritable: 451, deferred; repaired and flushed, stored once.
        os.chmod(inbox, 0)
        msgid, qid = m.send("mstest4@lmtp.test", "lmtp-retry")
        status = m.wait_for("Postfix to defer the LMTP message",
                            lambda: mta.status(qid, "mstest4@lmtp.test"))
        if not status or status[0] != "deferred" or "4.3.0" not in status[1]:
            m.fail(f"lmtp retry: Postfix said {status}, wanted deferred with 4.3.0")
        os.chmod(inbox, 0o700)
        mta.flush()
        m.wait_for("the retried LMTP message", lambda: m.copies(inbox, msgid) == 1)
        m.wait_for("the queue to empty", lambda: not mta.in_queue(qid))
        if m.copies(inbox, msgid) != 1:
            m.fail(f"lmtp retry: {m.copies(inbox, msgid)} copies, wanted 1")
        print("lmtp: deferred, flushed, stored once", flush=True)
    finally:
        m.stop_lmtp_server(server, log, "lmtp", show_log=True)
        if os.path.exists(LMTP_SOCKET):
            m.fail("lmtp: the server left its socket behind")


sys.exit(m.run_stage(Postfix(), sys.argv[1]))
