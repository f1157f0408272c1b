#!/usr/bin/env bash
# Filters on a message large enough to be spooled (more than
# limits::kMaxInMemoryMessage, 1 MiB): the filter's output becomes the new message
# as it comes and is spooled to $TMPDIR like stdin, so the message is held once. The
# bytes stored after `| cat`, a filter that changes a header line, h and b filters,
# and two filters in a row must be exactly those a message held in memory gives
# (the From_ line kept as it is, one newline added to a program's input that does
# not end in an empty line, Content-Length rewritten to the new body), and no spool
# file may be left in $TMPDIR. A spool file that cannot be made fails the filter:
# the message is kept as it was and delivered.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
mkdir -p spool
export TMPDIR=$WORK/spool

# The input, and what each rcfile must store, made by a model of the rules (not by
# running mailsift): maildir drops the From_ line and adds nothing.
python3 - <<'PY'
import re

KiB = 1 << 10

def content_length(head, body):
    """procmail's rewrite: the first Content-Length field, right-aligned in its width."""
    m = re.search(rb'(?im)^content-length:([^\n]*)$', head)
    if not m:
        return head
    whole = head + body
    length = len(body) - (1 if len(whole) > 1 and whole[-2:-1] == b'\n' and body else 0)
    width = len(m.group(1))
    digits = str(length).encode()
    assert len(digits) <= width
    return head[:m.start(1)] + digits.rjust(width) + head[m.end(1):]

def split(message):
    at = message.index(b'\n\n') + 2
    return message[:at], message[at:]

def reread(message):
    head, body = split(message)
    return content_length(head, body) + body

def to_program(data):
    """What a program gets (pipe_format): one newline added unless data ends in an empty line."""
    return data if data.endswith(b'\n\n') else data + b'\n'

def in_maildir(message):
    return message[message.index(b'\n') + 1:] if message.startswith(b'From ') else message

def subject_changed(data):
    return re.sub(rb'(?m)^Subject: big$', b'Subject: changed', data)

def upper_lines(data):
    return re.sub(rb'(?m)^line', b'LINE', data)

head = (b'From sender@example.org  Sat Nov 28 14:58:20 2026\n'
        b'From: sender@example.org\n'
        b'Subject: big\n'
        b'Content-Length:            1\n'
        b'X-Keep: yes\n'
        b'\n')
body = bytearray()
n = 0
while len(body) < 3 * 1024 * KiB:
    body += b'line %d of the body\n' % n
    if n % 997 == 0:
        body += b'From inside the body\n'
    n += 1
message = head + bytes(body)
open('input.eml', 'wb').write(message)

read = reread(message)  # as mailsift reads it from stdin (Content-Length rewritten)
h, b = split(read)
want = {
    'cat': reread(to_program(read)),
    'subject': reread(subject_changed(to_program(read))),
    'head': reread(subject_changed(to_program(h)) + b),
    'body': reread(h + to_program(b)),
    'body_changed': reread(h + upper_lines(to_program(b))),
}
first = want['cat']
h1, b1 = split(first)
want['two'] = reread(subject_changed(to_program(h1)) + b1)
for name, text in want.items():
    open(name + '.want', 'wb').write(in_maildir(text))

# A small message (held in memory) that a filter makes large.
small = head.replace(b'Content-Length:            1\n', b'') + b'short body\n'
open('small.eml', 'wb').write(small)
open('small.want', 'wb').write(in_maildir(small))
PY

run_filter() {  # name, recipe lines
  local name=$1
  shift
  {
    echo "MAILDIR=$WORK/home/Maildir"
    printf '%s\n' "$@"
    printf ':0\ninbox/\n'
  } > "$name.rc"
  rm -rf home && mkdir -p home/Maildir
  "$MAILSIFT" HOME="$WORK/home" ORGMAIL="$WORK/orgmail" "$WORK/$name.rc" < input.eml 2> "$name.log"
  expect_eq "$name: exit" "$?" 0
  local stored
  stored=$(find home/Maildir -path '*/new/*' -type f)
  expect_eq "$name: one message in inbox" "$(echo "$stored" | grep -c inbox/new/)" 1
  [ -n "$stored" ] && expect_same_bytes "$name: stored bytes" "$stored" "$name.want"
  if grep -q -e Rescue -e "Couldn't" -e Error "$name.log"; then
    fail "$name: the log reports a failure:"; sed 's/^/    /' "$name.log" >&2
  else
    pass
  fi
}

SED_SUBJECT="sed -e 's/^Subject: big\$/Subject: changed/'"
run_filter cat ':0 fw' '| cat'
run_filter subject ':0 fw' "| $SED_SUBJECT"
run_filter head ':0 fhw' "| $SED_SUBJECT"
run_filter body ':0 fbw' '| cat'
run_filter body_changed ':0 fbw' "| sed -e 's/^line/LINE/'"
run_filter two ':0 fw' '| cat' ':0 fhw' "| $SED_SUBJECT"
[ -e orgmail ] && fail "a message went to ORGMAIL" || pass
[ -z "$(ls -A spool)" ] && pass || fail "spool files left behind: $(ls -A spool)"

# The filter's output needs a spool file and $TMPDIR does not exist: the filter
# fails, the log says why, and the message is delivered as it came.
cat > grow.rc <<RC
MAILDIR=$WORK/home/Maildir
:0 fw
| cat; yes xxxxxxx | head -c 2000000
:0
inbox/
RC
rm -rf home && mkdir -p home/Maildir
TMPDIR=$WORK/missing "$MAILSIFT" HOME="$WORK/home" ORGMAIL="$WORK/orgmail" "$WORK/grow.rc" \
  < small.eml 2> grow.log
expect_eq "no spool directory: exit" "$?" 0
expect_contains "no spool directory: log" grow.log "as the message: open \"$WORK/missing\": creating the spool file: No such file or directory"
expect_contains "no spool directory: rescue" grow.log "Rescue of unfiltered data succeeded"
stored=$(find home/Maildir -path '*/new/*' -type f)
expect_eq "no spool directory: one message in inbox" "$(echo "$stored" | grep -c inbox/new/)" 1
[ -n "$stored" ] && expect_same_bytes "no spool directory: stored unfiltered" "$stored" small.want

# The same filter with a spool directory: the output is the message.
rm -rf home && mkdir -p home/Maildir
"$MAILSIFT" HOME="$WORK/home" ORGMAIL="$WORK/orgmail" "$WORK/grow.rc" < small.eml 2> grown.log
expect_eq "grown: exit" "$?" 0
stored=$(find home/Maildir -path '*/new/*' -type f)
expect_eq "grown: size" "$(stat -c %s "$stored")" "$(( $(stat -c %s small.want) + 1 + 2000000 ))"
[ -z "$(ls -A spool)" ] && pass || fail "spool files left behind: $(ls -A spool)"
finish
