#!/usr/bin/env bash
# Body rules on a message large enough to be spooled (more than
# limits::kMaxInMemoryMessage, 1 MiB): the body's required literals are looked for
# window by window (256 KiB) with each window's pages dropped, then the full search
# runs only when they are all there. A literal across a window's edge, near the end,
# missing, or in the header only must give the same answers as for a small message.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
mkdir -p spool
export TMPDIR=$WORK/spool

python3 - <<'PY'
KiB = 1 << 10
line = b'x' * 63 + b'\n'  # 64 bytes
def message(name, body):
    head = b'From: a@example.org\nSubject: big\nX-Token: zedorbnyx-7f3a\n\n'
    open(name, 'wb').write(head + body)
base = line * (3 * 1024 * KiB // 64)  # 3 MiB of body
# The literal crosses the edge of the first 256 KiB window of the body.
edge = 256 * KiB
message('across.eml', base[:edge - 6] + b'Token: zedorbnyx-7f3a\n' + base[edge + 16:])
message('at_end.eml', base + b'Token: zedorbnyx-7f3a\n')
message('missing.eml', base + b'Token: zedorbnyx-7f3b\n')  # in the header only
message('upper.eml', base + b'TOKEN: ZEDORBNYX-7F3A\n')
PY

cat > body.rc <<'RC'
MAILDIR=$HOME/Maildir
:0 B
* Token: zedor[a-z]+-7f3a
matched/
:0
inbox/
RC

for case in across:matched at_end:matched missing:inbox upper:matched; do
  name=${case%%:*}
  want=${case#*:}
  rm -rf home && mkdir -p home/Maildir
  "$MAILSIFT" HOME="$WORK/home" ORGMAIL="$WORK/orgmail" "$WORK/body.rc" < "$name.eml" 2> "$name.log"
  expect_eq "$name: exit" "$?" 0
  got=$(cd home/Maildir 2>/dev/null && find . -path '*/new/*' -type f | cut -d/ -f2)
  expect_eq "$name: folder" "$got" "$want"
  stored=$(find home/Maildir -path '*/new/*' -type f)
  if [ -n "$stored" ]; then expect_same_bytes "$name: stored intact" "$stored" "$name.eml"; fi
done
[ -e orgmail ] && fail "a message went to ORGMAIL" || pass
[ -z "$(ls -A spool)" ] && pass || fail "spool files left behind: $(ls -A spool)"
finish
