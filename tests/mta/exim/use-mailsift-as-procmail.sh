#!/bin/sh
# Debian's Exim runs /usr/bin/procmail for each user with a ~/.procmailrc (the
# router and transport of router.conf and transport.conf): put mailsift in its place.
set -e
dpkg-divert --local --rename --divert /usr/bin/procmail.real --add /usr/bin/procmail
ln -s /usr/bin/mailsift /usr/bin/procmail
