#!/usr/bin/env bash
# cmake --install puts the binary, the man pages, the README and the examples in their
# places under the prefix (cmake/packaging.cmake); the installed binary runs.
# Needs: BUILD_DIR (a configured and built tree), MAILSIFT, SOURCE_DIR.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/layout.sh"
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"

cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" > "$WORK/install.log" 2>&1 || {
  fail "cmake --install failed:"; cat "$WORK/install.log" >&2; }
check_installed "$WORK/prefix"
finish
