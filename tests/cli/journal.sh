#!/usr/bin/env bash
# The delivery journal end to end (mailsiftrc(5), DELIVERY JOURNAL), with the
# binary as a mail server runs it:
# 1. Kills and retries: JOURNAL_KILLS (default 1000) messages, each delivered by
#    ":0 c" into a maildir and then into an mbox; each first run is killed with
#    SIGKILL at a random moment (seeded; a third over a whole typical run, the rest
#    over its last 40%, where the deliveries are), then retried as the server would,
#    unkilled, whether the first run exited 0 or not (a kill after its last
#    delivery looks the same to the server). After each retry: the message is in
#    the maildir exactly once and is the mbox's last message exactly once, whole;
#    the mbox holds nothing else new.
# 2. Concurrent retries: 50 different messages at once, each stored in a maildir
#    and then failing on an mbox that cannot be made (exit 75); the mbox is made
#    possible and all 50 are retried at once: one copy of each in both folders,
#    and one journal each.
# 3. A "c" clone's delivery is not repeated by the retry either.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"

python3 - "$MAILSIFT" "$WORK" "${JOURNAL_KILLS:-1000}" "${JOURNAL_SEED:-20261204}" <<'PY'
import os, random, re, shutil, signal, subprocess, sys, time

mailsift, work, kills, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
problems = []

def fail(text):
    problems.append(text)
    print("FAIL: " + text, file=sys.stderr)

def message(serial, tag="kill"):
    return (f"From sender-{serial}@example.org  Fri Dec  4 09:00:00 2026\n"
            f"From: sender-{serial}@example.org\nTo: user@example.org\n"
            f"Subject: {tag} {serial}\nMessage-ID: <{tag}-{serial}@example.org>\n"
            f"X-Serial: {serial}\n\nbody of {serial}\nFrom here on, quoted\n").encode()

def in_mbox(serial, tag="kill"):
    return re.sub(rb"(?m)^From here", b">From here", message(serial, tag)) + b"\n"

def start(rcfile, data, env=None):
    child = subprocess.Popen([mailsift, "ORGMAIL=", rcfile], stdin=subprocess.PIPE,
                             stderr=open(os.path.join(work, "stderr.log"), "ab"), env=env)
    child.stdin.write(data)
    child.stdin.close()
    return child

def maildir_serials(path, tag="kill"):
    found = {}
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            m = re.search(rb"^Message-ID: <" + tag.encode() + rb"-(\d+)@", open(os.path.join(d, name), "rb").read(), re.M)
            if m:
                found[int(m.group(1))] = found.get(int(m.group(1)), 0) + 1
    return found

# --- 1. Kills and retries.
rc = os.path.join(work, "kill.rc")
with open(rc, "w") as f:
    f.write(f"MAILDIR={work}\nMAILSIFT_JOURNAL={work}/journal\nLOGFILE={work}/kill.log\n"
            ":0 c\ninbox/\n:0\nmbox\n")
rng = random.Random(seed)
durations = []
for serial in range(10):  # how long an unkilled run takes
    t = time.perf_counter()
    start(rc, message(10**6 + serial, "warm")).wait()
    durations.append(time.perf_counter() - t)
typical = sorted(durations)[len(durations) // 2]
mbox = os.path.join(work, "mbox")
verified = os.path.getsize(mbox)
seen_in_maildir = {}
landed = skipped_on_retry = 0
started = time.time()
for serial in range(1, kills + 1):
    data = message(serial)
    # A third over the whole run, the rest over its last 40%, where the deliveries
    # and the journal's records are (start-up and reading the rules come first).
    low = 0 if rng.random() < 1 / 3 else typical * 0.6
    delay = rng.uniform(low, typical)
    child = start(rc, data)
    until = time.perf_counter() + delay
    while time.perf_counter() < until and child.poll() is None:
        pass
    try:
        os.kill(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    code = child.wait()
    if code == -signal.SIGKILL:
        landed += 1
    retry = start(rc, data).wait()
    if retry != 0:
        fail(f"message {serial}: the retry exited {retry}")
    # The maildir: exactly one copy.
    now = maildir_serials(os.path.join(work, "inbox"))
    n = now.get(serial, 0)
    if n != 1:
        fail(f"message {serial}: {n} copies in the maildir (first run: {code})")
    # The mbox: what came after the last verified message is this one, once, whole.
    with open(mbox, "rb") as f:
        f.seek(verified)
        tail = f.read()
    if tail != in_mbox(serial):
        fail(f"message {serial}: the mbox's new tail is not the message once and whole "
             f"({len(tail)} bytes, wanted {len(in_mbox(serial))}; first run: {code})")
        verified = os.path.getsize(mbox)
    else:
        verified += len(tail)
    if len(problems) > 20:
        break
log = open(os.path.join(work, "kill.log"), "rb").read()
# Run journals; maildir deliveries' staged copies (RUN.KEYHASH.NAME) stay beside them
# until a prune finds them old.
journals = [n for n in os.listdir(os.path.join(work, "journal")) if n != "pruned" and "." not in n]
print(f"kills: {kills} messages, kills landed {landed}; "
      f"retries that skipped a folder: {log.count(b'an earlier attempt stored the message')}, "
      f"torn mbox tails cut back: {log.count(b'bytes of a delivery that was cut off')}, "
      f"whole ones recorded: {log.count(b'is whole; recorded as stored')}; "
      f"journals: {len(journals)}; {time.time() - started:.1f} s")
if len(journals) != kills + 10:  # the journal keeps every delivered message's
    fail(f"{len(journals)} journals, wanted one per message ({kills + 10})")

# --- 2. Concurrent retries of 50 different messages.
base = os.path.join(work, "concurrent")
os.mkdir(base)
blocker = os.path.join(base, "sub")
open(blocker, "w").close()  # a file where the mbox's directory should be: ENOTDIR
rc2 = os.path.join(work, "concurrent.rc")
with open(rc2, "w") as f:
    f.write(f"MAILDIR={base}\nMAILSIFT_JOURNAL={base}/journal\nDEFAULT={blocker}/default\n"
            ":0 c\ninbox/\n:0\nsub/mbox\n")
children = [start(rc2, message(i, "conc")) for i in range(50)]
codes = [c.wait() for c in children]
if codes != [75] * 50:
    fail(f"concurrent: first runs exited {sorted(set(codes))}, wanted 75")
os.unlink(blocker)
os.mkdir(blocker)
children = [start(rc2, message(i, "conc")) for i in range(50)]
codes = [c.wait() for c in children]
if codes != [0] * 50:
    fail(f"concurrent: retries exited {sorted(set(codes))}, wanted 0")
inbox = maildir_serials(os.path.join(base, "inbox"), "conc")
if inbox != {i: 1 for i in range(50)}:
    fail(f"concurrent: maildir copies {sorted(inbox.items())[:10]}...")
data = open(os.path.join(blocker, "mbox"), "rb").read()
for i in range(50):
    if data.count(in_mbox(i, "conc")) != 1:
        fail(f"concurrent: message {i} is {data.count(in_mbox(i, 'conc'))} times in the mbox")
left = [n for n in os.listdir(os.path.join(base, "journal")) if n != "pruned" and "." not in n]
if len(left) != 50:
    fail(f"concurrent: {len(left)} journals, wanted 50")
print(f"concurrent: 50 first runs exited 75, 50 retries exited 0; "
      f"maildir {sum(inbox.values())} copies, journals {len(left)}")

# --- 3. A clone's delivery.
base = os.path.join(work, "clone")
os.mkdir(base)
blocker = os.path.join(base, "sub")
open(blocker, "w").close()
rc3 = os.path.join(work, "clone.rc")
with open(rc3, "w") as f:
    f.write(f"MAILDIR={base}\nMAILSIFT_JOURNAL={base}/journal\nDEFAULT={blocker}/default\n"
            ":0 c\n{\n  :0\n  cloned/\n}\n:0\nsub/mbox\n")
first = start(rc3, message(1, "clone")).wait()
os.unlink(blocker)
os.mkdir(blocker)
retry = start(rc3, message(1, "clone")).wait()
cloned = maildir_serials(os.path.join(base, "cloned"), "clone")
if (first, retry, cloned.get(1)) != (75, 0, 1):
    fail(f"clone: first run {first}, retry {retry}, copies by the clone {cloned.get(1)}")
print(f"clone: first run {first}, retry {retry}, copies stored by the clone {cloned.get(1)}")

print(f"{'0 failed' if not problems else str(len(problems)) + ' failed'}")
sys.exit(1 if problems else 0)
PY
status=$?
[ $status -eq 0 ] && pass || fail "journal checks failed"
finish
