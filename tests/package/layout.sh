# What an installed mailsift must hold (sourced by install.sh and deb.sh):
# check_installed ROOT: ROOT is the installation prefix (bin/, share/ under it).
check_installed() {
  local root=$1 file
  for file in bin/mailsift bin/mailsift-formail share/man/man1/mailsift.1 \
              share/man/man1/mailsift-formail.1 share/man/man5/mailsiftrc.5 \
              share/doc/mailsift/README.md share/doc/mailsift/examples/quickstart.rc \
              share/doc/mailsift/examples/quickstart.eml; do
    if [ -f "$root/$file" ]; then pass; else fail "installed: no $file"; fi
  done
  # Every example rcfile, with the test messages its check runs on.
  local rc name
  for rc in "$SOURCE_DIR"/rules-examples/*.rc; do
    name=$(basename "$rc" .rc)
    expect_same_bytes "installed: examples/$name.rc" "$root/share/doc/mailsift/examples/$name.rc" "$rc"
    if [ -d "$SOURCE_DIR/rules-examples/tests/$name" ]; then
      expect_eq "installed: examples/tests/$name" \
        "$(cd "$root/share/doc/mailsift/examples/tests/$name" && ls)" \
        "$(cd "$SOURCE_DIR/rules-examples/tests/$name" && ls)"
    fi
  done
  [ -x "$root/bin/mailsift" ] && pass || fail "installed: bin/mailsift is not executable"
  [ -x "$root/bin/mailsift-formail" ] && pass || fail "installed: bin/mailsift-formail is not executable"
  expect_eq "installed: mailsift-formail extracts a field" \
    "$(printf 'Subject: hi\n\nbody\n' | "$root/bin/mailsift-formail" -x Subject:)" " hi"
  # The installed binary runs the installed example (README's first command, there).
  local run=$WORK/run-$(basename "$root")
  mkdir -p "$run" && cp "$root"/share/doc/mailsift/examples/quickstart.* "$run/"
  (cd "$run" && "$root/bin/mailsift" ./quickstart.rc < quickstart.eml 2> stderr)
  expect_eq "installed: the example's exit status" "$?" 0
  expect_eq "installed: the example's message in demo-mail/new" \
    "$(find "$run/demo-mail/new" -type f 2>/dev/null | wc -l)" 1
  expect_eq "installed: --version" "$("$root/bin/mailsift" --version 2>&1 | head -n 1 | cut -d' ' -f1)" mailsift
  # Nothing else: no test programs, no libraries, no headers.
  local extra
  extra=$(cd "$root" && find . -type f ! -path './share/doc/mailsift/*' ! -path './bin/mailsift' \
          ! -path './bin/mailsift-formail' ! -path './share/man/man1/mailsift-formail.1' \
          ! -path './share/man/man1/mailsift.1' ! -path './share/man/man5/mailsiftrc.5' | sort)
  expect_eq "installed: nothing else" "$extra" ""
}
