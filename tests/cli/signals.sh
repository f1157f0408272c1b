#!/usr/bin/env bash
# SIGUSR1 and SIGUSR2 while a delivery runs: VERBOSE off and on (procmail(1), SIGNALS),
# and the delivery goes on undisturbed. The signal arrives while a filter sleeps; the
# recipes after it log (or stop logging) their matching.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
printf 'From: a@example.org\nSubject: signalled\n\nbody\n' > msg

# run_signalled SIGNAL VERBOSE: starts mailsift on an rcfile whose filter waits for
# a file to appear, sends SIGNAL once the filter runs, then lets the filter end.
run_signalled() {
  rm -f started go log out
  cat > rc <<RC
VERBOSE=$2
LOGFILE=$WORK/log
:0 fw
| touch $WORK/started; while [ ! -e $WORK/go ]; do sleep 0.05; done; cat
:0
* ^Subject: signalled
$WORK/out
RC
  "$MAILSIFT" ORGMAIL= DEFAULT="$WORK/default" "$WORK/rc" < msg 2> stderr &
  pid=$!
  for _ in $(seq 200); do [ -e started ] && break; sleep 0.05; done
  kill -"$1" "$pid"
  touch go
  wait "$pid"
}

run_signalled USR2 no
expect_eq "SIGUSR2: exit" "$?" 0
expect_contains "SIGUSR2: delivered" out "Subject: signalled"
expect_contains "SIGUSR2: verbose from then on" log "Match on \"^Subject: signalled\""

run_signalled USR1 yes
expect_eq "SIGUSR1: exit" "$?" 0
expect_contains "SIGUSR1: delivered" out "Subject: signalled"
if grep -q 'Match on' log; then fail "SIGUSR1: still verbose after the signal"; else pass; fi
expect_contains "SIGUSR1: verbose before it" log "Executing"

finish
