#!/usr/bin/env bash
# mailsift under Exim 4 (Debian's exim4-daemon-light), end to end: see
# tests/mta/README.md and exim_test.py. It changes the machine's Exim configuration
# (put back at the end), diverts /usr/bin/procmail to mailsift for the length of the
# test, and starts Exim: skipped (77) unless run as root with Exim installed.
# Needs: MAILSIFT_DEB, the Debian package to install and test (CTest gives the one
# package.deb builds: build/package/mailsift.deb).
set -uo pipefail
: "${MAILSIFT_DEB:?MAILSIFT_DEB must name the mailsift package (.deb)}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
[ -x /usr/sbin/exim4 ] || { echo "SKIP: exim4 is not installed"; exit 77; }
[ -f "$MAILSIFT_DEB" ] || { echo "FAIL: no package $MAILSIFT_DEB"; exit 1; }
export MAILSIFT_DEB=$(cd "$(dirname "$MAILSIFT_DEB")" && pwd)/$(basename "$MAILSIFT_DEB")
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/exim_test.py" "$here/../../man/mailsift.1"
