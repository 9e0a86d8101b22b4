#!/usr/bin/env bash
# Scale benchmark (issue: sparse tiles, owner reduction, subset reads): runs the seed case
# (16 granules, bbox -77,36,-73,41, 0.01 degree) and a global case (32 granules spread over
# the globe at RES, default 4km; RES=1km is l3mapgen's 34560 x 17280 grid, RES=0.009 exactly
# 40000 x 20000; both get compact accumulators, docs/architecture.md), each on 1 rank,
# and prints wall time, peak RSS (/usr/bin/time -v) and the bytes read from the run summary.
#   benchmarks/scale.sh [build-dir]        RES=1km RANKS=2 benchmarks/scale.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
res=${RES:-4km}
ranks=${RANKS:-1}
work=${WORK:-/tmp/swathgrid-scale}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
mkdir -p "$work"

if [[ ! -s "$work/seed.txt" ]]; then
  "$build/src/swathgrid-synth" -o "$work/seed" --count 16 --seed 2024 >"$work/seed.txt"
fi
bash "$root/benchmarks/global_granules.sh" "$build/src/swathgrid-synth" "$work"

run() {  # name, options...
  local name=$1
  shift
  /usr/bin/time -v -o "$work/$name.time" mpiexec -n "$ranks" --oversubscribe \
    "$build/src/swathgrid" "$@" -o "$work/$name.nc" >"$work/$name.log" 2>&1
  local rss wall read
  rss=$(awk -F: '/Maximum resident set size/ {print $2 / 1024}' "$work/$name.time")
  wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/$name.time")
  read=$(grep -o '[0-9.]* MB read[^;]*' "$work/$name.log" | head -n 1)
  printf '%-8s ranks=%s wall=%s peak_rss_MB=%.0f (largest process) %s\n' "$name" "$ranks" \
    "$wall" "$rss" "$read"
}

run seed --input-list "$work/seed.txt" --bbox -77,36,-73,41
run global --input-list "$work/global.txt" --res "$res"
