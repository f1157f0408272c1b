#!/usr/bin/env python3
"""mailsift under Debian's Exim 4, end to end (tests/mta/README.md).

As a Debian admin switches: Debian's own configuration (update-exim4.conf, the
non-split template) with its "procmail" router and "procmail_pipe" transport,
which run /usr/bin/procmail as the user for anyone with a ~/.procmailrc; the test
diverts /usr/bin/procmail (dpkg-divert) to a link to mailsift and puts it back at
the end. Exim listens on 127.0.0.1:25. The scenarios are mta_common's.
"""
import os, re, shutil, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mta_common as m  # noqa: E402

CONF = "/etc/exim4/update-exim4.conf.conf"
SAVED = os.path.join(m.WORK, "update-exim4.conf.conf")
MAINLOG = "/var/log/exim4/mainlog"
DIVERTED = "/usr/bin/procmail.before-mailsift-test"
SETTINGS = """dc_eximconfig_configtype='local'
dc_other_hostnames='mta.test'
dc_local_interfaces='127.0.0.1'
dc_readhost=''
dc_relay_domains=''
dc_minimaldns='false'
dc_relay_nets=''
dc_smarthost=''
CFILEMODE='644'
dc_use_split_config='false'
dc_hide_mailname=''
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
"""


def stop_daemon():
    m.run("pkill", "-x", "exim4", check=False)
    m.wait_for("Exim to stop", lambda: not m.smtp_port_open(25), 20)


class Exim:
    name = "Exim"
    # Debian's procmail_pipe: return_path_add, delivery_date_add, envelope_to_add.
    added_fields = [b"Envelope-to: mstest1@localhost", b"Delivery-date: "]
    # Debian's routers take no local-part suffix: user+detail is an unknown user.
    detail = False

    def up(self):
        if os.path.exists(CONF):
            shutil.copy2(CONF, SAVED)
        with open(CONF, "w") as f:
            f.write(SETTINGS)
        m.run("update-exim4.conf")
        m.run("dpkg-divert", "--local", "--rename", "--divert", DIVERTED, "--add",
              "/usr/bin/procmail")
        os.symlink(m.BIN, "/usr/bin/procmail")
        stop_daemon()
        os.makedirs(os.path.dirname(MAINLOG), exist_ok=True)
        m.run("exim4", "-bd")
        m.wait_for("Exim listening on 127.0.0.1:25", m.smtp_ready, 30)

    def down(self):
        stop_daemon()
        queued = m.run("exiqgrep", "-i", check=False).stdout.split()
        if queued:
            m.run("exim4", "-Mrm", *queued, check=False)
        if os.path.islink("/usr/bin/procmail"):
            os.unlink("/usr/bin/procmail")
        m.run("dpkg-divert", "--local", "--rename", "--divert", DIVERTED, "--remove",
              "/usr/bin/procmail", check=False)
        if os.path.exists(SAVED):
            shutil.copy2(SAVED, CONF)
            m.run("update-exim4.conf", check=False)

    def status(self, qid, recipient):
        if not os.path.exists(MAINLOG):
            return None
        words = {"=>": "sent", "==": "deferred", "**": "bounced"}
        for line in open(MAINLOG, errors="replace"):
            # "=> mstest1 <mstest1@localhost> R=..." for a local delivery, else the address.
            found = re.search(rf" {re.escape(qid)} (=>|==|\*\*) (?:\S+ <)?{re.escape(recipient)}>?"
                              r"(?=[ :])(.*)", line)
            if found:
                return words[found.group(1)], found.group(2).strip()
        return None

    def in_queue(self, qid):
        return qid in m.run("exim4", "-bp", check=False).stdout

    def flush(self):
        m.run("exim4", "-qff")

    def show_log(self):
        if os.path.exists(MAINLOG):
            print("--- mainlog (last 40 lines)")
            print("".join(open(MAINLOG, errors="replace").readlines()[-40:]))


os.environ["MAILSIFT_UNDER_TEST"] = sys.argv[1]
sys.exit(m.run_stage(Exim(), sys.argv[2]))
