#!/usr/bin/env bash
# Proof that a change which should not alter results did not: runs the demo and a set of
# multi-feature composites with two builds of swathgrid and compares every variable and
# coordinate of the outputs, cell by cell (NaN equals NaN), plus the global attributes other
# than history/date_created.
#   scripts/same-outputs.sh OLD_SWATHGRID NEW_SWATHGRID [WORKDIR]
# OLD/NEW are swathgrid binaries (e.g. a build of the parent commit and of HEAD); the
# granules are generated once with NEW's swathgrid-synth (beside it). Exit 0 when identical.
# SAME_OUTPUTS_NEW_ARGS: options added to NEW's runs (not to a case that sets the same
# option), e.g. "--accumulators cells" to prove a storage gives the same results.
# SAME_OUTPUTS_RANKS: every case run on that many ranks (both binaries), e.g. 1 for what only
# a one-rank run does (NetCDF-4 chunks written directly).
set -euo pipefail
old=$1 new=$2
work=${3:-$(mktemp -d)}
synth="$(dirname "$new")/swathgrid-synth"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
mkdir -p "$work"
"$synth" -o "$work/demo" --count 16 --first-day 2024-08-01 --days 7 --near -75,38.5 \
  --seed 2024 >"$work/demo.txt"
"$synth" -o "$work/aop" --suite aop --bands 3 --count 2 --days 1 --lines 900 --seed 8 \
  >"$work/aop.txt"
"$synth" -o "$work/am" --antimeridian --count 2 --days 1 --lines 700 --seed 9 >"$work/am.txt"

box=(--bbox -77,36,-73,41)
cases=(
  "demo|2|demo.txt|${box[*]}"
  "features|2|demo.txt|${box[*]} --res 0.01 --var chlor_a,poc --stats mean,count,stdev,min,max,gmean,ngranules --period day --weight granule"
  "sqrt|2|demo.txt|${box[*]} --weight sqrt --stats mean,count,stdev,gmean,ngranules"
  "nearest|2|demo.txt|${box[*]} --method nearest --flags none --var chlor_a,poc"
  "nearest_reach|1|demo.txt|${box[*]} --method nearest --max-distance 3000 --weight granule --period day"
  "nearest_fine|2|demo.txt|--bbox -76,37,-74.5,39 --method nearest --res 0.002 --stats mean,count,min,max"
  "nearest_am|2|am.txt|--res 0.05 --method nearest --flags none"
  "nearest_global|2|demo.txt|--res 0.25 --method nearest --tile 64"
  "warp|2|demo.txt|${box[*]} --method warp --flags none"
  "owner|3|demo.txt|${box[*]} --tile 64 --reduce owner --period 8day --stats mean,count,stdev"
  "compact|3|demo.txt|${box[*]} --accumulators compact --tile 7 --reduce owner"
  "rrs|2|aop.txt|--bbox -80,30,-70,45 --var Rrs --stats mean,count"
  "antimeridian|2|am.txt|--res 0.25 --flags none"
  "projected|2|demo.txt|${box[*]} --crs EPSG:3857 --res 2km --stats mean,count,stdev"
)
status=0
for entry in "${cases[@]}"; do
  IFS='|' read -r name ranks list options <<<"$entry"
  ranks=${SAME_OUTPUTS_RANKS:-$ranks}
  for which in old new; do
    binary=$old extra=""
    if [[ $which == new ]]; then
      binary=$new
      extra=${SAME_OUTPUTS_NEW_ARGS:-}
      [[ -n $extra && " $options " == *" ${extra%% *} "* ]] && extra=""
    fi
    # shellcheck disable=SC2086  # options are words
    mpiexec -n "$ranks" --oversubscribe "$binary" -q --input-list "$work/$list" $options $extra \
      -o "$work/$name.$which.nc"
  done
  if /usr/bin/python3 - "$work/$name.old.nc" "$work/$name.new.nc" <<'PY'; then
import sys
import netCDF4
import numpy as np

a, b = (netCDF4.Dataset(p) for p in sys.argv[1:3])
problems = []
if set(a.variables) != set(b.variables):
    problems.append(f"variables differ: {sorted(set(a.variables) ^ set(b.variables))}")
for name in sorted(set(a.variables) & set(b.variables)):
    x, y = a[name][...], b[name][...]
    x = np.ma.filled(x.astype(float) if x.dtype.kind in "fiu" else x, np.nan)
    y = np.ma.filled(y.astype(float) if y.dtype.kind in "fiu" else y, np.nan)
    if x.shape != y.shape or not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
        problems.append(f"{name} differs")
    if a[name].ncattrs() != b[name].ncattrs() or any(
            str(a[name].getncattr(k)) != str(b[name].getncattr(k)) for k in a[name].ncattrs()):
        problems.append(f"{name}: attributes differ")
skip = {"history", "date_created", "software_version", "product_name"}  # product_name: the file name
for k in sorted(set(a.ncattrs()) | set(b.ncattrs())):
    if k not in skip and str(getattr(a, k, None)) != str(getattr(b, k, None)):
        problems.append(f"global attribute {k} differs")
print("; ".join(problems) if problems else f"identical ({len(a.variables)} variables)")
sys.exit(1 if problems else 0)
PY
    echo "same-outputs: $name: ok"
  else
    echo "same-outputs: $name: DIFFERENT" >&2
    status=1
  fi
done
exit $status
