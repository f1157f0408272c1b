#!/usr/bin/env bash
# Hostile input (issue 5, item 5): huge, malformed and pathological messages and
# rcfiles. Every run must
#   - finish: a hard `timeout 60`, and the test fails when it is hit;
#   - stay within bounded memory: peak RSS (GNU time, package "time") at most
#     3 x the message size (or the rcfile's, whichever is larger) + 64 MiB. Asserted
#     only in a normal build: under AddressSanitizer (detected from the binary's
#     libraries) the shadow memory and the quarantine of freed blocks make RSS
#     meaningless, so the figures are printed but not checked;
#   - say so in the log where something was refused or cut, in lines of bounded
#     length;
#   - deliver the message byte for byte to the folder the rules choose (or keep it:
#     exit 75), never exit 0 without a delivery; and leave no spool file behind.
# The big inputs are made here, in $WORK, at run time. The expected folders were
# decided with /usr/bin/procmail on the same inputs (HOSTILE_COMPARE_PROCMAIL=1
# prints procmail's outcome of each message case next to mailsift's; it is not
# asserted: procmail loops forever on a SWITCHRC loop and is slow on some inputs).
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"

if ! /usr/bin/time -f %M true > /dev/null 2>&1; then
  fail "GNU time is needed at /usr/bin/time (package \"time\"; .ci/setup --test installs it)"
  finish
  exit 1
fi
asan=no
# (Not "ldd | grep -q": under pipefail grep's early exit can make ldd fail.)
if [[ $(ldd "$MAILSIFT" 2> /dev/null) == *libasan* ]]; then asan=yes; fi
compare=${HOSTILE_COMPARE_PROCMAIL:-0}
readonly MiB=$((1 << 20))
readonly log_line_limit=1000  # longest acceptable log line, in bytes
mkdir -p spool
export TMPDIR=$WORK/spool  # where mailsift spools a large message
summary=()

# ---------------------------------------------------------------------------------
# Inputs.
python3 - << 'PY'
def write(name, data):
    with open(name, 'wb') as f:
        f.write(data)

MiB = 1 << 20
head = b'From: sender@example.org\nTo: rcpt@example.org\n'
fields = b''.join(b'X-Header-%d: value %d\n' % (i, i) for i in range(100000))
write('many_headers.eml', head + fields + b'Subject: many\n\nbody\n')
write('long_line.eml', head + b'X-Long: ' + b'a' * (10 * MiB) + b'\nSubject: long\n\nbody\n')
write('nul.eml', head + b'Subject: nul\0here\nX-\0: \0\n\nbody\0with nul\n\0\n')
write('bad_utf8.eml', head + b'Subject: \xff\xfe \xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80\n\n'
      b'body \xc0\xaf\xe2\x82\n')
write('bare_cr.eml', b'From: sender@example.org\rSubject: cr\r\rbody\rline\r')
write('crlf.eml', b'From: sender@example.org\r\nSubject: crlf\r\n\r\nbody\r\nline\r\n')
write('no_separator.eml', head + b'Subject: nosep\nbody without separator\n')
write('header_only.eml', head + b'Subject: only\n')
write('empty.eml', b'')
write('from_line_only.eml', b'From sender@example.org Mon Jan  1 00:00:00 2024\n')

# 1000 multiparts, each the only part of the one around it.
depth = 1000
mime = head + b'Subject: mime\nMIME-Version: 1.0\n'
for i in range(depth):
    mime += b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i)
mime += b'Content-Type: text/plain\n\ninnermost\n'
for i in reversed(range(depth)):
    mime += b'--b%d--\n' % i
write('mime_deep.eml', mime)

# A 10 MiB body of lines of a's (spooled: more than kMaxInMemoryMessage).
lines = (b'a' * 76 + b'\n') * (10 * MiB // 77)
write('big_body.eml', head + b'Subject: big\n\n' + lines)
# One 10 MiB body line, "x a...a y" with something after the y.
write('big_line.eml', head + b'Subject: line\n\nx' + b'a' * (10 * MiB) + b'yQQ\n')
# A 10 MiB header of short fields, and a 20 MiB one: no empty line within
# kMaxHeaderBytes (16 MiB).
field = b'X-A: ' + b'a' * 70 + b'\n'
write('big_header.eml', head + field * (10 * MiB // 76) + b'Subject: bighead\n\nbody\n')
write('huge_header.eml', head + field * (20 * MiB // 76) + b'Subject: hugehead\n\nbody\n')

# rcfiles. $HIT and $NEVER come from the command line.
n = 1000
deep = ''.join(':0\n* ^Subject\n{\n' for _ in range(n)) + ':0\n$NEVER\n' + '}\n' * n
write('deep_blocks.rc', deep.encode())
write('include_self.rc', b'INCLUDERC=$INCLUDE_SELF\n:0\n$HIT\n')
write('include_a.rc', b'INCLUDERC=$INCLUDE_B\n')
write('include_b.rc', b'INCLUDERC=$INCLUDE_A\n')
write('switch_self.rc', b'SWITCHRC=$SWITCH_SELF\n')
write('switch_a.rc', b'SWITCHRC=$SWITCH_B\n')
write('switch_b.rc', b'SWITCHRC=$SWITCH_A\n')
write('regex_1mb.rc', b':0\n* ^Subject: ' + b'a' * MiB + b'\n$NEVER\n')
write('regex_from_message.rc',
      b"LONG=`sed -n 's/^X-Long: //p'`\n:0\n* $ ^Subject: ${LONG}\n$NEVER\n")
PY

abs() { echo "$WORK/$1"; }
# (mailsift, like procmail, clears the environment: the rcfiles' names are passed as
# assignments.)
rcfile_names=(INCLUDE_SELF="$WORK/include_self.rc" INCLUDE_A="$WORK/include_a.rc"
  INCLUDE_B="$WORK/include_b.rc" SWITCH_SELF="$WORK/switch_self.rc"
  SWITCH_A="$WORK/switch_a.rc" SWITCH_B="$WORK/switch_b.rc")

# A rcfile that tries some conditions on the whole message (none of them delivers)
# and then delivers to $HIT when the case's own condition holds.
probe_rc() {  # probe_rc NAME FLAGS CONDITION
  {
    printf ':0\n* ^TO_nobody@nowhere\\.invalid\n$NEVER\n'
    printf ':0 HB\n* 2^1 ^X-\n* -1^0\n* ^Subject: never-there\n$NEVER\n'
    printf ':0 %s\n* %s\n$HIT\n' "$2" "$3"
  } > "$1.rc"
}

# ---------------------------------------------------------------------------------
# run_case NAME MESSAGE RCFILE [ASSIGNMENT...]
# Runs mailsift with DEFAULT=$WORK/NAME.default/, HIT=$WORK/NAME.hit/ (unless an
# assignment sets them), NEVER=$WORK/NAME.never/, and checks the time, the memory,
# the log's line length and the spool. Sets $status and $log for further checks.
run_case() {
  local name=$1 message=$2 rcfile=$3
  shift 3
  log=$WORK/$name.log
  rm -rf "$WORK/$name".*/ "$WORK/$name.mbox"
  timeout -k 5 60 /usr/bin/time -f '%e %M' -o "$name.time" \
    env HOME="$WORK" "$MAILSIFT" ORGMAIL= DEFAULT="$WORK/$name.default/" \
    HIT="$WORK/$name.hit/" NEVER="$WORK/$name.never/" "$@" "$(abs "$rcfile")" \
    < "$message" 2> "$log"
  status=$?
  local seconds=? peak_kb=0
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    fail "$name: still running after 60 s"
  else
    pass
    read -r seconds peak_kb < <(tail -n 1 "$name.time")
  fi
  local size rc_size
  size=$(stat -c %s "$message")
  rc_size=$(stat -c %s "$(abs "$rcfile")")
  [ "$rc_size" -gt "$size" ] && size=$rc_size
  local bound_kb=$(((3 * size + 64 * MiB) / 1024))
  if [ "$asan" = no ]; then
    if [ "$peak_kb" -le "$bound_kb" ]; then pass; else
      fail "$name: peak RSS ${peak_kb} KiB, more than the bound of ${bound_kb} KiB"
    fi
  fi
  local longest
  longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$log")
  if [ "$longest" -le "$log_line_limit" ]; then pass; else
    fail "$name: a log line of $longest bytes (limit $log_line_limit)"
  fi
  if [ -z "$(ls -A spool)" ]; then pass; else
    fail "$name: spool files left behind: $(ls -A spool)"
    rm -f spool/* spool/.??*
  fi
  if [ -e "$WORK/$name.never" ]; then
    fail "$name: a recipe that must not deliver did"
  else
    pass
  fi
  summary+=("$(printf '%-22s %6ss %7d KiB  exit %-3s %s' "$name" "$seconds" "$peak_kb" "$status" \
    "$(head -c 120 "$log" | head -n 1)")")
  if [ "$compare" = 1 ] && [ -x /usr/bin/procmail ]; then
    rm -rf "$WORK/$name".*/ "$WORK/$name.mbox"
    timeout 60 env HOME="$WORK" /usr/bin/procmail ORGMAIL= DEFAULT="$WORK/$name.default/" \
      HIT="$WORK/$name.hit/" NEVER="$WORK/$name.never/" "$@" "$(abs "$rcfile")" \
      < "$message" > /dev/null 2> "$name.procmail.log"
    echo "procmail on $name: exit $?," \
      "$(ls -d "$WORK/$name".*/ "$WORK/$name.mbox" 2> /dev/null | xargs -r -n1 basename)," \
      "log: $(head -c 120 "$name.procmail.log" | head -n 1)"
    rm -rf "$WORK/$name".*/ "$WORK/$name.mbox"
    run_case_quietly_again "$name" "$message" "$rcfile" "$@"
  fi
}

# After a procmail comparison, mailsift's own outcome is made again for the checks.
run_case_quietly_again() {
  local name=$1 message=$2 rcfile=$3
  shift 3
  env HOME="$WORK" "$MAILSIFT" ORGMAIL= DEFAULT="$WORK/$name.default/" HIT="$WORK/$name.hit/" \
    NEVER="$WORK/$name.never/" "$@" "$(abs "$rcfile")" < "$message" 2> /dev/null
}

# expect_stored NAME FOLDER WANT_FILE: exit 0 and FOLDER (a maildir when it ends in
# "/", else an mbox file) holds exactly WANT_FILE's bytes, once; no other folder of
# the case was made.
expect_stored() {
  local name=$1 folder=$2 want=$3
  expect_eq "$name: exit" "$status" 0
  if [ "${folder%/}" != "$folder" ]; then
    local files=("$folder"new/*)
    if [ "${#files[@]}" -eq 1 ] && [ -f "${files[0]}" ]; then
      expect_same_bytes "$name: stored bytes" "${files[0]}" "$want"
    else
      fail "$name: wanted one message in ${folder}new, found: $(ls "${folder}new" 2>&1)"
    fi
    if [ -n "$(ls -A "${folder}tmp" 2> /dev/null)" ]; then fail "$name: files left in tmp/"; fi
  else
    expect_same_bytes "$name: stored bytes" "$folder" "$want"
  fi
  local other
  for other in "$WORK/$name".*/ "$WORK/$name".mbox; do
    [ -e "$other" ] || continue
    [ "${other%/}" = "${folder%/}" ] && continue
    fail "$name: also delivered to $other"
  done
}

# ---------------------------------------------------------------------------------
# Malformed and large messages. Each condition decides the folder the way procmail
# does on the same message.

probe_rc many_headers "" "^Subject: many"
run_case many_headers many_headers.eml many_headers.rc
expect_stored many_headers "$WORK/many_headers.hit/" many_headers.eml

probe_rc long_line "" "^Subject: long"
run_case long_line long_line.eml long_line.rc
expect_stored long_line "$WORK/long_line.hit/" long_line.eml

# NUL is an ordinary byte for the header index and for matching. (procmail, after
# a NUL in the header, finds nothing in the body: nul_body goes to its $DEFAULT.)
probe_rc nul "" "^Subject: nul.here"
run_case nul nul.eml nul.rc
expect_stored nul "$WORK/nul.hit/" nul.eml
probe_rc nul_body "B" "with nul"
run_case nul_body nul.eml nul_body.rc
expect_stored nul_body "$WORK/nul_body.hit/" nul.eml

printf ':0\n* ^Subject: \377\376 \303\n$HIT\n' > bad_utf8.rc
run_case bad_utf8 bad_utf8.eml bad_utf8.rc
expect_stored bad_utf8 "$WORK/bad_utf8.hit/" bad_utf8.eml

# With CRs only there is no line end at all: the whole message is one header line.
probe_rc bare_cr "" "^From: sender@example\\.org.Subject: cr"
run_case bare_cr bare_cr.eml bare_cr.rc
expect_stored bare_cr "$WORK/bare_cr.hit/" bare_cr.eml

# CR LF: "\r\n\r\n" is not an empty line, so the header runs to the end and the body
# is empty; "$" does not match before the CR.
probe_rc crlf "" "^body"
run_case crlf crlf.eml crlf.rc
expect_stored crlf "$WORK/crlf.hit/" crlf.eml
probe_rc crlf_dollar "" "^Subject: crlf$"
run_case crlf_dollar crlf.eml crlf_dollar.rc
expect_stored crlf_dollar "$WORK/crlf_dollar.default/" crlf.eml

probe_rc no_separator "" "^body without"
run_case no_separator no_separator.eml no_separator.rc
expect_stored no_separator "$WORK/no_separator.hit/" no_separator.eml

probe_rc header_only "" "^Subject: only"
run_case header_only header_only.eml header_only.rc
expect_stored header_only "$WORK/header_only.hit/" header_only.eml

# An empty message is stored empty, as procmail does.
probe_rc empty "" "^Subject"
run_case empty empty.eml empty.rc
expect_stored empty "$WORK/empty.default/" empty.eml

# Only a From_ line: a maildir copy drops the From_ line (procmail does too), so
# the message goes to an mbox here, where it is kept followed by the empty line.
probe_rc from_line_only "" "^From sender@example\\.org"
run_case from_line_only from_line_only.eml from_line_only.rc HIT="$WORK/from_line_only.mbox"
{ cat from_line_only.eml; echo; } > from_line_only.want
expect_stored from_line_only "$WORK/from_line_only.mbox" from_line_only.want

# 1000 nested multiparts: mailsift does not parse MIME; the text is matched as is.
probe_rc mime_deep "B" "^--b999--$"
run_case mime_deep mime_deep.eml mime_deep.rc
expect_stored mime_deep "$WORK/mime_deep.hit/" mime_deep.eml

# Over kMaxInMemoryMessage (1 MiB): spooled to $TMPDIR, unlinked (run_case checks
# that nothing is left there).
probe_rc big_body "B" "(a+)+$"
run_case big_body big_body.eml big_body.rc
expect_stored big_body "$WORK/big_body.hit/" big_body.eml

# The same message when no folder can take it: kept (75), with the reason logged.
touch plainfile
run_case big_body_kept big_body.eml big_body.rc DEFAULT="$WORK/plainfile/inbox/" \
  HIT="$WORK/plainfile/hit/"
expect_eq "big_body_kept: exit" "$status" 75
expect_contains "big_body_kept: log" "$log" "plainfile/hit"

# A header without its end within kMaxHeaderBytes (16 MiB): the rest is body for
# the conditions, the log says so, and the message is stored whole. (procmail has no
# such limit: its header holds the Subject, and the message goes to its $DEFAULT.)
probe_rc huge_header "B" "^Subject: hugehead"
run_case huge_header huge_header.eml huge_header.rc
expect_stored huge_header "$WORK/huge_header.hit/" huge_header.eml
expect_contains "huge_header: log" "$log" "The header does not end within 16777216 bytes"

# ---------------------------------------------------------------------------------
# Regexes that make backtracking matchers explode, over a 10 MiB body and header.

probe_rc body_nested_plus "B" "(a+)+$"
run_case body_nested_plus big_body.eml body_nested_plus.rc
expect_stored body_nested_plus "$WORK/body_nested_plus.hit/" big_body.eml
probe_rc body_nested_star "B" "(.*)*x"
run_case body_nested_star big_body.eml body_nested_star.rc
expect_stored body_nested_star "$WORK/body_nested_star.default/" big_body.eml
probe_rc body_scored "B" "1^1 (a+)+$"
run_case body_scored big_body.eml body_scored.rc
expect_stored body_scored "$WORK/body_scored.hit/" big_body.eml
probe_rc header_nested_plus "" "(a+)+$"
run_case header_nested_plus big_header.eml header_nested_plus.rc
expect_stored header_nested_plus "$WORK/header_nested_plus.hit/" big_header.eml
# (case-insensitive: the "X" of "X-A:" is an x)
probe_rc header_nested_star "" "(.*)*x"
run_case header_nested_star big_header.eml header_nested_star.rc
expect_stored header_nested_star "$WORK/header_nested_star.hit/" big_header.eml
probe_rc header_scored "" "1^1 (.*)*x"
run_case header_scored big_header.eml header_scored.rc
expect_stored header_scored "$WORK/header_scored.hit/" big_header.eml

# MATCH on a 10 MiB line: every byte before the "y" is a candidate split. The search
# for the earliest one stops at its budget, says so, and takes RE2's (the only one).
printf ':0\n* B ?? x.*y\\/.*\n{ LOG="MATCH=[$MATCH]\n" }\n' > split.rc
run_case split big_line.eml split.rc
expect_stored split "$WORK/split.default/" big_line.eml
expect_contains "split: cut logged" "$log" "is taken from a later split"
expect_contains "split: MATCH" "$log" "MATCH=[QQ]"

# ---------------------------------------------------------------------------------
# Hostile rcfiles: refused or cut with a clear line; the message goes to $DEFAULT.
# (procmail runs the 1000 blocks, ends an include loop when it runs out of file
# descriptors, loops on SWITCHRC until killed, and skips a line over LINEBUF.)

small=header_only.eml

run_case deep_blocks $small deep_blocks.rc
expect_stored deep_blocks "$WORK/deep_blocks.default/" $small
expect_contains "deep_blocks: log" "$log" "error: blocks nest more than 256 levels deep"
expect_eq "deep_blocks: one error" "$(grep -c 'error:' "$log")" 1

# The innermost include is refused; the recipe after it delivers, once.
run_case include_self $small include_self.rc "${rcfile_names[@]}"
expect_stored include_self "$WORK/include_self.hit/" $small
expect_contains "include_self: log" "$log" "INCLUDERC nests deeper than 32 files"

run_case include_loop $small include_a.rc "${rcfile_names[@]}"
expect_stored include_loop "$WORK/include_loop.default/" $small
expect_contains "include_loop: log" "$log" "INCLUDERC nests deeper than 32 files"

run_case switch_self $small switch_self.rc "${rcfile_names[@]}"
expect_stored switch_self "$WORK/switch_self.default/" $small
expect_contains "switch_self: log" "$log" "Too many SWITCHRC switches"

run_case switch_loop $small switch_a.rc "${rcfile_names[@]}"
expect_stored switch_loop "$WORK/switch_loop.default/" $small
expect_contains "switch_loop: log" "$log" "Too many SWITCHRC switches"

run_case regex_1mb $small regex_1mb.rc
expect_stored regex_1mb "$WORK/regex_1mb.default/" $small
expect_contains "regex_1mb: log" "$log" \
  "1048586 bytes long, more than the limit of 262144 bytes"

# A regex made at run time from a 10 MiB header field of the message.
run_case regex_from_message long_line.eml regex_from_message.rc
expect_stored regex_from_message "$WORK/regex_from_message.default/" long_line.eml
expect_contains "regex_from_message: log" "$log" "more than the limit of 262144 bytes"

echo "case                     time   peak RSS   exit first log line"
printf '%s\n' "${summary[@]}"
[ "$asan" = yes ] && echo "(AddressSanitizer build: peak RSS reported, not checked)"
finish
