#!/usr/bin/env python3
"""Asks the real procmail for the answers of tests/unit/rc/regex_test.cc.

For every row below it runs /usr/bin/procmail -m in a temporary directory (nothing
is delivered: DEFAULT=/dev/null) with an rcfile that matches the regex against the
body of a message (area B; H rows give the whole message and match its header) and
logs the outcome; for score rows it logs $= after a weighted condition. It prints
the C++ table rows with procmail's answers, ready to be pasted into regex_test.cc.

Usage: procmail_regex_answers.py [PROCMAIL]
"""
import os
import subprocess
import sys
import tempfile

PROCMAIL = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/procmail"

# (regex, flags, text): flags holds D (case sensitive) and/or H (text is the whole
# message and the area is its header; without H the text is the body).
MATCH_ROWS = [
    # literals, case folding, 8-bit, NUL
    ("foo", "", "a FOO b"),
    ("FOO", "", "a foo b"),
    ("FOO", "D", "a foo b"),
    ("foo", "D", "a foo b"),
    ("\xc4", "", "\xe4"),
    ("\xe4", "", "\xc4"),
    ("\xe4x", "", "a\xe4X"),
    # Latin-1 letters are never folded, also in classes and negated classes
    ("[\xc0-\xde]", "", "\xe9"),
    ("[\xc0-\xde]", "", "\xc9"),
    ("[^\xe9]", "", "\xc9"),
    ("\xe9+x", "", "\xc9X"),
    ("[\xc9\xe9]x", "", "\xe9X"),
    ("[^a-z\xe0-\xfe]", "", "\xc9"),
    ("[^a-z]", "", "Q"),
    ("a[^b]c", "", "aBc"),
    ("[^\xe0-\xfe]", "D", "\xc9"),
    ("[A-z]", "", "_"),
    ("[a-z]", "", "Q"),
    ("[^A]", "", "a"),
    ("[Z-a]", "", "A"),
    ("a.b", "", "a\0b"),
    ("\\<b", "", "a\0b"),
    ("x[^a]y", "", "x\0y"),
    # . and negated classes never match a newline
    ("x.y", "", "x\ny"),
    ("x[^a]y", "", "x\ny"),
    ("a.c", "", "abc"),
    # ^ and $ match a newline; virtual newlines at the edges
    ("^foo", "", "foo bar"),
    ("^foo", "", "xfoo"),
    ("^foo", "", "x\nfoo"),
    ("foo$", "", "a foo"),
    ("foo$", "", "foox"),
    ("foo$", "", "foo\nx"),
    ("$^", "", "abc"),
    ("abc$^def", "", "abc\ndef"),
    ("abc$^def", "", "abc\n\ndef"),
    ("^$", "", ""),
    ("^$", "", "a"),
    ("^$", "", "a\n"),
    ("^$^", "", ""),
    ("^$$", "", "\n"),
    ("^$", "H", "From: x\nSubject: y\n\n"),
    ("x^*y", "", "xy"),
    ("x^+y", "", "x\ny"),
    ("(^)+a", "", "a"),
    ("^?^a", "", "a"),
    # ^^ anchors at the very start / end (it takes the virtual newline)
    ("^^foo", "", "foo"),
    ("^^foo", "", "xfoo"),
    ("^^foo", "", "\nfoo"),
    ("^^^foo", "", "foo"),
    ("^^^foo", "", "\nfoo"),
    ("x^^", "", "x"),
    ("x^^", "", "x\n"),
    ("x$^^", "", "x\n"),
    ("x$^^", "", "x"),
    ("x$$^^", "", "x\n"),
    ("a^^b", "", "ab"),
    ("^^", "", "abc"),
    ("^^^^", "", ""),
    ("^^^^", "", "a"),
    ("x|^^b", "", "b"),
    ("x|^^b", "", "ab"),
    ("(^^)a", "", "a"),
    ("x$$^^", "H", "Subject: x\n\n"),
    ("x?^^a", "", "a"),
    ("()^^a", "", "a"),
    ("b(^^a)", "", "ba"),
    ("a(^^)", "", "a"),
    ("a^^+", "", "a"),
    ("b\\/(a^^)?", "", "ba"),
    ("b\\/(a^^)*", "", "ba"),
    ("b\\/(c|a^^)", "", "ba"),
    ("a^^b?", "", "a"),
    ("a^^()", "", "a"),
    ("a$b?", "", "a"),
    ("[z-a]", "", "m"),
    # \< and \> consume one non-word character or a newline
    ("\\<foo\\>", "", "a foo b"),
    ("\\<foo\\>", "", "afoo b"),
    ("\\<foo\\>", "", "foo"),
    ("\\<foo", "", "_foo"),
    ("x\\<y", "", "x\ny"),
    ("a\\>b", "", "a-b"),
    ("\\<*a", "", "  a"),
    # one postfix operator per atom; literal { }
    ("a**", "", "aaa*"),
    ("a**", "", "aaa"),
    ("a.*+b", "", "axxb"),
    ("a.*+b", "", "axx+b"),
    ("*a", "", "*a"),
    ("*a", "", "a"),
    ("x|*b", "", "*b"),
    ("(ab)+c", "", "xababc"),
    ("(ab)?c", "", "c"),
    ("a{2}", "", "aa"),
    ("a{2}", "", "a{2}"),
    ("{", "", "{"),
    # classes: ] first, - at the edges, backslash literal, no named classes
    ("[]a]", "", "]"),
    ("[^]a]", "", "b"),
    ("[^]a]", "", "\n"),
    ("[a\\]]", "", "\\]"),
    ("[a-]", "", "-"),
    ("[-a]", "", "-"),
    ("[\\n]", "", "n"),
    ("[\\n]", "", "\\"),
    ("[[:alpha:]]", "", "h]"),
    ("[[:alpha:]]", "", "b]"),
    # \c is a literal c
    ("\\n", "", "\n"),
    ("\\n", "", "n"),
    ("a\\.b", "", "axb"),
    ("\\(a\\)", "", "(a)"),
    ("a\\\\b", "", "a\\b"),
    ("a\\*", "", "aaa"),
    # groups and alternatives
    ("(a|)b", "", "b"),
    ("()", "", "x"),
    ("a||b", "", "c"),
    ("(foo|bar)baz", "", "xbarbaz"),
    ("", "", "anything"),
    # macros
    ("^TO_joe@", "H", "To: joe@x.org\n\n"),
    ("^TO_joe@", "H", "To: xjoe@x.org\n\n"),
    ("^TO_joe@", "H", "To: list-joe@x.org\n\n"),
    ("^TO_joe@", "H", "Cc: Joe <joe@x.org>\n\n"),
    ("^TO_joe@", "H", "Resent-To: a@b, joe@x.org\n\n"),
    ("^TO_joe@", "H", "Delivered-To: joe@x.org\n\n"),
    ("^TO_joe@example\\.com", "H", "To: joe@example.com.au\n\n"),
    ("^TO_joe@", "DH", "TO: joe@x.org\n\n"),
    ("^TOjoe", "H", "To: 1joe\n\n"),
    ("^TOjoe", "H", "To: xjoe\n\n"),
    ("\\^TO_joe", "H", "To: joe\n\n"),
    ("\\^TO_joe", "H", "^TO_joe\n\n"),
    ("^FROM_DAEMON", "H", "From: MAILER-DAEMON@x.org\n\n"),
    ("^FROM_DAEMON", "H", "Precedence: bulk\n\n"),
    ("^FROM_DAEMON", "H", "From: joe@x.org\n\n"),
    ("^FROM_DAEMON", "DH", "from: mailer-daemon@x.org\n\n"),
    ("^FROM_DAEMON", "H", "From: owner-list@x.org\n\n"),
    ("^FROM_MAILER", "H", "From: postmaster@x.org\n\n"),
    ("^FROM_MAILER", "H", "Precedence: bulk\n\n"),
    ("^FROM_MAILER", "H", "From: Joe <joe@x.org>\n\n"),
    ("^FROM_MAILER", "DH", "from: mailer-daemon@x.org\n\n"),
    # \/ and MATCH
    ("^Subject: \\/.*", "", "Subject: hello world\n"),
    ("^Subject: \\/.*$", "", "Subject: hello\n"),
    ("^Subject: \\/.*$", "", "Subject: hello"),
    ("^Subject:.*\\/x+", "", "Subject: aaxxx yxx\n"),
    ("^Subject: *\\/[^ ].*", "", "Subject:   hello world\n"),
    ("abc\\/", "", "xabcx"),
    ("\\/y\\/es", "", "yes"),
    ("a\\/b", "", "ac ab"),
    ("a.*\\/b.*", "", "xxaxxbxxbxx"),
    ("a.*\\/bc", "", "abxbc"),
    ("a+\\/a+", "", "aaaa"),
    ("(a|ab)\\/(c|bcd)", "", "abcd"),
    ("x\\/a*", "", "xaaab"),
    ("\\/a*", "", "aaab"),
    ("\\/a+", "", "aaab"),
    ("x?\\/a*", "", "aaa"),
    ("(x|)\\/a+", "", "aaa"),
    ("^\\/a*", "", "aaab"),
    ("^\\/a*", "", "x\naaab"),
    ("^From:(.*<)?\\/[^>]+", "", "From: Joe <joe@x.org>\n"),
    ("^From:.*\\/[a-z]+@[a-z.]+", "", "From: Joe <joe@x.org>\n"),
    ("x\\/$", "", "ax\nb"),
    ("\\/*a", "", "*a"),
    ("(^Subject: \\/.*)", "", "Subject: grouped\n"),
    ("^subject: \\/.*", "", "SUBJECT: Mixed Case\n"),
    ("b\\/\\>", "", "ab c"),
    ("\\/\\<", "", "\naxAx\nAb"),
    ("b?A*\\/$", "", "\naAxxbA"),
    ("\\/\\<*[^a]*", "", "x x "),
    ("(a)*\\/\\>?\\<", "", "\nAa"),
    ("\\/A?^+", "D", "\nabAx xb\n\nA"),
    ("\\<?\\/a*", "", "aaab"),
]

# (weight, exponent, regex, flags, text)
SCORE_ROWS = [
    (1, 1, "a", "", "aaa"),
    (-1, 1, "a", "", "aaa"),
    (1, 2, "a", "", "aaaa"),
    (1, 0, "a", "", "aaa"),
    (1, -1, "a", "", "aaa"),
    (1, 1, "b", "", "abab"),
    (1, 1, "a", "", ""),
    (1, 1, "^.*$", "", "a\nb\n"),
    (1, 1, "^.*$", "", "a\nb"),
    (1, 1, "^.*$", "", ""),
    (1, 1, "^$", "", "\n\n\n"),
    (1, 1, "^a", "", "a\na\na"),
    (1, 1, "a$", "", "a\na\na"),
    (1, 1, "\\<a", "", "a a a"),
    (1, 1, "^^a", "", "a\na\na"),
    (1, 1, "a^^", "", "aaa"),
    (-1, -1, ".^^b?", "", "a\nb\nAba"),
    (2, 0, "[^a]\\<?^^+", "", "abab\n"),
    (1, 2, "\\>\\>", "", "a  b"),
    (1, 2, "\\>\\>", "", "\n b"),
    (1, 1, "\\<^^", "", "xb\n"),
    (-1, 1, "(\\<|a)([ab][^a]|^^)", "", "\nxbb bx\n"),
    (1, 2, "\\>a", "", "a a"),
    (1, 1, "^", "", "a\nb\n"),
    (1, 1, "$", "", ""),
    (1, 1, "x*", "", "abc"),
    (3, 1, "x*", "", "abc"),
    (-3, 1, "x*", "", "abc"),
    (0, 1, "x*", "", "abc"),
    (1, 0.5, "x*", "", "abc"),
    (-1, 0.5, "x*", "", "abc"),
    (3, -0.5, "x*", "", "abc"),
    (3, 0, "x*", "", "abc"),
    (1, 0.5, "a*", "", "aab"),
    (10, 0.5, "a", "", "aaaa"),
    (0.9, 0.99, "x", "", "x" * 100),
    (2, 0.99, "x", "", "x" * 100),
    (1000, 2, "a", "", "a" * 40),
    (1, 1, "ab|b", "", "abab"),
    (1, 1, "[a-z]+", "", "ab cd ef"),
]

NEEDS_ESCAPE = set(" \t!$?<>0123456789+-.\\")


def condition(regex):
    """The condition line text that hands procmail exactly this regex."""
    if regex == "":
        return b""
    data = regex.encode("latin-1")
    if regex[0] in NEEDS_ESCAPE:
        data = b"\\" + data
    return b" " + data


def run(rc_body, message):
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "log")
        rc = os.path.join(d, "rc")
        with open(rc, "wb") as f:
            f.write(b"LOGFILE=" + log.encode() + b"\n" + rc_body)
        env = {"PATH": "/usr/bin:/bin", "HOME": d, "ORGMAIL": os.path.join(d, "org"),
               "DEFAULT": "/dev/null", "MAILDIR": d}
        try:
            subprocess.run([PROCMAIL, "-m", rc], input=message, env=env, cwd=d,
                           capture_output=True, check=False, timeout=5)
        except subprocess.TimeoutExpired:  # procmail loops on some regexes
            return b"@@timeout@@"
        with open(log, "rb") as f:
            return f.read()


def message_and_flags(flags, text):
    data = text.encode("latin-1")
    area = "H" if "H" in flags else "B"
    message = data if area == "H" else b"From: x\n\n" + data
    return message, (area + ("D" if "D" in flags else "")).encode()


def match_answer(regex, flags, text):
    message, rflags = message_and_flags(flags, text)
    rc = (b":0 " + rflags + b"\n*" + condition(regex) + b"\n{ LOG=\"@@yes[$MATCH]@@\n\" }\n"
          b":0 E\n{ LOG=\"@@no@@\n\" }\n")
    out = run(rc, message)
    if b"@@timeout@@" in out:
        return None, b""
    if b"@@no@@" in out:
        return False, b""
    start = out.index(b"@@yes[") + len(b"@@yes[")
    return True, out[start:out.index(b"]@@", start)]


def score_answer(weight, exponent, regex, flags, text):
    message, rflags = message_and_flags(flags, text)
    rc = (b":0 " + rflags + b"\n* " + f"{weight}^{exponent}".encode() + condition(regex) +
          b"\n{ }\nLOG=\"@@score[$=]@@\n\"\n")
    out = run(rc, message)
    if b"@@timeout@@" in out:
        return None
    start = out.index(b"@@score[") + len(b"@@score[")
    return int(out[start:out.index(b"]@@", start)])


def c_string(data):
    """A C++ string literal (with sv suffix) holding exactly these bytes."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= byte < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"sv'


def main():
    print("// Generated by tests/tools/procmail_regex_answers.py from %s." % PROCMAIL)
    print("// {regex, flags, text, matches, MATCH}")
    for regex, flags, text in MATCH_ROWS:
        matched, value = match_answer(regex, flags, text)
        print("    {%s, \"%s\", %s, %s, %s}," % (c_string(regex), flags, c_string(text),
                                               "true" if matched else "false", c_string(value)))
    print("// {weight, exponent, regex, flags, text, $=}")
    for weight, exponent, regex, flags, text in SCORE_ROWS:
        got = score_answer(weight, exponent, regex, flags, text)
        print("    {%s, %s, %s, \"%s\", %s, %d}," % (repr(float(weight)), repr(float(exponent)),
                                                   c_string(regex), flags, c_string(text), got))


if __name__ == "__main__":
    main()
