#!/usr/bin/env bash
# Validation of `--method nearest` against GDAL's geolocation warper (`--method warp`) in both
# georeferencing conventions, on the 16 synthetic demo granules (docs/validation.md).
#
#   benchmarks/validation/compare_methods.sh [OUTDIR]        (default OUTDIR: $BUILD/validation)
#
# 1. writes the demo granules (swathgrid-synth --seed 2024) to OUTDIR/granules, unless they
#    are already there (the generator is deterministic);
# 2. grids every granule alone, and all 16 together, with the notebook's settings
#    (--flags none --weight granule, box -77,36,-73,41, 0.01 degree) three times:
#      nearest   --method nearest
#      warp-tl   --method warp                                 (GDAL's TOP_LEFT_CORNER: notebook)
#      warp-pc   --method warp --warp-convention pixel-center  (correct registration)
# 3. compares them (compare_methods.py): OUTDIR/validation.json and OUTDIR/validation.png.
#
# Environment: BUILD (build directory, default <repo>/build), JOBS (parallel runs, and ranks
# of the composite runs; default 2), PYTHON (default /usr/bin/python3 when it exists; needs
# numpy, scipy, netCDF4, matplotlib, PIL), MPIEXEC (default mpiexec), SEED (default 2024),
# SWATHGRID_COMMIT (what the JSON says was built; default: git describe of this tree).
# About 5 minutes on 2 cores; GDAL's warp takes most of it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build}
if [[ -d $build ]]; then build=$(cd "$build" && pwd); fi
out=${1:-$build/validation}
jobs=${JOBS:-2}
seed=${SEED:-2024}
mpiexec_cmd=${MPIEXEC:-mpiexec}
if [[ -z ${PYTHON:-} ]]; then
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

swathgrid=$build/src/swathgrid
synth=$build/src/swathgrid-synth
for exe in "$swathgrid" "$synth"; do
  if [[ ! -x $exe ]]; then
    echo "compare_methods.sh: $exe not found (build it, or set BUILD)" >&2
    exit 1
  fi
done

mpi_opts=()
if "$mpiexec_cmd" --version 2>/dev/null | grep -q "Open MPI\|OpenRTE"; then
  mpi_opts+=(--oversubscribe)
  if [[ $(id -u) == 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  fi
fi
export OMP_NUM_THREADS=1 OMP_PROC_BIND=false

mkdir -p "$out/granules" "$out/grids" "$out/lists" "$out/logs"
out=$(cd "$out" && pwd)
start=$SECONDS

# 1. Granules.
list=$out/granules.txt
reuse=0
if [[ -s $list && $(cat "$out/granules.seed" 2>/dev/null) == "$seed" ]]; then
  reuse=1
  while read -r f; do [[ -s $f ]] || reuse=0; done < "$list"
fi
if [[ $reuse == 0 ]]; then
  echo "writing the demo granules (seed $seed) to $out/granules"
  (cd "$out" && "$synth" -o granules --seed "$seed" > granules.txt.tmp)
  sed "s|^granules/|$out/granules/|" "$out/granules.txt.tmp" > "$list"
  rm -f "$out/granules.txt.tmp"
  echo "$seed" > "$out/granules.seed"
else
  echo "reusing the granules listed in $list"
fi
echo "granules $((SECONDS - start))" > "$out/seconds.txt"
t0=$SECONDS

# 2. Grids. One task per line: NAME NRANKS LIST METHOD-OPTIONS...
common=(--flags none --weight granule --bbox "-77,36,-73,41" --res 0.01 --stats "mean,count" -q)
methods=("nearest:--method nearest" "warp-tl:--method warp"
         "warp-pc:--method warp --warp-convention pixel-center")
tasks=$out/lists/tasks.txt
: > "$tasks"
while read -r f; do
  stem=$(basename "$f" .nc)
  echo "$f" > "$out/lists/$stem.txt"
  for m in "${methods[@]}"; do
    echo "$stem.${m%%:*} 1 $out/lists/$stem.txt ${m#*:}" >> "$tasks"
  done
done < "$list"

run_one() {  # NAME NRANKS LIST OPTIONS...
  local name=$1 n=$2 in=$3
  shift 3
  if ! "$mpiexec_cmd" "${mpi_opts[@]}" -n "$n" "$swathgrid" --input-list "$in" "$@" \
       "${common[@]}" -o "$out/grids/$name.nc" < /dev/null > "$out/logs/$name.log" 2>&1; then
    echo "compare_methods.sh: $name failed, see $out/logs/$name.log" >&2
    return 1
  fi
}

echo "gridding $(wc -l < "$list") granules one by one, 3 methods, $jobs runs at a time"
running=0
failed=0
while read -r name n in opts; do
  # shellcheck disable=SC2086  # opts are words
  run_one "$name" "$n" "$in" $opts &
  running=$((running + 1))
  if (( running >= jobs )); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done < "$tasks"
while (( running > 0 )); do
  wait -n || failed=1
  running=$((running - 1))
done
(( failed == 0 )) || exit 1
echo "  done after $((SECONDS - start)) s"
echo "single_granule_grids $((SECONDS - t0))" >> "$out/seconds.txt"

echo "gridding the composite of all granules on $jobs ranks"
for m in "${methods[@]}"; do
  t0=$SECONDS
  # shellcheck disable=SC2086  # the method options are words
  run_one "composite.${m%%:*}" "$jobs" "$list" ${m#*:}
  echo "composite.${m%%:*} $((SECONDS - t0))" >> "$out/seconds.txt"
done
echo "  done after $((SECONDS - start)) s"

# 3. Comparison.
SWATHGRID_COMMIT=${SWATHGRID_COMMIT:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)}
export SWATHGRID_COMMIT
"$PYTHON" "$here/compare_methods.py" "$out" --json "$out/validation.json" \
  --png "$out/validation.png" | tee "$out/validation.md"
echo "compare_methods.sh: finished in $((SECONDS - start)) s:" \
  "$out/validation.md, $out/validation.json, $out/validation.png"
