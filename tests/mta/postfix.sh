#!/usr/bin/env bash
# mailsift under Postfix, end to end (tests/mta/README.md): Debian's postfix,
# configured here on loopback only with mailbox_command = mailsift -a "$EXTENSION",
# messages submitted over SMTP by Python's smtplib to users this test creates, each
# with its own ~/.procmailrc. It changes the machine's Postfix configuration
# (/etc/postfix/main.cf and master.cf, put back at the end) and starts Postfix:
# run it on a machine where that is wanted (CI, a container); it is skipped (77)
# unless run as root with postfix installed.
# Needs: MAILSIFT_DEB, the Debian package to install and test (CTest gives the one
# package.deb builds: build/package/mailsift.deb).
set -uo pipefail
: "${MAILSIFT_DEB:?MAILSIFT_DEB must name the mailsift package (.deb)}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || { echo "SKIP: postfix is not installed"; exit 77; }
[ -f "$MAILSIFT_DEB" ] || { echo "FAIL: no package $MAILSIFT_DEB"; exit 1; }
export MAILSIFT_DEB=$(cd "$(dirname "$MAILSIFT_DEB")" && pwd)/$(basename "$MAILSIFT_DEB")
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/postfix_test.py" "$here/../../man/mailsift.1"
