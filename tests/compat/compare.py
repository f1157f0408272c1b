#!/usr/bin/env python3
"""Differential test: the same message, flags and folder through /usr/bin/procmail and
mailsift, each in a temporary directory of its own; the exit codes and the bytes of
every file written must be the same, apart from the dates procmail puts on From_ lines
it generates and the names of maildir and directory-folder files.

Usage: compare.py MAILSIFT MESSAGES_DIR [PROCMAIL]
Prints one line per case that differs and a closing 'N passed, N failed' line.
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

FROM_DATE = re.compile(
    rb"^(>?From .*?  )[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}(?=[ \n]|$)", re.M)

FLAG_SETS = [
    [],
    ["-Y"],
    ["-f", "envelope@example.net"],
    ["-f", "-"],
    ["-o", "-f", "override@example.net"],
]
# name as given to DEFAULT, and how to find the written file(s)
FOLDERS = ["mbox", "maildir/", "mh/.", "dir"]
OLD_MBOX = b"From old@example.org  Sat Nov 28 14:00:00 2026\nSubject: old\n\nold body\n\n"


def normalise(data):
    return FROM_DATE.sub(rb"\1<DATE>", data)


def written(root, folder):
    """The bytes stored in folder under root, as a sorted list of (label, bytes)."""
    path = os.path.join(root, folder.rstrip("/.") if folder != "dir" else "dir")
    out = []
    if folder == "mbox":
        with open(path, "rb") as f:
            out.append(("mbox", f.read()))
        return out
    if not os.path.isdir(path):
        return [("missing", b"")]
    for dirpath, _, files in os.walk(path):
        for name in sorted(files):
            rel = os.path.relpath(os.path.join(dirpath, name), path)
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            label = rel
            if folder.endswith("/") and not folder.endswith("/."):
                label = os.path.dirname(rel) + "/<unique>"
            elif folder == "dir":
                label = "msg.<inode>"
            out.append((label, data))
    return sorted(out)


def run_one(program, message, flags, folder):
    root = tempfile.mkdtemp(prefix="mailsift-compat-")
    if folder == "mbox":
        path = os.path.join(root, "mbox")
        with open(path, "wb") as f:
            f.write(OLD_MBOX)
        st = os.stat(path)
        # atime before mtime: procmail then skips its one-second "new mail" pause.
        os.utime(path, (st.st_mtime - 10, st.st_mtime))
    if folder == "dir":
        os.mkdir(os.path.join(root, "dir"))
    with open(os.path.join(root, "rc"), "w") as f:
        f.write("")
    env = {"PATH": "/usr/bin:/bin", "TZ": "UTC", "HOME": root}
    args = [program] + flags + ["DEFAULT=" + os.path.join(root, folder),
                                "ORGMAIL=" + os.path.join(root, "orgmail"), "./rc"]
    with open(message, "rb") as stdin:
        proc = subprocess.run(args, stdin=stdin, cwd=root, env=env, capture_output=True,
                              timeout=60)
    result = (proc.returncode, [(l, normalise(d)) for l, d in written(root, folder)])
    subprocess.run(["rm", "-rf", root])
    return result, proc.stderr


def main():
    mailsift, messages = sys.argv[1], sys.argv[2]
    procmail = sys.argv[3] if len(sys.argv) > 3 else "/usr/bin/procmail"
    if not os.access(procmail, os.X_OK):
        print(f"{procmail} is not installed: cannot compare", file=sys.stderr)
        return 1
    cases = []
    for name in sorted(os.listdir(messages)):
        if not name.endswith(".eml"):
            continue
        for flags in FLAG_SETS:
            for folder in FOLDERS:
                cases.append((os.path.join(messages, name), flags, folder))
    passed = failed = 0

    def check(case):
        message, flags, folder = case
        want, _ = run_one(procmail, message, flags, folder)
        got, err = run_one(mailsift, message, flags, folder)
        return case, want, got, err

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for case, want, got, err in pool.map(check, cases):
            message, flags, folder = case
            label = f"{os.path.basename(message)} {' '.join(flags) or '(no flags)'} -> {folder}"
            if want == got:
                passed += 1
                continue
            failed += 1
            print(f"DIFFERS: {label}")
            if want[0] != got[0]:
                print(f"  exit: procmail {want[0]}, mailsift {got[0]}")
            for (wl, wd), (gl, gd) in zip(want[1], got[1]):
                if (wl, wd) != (gl, gd):
                    print(f"  procmail {wl}: {wd!r}")
                    print(f"  mailsift {gl}: {gd!r}")
            if len(want[1]) != len(got[1]):
                print(f"  files: procmail {[l for l, _ in want[1]]}, mailsift {[l for l, _ in got[1]]}")
            if err:
                print(f"  mailsift stderr: {err.decode(errors='replace').strip()}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
