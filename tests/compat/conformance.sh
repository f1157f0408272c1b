#!/usr/bin/env bash
# Differential conformance suite: every case under cases/ through /usr/bin/procmail and
# mailsift; cases listed in pending.txt must still fail (README.md explains).
set -euo pipefail
: "${MAILSIFT:?}"
exec python3 "$(dirname "$0")/run_cases.py" --mailsift "$MAILSIFT" --jobs 2
