#!/usr/bin/env bash
# mailsift --dry-run over the whole conformance suite: it changes nothing, and it predicts
# the folders and exit code of a real run (README.md in this directory).
set -euo pipefail
: "${MAILSIFT:?}"
# DRY_RUN_EVERY=N: every Nth case only (the sanitizer build: tests/CMakeLists.txt).
exec python3 "$(dirname "$0")/dry_run_prediction.py" --mailsift "$MAILSIFT" --jobs 2 \
  --every "${DRY_RUN_EVERY:-1}"
