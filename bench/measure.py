#!/usr/bin/env python3
"""Runs the benchmark: mailsift against procmail and maildrop, one process per message with
the message on a pipe (cat MESSAGE | PROGRAM), and writes a markdown report.

  measure.py --work DIR --mailsift BIN [--quick] [--results FILE] [--routing-only] ...

DIR must hold the corpus (gen_corpus.py --out DIR/corpus) and the rules (gen_rules.py
--out DIR/rules --body-variant 100). bench/run does all of it; see bench/README.md.

Measures, for each K: wall and CPU time (user + system, from wait4's rusage of the program,
which includes any child it waited for) per message, the programs run in turn message by
message (cat baseline, procmail, mailsift, maildrop, then the next message); instructions per
message (callgrind's total Ir) for the typical 8 KB message; peak RSS (ru_maxrss) for 10 KB,
1 MB, 10 MB and 50 MB messages with header-only rules and with one body rule; and checks that
every program delivered every message into the same folder, the one the corpus expects.
With --routing-only it runs each message once per program and K and only checks the folders
(the CI smoke test): exit 1 when a program failed or two programs disagree.
"""
import argparse
import base64
import datetime
import glob
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus  # noqa: E402  (the lists every rule set ends with)
import gen_rules  # noqa: E402  (where the -spread rule sets send each message)

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.M | re.I)
CALLGRIND_TOTAL = re.compile(r"^(?:totals|summary):\s*(\d+)", re.M)
PROCMAIL = "/usr/bin/procmail"
MAILDROP = "/usr/bin/maildrop"
GNU_TIME = "/usr/bin/time"
STRACE = "/usr/bin/strace"
# The parts of a mailsift run, by the inclusive cost of the function that does each (a regex on
# callgrind's full function name), for "Where the time goes"; a part whose function is not in
# the profile (renamed, inlined) is left out.
PHASES = [
    ("starting the process: dynamic loader and relocations (self)", "object:ld-linux"),
    ("reading the message (message::read_message)", r"message::read_message\("),
    ("loading the rcfile (engine::Evaluator::load)", r"engine::Evaluator::load\("),
    ("  compiling its regexes (rc::Regex::compile)", r"rc::Regex::compile\("),
    ("    procmail regex to RE2 text (rc::dialect::Pattern::to_re2)", r"dialect::Pattern::to_re2"),
    ("    RE2 compiling (re2::RE2::RE2)", r"^\?*:?re2::RE2::RE2\("),
    ("testing the conditions (engine::Evaluator::conditions_hold)", r"Evaluator::conditions_hold\("),
    ("  regex searches (rc::Regex::search)", r"rc::Regex::search\("),
    ("delivering (deliver::deliver_to_folders)", r"deliver::deliver_to_folders\("),
    ("freeing the message (message::Message::~Message)", r"message::Message::~Message\("),
]
# Targets of issue 6 (ratios to procmail measured in the same run).
WALL_TARGET = {100: 0.6, 1000: 0.4}
# Targets of issue 12 on the -spread rule sets (each message's first match anywhere in the file).
SPREAD_WALL_TARGET = {100: 0.9, 1000: 0.5}
FLOOR_K = 100   # the K whose runs also time procmail and mailsift with no rules at all
INSTR_TARGET = 0.25
SCALING_TARGET = 2.0
RSS_TARGET_KB = 8 * 1024


class Program:
    """How to run one of the compared programs on a message with a rule set, delivering into
    the maildirs under home/Maildir."""

    def __init__(self, name, path, kind, rules=None):
        self.name, self.path, self.kind = name, path, kind
        self.rules = rules   # a fixed rcfile variant ("none"), whatever K is measured

    def argv_env(self, rules_dir, variant, home):
        variant = self.rules or variant
        env = {"PATH": "/usr/bin:/bin", "LANG": "C", "TZ": "UTC"}
        maildir = os.path.join(home, "Maildir")
        if self.kind == "procmail":
            # HOME on the command line: procmail takes HOME from the password file otherwise;
            # ORGMAIL too, so that nothing could ever land in the real /var/mail.
            return [self.path, f"HOME={home}", f"ORGMAIL={home}/orgmail",
                    os.path.join(rules_dir, f"procmailrc-{variant}")], dict(env, HOME=home)
        if self.kind == "maildrop":
            # Manual mode (a filter file on the command line, mode 600): no setuid or -d needed;
            # maildrop resets HOME, so the filter reads the maildir root from BENCH_MAILDIR.
            return [self.path, os.path.join(rules_dir, f"mailfilter-{variant}")], \
                dict(env, HOME=home, BENCH_MAILDIR=maildir)
        return [self.path], env   # the baseline: cat reads the pipe, writes to /dev/null

    def prepare_home(self, home, rules_dir, variant):
        shutil.rmtree(home, ignore_errors=True)
        os.makedirs(os.path.join(home, "Maildir"))
        if self.kind == "maildrop":   # maildrop delivers only into maildirs that exist
            with open(os.path.join(rules_dir, f"folders-{variant}")) as f:
                for folder in f.read().split():
                    for sub in ("tmp", "new", "cur"):
                        os.makedirs(os.path.join(home, "Maildir", folder, sub), exist_ok=True)


def run_piped(msg_path, argv, env, stderr_fd):
    """cat msg_path | argv > /dev/null; returns (wall seconds, CPU seconds, exit status) of argv.
    The wall time runs from before cat starts to after both ended. (Not the peak RSS: see
    Bench.peak_rss.)"""
    r, w = os.pipe()
    start = time.perf_counter()
    cat = os.posix_spawn("/bin/cat", ["cat", msg_path], os.environ,
                         file_actions=[(os.POSIX_SPAWN_DUP2, w, 1), (os.POSIX_SPAWN_CLOSE, r),
                                       (os.POSIX_SPAWN_CLOSE, w)])
    prog = os.posix_spawn(argv[0], argv, env,
                          file_actions=[(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_CLOSE, r),
                                        (os.POSIX_SPAWN_CLOSE, w),
                                        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                        (os.POSIX_SPAWN_DUP2, stderr_fd, 2)])
    os.close(r)
    os.close(w)
    _, status, usage = os.wait4(prog, 0)
    os.waitpid(cat, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def delivered(home):
    """{message-id: [folder, ...]} for every message in the maildirs under home/Maildir."""
    found = {}
    root = os.path.join(home, "Maildir")
    for folder in os.listdir(root):   # not glob: folder names start with "."
        for sub in ("new", "cur"):
            path = os.path.join(root, folder, sub)
            for name in os.listdir(path) if os.path.isdir(path) else []:
                with open(os.path.join(path, name), "rb") as f:
                    m = MESSAGE_ID.search(f.read(65536))
                found.setdefault(m.group(1).decode() if m else "?", []).append(folder)
    return found


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.work = os.path.abspath(opts.work)
        self.rules = os.path.join(self.work, "rules")
        self.runs = os.path.join(self.work, "runs")
        with open(os.path.join(self.work, "corpus", "manifest.json")) as f:
            self.manifest = json.load(f)
        self.timing = [m for m in self.manifest["messages"] if m["group"] == "timing"][:opts.count]
        self.fixed = {os.path.basename(m["file"])[:-4]: m for m in self.manifest["messages"]
                      if m["group"] == "fixed"}
        self.programs = [Program("procmail", opts.procmail, "procmail"),
                         Program("mailsift", os.path.abspath(opts.mailsift), "procmail")]
        self.notes = []
        self.load = os.getloadavg()
        if opts.no_maildrop:
            self.notes.append("maildrop left out (--no-maildrop).")
        elif os.access(opts.maildrop, os.X_OK):
            self.programs.append(Program("maildrop", opts.maildrop, "maildrop"))
        else:
            self.notes.append(f"maildrop is not installed ({opts.maildrop}): left out.")
        os.makedirs(self.runs, exist_ok=True)
        self.log_path = os.path.join(self.runs, "stderr.log")
        self.log = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.failures = []       # (program, K, message file, exit status)
        self.routing = {}        # K -> list of problems
        self.times = {}          # (program name, K) -> {"wall": [...], "cpu": [...]}
        self.instr = {}          # (program name, variant) -> Ir
        self.rss = {}            # (program name, message, variant) -> KB
        self.annotations = {}    # variant -> (self rows, inclusive rows, per-object rows)
        self.strace = {}         # program name -> {syscall: calls}
        self.view_costs = {}     # views(): CPU ms of the K=100 rules raw and as views, sniffing

    def corpus_path(self, m):
        return os.path.join(self.work, "corpus", m["file"])

    def home(self, prog, variant):
        return os.path.join(self.runs, f"{prog.name.split()[0]}-{variant}")

    # -- timing and routing --------------------------------------------------------------
    def time_k(self, k, rounds, spread=False):
        """Times (and routes) every message with the K-rule set; spread: the -spread one, whose
        results are kept under the key "K<k>-spread" instead of k."""
        variant = f"K{k}" + ("-spread" if spread else "")
        key = variant if spread else k
        baseline = Program("cat (baseline)", "/bin/cat", "cat")
        progs = ([baseline] if rounds else []) + self.programs
        if rounds and (k == FLOOR_K or spread):
            # The same delivery without any rule: what starting the program, reading the
            # message and storing it durably cost (see the report's "floor").
            with open(os.path.join(self.rules, "procmailrc-none"), "w") as f:
                f.write("# No rules: every message goes to DEFAULT (written by bench/measure.py).\n"
                        f"MAILDIR=$HOME/Maildir\nDEFAULT=$MAILDIR/{gen_corpus.INBOX}/\n")
            progs += [Program(f"{p.name}, no rules", p.path, p.kind, rules="none")
                      for p in self.programs[:2]]
        for p in progs:
            p.prepare_home(self.home(p, variant), self.rules, variant)
            self.times[(p.name, key)] = {"wall": [], "cpu": []}
        # Warm-up (not counted): loads the binaries and the first messages into the page cache.
        for p in progs if rounds else []:
            home = self.home(p, variant + "-warmup")
            p.prepare_home(home, self.rules, variant)
            argv, env = p.argv_env(self.rules, variant, home)
            for m in self.timing[:3]:
                run_piped(self.corpus_path(m), argv, env, self.log)
            shutil.rmtree(home, ignore_errors=True)
        for _ in range(max(rounds, 1)):
            for m in self.timing:
                for p in progs:
                    argv, env = p.argv_env(self.rules, variant, self.home(p, variant))
                    wall, cpu, status = run_piped(self.corpus_path(m), argv, env, self.log)
                    t = self.times[(p.name, key)]
                    t["wall"].append(wall)
                    t["cpu"].append(cpu)
                    if status != 0:
                        self.failures.append((p.name, variant, m["file"], status))
        self.routing[key] = self.check_routing(variant, max(rounds, 1), spread)
        for p in progs:
            shutil.rmtree(self.home(p, variant), ignore_errors=True)

    def check_routing(self, variant, copies, spread=False):
        """Problems (text lines): a message not delivered exactly `copies` times into the
        folder the corpus expects (or, with a -spread rule set, the folder of its group), by any
        program."""
        problems = []
        found = {p.name: delivered(self.home(p, variant)) for p in self.programs}
        for m in self.timing:
            folder = (gen_rules.spread_folder(gen_rules.spread_group(m["message_id"])) if spread
                      else m["folder"])
            want = [folder] * copies
            got = {name: sorted(f.get(m["message_id"], [])) for name, f in found.items()}
            if any(g != want for g in got.values()):
                problems.append(f"{m['file']} (expected {folder}): " +
                                ", ".join(f"{n} -> {','.join(g) or 'nowhere'}" for n, g in got.items()))
        return problems

    # -- instructions ------------------------------------------------------------------
    def callgrind(self, prog, variant, message):
        out_dir = os.path.join(self.runs, "callgrind")
        os.makedirs(out_dir, exist_ok=True)
        home = self.home(prog, f"cg-{variant}")
        prog.prepare_home(home, self.rules, variant)
        argv, env = prog.argv_env(self.rules, variant, home)
        argv[0] = self.without_setid(argv[0])
        base = os.path.join(out_dir, f"{prog.name}-{variant}")
        total, status = self.callgrind_total(argv, env, self.corpus_path(self.fixed[message]), base)
        if status != 0:
            self.failures.append((prog.name + " (callgrind)", variant, message, status))
        shutil.rmtree(home, ignore_errors=True)
        self.instr[(prog.name, variant)] = total
        return sorted(glob.glob(base + ".*.out"))

    def callgrind_total(self, argv, env, msg_path, base):
        """argv under callgrind (children too), profiles in base.PID.out; (total Ir, status)."""
        for old in glob.glob(base + ".*"):
            os.unlink(old)
        cg = [shutil.which("valgrind") or "valgrind", "--tool=callgrind", "--trace-children=yes",
              f"--callgrind-out-file={base}.%p.out"] + argv
        _, _, status = run_piped(msg_path, cg, env, self.log)
        total = 0
        for path in glob.glob(base + ".*.out"):
            with open(path) as f:
                m = CALLGRIND_TOTAL.search(f.read())
            total += int(m.group(1)) if m else 0
        return total, status

    # -- views (issue 13) ----------------------------------------------------------------
    def cpu_per_run(self, prog, variant, msg_path, runs):
        """Mean CPU milliseconds of prog delivering msg_path with the rule set, over runs."""
        home = self.home(prog, f"cpu-{variant}")
        prog.prepare_home(home, self.rules, variant)
        argv, env = prog.argv_env(self.rules, variant, home)
        total = 0.0
        for _ in range(runs):
            _, cpu, status = run_piped(msg_path, argv, env, self.log)
            total += cpu
            if status != 0:
                self.failures.append((prog.name, variant, os.path.basename(msg_path), status))
        shutil.rmtree(home, ignore_errors=True)
        return total / runs * 1000

    def views(self, prog, runs):
        """What views cost: the K=100 rules as header and address views against the same rules
        as raw regexes (CPU and instructions, the 8 KB message), and libmagic's sniffing: the
        first part sniffed and 64 parts of random content (mime.sniffed against mime.type,
        which never sniffs, on the same message)."""
        msg = self.corpus_path(self.fixed["typical-8k"])
        raw, views = [], []
        for _ in range(runs):  # interleaved, so that a change of machine load hits both
            raw.append(self.cpu_per_run(prog, "K100", msg, 1))
            views.append(self.cpu_per_run(prog, "K100-views", msg, 1))
        self.view_costs = {"raw": statistics.mean(raw), "views": statistics.mean(views)}
        self.callgrind(prog, "K100-views", "typical-8k")
        with open(os.path.join(self.rules, "procmailrc-sniff"), "w") as f:
            f.write("# written by bench/measure.py\n:0\n* mime.sniffed ?? ^application/x-dosexec$\n/dev/null\n")
        with open(os.path.join(self.rules, "procmailrc-nosniff"), "w") as f:
            f.write("# written by bench/measure.py\n:0\n* mime.type ?? ^application/x-dosexec$\n/dev/null\n")
        content = random.Random(13).randbytes(65536)
        for parts in (1, 64):
            path = os.path.join(self.runs, f"sniff-{parts}.eml")
            with open(path, "w") as f:
                f.write("From: a@example.org\nMIME-Version: 1.0\n"
                        "Content-Type: multipart/mixed; boundary=b\n\n")
                for i in range(parts):
                    f.write(f"--b\nContent-Type: application/pdf; name=\"f{i}.pdf\"\n"
                            "Content-Transfer-Encoding: base64\n\n" +
                            base64.encodebytes(content).decode())
                f.write("--b--\n")
            n = max(4, runs // (2 if parts == 1 else 8))
            # Interleaved, one run of each at a time: the load of the machine drifts.
            sniff, nosniff = [], []
            for _ in range(n):
                sniff.append(self.cpu_per_run(prog, "sniff", path, 1))
                nosniff.append(self.cpu_per_run(prog, "nosniff", path, 1))
            self.view_costs[f"sniff-{parts}"] = statistics.mean(sniff) - statistics.mean(nosniff)

    def views_memory(self, prog):
        """Peak RSS with the MIME views on the 50 MB message (a 50 MB base64 attachment of
        random bytes: nothing in libmagic's database matches it early): mime.sniffed,
        mime.filename and mime.text, and the same without mime.sniffed; and mime.text on a
        message of 40 text parts of 1 MB (the view is bounded in all, not only per part)."""
        for name, tests in (("mime-sniff", ("mime.sniffed", "mime.filename", "mime.text")),
                            ("mime-nosniff", ("mime.filename", "mime.text")),
                            ("mime-text", ("mime.text",))):
            with open(os.path.join(self.rules, f"procmailrc-{name}"), "w") as f:
                f.write("# written by bench/measure.py\nMAILDIR=$HOME/Maildir\n"
                        f"DEFAULT=$MAILDIR/{gen_corpus.INBOX}/\n")
                for view in tests:
                    f.write(f":0\n* {view} ?? ^never-in-this-message$\n/dev/null\n")
        if "mem-50m" in self.fixed:
            for variant in ("mime-sniff", "mime-nosniff"):
                self.peak_rss(prog, variant, "mem-50m")
        path = os.path.join(self.runs, "text-parts.eml")
        with open(path, "w") as f:
            f.write("From: a@example.org\nMessage-ID: <text-parts@bench.mailsift.invalid>\n"
                    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n")
            line = "A line of text in one of forty parts of about a megabyte each.\n"
            for _ in range(40):
                f.write("--b\nContent-Type: text/plain; charset=us-ascii\n\n" + line * ((1 << 20) // len(line)))
            f.write("--b--\n")
        home = self.home(prog, "rss-text-parts")
        prog.prepare_home(home, self.rules, "mime-text")
        argv, env = prog.argv_env(self.rules, "mime-text", home)
        out = os.path.join(self.runs, "time.out")
        _, _, status = run_piped(path, [GNU_TIME, "-f", "%M", "-o", out] + argv, env, self.log)
        with open(out) as f:
            self.rss[(prog.name, "text-parts", "mime-text")] = int(f.read().split()[-1])
        if status != 0:
            self.failures.append((prog.name, "mime-text", "text-parts", status))
        shutil.rmtree(home, ignore_errors=True)

    # -- the delivery journal (issue 14) --------------------------------------------------
    def journaled_ext4(self):
        """Mounts an ext4 image made with mkfs.ext4's defaults (a journal, data=ordered) on a
        loop device under the work dir, for the journal's cost on the file system a Debian mail
        host has: this machine's own may be ext4 without a journal, where a file's fsync also
        writes its directory at once. Root only; returns the mount point, or None (noted)."""
        if os.geteuid() != 0 or not shutil.which("mkfs.ext4"):
            self.notes.append("The journal's cost on ext4 with a journal needs root and mkfs.ext4: "
                              "not measured.")
            return None
        image = os.path.join(self.work, "ext4-journal.img")
        mount = os.path.join(self.work, "ext4-journal")
        subprocess.run(["umount", mount], stderr=subprocess.DEVNULL)
        os.makedirs(mount, exist_ok=True)
        with open(image, "wb") as f:
            f.truncate(1 << 30)
        for argv in (["mkfs.ext4", "-q", "-F", image], ["mount", "-o", "loop", image, mount]):
            done = subprocess.run(argv, capture_output=True, text=True)
            if done.returncode != 0:
                self.notes.append(f"`{' '.join(argv[:2])}` failed ({done.stderr.strip()}): the "
                                  "journal's cost on ext4 with a journal is not measured.")
                os.unlink(image)
                return None
        return mount

    def release_ext4(self, mount):
        subprocess.run(["umount", mount], stderr=subprocess.DEVNULL)
        image = os.path.join(self.work, "ext4-journal.img")
        if os.path.exists(image):
            os.unlink(image)

    def journal(self, prog, runs, root=None):
        """What the delivery journal costs when there is nothing to retry: K=100 on the 8 KB
        message as a mail server runs mailsift (RECIPIENT set, so the journal is on), against
        the same with MAILSIFT_JOURNAL=no; each run into a fresh home, so every run is a first
        attempt (the folders and the journal's directory exist, as on a mail host that has
        delivered before). Wall and CPU time, interleaved runs, and callgrind's instructions."""
        msg = self.corpus_path(self.fixed["typical-8k"])
        results = {"on": ([], []), "off": ([], [])}
        def one(mode):
            home = (self.home(prog, f"journal-{mode}") if root is None
                    else os.path.join(root, f"journal-{mode}"))
            prog.prepare_home(home, self.rules, "K100")
            argv, env = prog.argv_env(self.rules, "K100", home)
            env = dict(env, RECIPIENT="user@example.org", SENDER="sender@example.org")
            if mode == "off":
                argv = argv[:1] + ["MAILSIFT_JOURNAL=no"] + argv[1:]
            return home, argv, env
        def forget(home):
            """The journal's records of the run before, so that the next is a first attempt
            again (its directory and prune marker stay, as on a mail host)."""
            journal_dir = os.path.join(home, ".mailsift", "journal")
            for name in os.listdir(journal_dir) if os.path.isdir(journal_dir) else []:
                if name != "pruned":
                    os.unlink(os.path.join(journal_dir, name))
        homes = {mode: one(mode) for mode in ("on", "off")}
        for mode, (home, argv, env) in homes.items():  # folders and journal made
            run_piped(msg, argv, env, self.log)
            forget(home)
        for i in range(runs):
            # Each order in turn: the second of two runs in a row finds the disk busier.
            for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
                home, argv, env = homes[mode]
                wall, cpu, status = run_piped(msg, argv, env, self.log)
                if status != 0:
                    self.failures.append((prog.name, f"journal-{mode}", "typical-8k", status))
                results[mode][0].append(wall * 1000)
                results[mode][1].append(cpu * 1000)
                forget(home)
        for home, _, _ in homes.values():
            shutil.rmtree(home, ignore_errors=True)
        costs = {mode: (statistics.mean(w), statistics.mean(c), statistics.median(w))
                 for mode, (w, c) in results.items()}
        if root is not None:
            self.journal_costs_ext4 = costs
            return
        self.journal_costs = costs
        for mode in ("on", "off"):
            home, argv, env = one(mode)
            argv[0] = self.without_setid(argv[0])
            out = os.path.join(self.runs, "callgrind", f"journal-{mode}")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            total, _ = self.callgrind_total(argv, env, msg, out)
            self.instr[("mailsift", f"K100-journal-{mode}")] = total
            shutil.rmtree(home, ignore_errors=True)

    def syscalls(self, prog, variant, message):
        """{syscall: calls} of the program (children included) delivering message, as strace -c
        counts them, on the second delivery (so the folder exists, as it usually does)."""
        home = self.home(prog, f"strace-{variant}")
        prog.prepare_home(home, self.rules, variant)
        argv, env = prog.argv_env(self.rules, variant, home)
        path = self.corpus_path(self.fixed[message])
        run_piped(path, argv, env, self.log)
        out = os.path.join(self.runs, "strace.out")
        argv = [STRACE, "-f", "-c", "-o", out, self.without_setid(argv[0])] + argv[1:]
        run_piped(path, argv, env, self.log)
        counts = {}
        with open(out) as f:
            for line in f:
                cols = line.split()
                if len(cols) >= 5 and cols[0][0].isdigit() and cols[3].isdigit():
                    counts[cols[-1]] = int(cols[3])
        shutil.rmtree(home, ignore_errors=True)
        self.strace[prog.name] = counts

    def without_setid(self, path):
        """valgrind refuses setuid and setgid programs (procmail, maildrop): a copy without those
        bits, which runs the same for root."""
        if not os.stat(path).st_mode & 0o6000:
            return path
        copy = os.path.join(self.runs, "bin", os.path.basename(path))
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o755)
        return copy

    def annotate(self, files, top):
        """The top functions of a callgrind profile, as (self rows, inclusive rows, per-object
        rows, phase rows): [(Ir, percent, name)]. Names lose their parameter lists; functions of
        stripped libraries (RE2's internals) are named by address and library."""
        def rows(inclusive):
            out = []
            text = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                                   "--threshold=100", files[0]], capture_output=True, text=True).stdout
            for line in text.splitlines():
                m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*?)(?:\s+\[([^\]]*)\])?$", line)
                if not m or m.group(3).startswith("PROGRAM TOTALS"):
                    continue
                name = re.sub(r"^(?:\?\?\?|[^\s:]*/[^\s:]*|[^\s:]+\.[chS]\w*):", "", m.group(3))
                name = shorten(name)
                obj = os.path.basename(m.group(4)) if m.group(4) else None
                if name.startswith("0x"):
                    name = f"{name} ({obj})"
                out.append([int(m.group(1).replace(",", "")), float(m.group(2)), name, obj, m.group(3)])
            # Code inlined from another source file comes without its object: that of the
            # function's other rows.
            objects_of = {r[2]: r[3] for r in out if r[3]}
            for r in out:
                r[3] = r[3] or objects_of.get(r[2], "?")
            return [tuple(r) for r in out]
        # One row per function: callgrind splits a function by the source file of inlined code.
        merged = {}
        for ir, pct, name, obj, full in rows(False):
            old = merged.get((name, obj), (0, 0.0, name, obj, full))
            merged[(name, obj)] = (old[0] + ir, old[1] + pct, name, obj, full)
        self_rows = sorted(merged.values(), key=lambda r: -r[0])
        by_object = {}
        for ir, pct, _, obj, _ in self_rows:
            by_object[obj] = by_object.get(obj, (0, 0.0))
            by_object[obj] = (by_object[obj][0] + ir, by_object[obj][1] + pct)
        objects = sorted(((ir, pct, obj) for obj, (ir, pct) in by_object.items()), reverse=True)
        startup = re.compile(r"^(\(below main\)|main|_start|__libc_start_main.*|0x[0-9a-f]+ \(ld-linux.*)$")
        all_incl = rows(True)
        incl = [r[:3] for r in all_incl if not startup.match(r[2])]
        phases = []
        for label, pattern in PHASES:
            if pattern.startswith("object:"):
                found = [(ir, pct) for ir, pct, obj in objects if obj.startswith(pattern[7:])]
            else:
                found = [(r[0], r[1]) for r in all_incl if re.search(pattern, r[4])]
            if found:
                ir, pct = max(found)
                phases.append((ir, pct, label))
        return [r[:3] for r in self_rows[:top]], incl[:top], objects[:8], phases

    # -- memory ------------------------------------------------------------------------
    def peak_rss(self, prog, variant, message):
        """The program's ru_maxrss as GNU time reports it. Not from this script's wait4: a child
        of a Python process starts with Python's peak (Linux keeps the larger of the peak before
        and after exec), while time's own footprint is about 2 MB."""
        home = self.home(prog, f"rss-{variant}")
        prog.prepare_home(home, self.rules, variant)
        argv, env = prog.argv_env(self.rules, variant, home)
        out = os.path.join(self.runs, "time.out")
        argv = [GNU_TIME, "-f", "%M", "-o", out] + argv
        _, _, status = run_piped(self.corpus_path(self.fixed[message]), argv, env, self.log)
        with open(out) as f:
            rss = int(f.read().split()[-1])
        if status != 0:
            self.failures.append((prog.name, variant, message, status))
        want = self.fixed[message]["folder"]
        got = delivered(home).get(self.fixed[message]["message_id"], [])
        if got != [want]:
            self.routing.setdefault("memory", []).append(
                f"{message} with {variant}: {prog.name} -> {','.join(got) or 'nowhere'} (expected {want})")
        shutil.rmtree(home, ignore_errors=True)
        self.rss[(prog.name, message, variant)] = rss


def shorten(name):
    """A C++ function name without its parameter list and template arguments."""
    if name.startswith("0x"):
        return name
    name = name.replace("(anonymous namespace)", "{anonymous}").replace("[abi:cxx11]", "")
    depth, out = 0, []
    for c in name:
        if c == "<":
            depth += 1
        elif c == ">":
            depth -= 1
        elif depth == 0:
            out.append(c)
    text = "".join(out)
    cut = text.find("(")
    if cut > 0 and not text.startswith("("):
        text = text[:cut] + ("()" if text[cut:].startswith("()") else "(...)")
    return text.replace("std::__cxx11::", "std::")


def fmt_ms(seconds):
    return f"{seconds * 1000:.2f}"


def ratio(a, b):
    return a / b if b else float("nan")


def versions(bench):
    def first_line(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            for line in (r.stdout + r.stderr).splitlines():
                if line.strip():
                    return line.strip()
        except OSError:
            pass
        return "?"
    out = {"procmail": first_line([bench.opts.procmail, "-v"]),
           "mailsift": first_line([bench.programs[1].path, "--version"])}
    if any(p.name == "maildrop" for p in bench.programs):
        out["maildrop"] = first_line([bench.opts.maildrop, "-v"])
    return out


def git_revision(tree):
    try:
        rev = subprocess.run(["git", "-C", tree, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", tree, "status", "--porcelain", "--", "src", "include"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" (with uncommitted changes in src/ or include/)" if dirty else "")
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def filesystem(path):
    try:
        r = subprocess.run(["df", "-T", path], capture_output=True, text=True).stdout.splitlines()
        return r[1].split()[1]
    except (OSError, IndexError):
        return "?"


def report(bench, ks, rounds, started, elapsed, spread_ks=()):
    o = bench.opts
    names = [p.name for p in bench.programs]
    lines = []
    add = lines.append
    sizes = sorted(m["size"] for m in bench.timing)
    add("# mailsift benchmark results")
    add("")
    add(f"Written by `bench/run{' --quick' if o.quick else ''}` on {started} in {elapsed / 60:.1f} minutes. "
        "Do not edit: run `bench/run` again (see bench/README.md).")
    add("")
    add(f"- machine: {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}; "
        f"work dir on {filesystem(bench.work)}")
    for n, v in versions(bench).items():
        add(f"- {n}: {v}")
    add(f"- mailsift source: {git_revision(o.tree)}, Release build")
    add(f"- corpus (seed {bench.manifest['params']['seed']}): {len(sizes)} messages, {sizes[0]} to "
        f"{sizes[-1]} bytes, median {sizes[len(sizes) // 2]}, {sum(s <= 20480 for s in sizes)} of them "
        f"<= 20 KB; half are mailing-list messages")
    add(f"- each program runs once per message as `cat MESSAGE | PROGRAM` (stdin a pipe), {rounds} "
        f"round(s) over the corpus, the programs in turn message by message; rules: K recipes of "
        f"which the last {len(gen_corpus.LISTS) + 1} match (so every message is tried "
        "against nearly all of them)"
        + (f"; and the spread rule sets (K={', '.join(map(str, spread_ks))}): each message's first "
           f"match at a seeded random place in the file, {gen_rules.SPREAD_GROUPS} matching recipes "
           "among the same non-matching ones, as in real rcfiles" if spread_ks else ""))
    for n in bench.notes:
        add(f"- {n}")
    add(f"- load average (1 min) before and after: {bench.load[0]:.2f}, {os.getloadavg()[0]:.2f} "
        "(other work on the machine makes the wall times noisier)")
    add("")

    # Targets first.
    t = {(name, k): bench.times[(name, k)] for name in names + ["cat (baseline)"] for k in ks
         if (name, k) in bench.times}
    mean = lambda xs: statistics.fmean(xs) if xs else float("nan")
    targets = []
    for k, limit in WALL_TARGET.items():
        if ("mailsift", k) in t and ("procmail", k) in t:
            r = ratio(mean(t[("mailsift", k)]["wall"]), mean(t[("procmail", k)]["wall"]))
            targets.append((f"wall time per message, K={k}: <= {limit}x procmail", f"{r:.2f}x", r <= limit))
    for k, limit in SPREAD_WALL_TARGET.items():
        key = f"K{k}-spread"
        if ("mailsift", key) in bench.times and ("procmail", key) in bench.times:
            r = ratio(mean(bench.times[("mailsift", key)]["wall"]),
                      mean(bench.times[("procmail", key)]["wall"]))
            targets.append((f"wall time per message, spread rules, K={k}: <= {limit}x procmail",
                            f"{r:.2f}x", r <= limit))
    if all((n, FLOOR_K) in bench.times for n in ("mailsift, no rules", "procmail, no rules")):
        r = ratio(mean(bench.times[("mailsift, no rules", FLOOR_K)]["wall"]),
                  mean(bench.times[("procmail, no rules", FLOOR_K)]["wall"]))
        targets.append(("wall time per message with no rules (the floor): <= procmail's", f"{r:.2f}x",
                        r <= 1.0))
    if ("mailsift", "K100") in bench.instr and ("procmail", "K100") in bench.instr:
        r = ratio(bench.instr[("mailsift", "K100")], bench.instr[("procmail", "K100")])
        targets.append((f"instructions per 8 KB message, K=100: <= {INSTR_TARGET}x procmail", f"{r:.2f}x",
                        r <= INSTR_TARGET))
    if ("mailsift", 10) in t and ("mailsift", 1000) in t:
        r = ratio(mean(t[("mailsift", 1000)]["wall"]), mean(t[("mailsift", 10)]["wall"]))
        targets.append((f"mailsift's wall time with K=1000 <= {SCALING_TARGET}x that with K=10",
                        f"{r:.2f}x", r <= SCALING_TARGET))
    rss = bench.rss
    if ("mailsift", "mem-50m", "K100") in rss:
        v = rss[("mailsift", "mem-50m", "K100")]
        targets.append((f"peak RSS, 50 MB message, header-only rules: <= {RSS_TARGET_KB // 1024} MB",
                        f"{v / 1024:.1f} MB", v <= RSS_TARGET_KB))
    if ("mailsift", "mem-50m", "K100-body") in rss and ("procmail", "mem-50m", "K100-body") in rss:
        v, p = rss[("mailsift", "mem-50m", "K100-body")], rss[("procmail", "mem-50m", "K100-body")]
        targets.append(("peak RSS, 50 MB message, one body rule: <= procmail's",
                        f"{v / 1024:.1f} MB vs {p / 1024:.1f} MB", v <= p))
    if ("mailsift", "mem-50m", "mime-sniff") in rss:
        v = rss[("mailsift", "mem-50m", "mime-sniff")]
        targets.append((f"peak RSS, 50 MB message, mime.sniffed + mime.filename + mime.text: "
                        f"<= {RSS_TARGET_KB // 1024} MB", f"{v / 1024:.1f} MB", v <= RSS_TARGET_KB))
    all_routed = not bench.failures and not any(bench.routing.values())
    add("## Targets")
    add("")
    add("| target | measured | met |")
    add("| --- | --- | --- |")
    for what, got, ok in targets:
        add(f"| {what} | {got} | {'yes' if ok else '**no**'} |")
    add(f"| every message routed to the same folder by every program, every run exits 0 | "
        f"{'all' if all_routed else 'see Routing'} | {'yes' if all_routed else '**no**'} |")
    add("")

    add("## Time per message")
    add("")
    add("Mean over every run of every message (median wall in brackets); CPU is user + system time of "
        "the program (and its children) from wait4. Ratios are to procmail in the same run. "
        "`cat (baseline)` is `cat MESSAGE | cat > /dev/null`: the cost of starting any process "
        "that reads the message (not subtracted).")
    add("")
    add("| K | program | wall ms | CPU ms | wall / procmail | CPU / procmail |")
    add("| ---: | --- | ---: | ---: | ---: | ---: |")
    floor = ["procmail, no rules", "mailsift, no rules"]
    t.update({(name, key): bench.times[(name, key)] for name in floor
              for key in [FLOOR_K] + [f"K{k}-spread" for k in spread_ks] if (name, key) in bench.times})
    t.update({(name, f"K{k}-spread"): bench.times[(name, f"K{k}-spread")]
              for name in names + ["cat (baseline)"] + floor for k in spread_ks
              if (name, f"K{k}-spread") in bench.times})
    for k in list(ks) + [f"K{k}-spread" for k in spread_ks]:
        pw = mean(t[("procmail", k)]["wall"]) if ("procmail", k) in t else float("nan")
        pc = mean(t[("procmail", k)]["cpu"]) if ("procmail", k) in t else float("nan")
        label = k if isinstance(k, int) else f"{k[1:-7]} spread"
        for name in ["cat (baseline)"] + names + floor:
            if (name, k) not in t:
                continue
            w, c = t[(name, k)]["wall"], t[(name, k)]["cpu"]
            add(f"| {label} | {name} | {fmt_ms(mean(w))} ({fmt_ms(statistics.median(w))}) | {fmt_ms(mean(c))} | "
                f"{ratio(mean(w), pw):.2f} | {ratio(mean(c), pc):.2f} |")
    add("")
    if all((name, FLOOR_K) in t for name in floor + ["procmail", "mailsift"]):
        limit = WALL_TARGET.get(FLOOR_K)
        pw = mean(t[("procmail", FLOOR_K)]["wall"])
        fm, fp = mean(t[("mailsift, no rules", FLOOR_K)]["wall"]), mean(t[("procmail, no rules", FLOOR_K)]["wall"])
        add(f"The floor: with no rules at all (every message stored in `{gen_corpus.INBOX}/`), mailsift "
            f"takes {fmt_ms(fm)} ms and procmail {fmt_ms(fp)} ms per message; the K={FLOOR_K} rules add "
            f"{fmt_ms(mean(t[('mailsift', FLOOR_K)]['wall']) - fm)} ms to mailsift and "
            f"{fmt_ms(pw - fp)} ms to procmail."
            + (f" The K={FLOOR_K} target, {limit}x procmail = {fmt_ms(limit * pw)} ms, is "
               f"{'below' if limit * pw < fm else 'above'} mailsift's floor"
               + (" (and below procmail's own)" if limit * pw < fp else "") + "." if limit else ""))
        add("")
    spread_rows = [(k, f"K{k}-spread") for k in spread_ks
                   if all((n, f"K{k}-spread") in t for n in ("procmail", "mailsift"))]
    if spread_rows and all((name, key) in t for name in floor for _, key in spread_rows):
        parts = []
        for k, key in spread_rows:
            # The floor measured in the same run (the machine's speed drifts between runs).
            fp, fm = (mean(t[(n, key)]["wall"]) for n in floor)   # procmail's, mailsift's
            pw, mw = mean(t[("procmail", key)]["wall"]), mean(t[("mailsift", key)]["wall"])
            limit = SPREAD_WALL_TARGET.get(k)
            parts.append(f"with the spread K={k} rules mailsift adds {fmt_ms(mw - fm)} ms to its floor and "
                         f"procmail {fmt_ms(pw - fp)} ms to its own"
                         + (f"; the target, {limit}x procmail = {fmt_ms(limit * pw)} ms, is "
                            f"{'below' if limit * pw < fm else 'above'} mailsift's floor"
                            + (" and below procmail's" if limit * pw < fp else "") if limit else ""))
        add("Above the floor (both measured in the same run): " + "; ".join(parts) + ".")
        add("")
    if len(ks) > 1:
        lo, hi = min(ks), max(ks)
        add(f"Cost with K={hi} relative to K={lo} (mean wall / mean CPU):")
        add("")
        add("| program | wall K=" + f"{hi} / K={lo} | CPU K={hi} / K={lo} |")
        add("| --- | ---: | ---: |")
        for name in names:
            if (name, lo) in t and (name, hi) in t:
                add(f"| {name} | {ratio(mean(t[(name, hi)]['wall']), mean(t[(name, lo)]['wall'])):.2f}x | "
                    f"{ratio(mean(t[(name, hi)]['cpu']), mean(t[(name, lo)]['cpu'])):.2f}x |")
        add("")

    if bench.instr:
        msg = bench.fixed["typical-8k"]
        add("## Instructions per message")
        add("")
        add(f"`valgrind --tool=callgrind` total Ir (instructions executed, children included) for the "
            f"typical message `fixed/typical-8k.eml` ({msg['size']} bytes, a mailing-list message that "
            "passes all but the last rules).")
        add("")
        add("| rules | program | instructions | / procmail |")
        add("| --- | --- | ---: | ---: |")
        plain = {key: ir for key, ir in bench.instr.items() if "-" not in key[1]}
        for (name, variant), ir in sorted(plain.items(), key=lambda kv: (int(kv[0][1][1:]), names.index(kv[0][0]))):
            p = bench.instr.get(("procmail", variant))
            add(f"| K={variant[1:]} | {name} | {ir:,} | {ratio(ir, p):.2f} |" if p else
                f"| K={variant[1:]} | {name} | {ir:,} | |")
        add("")

    if bench.view_costs:
        v = bench.view_costs
        add("## Views (issue 13)")
        add("")
        add("mailsift's K=100 rules on `fixed/typical-8k.eml` as raw regexes and with every Subject, "
            "List-Id, From and To/Cc condition written as the view of the same field "
            "(`procmailrc-K100-views`, gen_rules.py): mean CPU per delivery, interleaved runs. Then "
            "libmagic: a message of one, and of 64, base64 parts of 64 KiB of random bytes tested "
            "with `mime.sniffed` against the same message tested with `mime.type` (which never "
            "sniffs), interleaved runs: the CPU sniffing adds.")
        add("")
        add("| measure | value | target |")
        add("| --- | ---: | --- |")
        add(f"| K=100 raw regexes, CPU | {v['raw']:.2f} ms | |")
        add(f"| K=100 as views, CPU | {v['views']:.2f} ms | |")
        add(f"| views - raw | {v['views'] - v['raw']:+.2f} ms | at most +0.3 ms |")
        ir_raw = bench.instr.get(("mailsift", "K100"))
        ir_views = bench.instr.get(("mailsift", "K100-views"))
        if ir_raw and ir_views:
            add(f"| instructions, views / raw | {ir_views:,} / {ir_raw:,} = {ir_views / ir_raw:.2f} | |")
        add(f"| the first part sniffed | {v['sniff-1']:.2f} ms | at most 10 ms |")
        add(f"| 64 parts sniffed, in all | {v['sniff-64']:.2f} ms | under 100 ms |")
        add(f"| each part after the first | {(v['sniff-64'] - v['sniff-1']) / 63:.2f} ms | at most 1 ms |")
        add("")

    j = getattr(bench, "journal_costs", None)
    if j:
        add("## The delivery journal")
        add("")
        add("K=100 on `fixed/typical-8k.eml` as a mail server runs mailsift (`RECIPIENT` set: the "
            "journal is on), against the same with `MAILSIFT_JOURNAL=no`; the records of each run "
            "are removed before the next, so every run is a first attempt, the common case. Mean "
            "per delivery (and the median), 400 runs each, interleaved, in both orders. The journal adds, per run, one open that fails (no "
            "earlier attempt), a journal file made with its intent and done lines (not synced), and "
            "per maildir folder a staged copy: a link to the message's file in the journal's "
            "directory, made after the file's sync and before its link into new/, whose sync "
            "commits it with the link.")
        add("")
        add("| measure | journal on | off | on / off | target |")
        add("| --- | ---: | ---: | ---: | --- |")
        add(f"| wall ms | {j['on'][0]:.2f} | {j['off'][0]:.2f} | {j['on'][0] / j['off'][0]:.3f} | at most 1.03 |")
        add(f"| wall ms, median | {j['on'][2]:.2f} | {j['off'][2]:.2f} | {j['on'][2] / j['off'][2]:.3f} | |")
        add(f"| CPU ms | {j['on'][1]:.2f} | {j['off'][1]:.2f} | {j['on'][1] / j['off'][1]:.3f} | |")
        ir_on = bench.instr.get(("mailsift", "K100-journal-on"))
        ir_off = bench.instr.get(("mailsift", "K100-journal-off"))
        if ir_on and ir_off:
            add(f"| instructions | {ir_on:,} | {ir_off:,} | {ir_on / ir_off:.3f} | at most 1.03 |")
        e = getattr(bench, "journal_costs_ext4", None)
        if e:
            add(f"| wall ms, ext4 with a journal | {e['on'][0]:.2f} | {e['off'][0]:.2f} | "
                f"{e['on'][0] / e['off'][0]:.3f} | at most 1.03 |")
            add(f"| wall ms, ext4 with a journal, median | {e['on'][2]:.2f} | {e['off'][2]:.2f} | "
                f"{e['on'][2] / e['off'][2]:.3f} | |")
            add("")
            add("The work dir's file system here is ext4 without a journal, where the sync of a new "
                "file also writes its directory at once. The rows \"ext4 with a journal\" are the "
                "same runs in an image made by `mkfs.ext4` with its defaults (a journal, "
                "data=ordered), as on a Debian mail host, on a loop device over a file of the work "
                "dir: the sync of new/ commits the staged copy and the journal's new file with the "
                "link.")
        add("")

    if bench.strace:
        add("## System calls per message")
        add("")
        add("`strace -f -c` of each program delivering `fixed/typical-8k.eml` with K=100 into a folder "
            "that exists (the second delivery): what the wall time spends besides the CPU time.")
        add("")
        add("| program | all | fsync + fdatasync | openat | stat family | futex | mkdir | most frequent |")
        add("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        for name, c in bench.strace.items():
            get = lambda *keys: sum(c.get(k, 0) for k in keys)
            common = ", ".join(f"{k} {v}" for k, v in sorted(((k, v) for k, v in c.items() if k != "total"),
                                                            key=lambda kv: -kv[1])[:4])
            add(f"| {name} | {c.get('total', 0)} | {get('fsync', 'fdatasync')} | {get('openat', 'open')} | "
                f"{get('newfstatat', 'fstat', 'stat', 'lstat', 'statx')} | {get('futex')} | {get('mkdir')} | "
                f"{common} |")
        add("")

    if rss:
        add("## Peak memory")
        add("")
        add("ru_maxrss of the program (MB = 1024 KB) for one message on a pipe; rules K=100 "
            "header-only, and the same with one body rule that matches nothing (the whole body is "
            "searched).")
        add("")
        msgs = [m for m in ("mem-10k", "mem-1m", "mem-10m", "mem-50m") if m in bench.fixed]
        add("| rules | program | " + " | ".join(f"{m[4:].upper()} ({bench.fixed[m]['size'] / 1048576:.2f} MB)"
                                                   for m in msgs) + " |")
        add("| --- | --- | " + " | ".join("---:" for _ in msgs) + " |")
        for variant, label in (("K100", "header-only"), ("K100-body", "one body rule")):
            for name in names:
                cells = [f"{rss[(name, m, variant)] / 1024:.1f}" if (name, m, variant) in rss else "" for m in msgs]
                add(f"| {label} | {name} | " + " | ".join(cells) + " |")
        add("")

    views_rss = {k: v for k, v in rss.items() if k[2].startswith("mime-")}
    if views_rss:
        add("## Peak memory of the MIME views")
        add("")
        add("ru_maxrss of mailsift with rules that try MIME views and match nothing: on the 50 MB "
            "message (one base64 attachment of random bytes, where libmagic walks its whole database), "
            "and on a message of 40 text/plain parts of 1 MB each, tested by mime.text.")
        add("")
        add("| message | views | peak RSS |")
        add("| --- | --- | ---: |")
        for (name, message, variant), v in sorted(views_rss.items()):
            what = {"mime-sniff": "mime.sniffed, mime.filename, mime.text",
                    "mime-nosniff": "mime.filename, mime.text", "mime-text": "mime.text"}[variant]
            add(f"| {message} | {what} | {v / 1024:.1f} MB |")
        add("")

    add("## Routing")
    add("")
    add("Every delivered file was found by its Message-ID; each message must be in the folder the "
        "corpus expects, once per run, for every program.")
    add("")
    for k, problems in bench.routing.items():
        label = (f"K={k}" if isinstance(k, int) else "memory runs" if k == "memory"
                 else f"K={k[1:-7]}, spread rules")
        add(f"- {label}: " + ("all messages in the expected folder for " + ", ".join(names)
                              if not problems else f"{len(problems)} problems:"))
        for p in problems[:20]:
            add(f"  - {p}")
    for prog, variant, msg, status in bench.failures[:20]:
        add(f"- {prog} exited {status} on {msg} with {variant} (stderr in the work dir's runs/stderr.log)")
    if len(bench.failures) > 20:
        add(f"- ... and {len(bench.failures) - 20} more failures")
    add("")

    if bench.annotations:
        add("## Where the time goes")
        add("")
        add("mailsift under callgrind on `fixed/typical-8k.eml`. First the parts of a run (the "
            "instructions of the function that does each, callees included; an indented part is inside "
            "the one above it), then the functions with the most instructions of their own (self), with "
            "callees (inclusive), and the instructions per program or library. The Release build has no "
            "debug information: functions inlined into others are counted in them, and RE2's internal "
            "functions have no names (`0x... (libre2...)`).")
        for variant, (self_rows, incl_rows, objects, phases) in sorted(bench.annotations.items(),
                                                                       key=lambda kv: int(kv[0][1:])):
            total = bench.instr.get(("mailsift", variant), 0)
            add("")
            add(f"### K={variant[1:]} ({total:,} instructions)")
            for title, rows, what in (("inclusive", phases, "part of the run"),
                                      ("self", self_rows, "function"), ("inclusive", incl_rows, "function"),
                                      ("self, by object", objects, "program or library")):
                add("")
                add(f"| Ir ({title}) | % | {what} |")
                add("| ---: | ---: | --- |")
                for ir, pct, name in rows:
                    name = name if len(name) <= 140 else name[:137] + "..."
                    if what == "part of the run":
                        indent = (len(name) - len(name.lstrip())) // 2
                        add(f"| {ir:,} | {pct:.1f} | {'&nbsp;&nbsp;' * 2 * indent}{name.strip()} |")
                    else:
                        add(f"| {ir:,} | {pct:.1f} | `{name.replace('|', '¦')}` |")
        add("")
    return "\n".join(lines)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mailsift", required=True)
    ap.add_argument("--procmail", default=PROCMAIL)
    ap.add_argument("--maildrop", default=MAILDROP)
    ap.add_argument("--no-maildrop", action="store_true")
    ap.add_argument("--k", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--spread", type=int, nargs="*", default=[100, 1000],
                    help="K of the -spread rule sets (gen_rules.py --spread) also timed")
    ap.add_argument("--count", type=int, default=None, help="timing messages used (default: all, 30 with --quick)")
    ap.add_argument("--rounds", type=int, default=None, help="runs of each message (default 5, 1 with --quick)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--routing-only", action="store_true")
    ap.add_argument("--results", default=None, help="report file (default: bench/results.md; "
                    "WORK/results-quick.md with --quick)")
    ap.add_argument("--tree", default=os.path.dirname(here), help="the source tree (for its git revision)")
    opts = ap.parse_args()
    if opts.count is None:
        opts.count = 30 if opts.quick else 10 ** 9
    rounds = 0 if opts.routing_only else opts.rounds or (1 if opts.quick else 5)
    for path, what in ((opts.procmail, "procmail"), (opts.mailsift, "mailsift")):
        if not os.access(path, os.X_OK):
            sys.exit(f"measure.py: {what} not found at {path}")

    bench = Bench(opts)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    for k in opts.k:
        print(f"bench: K={k}: {len(bench.timing)} messages x {max(rounds, 1)} round(s) x "
              f"{len(bench.programs) + (1 if rounds else 0)} programs", flush=True)
        bench.time_k(k, rounds)
    for k in opts.spread:
        print(f"bench: K={k}, spread rules: {len(bench.timing)} messages x {max(rounds, 1)} round(s)",
              flush=True)
        bench.time_k(k, rounds, spread=True)
    if opts.routing_only:
        bad = bench.failures or any(bench.routing.values())
        for k, problems in bench.routing.items():
            for p in problems:
                print(f"routing {k if isinstance(k, str) else f'K={k}'}: {p}")
        for f in bench.failures:
            print(f"failure: {f[0]} exited {f[3]} on {f[2]} with {f[1]}")
        print(f"bench: routing of {len(bench.timing)} messages with K={opts.k} by "
              f"{', '.join(p.name for p in bench.programs)}: {'DIFFERENT' if bad else 'the same'}")
        if bad:
            with open(bench.log_path) as f:
                sys.stderr.write(f.read()[-4000:])
        return 1 if bad else 0

    if shutil.which("valgrind") and "typical-8k" in bench.fixed:
        print("bench: callgrind on the 8 KB message, K=100", flush=True)
        for p in bench.programs:
            files = bench.callgrind(p, "K100", "typical-8k")
            if p.name == "mailsift":
                bench.annotations["K100"] = bench.annotate(files, 15)
        for k in (10, 1000):
            print(f"bench: callgrind on the 8 KB message, K={k}, mailsift and procmail", flush=True)
            for p in bench.programs[:2]:
                files = bench.callgrind(p, f"K{k}", "typical-8k")
                if p.name == "mailsift":
                    bench.annotations[f"K{k}"] = bench.annotate(files, 15)
    else:
        bench.notes.append("valgrind not installed: no instruction counts.")

    if "typical-8k" in bench.fixed and os.path.exists(os.path.join(bench.rules, "procmailrc-K100-views")):
        print("bench: views against raw regexes, and libmagic", flush=True)
        bench.views(bench.programs[1], 20 if opts.quick else 100)
    if "typical-8k" in bench.fixed:
        print("bench: the delivery journal on and off", flush=True)
        bench.journal(bench.programs[1], 20 if opts.quick else 400)
        mount = bench.journaled_ext4()
        if mount:
            try:
                print("bench: the delivery journal on ext4 with a journal (loop device)", flush=True)
                bench.journal(bench.programs[1], 20 if opts.quick else 400, root=mount)
            finally:
                bench.release_ext4(mount)

    if os.access(STRACE, os.X_OK) and "typical-8k" in bench.fixed:
        print("bench: system calls on the 8 KB message, K=100", flush=True)
        for p in bench.programs:
            bench.syscalls(p, "K100", "typical-8k")

    print("bench: peak RSS", flush=True)
    for m in ("mem-10k", "mem-1m", "mem-10m", "mem-50m"):
        if m not in bench.fixed:
            continue
        if not os.access(GNU_TIME, os.X_OK):
            bench.notes.append(f"GNU time ({GNU_TIME}, Debian package time) not installed: no peak RSS.")
            break
        for variant in ("K100", "K100-body"):
            for p in bench.programs:
                bench.peak_rss(p, variant, m)
    if os.access(GNU_TIME, os.X_OK):
        print("bench: peak RSS of the MIME views", flush=True)
        bench.views_memory(bench.programs[1])

    elapsed = time.monotonic() - t0
    text = report(bench, opts.k, rounds, started, elapsed, opts.spread)
    results = opts.results or (os.path.join(bench.work, "results-quick.md") if opts.quick
                               else os.path.join(here, "results.md"))
    with open(results, "w") as f:
        f.write(text + "\n")
    print(text)
    print(f"bench: report written to {results} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
