#!/usr/bin/env bash
# mailsift under Exim 4 (Debian's exim4-daemon-light), end to end: see
# tests/mta/README.md and exim_test.py. It changes the machine's Exim configuration
# (put back at the end), diverts /usr/bin/procmail to mailsift for the length of the
# test, and starts Exim: skipped (77) unless run as root with Exim installed.
# Needs: MAILSIFT (the binary to test).
set -uo pipefail
: "${MAILSIFT:?MAILSIFT must name the mailsift binary}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x /usr/sbin/exim4 ] || { echo "SKIP: exim4 is not installed"; exit 77; }
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/exim_test.py" "$MAILSIFT" "$here/../../man/mailsift.1"
