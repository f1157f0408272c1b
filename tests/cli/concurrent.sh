#!/usr/bin/env bash
# 200 mailsift processes delivering at once into one mbox leave 200 intact messages
# that an mbox reader splits back exactly; into one maildir they leave 200 files.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
N=200
make_message() {
  printf 'From sender%d@example.org  Sat Nov 28 14:58:20 2026\n' "$1"
  printf 'From: sender%d@example.org\nSubject: message %d\nMessage-ID: <%d@example.org>\n\n' "$1" "$1" "$1"
  printf 'first line of %d\nFrom here on, this line needs quoting in an mbox\n' "$1"
  for _ in $(seq 1 40); do printf 'padding padding padding padding padding padding %d\n' "$1"; done
  printf 'last line of %d\n' "$1"
}
for i in $(seq 1 $N); do make_message "$i" > "msg.$i"; done

for target in "$WORK/box" "$WORK/md/"; do
  pids=()
  for i in $(seq 1 $N); do
    "$MAILSIFT" ORGMAIL= DEFAULT="$target" LOCKSLEEP=1 /dev/null < "msg.$i" 2>> "errors.log" &
    pids+=($!)
  done
  bad=0
  for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
  expect_eq "non-zero exits delivering to $target" "$bad" 0
done

python3 - "$WORK/box" "$WORK/md" "$N" > check.out 2>&1 <<'PY'
import mailbox, sys
box, md, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
problems = []
msgs = list(mailbox.mbox(box))
if len(msgs) != n:
    problems.append(f"mbox holds {len(msgs)} messages, wanted {n}")
seen = set()
for m in msgs:
    i = int(m["Subject"].split()[1])
    body = m.get_payload()
    want_body = (f"first line of {i}\n>From here on, this line needs quoting in an mbox\n"
                 + "".join(f"padding padding padding padding padding padding {i}\n" for _ in range(40))
                 + f"last line of {i}\n")
    if body != want_body:
        problems.append(f"message {i} is damaged in the mbox")
    seen.add(i)
if seen != set(range(1, n + 1)):
    problems.append(f"mbox misses {sorted(set(range(1, n + 1)) - seen)[:10]}")
files = list(mailbox.Maildir(md, factory=None, create=False).iterkeys())
if len(files) != n:
    problems.append(f"maildir holds {len(files)} files, wanted {n}")
print("\n".join(problems) if problems else "ok")
PY
expect_eq "mbox and maildir contents" "$(cat check.out)" "ok"
expect_eq "no lock files left" "$(ls "$WORK" | grep -c '\.lock$')" 0
expect_eq "nothing logged" "$(cat errors.log)" ""
finish
