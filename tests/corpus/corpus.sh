#!/usr/bin/env bash
# Real rcfiles (rcfiles/, with their origins in MANIFEST.tsv) on every message of messages/,
# through /usr/bin/procmail and mailsift: the same outcome, or a listed difference
# (differences.txt). README.md in this directory says more.
set -euo pipefail
: "${MAILSIFT:?}"
exec python3 "$(dirname "$0")/run_corpus.py" --mailsift "$MAILSIFT" --jobs 2
