#!/usr/bin/env python3
"""Differential suite for mailsift-formail: every case of cases.py runs through
/usr/bin/formail (the oracle) and through the candidate, each in a fresh temporary
directory at the same absolute path, step by step; after each step stdout, the exit
status, stderr and every file in the directory must be the same, after normalising only
what is legitimately variable (the date of a From_ line formail generated, the body of a
Message-ID it generated, the program name before a diagnostic). README.md in this
directory describes the cases and the comparison.

Usage:
  run_cases.py --formail BIN [CASE...]     compare; exit 0 iff every case agrees
  run_cases.py [--oracle-only] [CASE...]   print the oracle's results only
  run_cases.py --show --formail BIN CASE   print both results in full
  run_cases.py --oracle-twice [CASE...]    is the oracle deterministic on each case?
  run_cases.py --list                      the case names and what each checks
CASE may be a shell pattern (reply-*). Exit status 77 (skipped) when the oracle is missing.
"""
import argparse
import concurrent.futures
import difflib
import fnmatch
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases as case_data  # noqa: E402  (tests/formail/cases.py)

INPUTS = os.path.join(HERE, "inputs")
STEP_TIMEOUT = 20  # seconds one program run may take
ORACLE_HANGS_TIMEOUT = 3  # for the oracle on a cve case (--show): it may never end
SKIP = 77

DAYS = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MONTHS = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
CTIME = DAYS + " " + MONTHS + r" [ 0-9]\d \d\d:\d\d:\d\d \d{4}"
# The date of a From_ line formail makes: "From addr  <ctime>". It is replaced only where
# it ends a line after two blanks (-x 'From ' prints the line without "From ") and only
# if it is one of the seconds the run lasted (below): dates from the input are compared.
FROM_CTIME = re.compile(rb"(  )(" + CTIME.encode() + rb")$", re.M)
# The Message-ID formail generates for -a Message-ID: / -a Resent-Message-ID: with no
# value: "<hash.counter.pid.time@host>", each part a number in ultoan's [A-Za-z0-9-_]
# digits. hash (of the input read so far) and counter are deterministic; pid and time not.
PART = rb"[A-Za-z0-9_-]+"
GEN_MSGID = re.compile(rb"^((?:Resent-)?Message-ID: <)(" + PART + rb")\.(" + PART + rb")\.("
                       + PART + rb")\.(" + PART + rb")(@[^<>@\s]+>)$", re.M | re.I)
PROG_PREFIX = re.compile(rb"^(?:formail|mailsift-formail):", re.M)
# The usage text names the program too, in its first two lines.
PROG_USAGE = re.compile(rb"^(Usage|   Or): (?:formail|mailsift-formail) ", re.M)


# ----------------------------------------------------------------------------- cases

class Step:
    def __init__(self, spec, case_name):
        self.args = spec.args
        self.env = spec.env
        self.files = spec.files
        self.pipe = spec.pipe
        if spec.stdin is None:
            self.stdin = b""
        elif isinstance(spec.stdin, bytes):
            self.stdin = spec.stdin
        else:
            path = os.path.join(INPUTS, spec.stdin)
            if not os.path.exists(path):
                raise ValueError(f"{case_name}: no input file inputs/{spec.stdin}")
            with open(path, "rb") as f:
                self.stdin = f.read()
        # A Message-ID is generated only for a field name given alone to -a.
        self.generates_msgid = any(
            re.search(rb"(?i)(?:^|a)(?:resent-)?message-id:$", a if isinstance(a, bytes)
                      else a.encode()) for a in self.args)


class Case:
    def __init__(self, spec, kind):
        self.name = spec.name
        self.about = spec.about
        self.kind = kind  # "compare" or "cve"
        self.steps = [Step(s, spec.name) for s in spec.steps]
        self.check = getattr(spec, "check", None)
        # A deliberate difference on stderr: (why, regex the candidate's stderr must match).
        self.stderr_differs = getattr(spec, "stderr_differs", None)

    def matches(self, patterns):
        return any(p == self.name or fnmatch.fnmatchcase(self.name, p) for p in patterns)


def load_cases():
    out, seen = [], set()
    for kind, specs in (("compare", case_data.cases), ("cve", case_data.cve_cases)):
        for spec in specs:
            if spec.name in seen:
                raise ValueError(f"two cases named {spec.name}")
            seen.add(spec.name)
            out.append(Case(spec, kind))
    return out


# ----------------------------------------------------------------------------- running

class StepResult:
    def __init__(self, status, stdout, stderr, files, seconds):
        self.status = status    # exit code, "signal N" or "timeout"
        self.stdout = stdout    # normalised bytes
        self.stderr = stderr
        self.files = files      # {relative path: (kind, normalised bytes)}
        self.seconds = seconds


class Normaliser:
    def __init__(self, step, start, end, strict_msgid):
        # Every ctime string of the seconds the run may have seen (TZ=UTC).
        self.ctimes = {time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(t)).encode()
                       for t in range(int(start) - 1, int(end) + 2)}
        self.step = step
        self.strict_msgid = strict_msgid

    def from_date(self, m):
        return m.group(1) + b"<DATE>" if m.group(2) in self.ctimes else m.group(0)

    def msgid(self, m):
        if m.group(0) in self.step.stdin:  # in the input: not generated, compared
            return m.group(0)
        if self.strict_msgid:  # hash and counter compared, pid and time not
            return b"%s%s.%s.<pid>.<time>%s" % (m.group(1), m.group(2), m.group(3), m.group(6))
        return m.group(1) + b"<MSGID>" + m.group(6)

    def __call__(self, data, is_stderr=False):
        data = FROM_CTIME.sub(self.from_date, data)
        if self.step.generates_msgid:
            data = GEN_MSGID.sub(self.msgid, data)
        if is_stderr:
            data = PROG_PREFIX.sub(b"PROG:", data)
            data = PROG_USAGE.sub(rb"\1: PROG ", data)
        return data


def snapshot(cwd, normalise):
    files = {}
    for dirpath, dirnames, filenames in os.walk(cwd):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, cwd)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                files[rel] = ("symlink", os.readlink(full).encode())
            elif stat.S_ISDIR(st.st_mode):
                files[rel] = ("dir", b"")
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    files[rel] = ("file", normalise(f.read()))
            else:
                files[rel] = ("other", b"")
    return files


def clean_env(cwd, extra):
    env = {"PATH": "/usr/bin:/bin", "HOME": cwd, "TZ": "UTC", "LC_ALL": "C"}
    env.update(extra)
    return env


def to_bytes(a):
    return a if isinstance(a, bytes) else a.encode()


def fresh_dir(cwd):
    if os.path.lexists(cwd):
        for dirpath, dirnames, _ in os.walk(cwd):  # a step may have made a directory 0500
            for d in dirnames:
                os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(cwd)
    os.mkdir(cwd, 0o755)


def run_steps(program, case, cwd, strict_msgid, timeout=STEP_TIMEOUT):
    """Runs every step of case with program in a fresh cwd; returns [StepResult]."""
    fresh_dir(cwd)
    results = []
    for step in case.steps:
        for name, content in step.files.items():
            path = os.path.join(cwd, name)
            if name.endswith("/"):
                os.makedirs(path, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(content)
        argv = [to_bytes(program)] + [to_bytes(a) for a in step.args]
        start = time.time()
        with tempfile.TemporaryFile() as stdin_file:
            if step.pipe:
                stdin = {"input": step.stdin}
            else:
                stdin_file.write(step.stdin)
                stdin_file.seek(0)
                stdin = {"stdin": stdin_file}
            # In a session of its own, so that a timeout ends the -s commands too.
            proc = subprocess.Popen(argv, stdin=stdin.get("stdin", subprocess.PIPE),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                                    env=clean_env(cwd, step.env), start_new_session=True)
            try:
                stdout, stderr = proc.communicate(stdin.get("input"), timeout=timeout)
                status = proc.returncode if proc.returncode >= 0 else \
                    f"signal {-proc.returncode}"
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                stdout, stderr = proc.communicate()
                status = f"timeout after {timeout} s"
        end = time.time()
        normalise = Normaliser(step, start, end, strict_msgid)
        results.append(StepResult(status, normalise(stdout), normalise(stderr, True),
                                  snapshot(cwd, normalise), end - start))
    return results


# ----------------------------------------------------------------------------- comparing

def show_bytes(data):
    text = data.decode("utf-8", errors="backslashreplace")
    return "".join(c if c in "\n\t" or c.isprintable() else repr(c)[1:-1] for c in text)


def diff_text(a, b, limit=30):
    lines = list(difflib.unified_diff(show_bytes(a).splitlines(keepends=True),
                                      show_bytes(b).splitlines(keepends=True),
                                      "formail", "candidate", n=2))
    out = [l.rstrip("\n") if l.endswith("\n") else l + "  (no final newline)" for l in lines]
    if not out and a != b:
        out = [f"(differ in line ends only: formail {a[-20:]!r}, candidate {b[-20:]!r})"]
    if len(out) > limit:
        out = out[:limit] + [f"... {len(out) - limit} more diff lines"]
    return out


def compare_step(want, got, labels=("formail", "candidate"), stderr_differs=None):
    problems = []
    if want.status != got.status:
        problems.append(f"exit status: {labels[0]} {want.status}, {labels[1]} {got.status}")
    if stderr_differs:  # deliberate: the candidate's stderr must match a pattern instead
        why, pattern = stderr_differs
        if not re.search(pattern, got.stderr):
            problems.append(f"stderr does not match {pattern!r} ({why}): "
                            f"{show_bytes(got.stderr[:300])!r}")
    for what, w, g in (("stdout", want.stdout, got.stdout), ("stderr", want.stderr, got.stderr)):
        if what == "stderr" and stderr_differs:
            continue
        if w != g:
            problems.append(f"{what} differs")
            problems += ["    " + l for l in diff_text(w, g)]
    for name in sorted(set(want.files) | set(got.files)):
        w, g = want.files.get(name), got.files.get(name)
        if w == g:
            continue
        if w is None or g is None:
            who, entry = (labels[1], g) if w is None else (labels[0], w)
            problems.append(f"only {who} made {name} ({entry[0]})")
            problems += ["    " + l for l in show_bytes(entry[1][:400]).splitlines()[:8]]
        elif w[0] != g[0]:
            problems.append(f"{name}: {labels[0]} made a {w[0]}, {labels[1]} a {g[0]}")
        else:
            problems.append(f"file {name} differs")
            problems += ["    " + l for l in diff_text(w[1], g[1])]
    return problems


def compare(case, want, got, labels=("formail", "candidate")):
    problems = []
    differs = None if labels[1] == "formail again" else case.stderr_differs
    for number, (w, g) in enumerate(zip(want, got), 1):
        p = compare_step(w, g, labels, differs)
        if p:
            where = f"step {number} ({describe(case.steps[number - 1])})"
            problems += [f"{where}: {p[0]}"] + p[1:] if len(case.steps) > 1 else p
    return problems


def check_cve(case, got):
    """A CVE input: the candidate must exit normally and say something sensible."""
    problems = []
    allowed, stdout_re = case.check
    for number, r in enumerate(got, 1):
        if r.status not in allowed:
            problems.append(f"step {number}: exit status {r.status}, expected one of "
                            f"{', '.join(map(str, allowed))}")
        if stdout_re and not re.search(stdout_re, r.stdout):
            problems.append(f"step {number}: stdout does not match {stdout_re!r}: "
                            f"{show_bytes(r.stdout[:300])!r}")
    return problems


def describe(step):
    return " ".join(show_bytes(to_bytes(a)) if re.fullmatch(r"[\w@%+=:,./-]+", show_bytes(
        to_bytes(a))) else repr(show_bytes(to_bytes(a))) for a in step.args)


def run_case(case, opts):
    root = tempfile.mkdtemp(prefix="mailsift-formail-")
    cwd = os.path.join(root, "d")
    try:
        if case.kind == "cve":
            if opts.oracle_twice or opts.candidate_is_oracle:
                return case, None, 0.0  # the oracle is not sound here: not run
            got = run_steps(opts.formail, case, cwd, opts.strict_msgid)
            return case, check_cve(case, got), sum(r.seconds for r in got)
        want = run_steps(opts.oracle, case, cwd, opts.strict_msgid)
        other = opts.oracle if opts.oracle_twice else opts.formail
        labels = ("formail", "formail again") if opts.oracle_twice else ("formail", "candidate")
        got = run_steps(other, case, cwd, opts.strict_msgid)
        problems = compare(case, want, got, labels)
        if problems and opts.oracle_twice:
            problems.insert(0, "the oracle is not deterministic here:")
        return case, problems, sum(r.seconds for r in want + got)
    except Exception as e:  # a broken case must not stop the suite
        return case, [f"runner error: {type(e).__name__}: {e}"], 0.0
    finally:
        shutil.rmtree(root, ignore_errors=True)


def print_results(label, case, results):
    for number, r in enumerate(results, 1):
        step = case.steps[number - 1]
        env = " ".join(f"{k}={v}" for k, v in step.env.items())
        print(f"===== {label}, step {number}: {env + ' ' if env else ''}formail "
              f"{describe(step)}  => exit {r.status}")
        if r.stdout:
            print("--- stdout")
            print(show_bytes(r.stdout), end="" if r.stdout.endswith(b"\n") else
                  "\n(no final newline)\n")
        if r.stderr:
            print("--- stderr")
            print(show_bytes(r.stderr), end="" if r.stderr.endswith(b"\n") else "\n")
        for name, (kind, data) in sorted(r.files.items()):
            print(f"--- {name} ({kind})")
            if kind == "file":
                print(show_bytes(data), end="" if data.endswith(b"\n") or not data else
                      "\n(no final newline)\n")


def show(case, opts):
    root = tempfile.mkdtemp(prefix="mailsift-formail-")
    cwd = os.path.join(root, "d")
    try:
        print(f"##### {case.name} ({case.kind}): {case.about}")
        programs = [("formail", opts.oracle)]
        if opts.formail and not opts.oracle_only:
            programs.append(("candidate", opts.formail))
        for label, program in programs:
            timeout = ORACLE_HANGS_TIMEOUT if case.kind == "cve" and program == opts.oracle \
                else STEP_TIMEOUT
            print_results(label, case, run_steps(program, case, cwd, opts.strict_msgid, timeout))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formail", help="the candidate (build/mailsift-formail)")
    parser.add_argument("--oracle", default="/usr/bin/formail")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", action="store_true", help="print the results in full")
    parser.add_argument("--oracle-only", action="store_true",
                        help="print the oracle's results only")
    parser.add_argument("--oracle-twice", action="store_true",
                        help="run the oracle twice per case: is it deterministic?")
    parser.add_argument("--strict-msgid", action="store_true",
                        help="compare the hash and counter parts of generated Message-IDs")
    parser.add_argument("--list", action="store_true", help="list the cases")
    parser.add_argument("--timing", action="store_true", help="print each case's run time")
    parser.add_argument("cases", nargs="*", metavar="CASE")
    opts = parser.parse_args()
    os.umask(0o022)
    try:
        cases = load_cases()
    except ValueError as e:
        print(f"malformed cases.py: {e}")
        return 2
    if opts.cases:
        unknown = [p for p in opts.cases if not any(c.matches([p]) for c in cases)]
        if unknown:
            parser.error(f"no such case: {', '.join(unknown)}")
        cases = [c for c in cases if c.matches(opts.cases)]
    if opts.list:
        for c in cases:
            print(f"{c.name:40} {'[cve] ' if c.kind == 'cve' else ''}{c.about}")
        return 0
    if not os.access(opts.oracle, os.X_OK):
        print(f"skipped: {opts.oracle} is not installed, there is nothing to compare with")
        return SKIP
    if opts.formail and not os.access(opts.formail, os.X_OK):
        parser.error(f"{opts.formail} is not an executable file")
    opts.formail = os.path.abspath(opts.formail) if opts.formail else None
    # The cve cases check the candidate alone, where the oracle hangs or reads memory it
    # does not own: with the oracle as the candidate they would only show that again.
    opts.candidate_is_oracle = bool(opts.formail) and \
        os.path.realpath(opts.formail) == os.path.realpath(opts.oracle)
    if opts.show or opts.oracle_only or not (opts.formail or opts.oracle_twice):
        for case in cases:
            show(case, opts)
        return 0
    start = time.monotonic()
    passed = failed = not_run = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
        futures = [pool.submit(run_case, c, opts) for c in cases]
        for future in futures:
            case, problems, seconds = future.result()
            if opts.timing:
                print(f"{seconds:6.2f} s  {case.name}")
            if problems is None:
                not_run += 1
            elif problems:
                failed += 1
                print(f"FAIL {case.name}: {case.about}")
                for line in problems:
                    print("  " + line)
            else:
                passed += 1
    label = "formail twice: " if opts.oracle_twice else ""
    why = "the candidate is the oracle" if opts.candidate_is_oracle else "no candidate"
    note = f", {not_run} cve cases not run ({why}; they check the candidate alone)" \
        if not_run else ""
    print(f"{label}{len(cases)} cases, {passed} passed, {failed} failed{note}"
          f" ({time.monotonic() - start:.1f} s)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
