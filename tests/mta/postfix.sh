#!/usr/bin/env bash
# mailsift under Postfix, end to end (tests/mta/README.md): Debian's postfix,
# configured here on loopback only with mailbox_command = mailsift -a "$EXTENSION",
# messages submitted over SMTP by Python's smtplib to users this test creates, each
# with its own ~/.procmailrc. It changes the machine's Postfix configuration
# (/etc/postfix/main.cf and master.cf, put back at the end) and starts Postfix:
# run it on a machine where that is wanted (CI, a container); it is skipped (77)
# unless run as root with postfix installed.
# Needs: MAILSIFT (the binary to test).
set -uo pipefail
: "${MAILSIFT:?MAILSIFT must name the mailsift binary}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v postfix >/dev/null 2>&1 || [ -x /usr/sbin/postfix ] || { echo "SKIP: postfix is not installed"; exit 77; }
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/postfix_test.py" "$MAILSIFT" "$here/../../man/mailsift.1"
