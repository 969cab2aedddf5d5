#!/usr/bin/env bash
# The two things a developer does, each starting from a fresh machine:
#   scripts/dev.sh run [ARGS...]   set up, build, and run `dmakit run ARGS...` (the main job)
#   scripts/dev.sh test            set up, build, and run the whole test suite: unit, property
#                                  and scenario tests (g++), again under ASan+UBSan (clang),
#                                  the concurrent code under TSan, and short fuzz runs.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${DMAKIT_FUZZ_SECONDS:-60}

build() {  # build PRESET [TARGETS...]
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" -j "$jobs" --target "$@"
  else
    cmake --build --preset "$preset" -j "$jobs"
  fi
}

# Runs every GoogleTest program under DIR whole, $jobs at a time; prints each one's summary,
# and the end of its output when it fails.
run_test_programs() {
  local dir=$1
  find "$dir" -name 'dmakit_*_tests' -type f -perm -u+x | sort |
    xargs -P "$jobs" -I{} bash -c '
      if timeout 1800 "$1" >"$1.log" 2>&1; then
        echo "passed: $1: $(grep -m1 -o "[0-9]* tests\? from [0-9]* test suites\? ran" "$1.log")"
      else
        echo "FAILED: $1 (full output: $1.log)"
        tail -n 80 "$1.log"
        exit 1
      fi' _ {}
}

step() { printf '\n=== %s (%dm%02ds in) ===\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }

cmd=${1:-run}
shift || true

bash scripts/setup.sh

case "$cmd" in
  run)
    build release dmakit >/dev/null
    exec build/release/tools/dmakit/dmakit run "$@"
    ;;
  test)
    step "release build (g++ 12): unit, property and scenario tests"
    build release
    ctest --preset release -j "$jobs"

    step "AddressSanitizer + UndefinedBehaviorSanitizer build (clang 14), with the fuzz targets"
    build asan
    # Under ASan a process costs about 0.15 s to start and to check for leaks at exit; run per
    # test, as ctest does, that was most of this stage. So each GoogleTest program runs whole,
    # and ctest runs the other tests (examples and CLI runs: the names without a '.').
    run_test_programs build/asan
    ctest --preset asan -j "$jobs" -E '[.]'

    if [ -f src/iommu/iova_allocator_test.cc ]; then
      step "ThreadSanitizer: the concurrent IOVA allocator"
      build tsan dmakit_iommu_tests
      TSAN_OPTIONS=halt_on_error=1 build/tsan/src/iommu/dmakit_iommu_tests \
        --gtest_filter='Iova*'
    fi

    fuzzers=$(ls fuzz/*_fuzz.cc 2>/dev/null || true)
    if [ -n "$fuzzers" ]; then
      # The targets run side by side, each for the full time; each one's log is printed when
      # all are done, and any crash, leak or timeout fails the stage.
      step "libFuzzer: ${fuzz_seconds}s per target, side by side"
      pids=()
      names=()
      for src in $fuzzers; do
        name=dmakit_$(basename "$src" .cc)
        corpus=build/asan/fuzz/corpus/$name
        mkdir -p "$corpus"
        seeds=fuzz/corpus/$(basename "$src" _fuzz.cc)
        build/asan/fuzz/"$name" -max_total_time="$fuzz_seconds" -max_len=65536 \
          -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$corpus" \
          $( [ -d "$seeds" ] && echo "$seeds" ) >"build/asan/fuzz/$name.log" 2>&1 &
        pids+=($!)
        names+=("$name")
      done
      failed=0
      for i in "${!pids[@]}"; do
        status=0
        wait "${pids[$i]}" || status=$?
        echo "--- ${names[$i]} (exit $status; full log: build/asan/fuzz/${names[$i]}.log)"
        tail -n 12 "build/asan/fuzz/${names[$i]}.log"
        [ "$status" -eq 0 ] || failed=1
      done
      [ "$failed" -eq 0 ] || { echo "a fuzz target failed" >&2; exit 1; }
    fi
    step "all test stages passed"
    ;;
  *)
    echo "usage: scripts/dev.sh run [SCENARIO...] | test" >&2
    exit 2
    ;;
esac
