#!/usr/bin/env python3
"""mailsift under Debian's Postfix, end to end (tests/mta/README.md).

Postfix runs with a configuration written here into /etc/postfix (the files that
were there are put back at the end), on loopback only, with
    mailbox_command = <mailsift> -a "$EXTENSION"
as Postfix's documentation suggests for procmail. The scenarios are mta_common's.
"""
import json, os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mta_common as m  # noqa: E402

MAILLOG = os.path.join(m.WORK, "maillog")
SAVED = os.path.join(m.WORK, "saved-postfix")
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
    "mailbox_command": f'{m.BIN} -a "$EXTENSION"',
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


class Postfix:
    name = "Postfix"
    added_fields = [b"Delivered-To: mstest1@localhost", b"Received: from client.test"]
    detail = True

    def up(self):
        os.makedirs(SAVED, exist_ok=True)
        for name in ("main.cf", "master.cf"):
            shutil.copy2(f"/etc/postfix/{name}", os.path.join(SAVED, name))
        m.run("postfix", "stop", check=False)
        m.run("postconf", "-e", *[f"{k}={v}" for k, v in SETTINGS.items()])
        # postlogd writes maillog_file (Postfix 3.4 and later).
        master = open("/etc/postfix/master.cf").read()
        if not re.search(r"(?m)^postlog\s", master):
            with open("/etc/postfix/master.cf", "a") as f:
                f.write("postlog   unix-dgram n  -       n       -       1       postlogd\n")
        m.run("postfix", "check")
        m.run("postfix", "start")
        m.wait_for("Postfix listening on 127.0.0.1:25", m.smtp_ready, 30)

    def down(self):
        m.run("postfix", "stop", check=False)
        m.run("postsuper", "-d", "ALL", check=False)
        for name in ("main.cf", "master.cf"):
            if os.path.exists(os.path.join(SAVED, name)):
                shutil.copy2(os.path.join(SAVED, name), f"/etc/postfix/{name}")

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


os.environ["MAILSIFT_UNDER_TEST"] = sys.argv[1]
sys.exit(m.run_stage(Postfix(), sys.argv[2]))
