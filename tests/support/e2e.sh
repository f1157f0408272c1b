# Shared helpers for the end-to-end shell tests (sourced, not run).
# $MAILSIFT is the binary under test; $TEST_DATA is tests/data; $SOURCE_DIR the tree.
set -uo pipefail
: "${MAILSIFT:?MAILSIFT must name the mailsift binary}"
: "${TEST_DATA:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data" && pwd)}"
: "${SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export TZ=UTC

failures=0
checks=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mailsift-e2e-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }

# expect_eq WHAT GOT WANT
expect_eq() {
  if [ "$2" == "$3" ]; then pass; else fail "$1: got [$2], wanted [$3]"; fi
}
# expect_contains WHAT FILE TEXT
expect_contains() {
  if grep -qF -- "$3" "$2"; then pass; else fail "$1: [$3] not in $2:"; sed 's/^/    /' "$2" >&2; fi
}
# expect_same_bytes WHAT GOT_FILE WANT_FILE
expect_same_bytes() {
  if cmp -s "$2" "$3"; then pass; else fail "$1: $2 differs from $3"; diff <(od -c "$2") <(od -c "$3") | head -20 >&2; fi
}

finish() {
  echo "$checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# mail_users PREFIX NAME...: for each NAME a system user PREFIX<NAME><pid>, its home
# $WORK/<user> with Mail/ inside (both theirs), and in its ~/.procmailrc the text of
# $MAIL_USER_RC (default: a maildir inbox). Sets the array `users`; the users are
# removed when the test exits. Needs root (the caller checks).
mail_users() {
  local prefix=$1 name user
  local inbox='MAILDIR=$HOME/Mail
DEFAULT=$MAILDIR/inbox/
'
  shift
  users=()
  chmod 755 "$WORK"
  for name in "$@"; do
    user="$prefix$name$$"
    useradd -M -d "$WORK/$user" -s /bin/sh "$user"
    users+=("$user")
    mkdir -p "$WORK/$user/Mail"
    printf '%s' "${MAIL_USER_RC:-$inbox}" > "$WORK/$user/.procmailrc"
    chown -R "$user:" "$WORK/$user"
  done
  trap 'for u in "${users[@]}"; do userdel "$u" 2> /dev/null; done; rm -rf "$WORK"' EXIT
}
