#!/usr/bin/env python3
"""Real rcfiles through /usr/bin/procmail and mailsift: every rcfile of rcfiles/ on every
message of messages/, each pair run the way tests/compat/run_cases.py runs a case (a fresh
temporary home at the same absolute path for both programs, the same arguments and a clean
environment), and compared the same way: exit status, every file written under the home,
and the log. README.md in this directory says where the rcfiles come from.

Usage:
  run_corpus.py [--mailsift BIN] [--procmail BIN] [--jobs N] [--messages N] [RCFILE...]
      compare; exit 0 iff every pair not listed in differences.txt is the same
  run_corpus.py --show RCFILE MESSAGE    both results of one pair in full
  --summary     a line per rcfile: how many messages came out the same

differences.txt lists the pairs that may differ, one a line:
  RCFILE MESSAGE why          (RCFILE and MESSAGE are shell patterns: * for every message)
with a reason: a documented difference (README.md of the project), or a race that makes
the outcome of either program vary from run to run. A listed pair that comes out the
same is counted, not failed.
"""
import argparse
import concurrent.futures
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))
import run_cases  # noqa: E402  (the runner and the comparison of the conformance suite)

RCFILES = os.path.join(HERE, "rcfiles")
MESSAGES = os.path.join(HERE, "messages")
DIFFERENCES = os.path.join(HERE, "differences.txt")
SETUP = """. "$COMPAT_LIB"
fake_sendmail
"""


class Pair(run_cases.Case):
    """One rcfile on one message, as a conformance case built on the fly: the rcfile is
    `rc`, a directory NNN-name.d beside it is copied into the home, SENDMAIL is a fake that
    records what it is given, and the log is the rcfile's own LOGFILE, if any."""

    def __init__(self, rcfile, message, workdir):
        self.name = f"{rcfile} {message}"
        self.rcfile, self.message_name = rcfile, message
        self.dir = os.path.join(workdir, "case")
        os.makedirs(self.dir)
        shutil.copyfile(os.path.join(RCFILES, rcfile), os.path.join(self.dir, "rc"))
        extra = os.path.join(RCFILES, rcfile[:-3] + ".d") if rcfile.endswith(".rc") else None
        os.makedirs(os.path.join(self.dir, "files"))
        if extra and os.path.isdir(extra):
            shutil.copytree(extra, os.path.join(self.dir, "files", os.path.basename(extra)),
                            symlinks=True)
        # NNN-name.setup: what the rcfile needs made in the home first (a directory it
        # locks a file in: procmail would otherwise wait for that lock for ever).
        own_setup = os.path.join(RCFILES, rcfile[:-3] + ".setup") if rcfile.endswith(".rc") else ""
        with open(os.path.join(self.dir, "setup"), "w") as f:
            f.write(SETUP)
            if own_setup and os.path.exists(own_setup):
                f.write(run_cases.read_text(own_setup))
        self.problems = []
        self.about = ""
        # NNN-name.case: keys of a conformance case's "case" file for this rcfile
        # ("unordered: LOG" where clones write to one log at once, "normalise: REGEX" for
        # what changes from run to run, such as a process id).
        own_keys = os.path.join(RCFILES, rcfile[:-3] + ".case") if rcfile.endswith(".rc") else ""
        self.keys = run_cases.read_keys(own_keys) if own_keys else []
        # NNN-name.expect: keys of a conformance case's "expect" file (a file to ignore
        # that changes by itself, with why).
        own_expect = own_keys[:-5] + ".expect" if own_keys else ""
        self.expect = run_cases.read_keys(own_expect) if own_expect else []
        self.message = os.path.join(MESSAGES, message)
        # Before the runner's own assignments (HOME, MAILDIR, ORGMAIL, DEFAULT): an rcfile
        # that sends mail reaches the fake, and one that prints the date still compares.
        self.args = ["SENDMAIL=@HOME@/sendmail"]
        self.normalisers = [re.compile(p, re.M) for p in (
            rb"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),? +\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug"
            rb"|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d(?: [+-]\d{4})?",
            # (not the time stamps VERBOSE writes after "[pid] ": the runner drops those)
            rb"(?<!\] )\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov"
            rb"|Dec) [ \d]\d \d\d:\d\d:\d\d(?: [A-Z]{2,5})? \d{4}",
            rb"\b20\d\d-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?",
            # A filter that exits before it reads the message: whether the writer sees the
            # broken pipe first or the exit status is a race, in procmail and in mailsift.
            rb"(?<=: )(?:Program failure \(\d+\) of|Error while writing to)(?= \")",
        )] + [re.compile(v.encode(), re.M) for v in self.get_all("normalise")]
        self.drop_lines = []
        self.timeout = 20.0
        # A real rcfile names its log as it likes ("from", "procmail.out"): every file is
        # normalised as a log may be (the program's name at the start of a line, VERBOSE
        # time stamps), which leaves a mailbox as it is.
        self.every_file_may_be_a_log = True


NO_SLEEP_C = b"""
/* procmail sleeps a second after its first write to a new mbox (an NFS atime trick):
   the outcome is the same without the wait, and a corpus of rcfiles that deliver to
   mboxes would take many minutes with it. */
unsigned int sleep(unsigned int seconds) { (void)seconds; return 0; }
"""


def fast_procmail(procmail, workdir):
    """A copy of procmail (without its set-id bits, as root it runs the same) that does
    not sleep, behind a wrapper script; the real one when no C compiler is there."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return procmail
    source = os.path.join(workdir, "no_sleep.c")
    library = os.path.join(workdir, "no_sleep.so")
    with open(source, "wb") as f:
        f.write(NO_SLEEP_C)
    if subprocess.run([cc, "-shared", "-fPIC", "-o", library, source],
                      capture_output=True).returncode != 0:
        return procmail
    copy = os.path.join(workdir, "procmail")
    shutil.copyfile(procmail, copy)
    os.chmod(copy, 0o755)
    wrapper = os.path.join(workdir, "procmail-no-sleep")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nLD_PRELOAD={library} exec {copy} "$@"\n')
    os.chmod(wrapper, 0o755)
    return wrapper


def read_differences():
    out = []
    if not os.path.exists(DIFFERENCES):
        return out
    for number, line in enumerate(run_cases.read_text(DIFFERENCES).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise ValueError(f"{DIFFERENCES}:{number}: expected 'RCFILE MESSAGE why'")
        out.append((parts[0], parts[1], parts[2]))
    return out


def listed(differences, rcfile, message):
    return any(fnmatch.fnmatch(rcfile, r) and fnmatch.fnmatch(message, m)
               for r, m, _ in differences)


def run_pair(rcfile, message, mailsift, procmail):
    workdir = tempfile.mkdtemp(prefix="mailsift-corpus-case-")
    root = tempfile.mkdtemp(prefix="mailsift-corpus-")
    try:
        pair = Pair(rcfile, message, workdir)
        want = run_cases.run_program(procmail, pair, root)
        got = run_cases.run_program(mailsift, pair, root)
        return rcfile, message, run_cases.compare(pair, want, got)
    except Exception as e:  # a runner problem is a failure of the pair, not of the suite
        return rcfile, message, [f"runner error: {type(e).__name__}: {e}"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def show(rcfile, message, mailsift, procmail):
    workdir = tempfile.mkdtemp(prefix="mailsift-corpus-case-")
    root = tempfile.mkdtemp(prefix="mailsift-corpus-")
    try:
        pair = Pair(rcfile, message, workdir)
        for label, program in (("procmail", procmail), ("mailsift", mailsift)):
            result = run_cases.run_program(program, pair, root)
            print(f"===== {label}: exit {result.status}")
            for name, (kind, mode, data) in sorted(result.files.items()):
                print(f"--- {name} ({kind} {mode:04o})")
                if kind == "file":
                    print(run_cases.show_bytes(data[:4000]))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailsift", default=os.environ.get("MAILSIFT"))
    parser.add_argument("--procmail", default="/usr/bin/procmail")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--messages", type=int, default=0,
                        help="only the first N messages (0: all)")
    parser.add_argument("--show", nargs=2, metavar=("RCFILE", "MESSAGE"))
    parser.add_argument("--summary", action="store_true")
    parser.add_argument("rcfiles", nargs="*")
    opts = parser.parse_args()
    os.umask(0o022)
    if not os.access(opts.procmail, os.X_OK):
        print(f"skipped: {opts.procmail} is not installed, there is nothing to compare with")
        return 0
    if not opts.mailsift:
        parser.error("--mailsift (or $MAILSIFT) is required")
    if opts.show:
        show(*opts.show, opts.mailsift, opts.procmail)
        return 0
    rcfiles = sorted(f for f in os.listdir(RCFILES)
                     if f.endswith(".rc") and os.path.isfile(os.path.join(RCFILES, f)))
    if opts.rcfiles:
        rcfiles = [r for r in rcfiles if any(fnmatch.fnmatch(r, p) for p in opts.rcfiles)]
    messages = sorted(os.listdir(MESSAGES))
    if opts.messages:
        messages = messages[:opts.messages]
    differences = read_differences()
    tools = tempfile.mkdtemp(prefix="mailsift-corpus-tools-")
    procmail = fast_procmail(opts.procmail, tools)
    start = time.monotonic()
    same = differ = listed_same = 0
    per_rcfile = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = [pool.submit(run_pair, r, m, opts.mailsift, procmail)
                   for r in rcfiles for m in messages]
        for future in futures:
            rcfile, message, problems = future.result()
            expected = listed(differences, rcfile, message)
            counts = per_rcfile.setdefault(rcfile, [0, 0])
            counts[0 if not problems else 1] += 1
            if problems and not expected:
                differ += 1
                print(f"DIFFERS {rcfile} {message}")
                for line in problems[:30]:
                    print("  " + line)
            elif not problems and expected:
                listed_same += 1
            else:
                same += 1
    if opts.summary:
        for rcfile, (ok, bad) in sorted(per_rcfile.items()):
            print(f"{ok:3d}/{ok + bad} same  {rcfile}")
    shutil.rmtree(tools, ignore_errors=True)
    pairs = len(rcfiles) * len(messages)
    print(f"{len(rcfiles)} rcfiles x {len(messages)} messages: {pairs} pairs, {same} the same "
          f"or listed in differences.txt, {differ} differ, {listed_same} listed pairs the same "
          f"this time ({time.monotonic() - start:.1f} s)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
