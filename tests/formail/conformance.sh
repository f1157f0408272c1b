#!/usr/bin/env bash
# Differential suite of mailsift-formail against /usr/bin/formail (README.md explains).
# $1: the mailsift-formail binary. Exit 77 (skipped) when /usr/bin/formail is missing.
set -euo pipefail
: "${1:?usage: conformance.sh PATH-TO-mailsift-formail}"
exec python3 "$(dirname "$0")/run_cases.py" --formail "$1" --jobs 2
