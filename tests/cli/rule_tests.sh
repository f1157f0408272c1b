#!/usr/bin/env bash
# mailsift --test RCFILE DIR: the test suites under rules-examples/tests pass (or skip
# what a dry run cannot decide); a changed expectation fails with a readable diff.
source "$(dirname "$0")/../support/e2e.sh"
examples=$SOURCE_DIR/rules-examples

for rc in "$examples"/*.rc; do
  name=$(basename "$rc" .rc)
  [ -d "$examples/tests/$name" ] || continue
  "$MAILSIFT" --test "$rc" "$examples/tests/$name" > "$WORK/$name.out" 2> /dev/null
  status=$?
  expect_eq "$name: exit" "$status" 0
  grep -q '^FAIL' "$WORK/$name.out" && fail "$name: $(cat "$WORK/$name.out")" || pass
done
expect_contains "a suite that runs" "$WORK/mailing-lists.out" "4 passed, 0 failed, 0 skipped"
expect_contains "skipped with the reason" "$WORK/duplicates.out" \
  "skip $examples/tests/duplicates/once.eml (the outcome depends on formail -D"

# One expectation changed: exit 1, and the diff names what was wanted and got.
cp -r "$examples/tests/size-limits" "$WORK/suite"
sed -i 's#^folder: big/#folder: attachments/#' "$WORK/suite/big.expect"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/suite" > "$WORK/changed.out" 2> /dev/null
expect_eq "changed expectation: exit" "$?" 1
expect_contains "changed expectation: the message" "$WORK/changed.out" "FAIL $WORK/suite/big.eml"
expect_contains "changed expectation: wanted" "$WORK/changed.out" "folders: want [attachments/]"
expect_contains "changed expectation: got" "$WORK/changed.out" "got  [big/]"
expect_contains "changed expectation: totals" "$WORK/changed.out" "2 passed, 1 failed, 0 skipped"

# An exit status expectation that differs.
printf 'folder: inbox/\nexit: 75\n' > "$WORK/suite/letter.expect"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/suite" > "$WORK/exit.out" 2> /dev/null
expect_contains "changed exit: diff" "$WORK/exit.out" "exit:    want 75, got 0"

# A malformed "exit:" line is a problem of that message, named with the file and line:
# neither a pass ("abc" is not 0) nor a comparison with a guess ("7x" is not 7). The
# other messages still run; a well-formed line (spaces around it allowed) passes.
cp -r "$examples/tests/size-limits" "$WORK/strict"
for bad in abc 7x 256 -1 +0 "0 0" ""; do
  printf 'folder: inbox/\nexit: %s\n' "$bad" > "$WORK/strict/letter.expect"
  "$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/strict" > "$WORK/strict.out" 2> /dev/null
  expect_eq "exit: [$bad]: status" "$?" 1
  expect_contains "exit: [$bad]: the message fails" "$WORK/strict.out" "FAIL $WORK/strict/letter.eml"
  expect_contains "exit: [$bad]: the problem" "$WORK/strict.out" \
    "  malformed expectation $WORK/strict/letter.expect:2: exit: \"$bad\" is not an exit status"
  grep -q 'exit:    want' "$WORK/strict.out" && fail "exit: [$bad]: compared: $(cat "$WORK/strict.out")" || pass
  expect_contains "exit: [$bad]: the others run" "$WORK/strict.out" "2 passed, 1 failed, 0 skipped"
done
printf 'dry-run: skip not run\nexit: 7x\n' > "$WORK/strict/letter.expect"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/strict" > "$WORK/strict.out" 2> /dev/null
expect_contains "malformed and skipped: still reported" "$WORK/strict.out" \
  "malformed expectation $WORK/strict/letter.expect:2: exit: \"7x\""
printf 'folder: inbox/\nexit:  0 \n' > "$WORK/strict/letter.expect"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/strict" > "$WORK/strict.out" 2> /dev/null
expect_eq "exit: [ 0 ]: status" "$?" 0
expect_contains "exit: [ 0 ]: passes" "$WORK/strict.out" "ok   $WORK/strict/letter.eml"

# A message without an expectation file fails; an empty directory fails.
cp "$examples/tests/size-limits/letter.eml" "$WORK/suite/orphan.eml"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/suite" > "$WORK/orphan.out" 2> /dev/null
expect_contains "no expectation file" "$WORK/orphan.out" "no expectation file $WORK/suite/orphan.expect"
mkdir "$WORK/empty"
"$MAILSIFT" --test "$examples/size-limits.rc" "$WORK/empty" > /dev/null 2>&1
expect_eq "empty directory: exit" "$?" 1
"$MAILSIFT" --test "$examples/size-limits.rc" > /dev/null 2>&1
expect_eq "no directory: usage" "$?" 64
finish
