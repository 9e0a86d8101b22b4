#!/usr/bin/env bash
# Issue 17's ratio: nearest's regrid against bin's on the same granules and grid, side by
# side in one run (docs/performance.md, issue 17, session 19). In every repetition: OLD with
# --method nearest (when OLD is set), NEW with --method nearest, NEW with --method bin, in
# this order in odd repetitions and the reverse in even ones (a run right after another finds
# memory faster to fault in: docs/performance.md, "Session 23"); each run's regrid phase (the
# report's phases.regrid.max, over ranks, and nearest's parts: phases nearest_survey,
# nearest_search, nearest_values). Prints the runs, then the medians and the ratio nearest /
# bin, the same of the fastest runs (a shared machine's runs fall into a fast and a slow group:
# the fastest are the steadiest to compare), and the medians of nearest's parts. KEEP=file
# keeps the runs.
#   WORK=/tmp/b19 CASES="demo month" RANKS=2 THREADS=1 REPS=5 OLD=/tmp/old/swathgrid \
#     benchmarks/nearest_vs_bin.sh
# WORK holds the granule lists <case>.txt (demo: scripts/dev.sh's 16 granules; month: run.sh's
# 64), all on the seed grid (--bbox -77,36,-73,41 at the default resolution). ARGS: more
# options for every run (word-split), e.g. "--flags none --weight granule".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
new=${NEW:-$root/build/src/swathgrid}
work=${WORK:?set WORK to a folder holding demo.txt and month.txt}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
export OMP_NUM_THREADS=${THREADS:-1}
runs=()
[[ -n ${OLD:-} ]] && runs+=("old:$OLD:nearest")
runs+=("new:$new:nearest" "new:$new:bin")
out=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] && cp "$out/runs.txt" "$KEEP"; rm -rf "$out"' EXIT
for case in ${CASES:-demo month}; do
  for ((r = 1; r <= ${REPS:-5}; r++)); do
    order=("${runs[@]}")
    if ((r % 2 == 0)); then
      order=()
      for ((k = ${#runs[@]} - 1; k >= 0; k--)); do order+=("${runs[k]}"); done
    fi
    for run in "${order[@]}"; do
      IFS=: read -r which exe method <<<"$run"
      # shellcheck disable=SC2086  # ARGS is a list of options
      mpiexec -n "${RANKS:-1}" --oversubscribe --bind-to none "$exe" -q \
        --input-list "$work/$case.txt" --bbox -77,36,-73,41 --method "$method" ${ARGS:-} \
        -o "$out/out.nc" --report "$out/report.json"
      # the regrid phase, and nearest's parts where the report has them (- where not)
      times=$(/usr/bin/python3 -c 'import json, sys
phases = json.load(open(sys.argv[1]))["phases"]
print(" ".join(str(phases[p]["max"]) if p in phases else "-"
               for p in ("regrid", "nearest_survey", "nearest_search", "nearest_values")))' \
        "$out/report.json")
      read -r regrid survey search values <<<"$times"
      echo "$case $which $method rep $r regrid $regrid survey $survey search $search" \
        "values $values" | tee -a "$out/runs.txt"
    done
  done
done
/usr/bin/python3 - "$out/runs.txt" <<'EOF'
import statistics, sys
runs = {}
parts = {}
for line in open(sys.argv[1]):
    case, which, method, _, _, _, regrid, _, survey, _, search, _, values = line.split()
    runs.setdefault((case, which, method), []).append(float(regrid))
    if survey != "-":
        parts.setdefault((case, which), []).append((float(survey), float(search), float(values)))
for case in dict.fromkeys(k[0] for k in runs):
    bin_runs = runs[(case, "new", "bin")]
    bin_s, bin_min = statistics.median(bin_runs), min(bin_runs)
    for which in ("old", "new"):
        if (case, which, "nearest") in runs:
            near_runs = runs[(case, which, "nearest")]
            near, near_min = statistics.median(near_runs), min(near_runs)
            print(f"{case}: {which} nearest {near:.3f} s, bin {bin_s:.3f} s: {near / bin_s:.2f}x"
                  f" (fastest runs: {near_min:.3f} s, {bin_min:.3f} s: {near_min / bin_min:.2f}x)")
            if (case, which) in parts:
                survey, search, values = (statistics.median(p) for p in zip(*parts[(case, which)]))
                print(f"  {which} nearest's parts (medians): survey {survey:.3f} s, search"
                      f" {search:.3f} s, cell values {values:.3f} s")
EOF
