#!/usr/bin/env python3
"""Differential conformance suite: every case under tests/compat/cases/ runs through
/usr/bin/procmail (the oracle) and through mailsift, each in a fresh temporary home at the
same absolute path; exit codes, every file written under the home and (when a case asks)
stderr must be the same after normalising what is allowed to differ (From_ line dates,
maildir unique names, directory-folder inode names, "procmail: "/"mailsift: " at the
start of log lines, VERBOSE time stamps). A case's `expect` file states where mailsift
differs on purpose. README.md in this directory describes the case format.

Usage:
  run_cases.py [--mailsift BIN] [--procmail BIN] [--jobs N] [CASE...]
      compare; exit 0 iff every case not in pending.txt passes and every pending case
      still fails
  run_cases.py --oracle-twice [CASE...]
      run procmail twice per case and report cases whose result is not deterministic
  run_cases.py --show CASE
      print both normalised results of one case in full
  --write-pending   rewrite pending.txt with the cases that fail now
  --show-pending    also print the differences of pending cases
  --timing          print each case's run time
"""
import argparse
import concurrent.futures
import difflib
import fnmatch
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
PENDING = os.path.join(HERE, "pending.txt")
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
MESSAGES = os.path.join(SOURCE_DIR, "tests", "data", "messages")
PROGRAM_TIMEOUT = 30  # seconds one program run may take before the case fails

DAYS = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTHS = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
CTIME = DAYS + " " + MONTHS + r" [ 0-9]\d \d\d:\d\d:\d\d \d{4}"
# A From_ line a program generated (procmail -f, -d; the abstract repeats it).
FROM_DATE = re.compile(rb"^(>?From .*? +)" + CTIME.encode() + rb"(?=[ \n]|$)", re.M)
# VERBOSE prints "procmail: [pid] <ctime>" before the first line of each new second:
# how many there are depends on timing, so they are dropped.
STAMP_LINE = re.compile(rb"^<prog>: \[\d+\] " + CTIME.encode() + rb"\n", re.M)
# (A CR before it counts as a line start: an rcfile with CRLF line ends logs such lines.)
PROG_PREFIX = re.compile(rb"(^|\r)(?:procmail|mailsift): ", re.M)
# Maildir unique names: procmail and mailsift use different (equally valid) formats.
MAILDIR_NAME = re.compile(rb"\b(new|cur|tmp)/[^\s\"'/]+")
# Directory folders: msg.<base-64 of the inode number>.
DIRECTORY_NAME = re.compile(rb"(^|[/\s\"'])msg\.[A-Za-z0-9_-]+")
# An abstract's Folder line is padded with tabs to column 72: a normalised name has
# another length, so its padding is not compared.
FOLDER_LINE = re.compile(rb"^(  Folder: .*<(?:unique|inode|N)>.*?)[\t ]+(\d+)$", re.M)


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def read_keys(path):
    """Lines 'key: value' (repeatable keys) of a case or expect file, as [(key, value)]."""
    out = []
    if not os.path.exists(path):
        return out
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"{path}:{number}: expected 'key: value', got {line!r}")
        out.append((key.strip(), value.strip()))
    return out


class Case:
    CASE_KEYS = {"msg-from", "compare-stderr", "compare-stdout", "normalise", "drop-lines",
                 "timeout", "assign-defaults", "assign-maildir", "unordered", "dry-run"}
    EXPECT_KEYS = {"exit", "ignore", "replace", "log-contains", "stderr-contains",
                   "file-contains", "no-file", "why"}

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(CASES, name)
        self.problems = []
        self.about = ""
        if os.path.exists(self.path("about")):
            self.about = read_text(self.path("about")).strip()
        else:
            self.problems.append("no 'about' file")
        try:
            self.keys = read_keys(self.path("case"))
            self.expect = read_keys(self.path("expect"))
        except ValueError as e:
            self.problems.append(str(e))
            self.keys, self.expect = [], []
        for key, _ in self.keys:
            if key not in self.CASE_KEYS:
                self.problems.append(f"unknown key {key!r} in 'case'")
        for key, _ in self.expect:
            if key not in self.EXPECT_KEYS:
                self.problems.append(f"unknown key {key!r} in 'expect'")
        if self.expect and not self.get_expect("why"):
            self.problems.append("'expect' without a 'why:' line")
        if not os.path.exists(self.path("rc")):
            self.problems.append("no 'rc' file")
        self.message = self.path("msg")
        if self.get("msg-from"):
            self.message = os.path.join(MESSAGES, self.get("msg-from"))
        if not os.path.exists(self.message):
            self.problems.append(f"no message {self.message}")
        self.args = []
        if os.path.exists(self.path("args")):
            self.args = read_text(self.path("args")).splitlines()
        self.normalisers = [re.compile(v.encode(), re.M) for v in self.get_all("normalise")]
        self.drop_lines = [re.compile(v.encode()) for v in self.get_all("drop-lines")]
        self.timeout = float(self.get("timeout") or PROGRAM_TIMEOUT)

    def path(self, name):
        return os.path.join(self.dir, name)

    def get_all(self, key):
        return [v for k, v in self.keys if k == key]

    def get(self, key):
        values = self.get_all(key)
        return values[-1] if values else None

    def get_expect(self, key):
        return [v for k, v in self.expect if k == key]


class Result:
    """What one program did: exit status, normalised stderr, normalised files."""

    def __init__(self, status, stdout, stderr, files, seconds):
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.files = files  # {relative path: (kind, mode, normalised bytes)}
        self.seconds = seconds

    def key(self):
        return (self.status, self.stdout, self.stderr, sorted(self.files.items()))


def normalise(data, case, root, is_log):
    data = data.replace(root.encode(), b"$ROOT")
    data = FROM_DATE.sub(rb"\1<DATE>", data)
    data = MAILDIR_NAME.sub(rb"\1/<unique>", data)
    data = DIRECTORY_NAME.sub(rb"\1msg.<inode>", data)
    for pattern in case.normalisers:
        data = pattern.sub(b"<N>", data)
    if is_log:
        data = PROG_PREFIX.sub(rb"\1<prog>: ", data)
        data = STAMP_LINE.sub(b"", data)
        data = FOLDER_LINE.sub(rb"\1 \2", data)
        if case.drop_lines:
            lines = data.split(b"\n")
            data = b"\n".join(l for l in lines if not any(p.search(l) for p in case.drop_lines))
    return data


def normalise_name(relpath, parents, case):
    parts = relpath.split("/")
    if len(parts) >= 2 and parts[-2] in ("new", "cur", "tmp") and \
            all(os.path.isdir(os.path.join(parents, *parts[:-2], d)) for d in ("new", "cur", "tmp")):
        parts[-1] = "<unique>"
    elif re.fullmatch(r"msg\.[A-Za-z0-9_-]+", parts[-1]):
        parts[-1] = "msg.<inode>"
    name = "/".join(parts)
    for pattern in case.normalisers:
        name = pattern.sub(b"<N>", name.encode()).decode()
    return name


def snapshot(home, case, root):
    files = {}
    for dirpath, dirnames, filenames in os.walk(home):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, home)
            st = os.lstat(full)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                entry = ("symlink", 0, os.readlink(full).encode())
            elif stat.S_ISDIR(st.st_mode):
                entry = ("dir", mode, b"")
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    data = f.read()
                base = os.path.basename(rel)
                is_log = (base.startswith("log") or base.endswith(".log") or
                          getattr(case, "every_file_may_be_a_log", False))
                data = normalise(data, case, root, is_log)
                if any(fnmatch.fnmatch(rel, g) for g in case.get_all("unordered")):
                    # Written by concurrent processes: the order of the lines is not defined.
                    data = b"".join(sorted(data.splitlines(keepends=True)))
                entry = ("file", mode, data)
            else:
                entry = ("other", mode, b"")
            key = normalise_name(rel, home, case)
            # Several files may normalise to one name (maildir): keep them all.
            while key in files:
                key += "+"
            files[key] = entry
    # Same normalised name: order by content so that the order of creation does not matter.
    groups = {}
    for key, entry in files.items():
        groups.setdefault(key.rstrip("+"), []).append(entry)
    out = {}
    for base, entries in groups.items():
        for i, entry in enumerate(sorted(entries)):
            out[base + "+" * i] = entry
    return out


def processes_using(root):
    """Pids of processes whose cwd or an open file lies under root (children left behind
    by a program that did not wait for them)."""
    pids = []
    me = os.getpid()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == me:
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if cwd == root or cwd.startswith(root + "/"):
            pids.append(int(pid))
    return pids


def entries_outside():
    """Names in the real home directory of the user running the suite, and the size of
    the user's system mailbox: a program that ignored the HOME=, MAILDIR= or DEFAULT=
    assignments would write there."""
    user = pwd.getpwuid(os.getuid())
    out = set()
    try:
        out = {os.path.join(user.pw_dir, n) for n in os.listdir(user.pw_dir)}
    except OSError:
        pass
    spool = os.path.join("/var/mail", user.pw_name)
    if os.path.exists(spool):
        out.add(f"{spool} ({os.stat(spool).st_size} bytes)")
    return out


def clean_env(home):
    return {
        "HOME": home,
        "LOGNAME": pwd.getpwuid(os.getuid()).pw_name,
        "PATH": "/usr/bin:/bin",
        "SHELL": "/bin/sh",
        "TZ": "UTC",
    }


def prepare_home(case, root):
    home = os.path.join(root, "home")
    if os.path.exists(home):
        shutil.rmtree(home)
    os.mkdir(home, 0o755)
    files = case.path("files")
    if os.path.isdir(files):
        shutil.copytree(files, home, dirs_exist_ok=True, symlinks=True)
    shutil.copyfile(case.path("rc"), os.path.join(root, "rc"))
    if os.path.exists(case.path("setup")):
        env = dict(clean_env(home), CASE_DIR=case.dir, COMPAT_DIR=HERE,
                   COMPAT_LIB=os.path.join(HERE, "setup-helpers.inc"))
        proc = subprocess.run(["/bin/sh", "-e", case.path("setup")], cwd=home, env=env,
                              capture_output=True, timeout=30)
        if proc.returncode != 0:
            raise RuntimeError(f"setup failed ({proc.returncode}): "
                               f"{proc.stderr.decode(errors='replace').strip()}")
    return home


def run_program(program, case, root, options=()):
    """Runs program (with options before the procmail arguments) on the case in a fresh
    home; the Result also holds the snapshot taken just before the run (before)."""
    home = prepare_home(case, root)
    before = snapshot(home, case, root)
    rcfile = os.path.join(root, "rc")
    # HOME and MAILDIR: a program that took them from the password file (procmail does for
    # HOME) would otherwise work in the real home directory of the user running the tests.
    assignments = [f"HOME={home}", f"MAILDIR={home}"]
    if case.get("assign-maildir") == "no":
        assignments = [f"HOME={home}"]
    if case.get("assign-defaults") != "no":
        assignments += [f"ORGMAIL={home}/orgmail", f"DEFAULT={home}/default"]
    args = [a.replace("@HOME@", home) for a in case.args]
    if "@RC@" in args:
        at = args.index("@RC@")
        argv = [program, *options] + args[:at] + assignments + [rcfile] + args[at + 1:]
    else:
        argv = [program, *options] + args + assignments + [rcfile]
    outside_before = entries_outside()
    start = time.monotonic()
    with open(case.message, "rb") as stdin:
        try:
            proc = subprocess.run(argv, stdin=stdin, cwd=home, env=clean_env(home),
                                  capture_output=True, timeout=case.timeout)
            status, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            status, stdout, stderr = f"timeout after {case.timeout:g} s", e.stdout or b"", \
                e.stderr or b""
    seconds = time.monotonic() - start
    # Children a program did not wait for may still be writing: wait for them (bounded).
    deadline = time.monotonic() + 10
    while processes_using(root) and time.monotonic() < deadline:
        time.sleep(0.02)
    files = snapshot(home, case, root)
    for name in sorted(entries_outside() - outside_before):
        # Never expected: report it loudly (another process may have made it, so it is not
        # removed and does not fail the case by itself).
        print(f"WARNING {case.name}: {os.path.basename(program)} ran and {name} appeared "
              f"outside the temporary home", flush=True)
    result = Result(status, normalise(stdout, case, root, False),
                    normalise(stderr, case, root, True), files, seconds)
    result.before = before
    result.raw_stdout = stdout
    result.home = home
    return result


def show_bytes(data):
    text = data.decode("utf-8", errors="backslashreplace")
    return "".join(c if c in "\n\t" or c.isprintable() else repr(c)[1:-1] for c in text)


def diff_text(label_a, a, label_b, b, limit=40):
    lines = list(difflib.unified_diff(show_bytes(a).splitlines(keepends=True),
                                      show_bytes(b).splitlines(keepends=True),
                                      label_a, label_b, n=2))
    out = [l.rstrip("\n") if l.endswith("\n") else l + "  (no final newline)" for l in lines]
    if len(out) > limit:
        out = out[:limit] + [f"... {len(out) - limit} more diff lines"]
    return out


# mailsift's own word on an rcfile (file:line:col: error: ...), where procmail reads
# on in silence: a line procmail never writes. Not compared (an expect file can still
# ask for one with log-contains).
MAILSIFT_NOTE = re.compile(rb"^<prog>: \S+:\d+:\d+: (?:error|warning): ")


def strip_notes(want, got):
    """Drops mailsift's diagnostic lines (MAILSIFT_NOTE) that procmail's log lacks."""
    want_lines = set(want.split(b"\n"))
    return b"\n".join(l for l in got.split(b"\n")
                      if l in want_lines or not MAILSIFT_NOTE.match(l))


def strip_reasons(want, got):
    """mailsift's log lines may say why after procmail's words: a line of got that is
    a line of want followed by ": <reason>" counts as that line of want."""
    want_lines = set(want.split(b"\n"))
    out = []
    for line in got.split(b"\n"):
        if line.startswith(b"<prog>: ") and line not in want_lines:
            at = line.find(b": ", len(b"<prog>: "))
            while at != -1:
                if line[:at] in want_lines:
                    line = line[:at]
                    break
                at = line.find(b": ", at + 2)
        out.append(line)
    return b"\n".join(out)


def compare(case, want, got):
    """Differences between procmail's result (want) and mailsift's (got), as text lines,
    after applying the case's expect file."""
    problems = []
    exits = case.get_expect("exit")
    wanted_status = int(exits[-1]) if exits else want.status
    if got.status != wanted_status:
        wanted = f", expected {wanted_status} (expect file)" if exits else ""
        problems.append(f"exit status: procmail {want.status}{wanted}, mailsift {got.status}")
    ignored = case.get_expect("ignore")

    def kept(files):
        return {k: v for k, v in files.items()
                if not any(fnmatch.fnmatch(k, g) or fnmatch.fnmatch(k.rstrip("+"), g)
                           for g in ignored)}

    wfiles, gfiles = kept(want.files), kept(got.files)
    want_stderr = want.stderr
    for spec in case.get_expect("replace"):
        # "FILE OLD => NEW": what procmail wrote, with OLD replaced by NEW, is what mailsift
        # must write (FILE "<stderr>" is standard error).
        name, _, change = spec.partition(" ")
        old, sep, new = change.partition(" => ")
        if not sep:
            problems.append(f"bad replace line in expect: {spec!r}")
            continue
        if name == "<stderr>":
            want_stderr = want_stderr.replace(old.encode(), new.encode())
        elif name in wfiles:
            kind, mode, data = wfiles[name]
            wfiles[name] = (kind, mode, data.replace(old.encode(), new.encode()))
    for name in sorted(set(wfiles) | set(gfiles)):
        w, g = wfiles.get(name), gfiles.get(name)
        if w is not None and g is not None and w[0] == g[0] == "file":
            g = (g[0], g[1], strip_reasons(w[2], strip_notes(w[2], g[2])))
        if w == g:
            continue
        if w is None:
            problems.append(f"only mailsift wrote {name} ({g[0]})")
            if g[0] == "file":
                problems += ["    " + l for l in show_bytes(g[2])[:600].splitlines()]
            continue
        if g is None:
            problems.append(f"only procmail wrote {name} ({w[0]})")
            if w[0] == "file":
                problems += ["    " + l for l in show_bytes(w[2])[:600].splitlines()]
            continue
        if w[0] != g[0]:
            problems.append(f"{name}: procmail made a {w[0]}, mailsift a {g[0]}")
            continue
        if w[1] != g[1]:
            problems.append(f"{name}: mode procmail {w[1]:04o}, mailsift {g[1]:04o}")
        if w[2] != g[2]:
            problems.append(f"{name}: contents differ")
            problems += ["    " + l for l in diff_text("procmail", w[2], "mailsift", g[2])]
    if case.get("compare-stdout") == "yes" and want.stdout != got.stdout:
        problems.append("stdout differs")
        problems += ["    " + l for l in diff_text("procmail", want.stdout, "mailsift", got.stdout)]
    if case.get("compare-stderr") == "yes" and want_stderr != strip_reasons(want_stderr, got.stderr):
        problems.append("stderr differs")
        problems += ["    " + l for l in diff_text("procmail", want_stderr, "mailsift", got.stderr)]
    for text in case.get_expect("log-contains"):
        log = got.files.get("log", ("", 0, b""))[2]
        if text.encode() not in log:
            problems.append(f"mailsift's log lacks {text!r} (expect file)")
    for text in case.get_expect("stderr-contains"):
        if text.encode() not in got.stderr:
            problems.append(f"mailsift's stderr lacks {text!r} (expect file): "
                            f"{show_bytes(got.stderr)[:300]!r}")
    for spec in case.get_expect("file-contains"):
        name, _, text = spec.partition(" ")
        entry = got.files.get(name)
        if entry is None or text.encode() not in entry[2]:
            problems.append(f"mailsift's {name} lacks {text!r} (expect file)")
    for name in case.get_expect("no-file"):
        if name in got.files:
            problems.append(f"mailsift wrote {name} (expect file says it must not)")
    return problems


def run_case(case, mailsift, procmail, oracle_twice):
    if case.problems:
        return case, ["malformed case: " + "; ".join(case.problems)], 0.0
    root = tempfile.mkdtemp(prefix="mailsift-conformance-")
    try:
        want = run_program(procmail, case, root)
        if oracle_twice:
            again = run_program(procmail, case, root)
            if want.key() == again.key():
                return case, [], want.seconds + again.seconds
            fake = Case.__new__(Case)
            fake.__dict__.update(case.__dict__, expect=[], keys=case.keys + [
                ("compare-stderr", "yes"), ("compare-stdout", "yes")])
            return case, ["procmail is not deterministic here:"] + compare(fake, want, again), \
                want.seconds + again.seconds
        got = run_program(mailsift, case, root)
        return case, compare(case, want, got), want.seconds + got.seconds
    except Exception as e:  # a broken case must not stop the suite
        return case, [f"runner error: {type(e).__name__}: {e}"], 0.0
    finally:
        shutil.rmtree(root, ignore_errors=True)


def show(case, mailsift, procmail):
    root = tempfile.mkdtemp(prefix="mailsift-conformance-")
    programs = [("procmail", procmail)] + ([("mailsift", mailsift)] if mailsift else [])
    try:
        for label, program in programs:
            r = run_program(program, case, root)
            print(f"===== {label}: exit {r.status}, {r.seconds:.2f} s")
            if r.stdout:
                print("--- stdout\n" + show_bytes(r.stdout))
            if r.stderr:
                print("--- stderr\n" + show_bytes(r.stderr))
            for name, (kind, mode, data) in sorted(r.files.items()):
                print(f"--- {name} ({kind} {mode:04o})")
                if kind == "file":
                    print(show_bytes(data), end="" if data.endswith(b"\n") else "\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def read_pending():
    if not os.path.exists(PENDING):
        return set()
    return {l.split("#")[0].strip() for l in read_text(PENDING).splitlines()} - {""}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailsift", default=os.environ.get("MAILSIFT"))
    parser.add_argument("--procmail", default="/usr/bin/procmail")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--oracle-twice", action="store_true")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--write-pending", action="store_true")
    parser.add_argument("--show-pending", action="store_true")
    parser.add_argument("--timing", action="store_true", help="print each case's run time")
    parser.add_argument("cases", nargs="*")
    opts = parser.parse_args()
    os.umask(0o022)
    if not os.access(opts.procmail, os.X_OK):
        print(f"skipped: {opts.procmail} is not installed, there is nothing to compare with")
        return 0
    if not opts.oracle_twice and not opts.show and not opts.mailsift:
        parser.error("--mailsift (or $MAILSIFT) is required")
    names = sorted(d for d in os.listdir(CASES) if os.path.isdir(os.path.join(CASES, d)))
    if opts.cases:
        unknown = [c for c in opts.cases if c not in names]
        if unknown:
            parser.error(f"no such case: {', '.join(unknown)}")
        names = opts.cases
    cases = [Case(n) for n in names]
    if opts.show:
        for case in cases:
            show(case, opts.mailsift, opts.procmail)
        return 0
    pending = read_pending()
    stale = pending - set(os.listdir(CASES))
    start = time.monotonic()
    passed = failed = still_pending = 0
    failing = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = [pool.submit(run_case, c, opts.mailsift, opts.procmail, opts.oracle_twice)
                   for c in cases]
        for future in futures:
            case, problems, seconds = future.result()
            if opts.timing:
                print(f"{seconds:6.2f} s  {case.name}")
            if problems:
                failing.append(case.name)
            is_pending = case.name in pending and not opts.oracle_twice
            if is_pending and problems:
                still_pending += 1
                if opts.show_pending:
                    print(f"PENDING {case.name}: {case.about}")
                    for line in problems:
                        print("  " + line)
            elif is_pending:
                failed += 1
                print(f"NOW PASSES {case.name}: remove it from pending.txt")
            elif problems:
                failed += 1
                print(f"FAIL {case.name}: {case.about}")
                for line in problems:
                    print("  " + line)
            else:
                passed += 1
    for name in sorted(stale):
        if not opts.cases and not opts.oracle_twice and not opts.write_pending:
            failed += 1
            print(f"STALE pending.txt entry {name}: there is no such case")
    if opts.write_pending and not opts.oracle_twice:
        with open(PENDING, "w") as f:
            f.write("# Cases mailsift does not pass yet (run_cases.py --write-pending).\n"
                    "# Remove a line when its case passes: the suite fails while it is here.\n")
            for name in sorted(failing):
                f.write(name + "\n")
        print(f"wrote {len(failing)} names to {PENDING}")
    label = "procmail twice: " if opts.oracle_twice else ""
    print(f"{label}{len(cases)} cases, {passed} passed, {failed} failed, {still_pending} pending"
          f" ({time.monotonic() - start:.1f} s)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
