#!/usr/bin/env bash
# mailsift --dry-run: evaluates the rules as a delivery would, changes nothing on disk,
# traces each recipe, and names the deliveries and the exit status a real run gives.
source "$(dirname "$0")/../support/e2e.sh"
examples=$SOURCE_DIR/rules-examples

# The tree below a directory, with sizes and times: it must not change.
tree_state() { find "$1" -printf '%p %s %T@ %m\n' | sort; }

# The examples whose outcome does not hang on a delivering program's exit status:
# the dry run predicts the folders and the exit status of their expectation files.
for name in mailing-lists size-limits scoring nested-blocks; do
  for msg in "$examples/tests/$name"/*.eml; do
    expect=${msg%.eml}.expect
    case_name="$name/$(basename "$msg" .eml)"
    home=$WORK/home.$name.$(basename "$msg" .eml)
    mkdir -p "$home/Mail"
    before=$(tree_state "$home")
    env -i PATH=/usr/bin:/bin TZ=UTC "$MAILSIFT" --dry-run HOME="$home" ORGMAIL="$home/orgmail" \
      "$examples/$name.rc" < "$msg" > "$WORK/trace" 2> "$WORK/stderr"
    status=$?
    expect_eq "$case_name: exit status" "$status" "$(sed -n 's/^exit: *//p' "$expect")"
    expect_eq "$case_name: nothing changed on disk" "$(tree_state "$home")" "$before"
    expect_eq "$case_name: predicted folders" \
      "$(sed -n 's/^would deliver to \([^ ]*\) .*/\1/p' "$WORK/trace" | sed "s#^$home/Mail/##" | sort)" \
      "$(sed -n 's/^folder: *//p' "$expect" | sort)"
    expect_contains "$case_name: trace ends with the exit status" "$WORK/trace" "exit status $status"
  done
done

# Programs: "?" conditions, filters, captures and backquotes run only with
# --run-programs; delivering pipes never run.
cd "$WORK"
mkdir prog
cat > prog/rc <<'RC'
:0 c
* ? touch ran-condition
cond/

:0 fw
| touch ran-filter; cat

X=`touch ran-backquote; echo x`

:0
| touch ran-pipe
RC
printf 'From: a@example.org\nSubject: s\n\nbody\n' > prog/msg
(cd prog && "$MAILSIFT" --dry-run ORGMAIL= DEFAULT=/dev/null ./rc < msg > trace1 2> err1)
expect_eq "without --run-programs: exit" "$?" 0
expect_eq "without --run-programs: nothing ran" "$(ls prog | grep -c '^ran-')" 0
expect_contains "the ? condition is reported as not run" prog/trace1 "not run in a dry run"
expect_contains "the pipe is the predicted delivery" prog/trace1 "would deliver to touch ran-pipe (program)"
(cd prog && "$MAILSIFT" --dry-run --run-programs ORGMAIL= DEFAULT=/dev/null ./rc < msg > trace2 2> err2)
expect_eq "with --run-programs: these ran" "$(ls prog | grep '^ran-' | tr '\n' ' ')" \
  "ran-backquote ran-condition ran-filter "
expect_contains "with --run-programs: the condition held" prog/trace2 "would deliver to cond/ (maildir)"
[ -e prog/cond ] && fail "a dry run created the maildir" || pass

mkdir -p "$WORK/Mail"
# JSON lines: every line valid JSON, version 1, the fields the schema in
# mailsift(1) names, with their types.
"$MAILSIFT" --dry-run --format=json HOME="$WORK" MAILDIR="$WORK" \
  "$examples/nested-blocks.rc" < "$examples/tests/nested-blocks/work.eml" > trace.json
expect_eq "json: exit" "$?" 0
# A second trace with the rarer lines: a predicted failure, a "c" block's clone.
mkdir -p json2 && printf 'plain file\n' > json2/notadir
cat > json2/rc <<'RC'
:0 c
{
  :0
  clone/
}
:0
notadir/sub/
RC
(cd json2 && "$MAILSIFT" --dry-run --format=json HOME="$WORK/json2" MAILDIR="$WORK/json2" \
  DEFAULT="$WORK/json2/default" ./rc < "$WORK/prog/msg" > "$WORK/trace2.json")
python3 - trace.json trace2.json > schema.out 2>&1 <<'PY'
import json, sys
schema = {
    "recipe": {"file": str, "line": int, "flags": str, "taken": bool, "reason": str},
    "condition": {"file": str, "line": int, "text": str, "result": bool},
    "action": {"file": str, "line": int, "kind": str, "target": str},
    "delivery": {"folder": str, "kind": str, "fallback": bool},
    "failure": {"folder": str, "error": str},
    "result": {"exit": int, "deliveries": list, "maildir": str},
}
optional = {"condition": {"match": str, "matched": str, "score": (int, float), "note": str},
            "action": {"note": str}}
kinds = {"folder", "pipe", "filter", "capture", "forward", "block", "stdout"}
problems, types = [], []
for n, line in ((f"{name}:{n}", line) for name in sys.argv[1:]
                for n, line in enumerate(open(name), 1)):
    obj = json.loads(line)
    if obj.get("version") != 1:
        problems.append(f"line {n}: version {obj.get('version')!r}")
    t = obj.get("type")
    types.append(t)
    if t not in schema:
        problems.append(f"line {n}: type {t!r}")
        continue
    allowed = {"version", "type", *schema[t], *optional.get(t, {})}
    for key, want in schema[t].items():
        if not isinstance(obj.get(key), want) or (want is int and isinstance(obj.get(key), bool)):
            problems.append(f"line {n}: {key} is {obj.get(key)!r}")
    for key, want in optional.get(t, {}).items():
        if key in obj and not isinstance(obj[key], want):
            problems.append(f"line {n}: {key} is {obj[key]!r}")
    for key in obj:
        if key not in allowed:
            problems.append(f"line {n}: unknown field {key}")
    if t == "action" and obj["kind"] not in kinds:
        problems.append(f"line {n}: action kind {obj['kind']!r}")
for name in sys.argv[1:]:
    lines = open(name).read().splitlines()
    if not lines or json.loads(lines[-1]).get("type") != "result":
        problems.append(f"{name}: the last line is not the result")
    if sum(json.loads(l).get("type") == "result" for l in lines) != 1:
        problems.append(f"{name}: not exactly one result line")
print("\n".join(problems) if problems else "ok")
PY
expect_eq "json: valid against the schema" "$(cat schema.out)" "ok"
expect_contains "json: the deliveries" trace.json '"deliveries":["work-archive","work/"]'
expect_contains "json: what a condition matched" trace.json '"matched":"'

# A folder the file system shows cannot be written is predicted to fail, and the run
# goes on as a real one would (here to $DEFAULT); a "c" block's clone delivers too,
# and both ways reach the one result line.
expect_contains "json: predicted failure" trace2.json '"type":"failure","folder":"notadir/sub"'
expect_contains "json: clone and parent deliveries" trace2.json \
  "\"deliveries\":[\"clone/\",\"$WORK/json2/default\"]"
expect_eq "json: nothing written by the clone" "$(ls json2 | tr '\n' ' ')" "notadir rc "
finish
