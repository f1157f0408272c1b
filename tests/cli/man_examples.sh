#!/usr/bin/env bash
# Every example in the man pages is an excerpt of a file in the source tree, so that
# the examples are the rcfiles tests/cli/examples.sh runs (and the mail servers'
# settings the files tests/mta uses) and cannot drift from them; so is every marked
# example of README.md (at the end).
# An example block is marked in the roff source as
#   .\" example: rules-examples/spam.rc
#   .EX
#   ...
#   .EE
# This test turns each block back into plain text and checks that it is a run of
# consecutive lines of the named file. A block marked
#   .\" output
# shows a command and what it prints: its first line is "$ mailsift ...", run here
# from the source tree (stdout only), and the other lines must be exactly its output.
# A .EX without the marker, a marker without a
# .EX right after it, an unknown roff escape, or a page without any marked example
# is a failure.
source "$(dirname "$0")/../support/e2e.sh"

pages=("$SOURCE_DIR/man/mailsiftrc.5" "$SOURCE_DIR/man/mailsift.1")

# The roff escapes the examples use, turned back into the characters they stand
# for. "\e" goes first through a placeholder, so that the backslash it yields is not
# taken for the start of another escape.
roff_to_text() {
  sed -e 's/\\e/\x01/g' \
      -e 's/\\-/-/g' \
      -e "s/\\\\(aq/'/g" \
      -e 's/\\(ga/`/g' \
      -e 's/\\(dq/"/g' \
      -e 's/\\&//g' \
      -e 's/\x01/\\/g' \
      "$1"
}

# Any backslash left in the roff text after the known escapes is one this test does
# not understand; prints the offending lines.
unknown_escapes() {
  sed -e 's/\\e//g' -e 's/\\-//g' -e 's/\\(aq//g' -e 's/\\(ga//g' -e 's/\\(dq//g' \
      -e 's/\\&//g' "$1" | grep -n '\\'
}

# is_excerpt BLOCK FILE: the lines of BLOCK appear, consecutively and in full, in FILE.
is_excerpt() {
  local -a want have
  mapfile -t want < "$1"
  mapfile -t have < "$2"
  local n=${#want[@]} m=${#have[@]} i j
  for ((i = 0; i + n <= m; i++)); do
    for ((j = 0; j < n; j++)); do
      [ "${have[i + j]}" == "${want[j]}" ] || continue 2
    done
    return 0
  done
  return 1
}

# The longest run of the block's first lines that does appear in the file, to say
# where an excerpt goes wrong.
first_mismatch() {
  local block=$1 file=$2 lines k
  lines=$(wc -l < "$block")
  for ((k = 1; k <= lines; k++)); do
    head -n "$k" "$block" > "$WORK/prefix"
    if ! is_excerpt "$WORK/prefix" "$file"; then
      echo "line $k of the example: [$(sed -n "${k}p" "$block")]"
      return
    fi
  done
}

total=0
for page in "${pages[@]}"; do
  name=${page#"$SOURCE_DIR"/}
  if [ ! -f "$page" ]; then
    fail "$name: no such man page"
    continue
  fi
  # Split the page into blocks: $WORK/<page>.<n>.roff, with the named file in
  # $WORK/<page>.<n>.source. Structural mistakes are printed as "error: ...".
  prefix="$WORK/$(basename "$page")"
  errors=$(awk -v prefix="$prefix" '
    function problem(text) { print "error: line " NR ": " text }
    /^\.\\" output[ \t]*$/ {
      if (pending != "") problem("example marker without .EX after it")
      pending = "@output"
      marker_line = NR
      next
    }
    /^\.\\" example:/ {
      if (pending != "") problem("example marker without .EX after it")
      pending = $0
      sub(/^\.\\" example:[ \t]*/, "", pending)
      if (pending == "") problem("example marker without a file name")
      marker_line = NR
      next
    }
    /^\.EX([ \t]|$)/ {
      if (inside) problem(".EX inside an example")
      if (pending == "" || marker_line != NR - 1) {
        problem(".EX not preceded by an \".\\\" example: FILE\" line")
        pending = ""
        unmarked = 1
        next
      }
      n++
      inside = 1
      printf "" > (prefix "." n ".roff")
      print pending > (prefix "." n ".source")
      close(prefix "." n ".source")
      pending = ""
      next
    }
    /^\.EE([ \t]|$)/ {
      if (unmarked) { unmarked = 0; next }
      if (!inside) problem(".EE without .EX")
      else close(prefix "." n ".roff")
      inside = 0
      next
    }
    unmarked { next }
    inside {
      if ($0 ~ /^[.\047]/) problem("roff request inside an example: " $0)
      print > (prefix "." n ".roff")
      next
    }
    pending != "" && NR > marker_line { problem("example marker without .EX after it"); pending = "" }
    END {
      if (inside) problem("example without .EE")
      if (pending != "") problem("example marker without .EX after it")
    }
  ' "$page")
  if [ -n "$errors" ]; then
    while IFS= read -r line; do fail "$name: ${line#error: }"; done <<< "$errors"
  fi

  count=0
  for roff in "$prefix".*.roff; do
    [ -e "$roff" ] || continue
    count=$((count + 1))
    source_name=$(cat "${roff%.roff}.source")
    what="$name: example $(basename "${roff%.roff}" | sed 's/.*\.//') ($source_name)"
    if [ "$source_name" = "@output" ]; then
      what="$name: example $(basename "${roff%.roff}" | sed 's/.*\.//') (output)"
      if unknown=$(unknown_escapes "$roff"); then
        fail "$what: roff escapes this test does not know: $unknown"
        continue
      fi
      roff_to_text "$roff" > "${roff%.roff}.txt"
      command=$(head -n 1 "${roff%.roff}.txt")
      if [[ "$command" != '$ mailsift '* ]]; then
        fail "$what: the first line is not \"\$ mailsift ...\": [$command]"
        continue
      fi
      tail -n +2 "${roff%.roff}.txt" > "${roff%.roff}.want"
      (cd "$SOURCE_DIR" && bash -c "mailsift() { \"\$MAILSIFT\" \"\$@\"; }; ${command#\$ }") \
        > "${roff%.roff}.got" 2> /dev/null
      if cmp -s "${roff%.roff}.got" "${roff%.roff}.want"; then
        pass
      else
        fail "$what: [${command#\$ }] prints something else:"
        diff "${roff%.roff}.want" "${roff%.roff}.got" | head -20 >&2
      fi
      continue
    fi
    file=$SOURCE_DIR/$source_name
    if [ ! -f "$file" ]; then
      fail "$what: no such file $file"
      continue
    fi
    if [ ! -s "$roff" ]; then
      fail "$what: the example is empty"
      continue
    fi
    if unknown=$(unknown_escapes "$roff"); then
      fail "$what: roff escapes this test does not know: $unknown"
      continue
    fi
    roff_to_text "$roff" > "${roff%.roff}.txt"
    if is_excerpt "${roff%.roff}.txt" "$file"; then
      pass
    else
      fail "$what: not a run of consecutive lines of $source_name; first line that is not: $(first_mismatch "${roff%.roff}.txt" "$file")"
    fi
  done
  expect_eq "$name: has marked examples" "$([ "$count" -gt 0 ] && echo yes || echo no)" yes
  total=$((total + count))
done
expect_eq "man pages: some example was checked" "$([ "$total" -gt 0 ] && echo yes || echo no)" yes

# README.md: a fenced block right after a line "<!-- example: FILE -->" is a run of
# consecutive lines of FILE (the mail servers' settings are the test's files).
readme_blocks=$(awk -v prefix="$WORK/readme" '
  function problem(text) { print "error: line " NR ": " text }
  /^<!-- example: .* -->$/ {
    name = $0; sub(/^<!-- example: /, "", name); sub(/ -->$/, "", name)
    marker_line = NR; next
  }
  /^```/ {
    if (inside) { inside = 0; close(prefix "." n ".txt"); next }
    if (marker_line == NR - 1) {
      n++; inside = 1
      printf "" > (prefix "." n ".txt")
      print name > (prefix "." n ".source"); close(prefix "." n ".source")
    } else {
      skipping = !skipping
    }
    next
  }
  inside { print > (prefix "." n ".txt") }
  END { if (inside) problem("example without its closing fence"); print n + 0 }
' "$SOURCE_DIR/README.md")
case "$readme_blocks" in *error:*) fail "README.md: $readme_blocks" ;; esac
for block in "$WORK"/readme.*.txt; do
  [ -e "$block" ] || continue
  source_name=$(cat "${block%.txt}.source")
  if [ ! -f "$SOURCE_DIR/$source_name" ]; then
    fail "README.md: example of $source_name: no such file"
  elif [ ! -s "$block" ]; then
    fail "README.md: example of $source_name is empty"
  elif is_excerpt "$block" "$SOURCE_DIR/$source_name"; then
    pass
  else
    fail "README.md: example of $source_name is not a run of its lines; first line that is not: $(first_mismatch "$block" "$SOURCE_DIR/$source_name")"
  fi
done
expect_eq "README.md: the mail servers' settings are checked" \
  "$(cat "$WORK"/readme.*.source 2>/dev/null | grep -c '^tests/mta/')" 10
finish
