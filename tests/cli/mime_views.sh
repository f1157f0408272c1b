#!/usr/bin/env bash
# The mime.* views in deliveries: attachments sniffed by libmagic whatever they claim
# to be, file names however encoded, the parts, the text, the anomalies, and hostile
# structures bounded with every message still delivered.
source "$(dirname "$0")/../support/e2e.sh"
cd "$WORK"
python3 "$SOURCE_DIR/tests/tools/make_sniff_fixtures.py" "$WORK" || fail "fixtures"

# message FILE TYPE NAME ENCODING: a message whose second part is FILE, declared as
# TYPE with the file name NAME, in ENCODING (base64 or quoted-printable).
message() {
  python3 - "$@" <<'PY'
import base64, sys
path, ctype, name, encoding = sys.argv[1:5]
data = open(path, 'rb').read()
def quoted_printable(data):
    # Binary data: every byte but printable ASCII as =XX (line ends too), soft line
    # breaks every 72 characters.
    out, line = [], ''
    for b in data:
        piece = chr(b) if 33 <= b <= 126 and b != 61 else '=%02X' % b
        if len(line) + len(piece) > 72:
            out.append(line + '=\n')
            line = ''
        line += piece
    out.append(line + '=\n')
    return ''.join(out)
body = base64.encodebytes(data).decode() if encoding == 'base64' else quoted_printable(data)
sys.stdout.write(
    "From sender@example.net  Thu Dec  3 10:00:00 2026\n"
    "From: a@example.net\nTo: b@example.org\nSubject: invoice\nMIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
    "--b1\nContent-Type: text/plain; charset=utf-8\n\nPlease see the attachment.\n"
    "--b1\nContent-Type: %s; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\n"
    "Content-Transfer-Encoding: %s\n\n%s--b1--\n" % (ctype, name, name, encoding, body))
PY
}

# show MESSAGE: the first line of the views asked for, logged by the rules.
cat > show.rc <<'RC'
:0
* mime.sniffed ?? ^\/.+
{ LOG="sniffed: $MATCH
" }
:0
* mime.parts ?? ^\/path=1\.2 .*
{ LOG="part: $MATCH
" }
:0
* mime.filename ?? ^\/.+
{ LOG="filename: $MATCH
" }
:0
* mime.anomaly ?? ^\/.+
{ LOG="anomaly: $MATCH
" }
RC
show() {
  rm -f log
  "$MAILSIFT" ORGMAIL= DEFAULT=/dev/null LOGFILE="$WORK/log" VERBOSE=no "$WORK/show.rc" < "$1"
  echo $? > status
}

# Every kind, under a false type and name, in both encodings: the real type. (An ELF
# PIE executable is application/x-sharedlib to libmagic when it reads a buffer: only
# from a file can it read the flag that says PIE.)
while read -r file want; do
  for encoding in base64 quoted-printable; do
    message "$file" application/pdf invoice.pdf "$encoding" > "m.$file.$encoding"
    show "m.$file.$encoding"
    expect_eq "$file ($encoding): exit" "$(cat status)" 0
    expect_contains "$file ($encoding): sniffed" log "sniffed: $want"
    expect_contains "$file ($encoding): the declared type beside it" log \
      "part: path=1.2 depth=2 type=application/pdf sniffed=$want disposition=attachment"
  done
done <<'KINDS'
program.exe application/vnd.microsoft.portable-executable
program.elf application/x-sharedlib
archive.zip application/zip
letter.docx application/vnd.openxmlformats-officedocument.wordprocessingml.document
paper.pdf application/pdf
image.png image/png
winmail.dat application/vnd.ms-tnef
KINDS

# The size is the decoded size.
size=$(stat -c %s program.exe)
expect_contains "decoded size" log "size=" # (the last message: winmail.dat)
show m.program.exe.base64
expect_contains "decoded size of the PE" log "size=$size name=\"invoice.pdf\""

# File names however encoded: RFC 2231 with a charset and continuations, RFC 2047 in
# quotes, a path, bidi controls; "name" and "filename" both.
cat > names.eml <<'MSG'
From: a@example.net
To: b@example.org
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b1

--b1
Content-Type: application/octet-stream; name="=?UTF-8?Q?r=C3=A9sum=C3=A9=2Epdf?="
Content-Disposition: attachment; filename*0*=UTF-8''%E2%82%AC%20inv; filename*1*=oice; filename*2=".exe"

x
--b1
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="C:\Users\x\photo‮gpj.exe"

y
--b1--
MSG
cat > names.rc <<'RC'
:0
* mime.filename ?? ^€ invoice\.exe$
* mime.filename ?? ^résumé\.pdf$
* mime.filename ?? ^photogpj\.exe$
* mime.filename ?? [.]exe$
* mime.anomaly ?? ^name-filename-differ$
names/
RC
rm -rf Mail && mkdir Mail
"$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" "$WORK/names.rc" < names.eml
expect_eq "file names: every reading, decoded" "$(ls Mail)" "names"

# The text of the text parts, decoded and converted; and a message inside a
# base64 message/rfc822 part is walked as readers walk it.
cat > inner.eml <<'MSG'
From: x@example.net
Subject: inner
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9 cr=E8me, total 42 =
EUR
MSG
{
  printf 'From: a@example.net\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n'
  printf -- '--b1\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n'
  base64 inner.eml
  printf -- '--b1--\n'
} > outer.eml
cat > text.rc <<'RC'
:0
* mime.text ?? ^Café crème, total 42 EUR$
* mime.anomaly ?? ^encoded-rfc822$
* mime.parts ?? ^path=1\.1\.1 depth=3 type=text/plain size=
* mime.type ?? ^message/rfc822$
text/
RC
rm -rf Mail && mkdir Mail
"$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" "$WORK/text.rc" < outer.eml
expect_eq "text and an encoded message/rfc822" "$(ls Mail)" "text"

# Two readings: two Content-Type fields, two boundaries. The views hold both.
cat > twice.eml <<'MSG'
From: a@example.net
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=aa
Content-Type: multipart/mixed; boundary=bb

--aa
Content-Type: text/plain

seen by the first reading
--aa--
--bb
Content-Type: application/x-msdownload; name=evil.exe

MZ
--bb--
MSG
cat > twice.rc <<'RC'
:0
* mime.anomaly ?? ^duplicate-content-type$
* mime.anomaly ?? ^duplicate-boundary$
* mime.filename ?? ^evil\.exe$
both/
RC
rm -rf Mail && mkdir Mail
"$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" "$WORK/twice.rc" < twice.eml
expect_eq "every reading is walked" "$(ls Mail)" "both"

# Hostile structures: each bounded, logged, and the message delivered whole.
python3 - <<'PY'
deep = ["From: a@b\nMIME-Version: 1.0\n"]
for i in range(10000):
    deep.append("Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n" % (i, i))
deep.append("Content-Type: text/plain\n\nbottom\n")
open("deep.eml", "w").write("".join(deep))
many = ["From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"]
many += ["--b\nContent-Type: application/octet-stream\n\nx\n"] * 100000
many.append("--b--\n")
open("many.eml", "w").write("".join(many))
open("param.eml", "w").write("From: a@b\nMIME-Version: 1.0\nContent-Type: application/octet-stream; name=\"" +
                             "x" * (10 << 20) + "\"\n\nbody\n")
open("word.eml", "w").write("From: a@b\nSubject: =?UTF-8?B?" + "QUFB" * (1 << 18) + "?=\n\nbody\n")
PY
cat > hostile.rc <<'RC'
:0
* mime.anomaly ?? ^\/(depth|part)-limit$
{ LOG="anomaly: $MATCH
" }
:0
* mime.parts ?? .
* header.subject ?? .
* mime.filename ?? x
{ }
RC
for m in deep many param word; do
  rm -rf Mail log && mkdir Mail
  "$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" LOGFILE="$WORK/log" \
    "$WORK/hostile.rc" < $m.eml
  expect_eq "$m: exit" "$?" 0
  expect_eq "$m: delivered whole" "$(cat Mail/inbox/new/* | cmp - $m.eml && echo same)" "same"
done
rm -rf Mail log && mkdir Mail
"$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" LOGFILE="$WORK/log" \
  "$WORK/hostile.rc" < deep.eml
expect_contains "depth: logged" log "MIME: the depth-limit bites"
expect_contains "depth: the anomaly" log "anomaly: depth-limit"
rm -rf Mail log && mkdir Mail
"$MAILSIFT" ORGMAIL= MAILDIR="$WORK/Mail" DEFAULT="$WORK/Mail/inbox/" LOGFILE="$WORK/log" \
  "$WORK/hostile.rc" < many.eml
expect_contains "parts: logged" log "MIME: the part-limit bites"

finish
