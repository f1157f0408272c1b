#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-ci-fuzz and runs each for a bounded
# time on a working copy of its seed corpus (the repository is not modified). Writes
# build-ci-fuzz/fuzz-figures.md (executions and corpus size per target) and fails when
# any target finds a crash, a leak, undefined behaviour or a time-out, printing the
# path of the input that caused it.
#
#   tests/fuzz/run.sh                 every target, sharing FUZZ_TOTAL_SECONDS (225)
#                                     evenly, or FUZZ_SECONDS each when it is set
#   FUZZ_SECONDS=600 tests/fuzz/run.sh regex_fuzz
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${FUZZ_BUILD_DIR:-build-ci-fuzz}
jobs=$(nproc 2>/dev/null || echo 2)

echo "== fuzz build (clang, libFuzzer + ASan + UBSan) in $dir"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DMAILSIFT_FUZZ=ON -DMAILSIFT_TESTS=OFF >/dev/null
cmake --build "$dir" -j "$jobs" --target fuzz_targets

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for source in tests/fuzz/*_fuzz.cc; do
    targets+=("$(basename "$source" .cc)")
  done
fi

# A fixed total for CI: the targets share it.
seconds=${FUZZ_SECONDS:-$(( ${FUZZ_TOTAL_SECONDS:-225} / ${#targets[@]} ))}

figures="$dir/fuzz-figures.md"
{
  echo "| target | seconds | executions | corpus size (files) |"
  echo "| --- | ---: | ---: | ---: |"
} >"$figures"
failed=()
for target in "${targets[@]}"; do
  name=${target%_fuzz}
  seeds=tests/fuzz/corpus/$name
  corpus=$dir/fuzz-corpus/$name
  artifacts=$dir/fuzz-artifacts/$name
  log=$dir/fuzz-logs/$name.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  # The seeds join what earlier runs in this build directory found.
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  echo "== fuzz $target for ${seconds}s"
  status=0
  "$dir/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  files=$(find "$corpus" -type f | wc -l)
  echo "| $name | $seconds | ${executions:-?} | $files |" >>"$figures"
  echo "   executions: ${executions:-?}, corpus: $files files"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "!! $target failed (exit status $status); the end of $log:"
    tail -n 40 "$log"
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    echo "!! input that caused it: ${crash:-(none written; see $log)}"
    [ -n "$crash" ] && echo "!! reproduce with: $dir/$target $crash"
  fi
done

echo "== fuzz figures ($figures)"
cat "$figures"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
