#!/usr/bin/env bash
# Builds swathgrid with -fsanitize=address,undefined (Debug, -O1 to keep the suite's time
# reasonable; no benchmarks) into build-asan/ and runs the test suite there: every
# AddressSanitizer or UBSan report, and every leak, fails the test that made it.
#
# Leak detection stays on. Third-party memory that is never freed (Open MPI's MPI_Init, its
# MPI-IO, PMIx, HDF5 on corrupt files) is suppressed by the allocating library function in
# scripts/lsan-suppressions.txt; that needs whole stacks through libraries built without
# frame pointers, hence fast_unwind_on_malloc=0.
#
# The whole suite runs, the Slurm test included (its jobs run the ASan programs, with these
# options: sbatch exports the environment; about a minute). SWATHGRID_ASAN_CTEST_ARGS
# selects tests for local loops (e.g. "-R test_reader"); extra arguments go to ctest.
#
# Called by `scripts/dev.sh test`; SWATHGRID_SKIP_SANITIZERS=1 skips it (locally only: CI
# runs it).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ "${SWATHGRID_SKIP_SANITIZERS:-0}" == 1 ]]; then
  echo "sanitizers: skipped (SWATHGRID_SKIP_SANITIZERS=1)"
  exit 0
fi
build="${SWATHGRID_ASAN_BUILD_DIR:-$root/build-asan}"
jobs=$(nproc)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_PROC_BIND="${OMP_PROC_BIND:-false}"
prefix=()
[[ -f "$root/.deps/kokkos/.complete" ]] && prefix=(-DCMAKE_PREFIX_PATH="$root/.deps/kokkos")
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DSWATHGRID_ENABLE_SANITIZERS=ON \
  -DSWATHGRID_ENABLE_BENCHMARKS=OFF "${prefix[@]}" \
  >"$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
echo "sanitizers: compiling with -fsanitize=address,undefined into $build (log: $build.build.log)"
cmake --build "$build" -j "$jobs" >"$build.build.log" 2>&1 || { tail -n 60 "$build.build.log"; exit 1; }
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=0:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan-suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
read -r -a selection <<<"${SWATHGRID_ASAN_CTEST_ARGS:-}"
echo "sanitizers: running the test suite under AddressSanitizer + UBSan (ctest ${selection[*]} $*)"
cd "$build" && ctest --output-on-failure -j "$jobs" "${selection[@]}" "$@"
