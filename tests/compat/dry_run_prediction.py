#!/usr/bin/env python3
"""Does `mailsift --dry-run` predict what a real run does, over the whole conformance suite?

For every case under cases/ (README.md describes them) mailsift runs three times, each in a
fresh home made by the case's files and setup:

1. `--dry-run`: the home afterwards must be exactly as before (nothing written, created,
   removed or re-moded);
2. a real run: the folders that received the message are read off the home's changes
   (a new file in a maildir's new/ or cur/, an MH message number, a directory folder's
   msg.* file, a file that grew by a message), independently of mailsift's own trace;
3. `--dry-run --run-programs --format=json`: the exit code it predicts must be the real
   run's, and the folders it predicts must be the ones found in step 2.

Delivering programs never run in a dry run, so what they would write is not predicted:
when the trace shows a program (a delivering one, a filter, a capture or a `?` condition),
a file that grew by a message but is no predicted folder is not held against it. A case whose real outcome a dry
run cannot know (a folder that cannot be written, a lock that is held) says so in its
`case` file: `dry-run: skip <reason>`; such a case is still checked for step 1.

Usage: dry_run_prediction.py [--mailsift BIN] [--jobs N] [--every N] [CASE...]
(--every N: every Nth case in name order only; the sanitizer build takes every third.)
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import tempfile
import time

import run_cases
from run_cases import Case, run_program

# The kinds a dry run names in a delivery line that are not folders on disk.
PROGRAM_KINDS = {"program", "forward", "stdout"}


def changed(before, after):
    """Normalised names that are new or different after a run."""
    return {name for name, entry in after.items() if before.get(name) != entry}


def looks_like_message(data):
    """A file's appended bytes hold a message: a From_ line, header fields, a blank line."""
    return data.startswith(b"From ") and b"\n\n" in data and b"\n" in data


def real_folders(result, want):
    """Folders (relative to the home) that a real run delivered into, read off the files:
    a changed file that is a predicted folder or lies in one, a new maildir, MH or
    directory-folder message, a file that grew by what looks like a message. Returns
    (folders, message_files): message_files are the plain files of the last kind that were
    not predicted, which may also be a program's doing."""
    before, after = result.before, result.files
    folders, message_files = set(), set()
    for name in changed(before, after):
        if after[name][0] != "file":
            continue
        path = name.rstrip("+")
        parts = path.split("/")
        inside = [ "/".join(parts[:i]) for i in range(len(parts), 0, -1)
                   if "/".join(parts[:i]) in want ]
        if inside:
            folders.add(inside[0])
        elif len(parts) >= 2 and parts[-2] in ("new", "cur") and parts[-1] == "<unique>":
            folders.add("/".join(parts[:-2]) or ".")
        elif parts[-1] == "msg.<inode>":
            folders.add("/".join(parts[:-1]) or ".")
        elif parts[-1].isdigit() and len(parts) >= 2 and \
                after.get("/".join(parts[:-1]), ("",))[0] == "dir":
            folders.add("/".join(parts[:-1]))
        else:
            old = before.get(name, ("file", 0, b""))[2]
            new = after[name][2]
            added = new[len(old):] if new.startswith(old) else new
            base = parts[-1]
            if looks_like_message(added) and not (base.startswith("log") or base.endswith(".log")):
                message_files.add(path)
    return folders, message_files


def predicted(lines, home):
    """(exit code, folders relative to home, any program deliveries) from JSON lines."""
    exit_code, folders, programs, maildir = None, set(), False, home
    deliveries = []
    for line in lines.splitlines():
        record = json.loads(line)
        if record.get("type") == "condition" and record["text"].lstrip().startswith("?"):
            programs = True  # a program ran (with --run-programs) and may write files
        elif record.get("type") == "action" and record["kind"] in ("filter", "capture"):
            programs = True
        elif record.get("type") == "delivery":
            deliveries.append(record)
        elif record.get("type") == "result":
            exit_code = record["exit"]
            maildir = record.get("maildir") or home
    for record in deliveries:
        if record["kind"] in PROGRAM_KINDS:
            programs = True
            continue
        if record["kind"] == "/dev/null":
            continue
        path = record["folder"]
        while path.endswith("/.") or (path.endswith("/") and len(path) > 1):
            path = path[:-2] if path.endswith("/.") else path[:-1]
        path = os.path.normpath(os.path.join(maildir, path))
        folders.add(os.path.relpath(path, home))
    return exit_code, folders, programs


def check_case(case, mailsift, pending):
    if case.problems:
        return case, ["malformed case: " + "; ".join(case.problems)], False
    skip = case.get("dry-run")
    if not skip and case.name in pending:
        # mailsift does not do what procmail does here yet (pending.txt): a prediction
        # of that would prove nothing.
        skip = "skip pending in the conformance suite"
    root = tempfile.mkdtemp(prefix="mailsift-dry-run-")
    problems = []
    try:
        plain = run_program(mailsift, case, root, ["--dry-run"])
        if plain.before != plain.files:
            diff = sorted(changed(plain.before, plain.files) |
                          (set(plain.before) - set(plain.files)))
            problems.append(f"--dry-run changed the home: {', '.join(diff)}")
        if skip:
            if not skip.startswith("skip "):
                problems.append(f"'dry-run: {skip}': expected 'skip <reason>'")
            return case, problems, True
        dry = run_program(mailsift, case, root, ["--dry-run", "--run-programs", "--format=json"])
        try:
            exit_code, want_folders, programs = predicted(dry.raw_stdout.decode(), dry.home)
        except (ValueError, KeyError) as e:
            return case, problems + [f"unreadable JSON trace: {e}"], False
        real = run_program(mailsift, case, root)
        folders, message_files = real_folders(real, want_folders)
        if exit_code != real.status:
            problems.append(f"exit code: dry run predicts {exit_code}, real run gave {real.status}")
        if exit_code != dry.status:
            problems.append(f"the dry run exited {dry.status} but its result line says {exit_code}")
        found = folders if programs else folders | message_files
        if found != want_folders:
            problems.append(f"folders: dry run predicts {sorted(want_folders)}, "
                            f"real run delivered to {sorted(found)}")
        return case, problems, False
    except Exception as e:  # a broken case must not stop the suite
        return case, problems + [f"runner error: {type(e).__name__}: {e}"], False
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailsift", default=os.environ.get("MAILSIFT"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--every", type=int, default=1,
                        help="every Nth case only, in name order (the first, the N+1st, ...)")
    parser.add_argument("cases", nargs="*")
    opts = parser.parse_args()
    if not opts.mailsift:
        parser.error("--mailsift (or $MAILSIFT) is required")
    os.umask(0o022)
    names = sorted(d for d in os.listdir(run_cases.CASES)
                   if os.path.isdir(os.path.join(run_cases.CASES, d)))
    if opts.cases:
        unknown = [c for c in opts.cases if c not in names]
        if unknown:
            parser.error(f"no such case: {', '.join(unknown)}")
        names = opts.cases
    names = names[::max(opts.every, 1)]
    start = time.monotonic()
    passed = failed = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        pending = set(run_cases.read_pending())
        futures = [pool.submit(check_case, Case(n), opts.mailsift, pending) for n in names]
        for future in futures:
            case, problems, was_skipped = future.result()
            if problems:
                failed += 1
                print(f"FAIL {case.name}: {case.about}")
                for line in problems:
                    print("  " + line)
            elif was_skipped:
                skipped += 1
            else:
                passed += 1
    print(f"{len(names)} cases: {passed} predicted, {skipped} skipped (tree checked only), "
          f"{failed} failed ({time.monotonic() - start:.1f} s)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
