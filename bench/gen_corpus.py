#!/usr/bin/env python3
"""Writes a deterministic corpus of realistic mail messages for the benchmark.

  gen_corpus.py --out DIR [--seed N] [--count N] [--fixed all|small|none]

DIR/timing/NNNN.eml   --count messages for the timing runs: most 2-20 KB, some larger
                      (up to about 1 MB); half are mailing-list mail (List-Id, Precedence,
                      List-* headers), the rest personal or automated mail
DIR/fixed/*.eml       typical-8k (the message the instruction counts use) and, for the
                      memory measurement, mem-10k, mem-1m and (with --fixed all) mem-10m,
                      mem-50m: multipart/mixed with a base64 attachment
DIR/manifest.json     the parameters, and for every message its file, size, Message-ID and
                      the folder the benchmark rules (gen_rules.py) must deliver it to

Every message has a Received chain, a DKIM signature, Authentication-Results, a unique
Message-ID; some have RFC 2047 encoded subjects and display names; bodies are text/plain
(some quoted-printable), multipart/alternative (text and HTML) or multipart/mixed with a base64
attachment. The same seed and parameters give the same bytes. A DIR whose manifest has the same
parameters is left as it is (delete it to regenerate).
"""
import argparse
import base64
import json
import os
import random
import sys

# Bumped whenever the generator's output changes, so old work dirs are regenerated.
GENERATOR_VERSION = 1

# The mailing lists of the corpus, and the folder their messages belong in. gen_rules.py
# writes one matching recipe for each, at the end of every rule set.
LISTS = [
    {"id": "debian-devel.lists.debian.org", "name": "Debian development",
     "post": "debian-devel@lists.debian.org", "folder": ".lists.debian-devel"},
    {"id": "linux-kernel.vger.kernel.org", "name": "Linux kernel",
     "post": "linux-kernel@vger.kernel.org", "folder": ".lists.lkml"},
    {"id": "pgsql-hackers.lists.postgresql.org", "name": "PostgreSQL hackers",
     "post": "pgsql-hackers@lists.postgresql.org", "folder": ".lists.pgsql-hackers"},
]
# Where everything else goes: the last recipe of every rule set, without conditions.
INBOX = "inbox"
# The recipient of personal mail.
ME = "jane.doe@example.org"

# Body text and names come from these words; gen_rules.py's literals that must not match are
# made so that none of them can occur in a message (see gen_rules.py).
WORDS = """the of and to in is that for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when if so no
will more can out about up them some could what into than then other time only new these two
may first any like now my such make over our even most after also made many before must
through back years where much your way well down should because each just those people how too
little state good very make world still own see men work long here get both between life being
under never day same another know while last might us great old year off come since against go
came right used take three states himself few house use during without again place american
around however home small found thought went say part once general high upon school every does
got united left number course war until always away something fact though water less public
put think almost hand enough far took head yet government system better set told nothing night
end why called didn find look going asked later knew point next program city business give group
toward young days let room president side social given present several order national possible
rather second face per among form often early important things looked white case john become
large big need four within felt along children saw best church ever least power development light
thing seemed family interest want members mind country area others done turned although open
patch build release kernel driver package version review commit merge branch test tests failure
query index planner vacuum replication upstream maintainer bug report regression fix proposal
""".split()
FIRST = ["Alice", "Bob", "Carol", "Dmitri", "Erika", "Farid", "Grace", "Hiroshi", "Ingrid",
         "Jonas", "Kwame", "Lucia", "Mateo", "Nadia", "Olga", "Pieter", "Quentin", "Rosa",
         "Sanjay", "Tomasz", "Ulla", "Viktor", "Wen", "Ximena", "Yusuf", "Zofia"]
LAST = ["Andersson", "Bianchi", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen",
        "Ivanova", "Jensen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov",
        "Quispe", "Rossi", "Schmidt", "Tanaka", "Uddin", "Varga", "Weber", "Yilmaz", "Zhang"]
# Names with non-ASCII letters, for RFC 2047 encoded display names.
ACCENTED = ["José Núñez", "Zoë Müller", "François Lefèvre", "Søren Kierkegård", "Łukasz Żółw",
            "Ångström Öberg", "Ñusta Pérez", "Jürgen Weiß"]
DOMAINS = ["gmail.com", "outlook.com", "posteo.de", "fastmail.com", "uni-heidelberg.de",
           "redhat.com", "suse.de", "canonical.com", "riseup.net", "mailbox.org"]
RELAYS = ["mx1.example.org", "mx2.example.org", "smtp-in.example.org", "mail-lb.example.net",
          "relay.posteo.de", "mout.gmx.net", "mail-ej1-f41.google.com", "smtp.fastmail.com",
          "vger.kernel.org", "bendel.debian.org", "malur.postgresql.org", "lists.debian.org"]
AUTOMATED = [("noreply@github.com", "GitHub"), ("notifications@gitlab.com", "GitLab"),
             ("no-reply@accounts.example.net", "Account Team"),
             ("billing@hosting.example.com", "Billing"), ("jenkins@ci.example.org", "Jenkins")]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

# Sizes of the fixed messages (bytes, approximate: within a few hundred bytes).
FIXED_SMALL = [("typical-8k", 8 * 1024, "list"), ("mem-10k", 10 * 1024, "mem"),
               ("mem-1m", 1024 * 1024, "mem")]
FIXED_BIG = [("mem-10m", 10 * 1024 * 1024, "mem"), ("mem-50m", 50 * 1024 * 1024, "mem")]


class Writer:
    """Builds one message from a random source of its own."""

    def __init__(self, rng, serial):
        self.rng = rng
        self.serial = serial

    def words(self, n):
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def sentence(self):
        s = self.words(self.rng.randint(6, 16))
        return s[0].upper() + s[1:] + self.rng.choice([".", ".", ".", "?", "!"])

    def paragraph(self, width=72):
        text = " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))
        return wrap(text, width)

    def person(self):
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        addr = f"{first.lower()}.{last.lower()}@{self.rng.choice(DOMAINS)}"
        return f"{first} {last}", addr

    def date(self, offset_s=0):
        # A fixed base (2026-03-02 09:00:00 UTC, a Monday) plus a per-message offset.
        t = 1772442000 + (self.serial % 100000) * 397 + offset_s
        days, rest = divmod(t, 86400)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        y, m, d = civil_from_days(days)
        wd = WEEKDAYS[(days + 3) % 7]
        return f"{wd}, {d} {MONTHS[m - 1]} {y} {hour:02d}:{minute:02d}:{second:02d} +0000"

    def hexid(self, n):
        return "".join(self.rng.choice("0123456789ABCDEF") for _ in range(n))

    def b64(self, n):
        return base64.b64encode(self.rng.randbytes(n)).decode()

    def received_chain(self, origin):
        hops = []
        count = self.rng.randint(3, 7)
        for i in range(count):
            by = self.rng.choice(RELAYS)
            frm = origin if i == count - 1 else self.rng.choice(RELAYS)
            ip = ".".join(str(self.rng.randint(1, 254)) for _ in range(4))
            tls = self.rng.choice([
                "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\n"
                "\t key-exchange X25519 server-signature RSA-PSS (2048 bits))\n\t(No client certificate requested)\n\t",
                "", ""])
            hops.append(
                f"Received: from {frm} ({frm} [{ip}])\n\t{tls}by {by} (Postfix) with ESMTPS id {self.hexid(10)}\n"
                f"\tfor <{ME}>; {self.date(-60 * (i + 1))}")
        return hops

    def dkim(self, domain):
        sig = self.b64(256)
        lines = [sig[i:i + 70] for i in range(0, len(sig), 70)]
        return ("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + ";\n"
                "\ts=2024; t=1772442000; bh=" + self.b64(32) + ";\n"
                "\th=From:To:Subject:Date:Message-ID:MIME-Version:Content-Type;\n\tb=" +
                "\n\t ".join(lines))

    def subject(self):
        text = self.words(self.rng.randint(3, 9))
        text = text[0].upper() + text[1:]
        r = self.rng.random()
        if r < 0.15:
            return "=?UTF-8?B?" + base64.b64encode(("Ré: " + text + " – ok").encode()).decode() + "?="
        if r < 0.30:
            q = "".join(c if c.isalnum() else ("_" if c == " " else "=%02X" % ord(c))
                        for c in text + " café")
            q = q.replace("=E9", "=C3=A9")
            return "=?UTF-8?Q?" + q + "?="
        if r < 0.5:
            return "Re: " + text
        return text

    def display(self, name):
        if self.rng.random() < 0.15:
            name = self.rng.choice(ACCENTED)
            return "=?UTF-8?B?" + base64.b64encode(name.encode()).decode() + "?="
        return f'"{name}"' if self.rng.random() < 0.5 else name


def civil_from_days(z):
    """Days since 1970-01-01 to (year, month, day), proleptic Gregorian."""
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + (1 if m <= 2 else 0), m, d)


def wrap(text, width):
    out, line = [], ""
    for w in text.split():
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        out.append(line)
    return "\n".join(out)


def make_message(seed, serial, kind, target):
    """One message of about target bytes (within 3%). kind: "list", "personal", "automated" or
    "mem" (personal mail with a big base64 attachment). Returns (bytes, folder, message_id)."""
    scale = 1.0
    for _ in range(4):
        data, folder, msgid = compose(random.Random(seed), serial, kind, target, scale)
        if abs(len(data) - target) <= target * 0.03:
            break
        scale *= target / len(data)
    return data, folder, msgid


def compose(rng, serial, kind, target, scale):
    w = Writer(rng, serial)
    msgid = f"<{serial:06d}.{w.hexid(12).lower()}@bench.mailsift.invalid>"
    headers = []
    folder = INBOX
    if kind == "list":
        lst = LISTS[serial % len(LISTS)]
        name, addr = w.person()
        origin = rng.choice(RELAYS)
        domain = addr.split("@")[1]
        to = lst["post"]
        folder = lst["folder"]
    elif kind == "automated":
        addr, name = rng.choice(AUTOMATED)
        origin = "mail-out." + addr.split("@")[1]
        domain = addr.split("@")[1]
        to = ME
    else:
        name, addr = w.person()
        origin = "mail-" + w.hexid(4).lower() + "." + addr.split("@")[1]
        domain = addr.split("@")[1]
        to = ME
    headers.append(f"Return-Path: <{addr}>")
    headers.append(f"Delivered-To: {ME}")
    headers += w.received_chain(origin)
    headers.append(w.dkim(domain))
    headers.append(f"Authentication-Results: mx1.example.org;\n\tdkim=pass (2048-bit key) header.d={domain};\n"
                   f"\tspf=pass smtp.mailfrom={addr};\n\tdmarc=pass (p=none) header.from={domain}")
    headers.append(f"From: {w.display(name)} <{addr}>")
    headers.append(f"To: {to}")
    if rng.random() < 0.3:
        cc = [w.person()[1] for _ in range(rng.randint(1, 4))]
        headers.append("Cc: " + ",\n\t".join(cc))
    headers.append(f"Subject: {w.subject()}")
    headers.append(f"Date: {w.date()}")
    headers.append(f"Message-ID: {msgid}")
    if rng.random() < 0.4:
        headers.append(f"In-Reply-To: <{w.hexid(16).lower()}@{rng.choice(DOMAINS)}>")
    headers.append("MIME-Version: 1.0")
    if kind == "list":
        lid, lname, post = lst["id"], lst["name"], lst["post"]
        listhost = lid.split(".", 1)[1]
        headers.append(f"List-Id: {lname} <{lid}>")
        headers.append(f"List-Unsubscribe: <mailto:{post.replace('@', '-request@')}?subject=unsubscribe>,\n"
                       f"\t<https://{listhost}/unsubscribe/{lid.split('.')[0]}>")
        headers.append(f"List-Archive: <https://{listhost}/archive/{lid.split('.')[0]}/>")
        headers.append(f"List-Post: <mailto:{post}>")
        headers.append("Precedence: list")
        headers.append("X-Mailing-List: " + post + " archive/latest/" + str(serial))
    elif kind == "automated":
        headers.append("Precedence: bulk")
        headers.append("Auto-Submitted: auto-generated")
        headers.append(f"X-Auto-Response-Suppress: All")
    headers.append(rng.choice(["User-Agent: Mozilla Thunderbird", "X-Mailer: git-send-email 2.43.0",
                               "User-Agent: mutt/2.2.12 (2023-09-09)", "X-Mailer: Apple Mail (2.3774)"]))
    head = "\n".join(headers) + "\n"
    # The body, filled up to the target size.
    room = max(int((target - len(head) - 200) * scale), 300)
    r = rng.random()
    boundary = "=_bench_" + w.hexid(20)
    if kind == "mem" or (r < 0.2 and room > 2000):
        text = body_text(w, min(room // 4, 3000))
        attach = max(room - len(text) - 400, 100)
        raw = (attach * 3) // 4
        fname = rng.choice(["report.pdf", "photo.jpg", "logs.tar.gz", "slides.odp"])
        data = base64.encodebytes(rng.randbytes(raw)).decode()
        body = (f"Content-Type: multipart/mixed; boundary=\"{boundary}\"\n\n"
                f"This is a multi-part message in MIME format.\n\n--{boundary}\n"
                f"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
                f"--{boundary}\nContent-Type: application/octet-stream; name=\"{fname}\"\n"
                f"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"{fname}\"\n\n"
                f"{data}--{boundary}--\n")
    elif r < 0.5:
        text = body_text(w, room // 2)
        html = "<html><body>" + "".join(f"<p>{p}</p>\n" for p in text.split("\n\n")) + "</body></html>"
        body = (f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\n\n--{boundary}\n"
                f"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n{text}\n"
                f"--{boundary}\nContent-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n"
                f"{wrap(html, 76)}\n--{boundary}--\n")
    elif r < 0.65:
        text = body_text(w, room).replace("ok", "=C3=A9t=C3=A9")
        body = ("Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                + text + "\n")
    else:
        body = ("Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n"
                + body_text(w, room) + "\n")
    # Content-Type is the last header line; the blank line after it ends the header.
    return (head + body).encode(), folder, msgid


def body_text(w, size):
    """Paragraphs of prose, some quoted as in a reply, of about size bytes."""
    parts, n = [], 0
    quoting = w.rng.random() < 0.4
    while n < size:
        p = w.paragraph()
        if quoting and w.rng.random() < 0.3:
            p = "\n".join("> " + line for line in p.split("\n"))
        parts.append(p)
        n += len(p) + 2
    return "\n\n".join(parts)


def timing_size(rng):
    """Most messages 2-20 KB (log-uniform), some 20-200 KB, a few up to 1 MB."""
    r = rng.random()
    lo, hi = (2e3, 20e3) if r < 0.85 else (20e3, 200e3) if r < 0.97 else (200e3, 1e6)
    return int(lo * (hi / lo) ** rng.random())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--fixed", choices=["all", "small", "none"], default="all")
    opts = ap.parse_args()

    params = {"version": GENERATOR_VERSION, "seed": opts.seed, "count": opts.count, "fixed": opts.fixed}
    manifest_path = os.path.join(opts.out, "manifest.json")
    try:
        with open(manifest_path) as f:
            if json.load(f)["params"] == params:
                print(f"corpus in {opts.out} is up to date")
                return 0
    except (OSError, ValueError, KeyError):
        pass

    for sub in ("timing", "fixed"):
        os.makedirs(os.path.join(opts.out, sub), exist_ok=True)
        for name in os.listdir(os.path.join(opts.out, sub)):
            os.unlink(os.path.join(opts.out, sub, name))
    messages = []

    def emit(path, data, folder, msgid, group):
        with open(os.path.join(opts.out, path), "wb") as f:
            f.write(data)
        messages.append({"file": path, "size": len(data), "message_id": msgid, "folder": folder,
                         "group": group})

    rng = random.Random(opts.seed)
    for i in range(opts.count):
        r = rng.random()
        kind = "list" if r < 0.5 else "automated" if r < 0.65 else "personal"
        # Each message from a generator of its own, so one message's size does not change the next.
        data, folder, msgid = make_message(rng.getrandbits(64), i, kind, timing_size(rng))
        emit(f"timing/{i:04d}.eml", data, folder, msgid, "timing")
    fixed = {"all": FIXED_SMALL + FIXED_BIG, "small": FIXED_SMALL, "none": []}[opts.fixed]
    for n, (name, size, kind) in enumerate(fixed):
        data, folder, msgid = make_message(opts.seed * 1000 + n, 900000 + n, kind, size)
        emit(f"fixed/{name}.eml", data, folder, msgid, "fixed")

    with open(manifest_path + ".new", "w") as f:
        json.dump({"params": params, "messages": messages}, f, indent=1)
    os.replace(manifest_path + ".new", manifest_path)
    sizes = sorted(m["size"] for m in messages if m["group"] == "timing")
    if sizes:
        print(f"corpus: {len(sizes)} timing messages in {opts.out}, {sizes[0]}..{sizes[-1]} bytes, "
              f"median {sizes[len(sizes) // 2]}, {sum(s <= 20480 for s in sizes)} of them <= 20 KB")
    for m in messages:
        if m["group"] == "fixed":
            print(f"corpus: {m['file']} {m['size']} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
