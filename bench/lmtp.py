#!/usr/bin/env python3
"""LMTP throughput (issue 16): mailsift --lmtp-listen against procmail run once per message
as a mail server runs it (procmail -d USER, as root), with the same messages, the same
K=100 rules (the user's ~/.procmailrc), the same maildir folders, and fsync as each does it.

Messages per second with 1 and with 8 clients at once (procmail: 1 and 8 deliveries at once),
and the peak memory (VmHWM) of the server's processes after --long messages on one connection.
Writes a Markdown report (bench/results-lmtp.md by default). Needs root (a user is made,
"msbench", and removed) and the corpus and rules that bench/run makes in its work directory.

    python3 bench/lmtp.py --work /tmp/mailsift-bench --mailsift build-bench/mailsift
"""
import argparse, json, os, pwd, shutil, socket, statistics, subprocess, sys, threading, time

USER = "msbench"


def make_user(home, rules):
    subprocess.run(["userdel", USER], stderr=subprocess.DEVNULL)
    subprocess.run(["useradd", "-M", "-d", home, "-s", "/bin/sh", USER], check=True)
    pw = pwd.getpwnam(USER)
    reset_home(home, rules, pw)
    return pw


def reset_home(home, rules, pw):
    shutil.rmtree(home, ignore_errors=True)
    os.makedirs(os.path.join(home, "Maildir"))
    rc = os.path.join(home, ".procmailrc")
    shutil.copy(rules, rc)
    for root, dirs, files in os.walk(home):
        for name in dirs + files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(rc, 0o644)


def stored(home):
    count = 0
    for root, _, files in os.walk(os.path.join(home, "Maildir")):
        if os.path.basename(root) in ("new", "cur"):
            count += len(files)
    return count


def in_parallel(messages, clients, start_worker):
    """Each of `clients` threads takes the next message (a file) until none is left:
    start_worker() gives the thread's deliver(bytes) -> failure text or None, and its
    close(). Returns the wall seconds and the failures."""
    queue = list(messages)
    lock = threading.Lock()
    failures = []

    def worker():
        deliver, close = start_worker()
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            with open(path, "rb") as f:
                failure = deliver(f.read())
            if failure:
                failures.append(failure)
        close()

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - start, failures


sequence_lock = threading.Lock()


def procmail_run(procmail, messages, clients):
    """procmail -d USER per message, `clients` at a time; wall seconds and failures."""
    def start_worker():
        def deliver(data):
            with sequence_lock:
                Client.sequence += 1
                sequence = Client.sequence
            # The same added field as the LMTP messages get, after the From_ line.
            head, _, rest = data.partition(b"\n")
            if head.startswith(b"From "):
                data = head + b"\n" + b"X-Bench-Sequence: %d\n" % sequence + rest
            r = subprocess.run([procmail, "-d", USER], input=data, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            return f"exit {r.returncode}" if r.returncode != 0 else None
        return deliver, lambda: None
    return in_parallel(messages, clients, start_worker)


class Client:
    """One LMTP connection: a transaction per message, one recipient each."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.reply()
        self.command(b"LHLO bench.example\r\n")

    def reply(self):
        while True:
            line = self.file.readline()
            if not line:
                raise RuntimeError("the server closed the connection")
            if line[3:4] == b" ":
                return line

    def command(self, text):
        self.sock.sendall(text)
        return self.reply()

    sequence = 0

    def send(self, message):
        body = message.replace(b"\r\n", b"\n")
        if body.startswith(b"From "):  # the MTA's From_ line is not part of the message
            body = body.split(b"\n", 1)[1]
        # Each message its own bytes: the delivery journal takes the same bytes for the same
        # user within 7 days for a retry, and would store them once.
        with sequence_lock:
            Client.sequence += 1
            sequence = Client.sequence
        body = b"X-Bench-Sequence: %d\n" % sequence + body
        lines = [b"." + l if l.startswith(b".") else l for l in body.split(b"\n")]
        if lines and lines[-1] == b"":
            lines.pop()
        data = b"\r\n".join(lines) + b"\r\n.\r\n"
        self.sock.sendall(b"MAIL FROM:<sender@bench.example>\r\nRCPT TO:<" + USER.encode() +
                          b"@bench.example>\r\nDATA\r\n")
        for _ in range(3):
            self.reply()
        self.sock.sendall(data)
        return self.reply()

    def close(self):
        try:
            self.command(b"QUIT\r\n")
        finally:
            self.sock.close()


def lmtp_run(connections, messages):
    """The messages over the open connections (Clients), one thread each, at once;
    wall seconds and failed replies. The connections stay open for the next call, as
    a mail server keeps its LMTP connections (Postfix's connection cache)."""
    free = list(connections)
    lock = threading.Lock()

    def start_worker():
        with lock:
            client = free.pop()
        def deliver(data):
            answer = client.send(data)
            return None if answer.startswith(b"250") else answer.decode(errors="replace").strip()
        return deliver, lambda: None
    return in_parallel(messages, len(connections), start_worker)


def high_water_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def workers_of(connections):
    """The user workers of the connections' processes: {pid: VmHWM in KB}."""
    return {pid: high_water_kb(pid) for c in connections for pid in children_of(c)}


def children_of(pid):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(name))
            except (OSError, IndexError, ValueError):
                pass
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mailsift", required=True)
    ap.add_argument("--procmail", default="/usr/bin/procmail")
    ap.add_argument("--messages", type=int, default=400, help="messages per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="whole measurements, one after "
                    "another (the ratio varies with the disk's fsync latency: each is reported)")
    ap.add_argument("--rounds", type=int, default=4, help="turns each program takes, "
                    "interleaved, over the messages of a measurement")
    ap.add_argument("--long", type=int, default=10000, help="messages on one connection for "
                    "the memory measurement")
    ap.add_argument("--results", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "results-lmtp.md"))
    opts = ap.parse_args()
    if os.getuid() != 0:
        sys.exit("bench/lmtp.py: needs root (it makes a user and procmail -d runs as root)")
    work = os.path.abspath(opts.work)
    with open(os.path.join(work, "corpus", "manifest.json")) as f:
        manifest = json.load(f)
    corpus = [os.path.join(work, "corpus", m["file"]) for m in manifest["messages"]
              if m["group"] == "timing"]
    messages = (corpus * (opts.messages // max(len(corpus), 1) + 1))[:opts.messages]
    rules = os.path.join(work, "rules", "procmailrc-K100")
    home = os.path.join(work, "lmtp-home")
    os.chmod(work, 0o755)
    pw = make_user(home, rules)
    sock = os.path.join(work, "lmtp.sock")
    log = open(os.path.join(work, "lmtp-server.log"), "w")
    server = subprocess.Popen([os.path.abspath(opts.mailsift), "--lmtp-listen", "unix:" + sock],
                              stderr=log)
    rows = []
    problems = []
    workers_early = workers_late = {}
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        time.sleep(0.2)
        # Memory: one connection, --long messages; the server's processes' peak RSS. First:
        # the files it makes take up the inodes that the removal of an earlier run's
        # files freed (ext4 is slow to make files while it passes over those), before
        # anything is timed.
        small = [m for m in corpus if os.path.getsize(m) <= 20000][:20] or corpus[:20]
        client = Client(sock)
        connection = children_of(server.pid)
        for i in range(opts.long):
            with open(small[i % len(small)], "rb") as f:
                answer = client.send(f.read())
            if not answer.startswith(b"250"):
                problems.append(f"memory run: message {i}: {answer.decode(errors='replace')}")
                break
            if i == 99:
                early = {pid: high_water_kb(pid) for pid in connection}
                workers_early = workers_of(connection)
            if i == 499:  # the first worker's last delivery (it serves 500)
                workers_late = workers_of(connection)
        memory = (high_water_kb(server.pid), {pid: high_water_kb(pid) for pid in connection},
                  early if opts.long > 100 else {})
        client.close()
        # Warm-up (page cache, the user's folders made): not counted.
        procmail_run(opts.procmail, messages[:10], 1)
        warm = [Client(sock)]
        lmtp_run(warm, messages[:10])
        warm[0].close()
        for repeat, clients in ((r, c) for r in range(opts.repeat) for c in (1, 8)):
            # Interleaved: the programs take turns, a round each, so that a change in the
            # machine's load (a shared VM) falls on both alike.
            wall = {"procmail": 0.0, "mailsift LMTP": 0.0}
            connections = [Client(sock) for _ in range(clients)]
            for round_messages in (messages[i::opts.rounds] for i in range(opts.rounds)):
                for name in wall:
                    # Nothing is removed between rounds: on a file system without a
                    # journal, ext4 passes over recently freed inodes when it makes a
                    # file, and thousands removed at once would slow whichever program
                    # runs next (the one that makes more files per message, more).
                    before = stored(home)
                    if name == "procmail":
                        seconds, failures = procmail_run(opts.procmail, round_messages, clients)
                    else:
                        seconds, failures = lmtp_run(connections, round_messages)
                    wall[name] += seconds
                    if failures:
                        problems.append(f"{name}, {clients} at once: {len(failures)} failed "
                                        f"({failures[0]})")
                    if stored(home) - before != len(round_messages):
                        problems.append(f"{name}, {clients} at once: {stored(home) - before} "
                                        f"stored of {len(round_messages)}")
            for connection in connections:
                connection.close()
            rows.append((repeat + 1, clients, len(messages) / wall["procmail"],
                         len(messages) / wall["mailsift LMTP"]))
    finally:
        server.terminate()
        server.wait()
        subprocess.run(["userdel", USER], stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)

    out = ["# LMTP throughput: mailsift --lmtp-listen against procmail -d", "",
           f"Written by `bench/lmtp.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
           f"{len(messages)} messages of the bench corpus (timing group) per measurement, in "
           f"{opts.rounds} rounds that the programs take in turn (so that a change of the "
           "machine's load falls on both), each to "
           "one user whose ~/.procmailrc is the K=100 rules; procmail runs once per message as "
           "root with `-d USER` (as a mail server runs it), `clients` at once; mailsift serves "
           "`clients` LMTP connections at once, each sending its messages one after another; the "
           "connections are opened once per measurement and kept across its rounds, as a "
           "mail server keeps them (Postfix's connection cache). "
           f"The folders are emptied once, before the memory run (below), which comes first, "
           f"and nothing is removed after it: its {opts.long} messages stay in the folders "
           f"while the throughput is measured. Machine: {os.cpu_count()} CPUs.", "",
           f"The whole measurement is made {opts.repeat} times, one after another: mailsift "
           "waits on two fsyncs per message (the message, and the maildir's new/, whose sync "
           "also commits the journal's staged copy) where procmail waits on one and spends the rest starting, so the "
           "ratio follows the disk's fsync latency, which changes from run to run on a shared "
           "machine.", "",
           "| at once | run | procmail msg/s | mailsift LMTP msg/s | mailsift / procmail | target |",
           "| ---: | ---: | ---: | ---: | ---: | --- |"]
    for repeat, clients, p, mls in sorted(rows, key=lambda r: (r[1], r[0])):
        out.append(f"| {clients} | {repeat} | {p:.1f} | {mls:.1f} | {mls / p:.2f} | at least 3 |")
    for clients in (1, 8):
        ratios = sorted(mls / p for _, c, p, mls in rows if c == clients)
        out.append(f"| {clients} | median | | | {statistics.median(ratios):.2f} "
                   f"(lowest {ratios[0]:.2f}) | at least 3 |")
    listener, after, before = memory
    out += ["", f"Peak memory (VmHWM) after {opts.long} messages on one connection: the listener "
            f"{listener / 1024:.1f} MB; the connection's process " +
            ", ".join(f"{kb / 1024:.1f} MB (after 100 messages: {before.get(pid, 0) / 1024:.1f} MB)"
                      for pid, kb in after.items()) + "; the user's worker (a worker serves "
            "500 deliveries, then a fresh one starts) " +
            ", ".join(f"{kb / 1024:.1f} MB after 100 deliveries" for kb in workers_early.values()) +
            ", " + ", ".join(f"{kb / 1024:.1f} MB after 500" for kb in workers_late.values()) +
            ".", ""]
    if problems:
        out += ["Problems:", ""] + [f"- {p}" for p in problems] + [""]
    with open(opts.results, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
