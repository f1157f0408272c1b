#!/usr/bin/env bash
# Every message of tests/data/messages, with each set of procmail flags, into each kind
# of folder, through /usr/bin/procmail and mailsift: same exit code, same bytes.
set -euo pipefail
: "${MAILSIFT:?}" "${TEST_DATA:?}"
exec python3 "$(dirname "$0")/compare.py" "$MAILSIFT" "$TEST_DATA/messages"
