#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (as root):
#   scripts/dev.sh demo   install dependencies, build, run the demo composite
#   scripts/dev.sh test   install dependencies, build, run the whole test suite, then the
#                         suite again built with AddressSanitizer + UBSan
#                         (scripts/sanitize.sh) and the granule reader's fuzzer for a
#                         bounded time (scripts/fuzz.sh)
#   scripts/dev.sh build  install dependencies and build only
# Local loops: SWATHGRID_SKIP_SANITIZERS=1 and SWATHGRID_SKIP_FUZZ=1 leave out the last two
# (CI runs everything).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${SWATHGRID_BUILD_DIR:-$root/build}"
jobs=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_PROC_BIND="${OMP_PROC_BIND:-false}"

setup_and_build() {
  bash "$root/scripts/setup-debian.sh"
  local prefix=()
  [[ -f "$root/.deps/kokkos/.complete" ]] && prefix=(-DCMAKE_PREFIX_PATH="$root/.deps/kokkos")
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${prefix[@]}" >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
  echo "build: compiling into $build (log: $build.build.log)"
  cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1 ||
    { tail -n 60 "$build.build.log"; exit 1; }
}

run_demo() {
  local out="$root/demo-output"
  mkdir -p "$out"
  echo "demo: generating 16 synthetic PACE OCI L2 granules (2024-08-01..07) in $out/granules"
  "$build/src/swathgrid-synth" -o "$out/granules" --count 16 --first-day 2024-08-01 --days 7 \
    --near -75,38.5 --seed 2024 >"$out/granules.txt"
  echo "demo: compositing chlor_a over -77,36,-73,41 with 2 MPI ranks"
  mpiexec -n 2 --oversubscribe "$build/src/swathgrid" --input-list "$out/granules.txt" \
    --bbox -77,36,-73,41 -o "$out/chlor_a_composite.nc" --quicklook "$out/chlor_a_composite.png"
  echo "demo: output is $out/chlor_a_composite.nc (try: ncdump -h $out/chlor_a_composite.nc)"
  echo "demo: quicklook picture is $out/chlor_a_composite.png"
}

# Runs "$@" and says how long it took (CI's time budget: docs/install.md).
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "test: $name took $((SECONDS - start)) s"
}

# Under CI (CI=true) a skipped test fails the run unless scripts/ci-allowed-skips.txt names it.
check_skips() {
  local log=$1 name unexpected=()
  while read -r name; do
    grep -qE "^$name\b" "$root/scripts/ci-allowed-skips.txt" || unexpected+=("$name")
  done < <(sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\) (Skipped)$/\1/p' "$log")
  if ((${#unexpected[@]})); then
    echo "test: skipped in CI, where every test must run: ${unexpected[*]}" >&2
    [[ "${CI:-}" == true ]] && return 1
  fi
  return 0
}

run_tests() {
  timed "the test suite" bash -c 'cd "$1" && ctest --output-on-failure -j "$2" | tee "$1/ctest.log"; exit "${PIPESTATUS[0]}"' _ "$build" "$jobs"
  check_skips "$build/ctest.log"
  timed "the sanitizer build and suite" bash "$root/scripts/sanitize.sh"
  timed "fuzzing" env SWATHGRID_BUILD_DIR="$build" bash "$root/scripts/fuzz.sh"
}

# Not chained with &&: errexit must hold inside each step.
case "${1:-}" in
  demo) setup_and_build; run_demo ;;
  test) timed "setup and build" setup_and_build; run_tests ;;
  build) setup_and_build ;;
  *) echo "usage: scripts/dev.sh demo|test|build" >&2; exit 2 ;;
esac
