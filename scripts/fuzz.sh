#!/usr/bin/env bash
# Fuzzes the granule reader for a bounded time: builds tests/fuzz (libFuzzer, clang-14, with
# AddressSanitizer + UBSan) into build-fuzz/, seeds a corpus with small synthetic granules and
# runs the fuzzer on mutated granule bytes for FUZZ_SECONDS (default 60). Fails (exit status
# non-zero) on a crash, a sanitizer report, a leak, an exception other than swathgrid::Error,
# a slow input (FUZZ_TIMEOUT_S, default 25 s) or an input using more than FUZZ_RSS_MB
# (default 2048) of memory; the input that did it is left in build-fuzz/artifacts/ (replay:
# build-fuzz/fuzz_granule_reader FILE). New interesting inputs accumulate in
# build-fuzz/corpus/ between local runs.
#
# Called by `scripts/dev.sh test` after the test suite; needs the normal build's
# swathgrid-synth (SWATHGRID_BUILD_DIR, default build/) for the seeds. Installs clang-14 and
# libclang-rt-14-dev (libFuzzer) when missing. SWATHGRID_SKIP_FUZZ=1 skips it (locally only:
# CI runs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${SWATHGRID_SKIP_FUZZ:-0}" == 1 ]]; then
  echo "fuzz: skipped (SWATHGRID_SKIP_FUZZ=1)"
  exit 0
fi
build="${SWATHGRID_FUZZ_BUILD_DIR:-$root/build-fuzz}"
main_build="${SWATHGRID_BUILD_DIR:-$root/build}"
seconds="${FUZZ_SECONDS:-60}"
timeout_s="${FUZZ_TIMEOUT_S:-25}"
rss_mb="${FUZZ_RSS_MB:-2048}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "fuzz: installing ${missing[*]} (libFuzzer)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
fi

synth="$main_build/src/swathgrid-synth"
[[ -x "$synth" ]] || { echo "fuzz: $synth not found: build first (scripts/dev.sh build)" >&2; exit 1; }

mkdir -p "$build"
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang-14 \
  -DCMAKE_CXX_COMPILER=clang++-14 >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
echo "fuzz: compiling the granule reader with -fsanitize=fuzzer,address,undefined into $build"
cmake --build "$build" -j "$(nproc)" >"$build.build.log" 2>&1 ||
  { tail -n 60 "$build.build.log"; exit 1; }

# Seeds: the smallest granules swathgrid-synth writes (bgc and aop suites: 2-D, 3-D and
# integer-packed variables, l2_flags, navigation), a few of lines each so that a mutation
# lands in metadata often; new inputs the fuzzer finds are kept in corpus/.
seeds="$build/seeds"
rm -rf "$seeds"
"$synth" -o "$seeds" --count 2 --lines 6 --pixels 8 --seed 7 >/dev/null
"$synth" -o "$seeds" --suite aop --bands 3 --count 1 --lines 5 --pixels 6 --seed 8 >/dev/null
printf 'not a granule\n' >"$seeds/not_hdf5.nc"
mkdir -p "$build/corpus" "$build/artifacts" "$build/tmp"

echo "fuzz: fuzzing the granule reader for $seconds s (log: $build/fuzz.log)"
export SWATHGRID_FUZZ_TMP="$build/tmp"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
"$build/fuzz_granule_reader" -max_total_time="$seconds" -timeout="$timeout_s" \
  -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" -detect_leaks=1 -print_final_stats=1 \
  -dict="$root/tests/fuzz/granule.dict" -artifact_prefix="$build/artifacts/" \
  "$build/corpus" "$seeds" >"$build/fuzz.log" 2>&1 || status=$?
rm -rf "$build/tmp"
if ((status != 0)); then
  tail -n 80 "$build/fuzz.log"
  echo "fuzz: FAILED (exit status $status); the input is in $build/artifacts/:" >&2
  ls -l "$build/artifacts/" >&2
  exit 1
fi
grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" "$build/fuzz.log" |
  sed 's/^/fuzz: /'
echo "fuzz: no crash, no leak in $seconds s ($(ls "$build/corpus" | wc -l) inputs in the corpus)"
