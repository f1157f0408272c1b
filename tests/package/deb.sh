#!/usr/bin/env bash
# CPack builds the Debian package (cmake/packaging.cmake) into $BUILD_DIR/package/,
# and links it as package/mailsift.deb for the mail server tests, which install it
# with dpkg -i (tests/mta/README.md). Checked here: its fields, that everything is
# under /usr, and, unpacked, the same layout as cmake --install gives.
# Needs: BUILD_DIR (a configured and built tree), MAILSIFT, SOURCE_DIR; dpkg-deb.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/layout.sh"
# Skipped (77) without dpkg-shlibdeps (dpkg-dev), with which CPack finds the
# dependencies; .ci/setup --test installs it. The mail server tests then do not run.
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
command -v dpkg-shlibdeps > /dev/null || { echo "SKIP: dpkg-shlibdeps (dpkg-dev) is missing"; exit 77; }

out=$BUILD_DIR/package
rm -f "$out"/mailsift_*.deb "$out/mailsift.deb"
(cd "$BUILD_DIR" && cpack -G DEB) > "$WORK/cpack.log" 2>&1 || {
  fail "cpack failed:"; cat "$WORK/cpack.log" >&2; finish; exit 1; }
debs=("$out"/mailsift_*.deb)
expect_eq "one package" "${#debs[@]}" 1
deb=${debs[0]}
version=$(sed -n 's/^project(mailsift VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
expect_eq "file name" "$(basename "$deb")" "mailsift_${version}_$(dpkg --print-architecture).deb"
expect_eq "Package" "$(dpkg-deb -f "$deb" Package)" mailsift
expect_eq "Version" "$(dpkg-deb -f "$deb" Version)" "$version"
expect_eq "Section" "$(dpkg-deb -f "$deb" Section)" mail
depends=$(dpkg-deb -f "$deb" Depends)
case "$depends" in *libc6*) pass ;; *) fail "Depends has no libc6: $depends" ;; esac
# libmagic is loaded with dlopen, which dpkg-shlibdeps cannot see.
case "$depends" in *"libmagic1 | libmagic1t64"*) pass ;; *) fail "Depends has no libmagic1: $depends" ;; esac
# RE2 and libstdc++ are linked into the binary (cmake/dependencies.cmake).
case "$depends" in *libre2*|*libstdc++*) fail "Depends names a library linked in: $depends" ;; *) pass ;; esac
outside=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '^\./usr/' | grep -v '^\./$')
expect_eq "everything under /usr" "$outside" ""

dpkg-deb -x "$deb" "$WORK/root"
check_installed "$WORK/root/usr"
if readelf -S "$WORK/root/usr/bin/mailsift" | grep -q '\.debug_info'; then
  fail "the packaged binary is not stripped"
else
  pass
fi

[ "$failures" -eq 0 ] && ln -sf "$(basename "$deb")" "$out/mailsift.deb"
finish
