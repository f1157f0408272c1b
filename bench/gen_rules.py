#!/usr/bin/env python3
"""Writes the benchmark's rule sets, each as a procmailrc (for procmail and mailsift) and as the
equivalent maildrop filter.

  gen_rules.py --out DIR [--k 10 100 1000] [--seed N] [--body-variant K]

DIR/procmailrc-K<k>   k recipes: k-4 realistic header rules (List-Id, From, To/Cc, Subject,
                      some with two conditions) whose literals occur in no message of the
                      corpus, then one recipe per mailing list of the corpus (gen_corpus.LISTS)
                      and a last recipe without conditions that delivers to inbox/; so every
                      message is tried against all the rules before the ones that match
DIR/mailfilter-K<k>   the same rules for maildrop (mode 600, as maildrop requires)
DIR/folders-K<k>      the folder of every rule, one a line (maildrop needs them to exist)
DIR/*-K<k>-body       with --body-variant k: the same k rules plus, before the tail, one body
                      rule that matches nothing (so the whole body is searched)
DIR/*-K<k>-spread     with --spread k: k recipes where each message's first match stands at a
                      place spread evenly through the file, as in real rcfiles (procmail stops
                      reading there): SPREAD_GROUPS recipes, each matching the messages whose
                      serial ends in its digits (by Message-ID), at seeded random places among
                      the same non-matching header rules, and the inbox last

Folders are maildirs relative to the maildir root: procmail's rcfile sets MAILDIR=$HOME/Maildir
(run procmail and mailsift with HOME=... on the command line), maildrop's filter reads the root
from the environment variable BENCH_MAILDIR (maildrop resets HOME in manual mode).
"""
import argparse
import os
import random
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus  # noqa: E402  (the lists and the vocabulary of the corpus)

SYLLABLES = ["ka", "zo", "ru", "mi", "te", "vu", "xo", "pe", "ly", "qua", "dri", "sno", "brek",
             "fen", "gul", "hax", "jor", "wip", "yst", "zed", "orb", "ul", "eth", "nyx"]
TLDS = ["io", "dev", "net", "cloud", "systems", "tech"]
TAIL = len(gen_corpus.LISTS) + 1   # the matching recipes at the end of every rule set
SPREAD_GROUPS = 20                  # matching recipes of a -spread rule set


def spread_group(message_id):
    """The group of a message in the -spread rule sets (its folder is spread_folder(group)):
    the last two digits of its serial, the number that starts its Message-ID."""
    serial = message_id.lstrip("<").split(".", 1)[0]
    return int(serial[-2:]) % SPREAD_GROUPS


def spread_folder(group):
    return f".spread.g{group:02d}"


def spread_rules(seed, k):
    """k rules: SPREAD_GROUPS matching ones at random places among k-SPREAD_GROUPS-1 header
    rules that match nothing, then the inbox."""
    rules = header_rules(seed, k - SPREAD_GROUPS - 1)
    rng = random.Random(seed + 7)
    for group in range(SPREAD_GROUPS):
        endings = "|".join(f"{e:02d}" for e in range(group, 100, SPREAD_GROUPS))
        rule = ([f"^Message-ID: <[0-9][0-9][0-9][0-9]({endings})\\."], spread_folder(group))
        rules.insert(rng.randint(0, len(rules)), rule)
    rules.append(([], gen_corpus.INBOX))
    return rules


def vocabulary():
    """Every word the corpus is made of, lower case: no literal of a non-matching rule may be one."""
    words = set(w.lower() for w in gen_corpus.WORDS + gen_corpus.FIRST + gen_corpus.LAST)
    for text in gen_corpus.DOMAINS + gen_corpus.RELAYS + [l["id"] for l in gen_corpus.LISTS]:
        words.update(text.lower().replace("-", ".").split("."))
    return words


def project_names(rng, count):
    taken = vocabulary()
    names = []
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if name in taken:
            continue
        taken.add(name)
        names.append(name)
    return names


def escape(literal):
    """A literal as a regex in both procmail's dialect and PCRE."""
    return "".join("\\" + c if c in ".[]()*+?^$|\\" else c for c in literal)


def header_rules(seed, count):
    """count rules that match no message of the corpus: (conditions, folder) with conditions a
    list of regexes, each tried against the header. The first n rules are the same for every
    count >= n (the rules of K=100 begin those of K=1000)."""
    rules = []
    rng = random.Random(seed + 1)
    for name in project_names(random.Random(seed), count):
        tld = rng.choice(TLDS)
        r = rng.random()
        if r < 0.40:
            conds = [f"^List-Id:.*{escape(name + '-dev.lists.' + name + '.' + tld)}"]
            folder = f".lists.{name}"
        elif r < 0.62:
            user = rng.choice(["noreply", "alerts", "billing", "support", "news"])
            conds = [f"^From:.*{escape(user + '@' + name)}\\.({tld}|com)"]
            folder = f".from.{name}"
        elif r < 0.78:
            conds = [f"^(To|Cc):.*{escape(name + '-team@')}"]
            folder = f".team.{name}"
        elif r < 0.93:
            conds = [f"^Subject:.*{escape('[' + name + ']')}"]
            folder = f".subject.{name}"
        else:
            conds = [f"^From:.*@{escape(name + '.' + tld)}", "^Subject:.*(alert|warning|down)"]
            folder = f".alerts.{name}"
        rules.append((conds, folder))
    return rules


def tail_rules():
    """The recipes that match: one per mailing list of the corpus, then the inbox."""
    rules = [([f"^List-Id:.*<{escape(l['id'])}>"], l["folder"]) for l in gen_corpus.LISTS]
    rules.append(([], gen_corpus.INBOX))
    return rules


def procmailrc(k, rules, body_rule):
    out = [f"# Benchmark rules, K={k} recipes: written by bench/gen_rules.py, do not edit.",
           "MAILDIR=$HOME/Maildir", f"DEFAULT=$MAILDIR/{gen_corpus.INBOX}/", ""]
    for conds, folder in rules:
        if folder is None:  # the body rule
            out += [":0 B", f"* {body_rule[0]}", f"{body_rule[1]}/", ""]
            continue
        out.append(":0")
        out += [f"* {c}" for c in conds]
        out += [f"{folder}/", ""]
    return "\n".join(out)


def mailfilter(k, rules, body_rule):
    out = [f"# Benchmark rules, K={k} rules: written by bench/gen_rules.py, do not edit.",
           'MD="$BENCH_MAILDIR"', f'DEFAULT="$MD/{gen_corpus.INBOX}/"', ""]
    for conds, folder in rules:
        if folder is None:
            out += [f"if (/{body_rule[0]}/:b)", "{", f'  to "$MD/{body_rule[1]}/"', "}", ""]
        elif not conds:
            out += [f'to "$MD/{folder}/"', ""]
        else:
            out += ["if (" + " && ".join(f"/{c}/" for c in conds) + ")", "{",
                    f'  to "$MD/{folder}/"', "}", ""]
    return "\n".join(out)


def write(path, text, mode=0o644):
    with open(path + ".new", "w") as f:
        f.write(text)
    os.chmod(path + ".new", mode)
    os.replace(path + ".new", path)


# Raw header conditions and the views that say the same of the message.
VIEW_FORMS = [
    (re.compile(r"^\* \^Subject:\.\*(.*)$"), "* header.subject ?? ^.*"),
    (re.compile(r"^\* \^List-Id:\.\*(.*)$"), "* header.list-id ?? ^.*"),
    (re.compile(r"^\* \^From:\.\*(.*)$"), "* address.from ?? ^.*"),
    (re.compile(r"^\* \^\(To\|Cc\):\.\*(.*)$"), "* address.recipients ?? ^.*"),
]


def as_views(rcfile):
    """The rcfile with each raw Subject, List-Id, From and To/Cc condition written as the
    view of the same field ("* ^Subject:.*x" -> "* header.subject ?? ^.*x")."""
    out = []
    for line in rcfile.split("\n"):
        for pattern, view in VIEW_FORMS:
            m = pattern.match(line)
            if m:
                line = view + m.group(1)
                break
        out.append(line)
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--k", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--body-variant", type=int, metavar="K", default=None)
    ap.add_argument("--spread", type=int, nargs="*", metavar="K", default=[])
    opts = ap.parse_args()
    os.makedirs(opts.out, exist_ok=True)
    body_rule = (escape("X-Bench-Token: zedorbnyx-7f3a"), ".body-match")
    variants = [(k, False) for k in opts.k]
    if opts.body_variant is not None:
        variants.append((opts.body_variant, True))
    variants += [(k, "spread") for k in opts.spread]
    for k, kind in variants:
        if k < TAIL or (kind == "spread" and k <= SPREAD_GROUPS + 1):
            sys.exit(f"gen_rules.py: K={k} is too small")
        if kind == "spread":
            rules = spread_rules(opts.seed, k)
        else:
            rules = header_rules(opts.seed, k - TAIL)
            if kind:
                rules.append(([], None))
            rules += tail_rules()
        with_body = kind is True
        suffix = f"K{k}" + ("-body" if with_body else "-spread" if kind == "spread" else "")
        write(os.path.join(opts.out, f"procmailrc-{suffix}"), procmailrc(k, rules, body_rule))
        write(os.path.join(opts.out, f"mailfilter-{suffix}"), mailfilter(k, rules, body_rule), 0o600)
        folders = [f for _, f in rules if f is not None] + ([body_rule[1]] if with_body else [])
        write(os.path.join(opts.out, f"folders-{suffix}"), "\n".join(folders) + "\n")
        if suffix == "K100":
            # The same rules as views (mailsift only): what header and address views cost
            # beside the raw regexes they replace (issue 13).
            write(os.path.join(opts.out, "procmailrc-K100-views"),
                  as_views(procmailrc(k, rules, body_rule)))
    print(f"rules: K={', '.join(str(k) for k in opts.k)}"
          + (f" and K={opts.body_variant} with a body rule" if opts.body_variant is not None else "")
          + (f", spread K={', '.join(str(k) for k in opts.spread)}" if opts.spread else "")
          + f" in {opts.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
