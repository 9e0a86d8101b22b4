#!/usr/bin/env bash
# Memory that follows the data (issue 16): the global case (32 full-swath granules,
# benchmarks/global_granules.sh) at RES (default 0.01 degree) on RANKS (default "1 2")
# ranks with each --accumulators storage in KINDS (default "wide compact cells"), REPEAT
# (default 3) runs each, interleaved so the machine's noise falls on all alike. From each
# run's --report: peak RSS per rank (max over ranks), accumulator bytes per rank (max), the
# cells with data, and the whole run; medians in a table, with the accumulators' bytes over
# (cells with data x the bytes a cell needs) on one rank.
#   benchmarks/accumulators.sh [build-dir]        RANKS=1 REPEAT=1 benchmarks/accumulators.sh
# (KEEP_RUNS=1 adds to the previous invocation's runs, e.g. other RANKS or KINDS; FIRST_REPEAT=K
# numbers its runs from K.)
# Writes $WORK/accumulators.csv.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
work=${WORK:-/tmp/swathgrid-formats}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
bash "$root/benchmarks/global_granules.sh" "$build/src/swathgrid-synth" "$work"
res=${RES:-0.01}
kinds=${KINDS:-wide compact cells}
[[ -n ${KEEP_RUNS:-} ]] || : >"$work/accumulator-runs.txt"  # KEEP_RUNS=1: add to the last
for ranks in ${RANKS:-1 2}; do
  for ((i = ${FIRST_REPEAT:-1}; i <= ${REPEAT:-3}; i++)); do
    for kind in $kinds; do
      tag="$ranks-$kind-$i"
      echo "accumulators: $tag" >&2
      mpiexec -n "$ranks" --oversubscribe --bind-to none "$build/src/swathgrid" -q \
        --input-list "$work/global.txt" --res "$res" --accumulators "$kind" \
        -o "$work/out-accumulators.nc" --report "$work/report-accumulators-$tag.json"
      echo "$ranks $kind $i" >>"$work/accumulator-runs.txt"
      rm -f "$work/out-accumulators.nc"
    done
  done
done
/usr/bin/python3 - "$work" <<'PY'
import collections, json, statistics, sys
work = sys.argv[1]
runs = collections.defaultdict(list)
for line in open(work + "/accumulator-runs.txt"):
    ranks, kind, i = line.split()
    r = json.load(open("%s/report-accumulators-%s-%s-%s.json" % (work, ranks, kind, i)))
    runs[(ranks, kind)].append(dict(
        rss=max(r["peak_rss_bytes_per_rank"]) / 1e6,
        tiles=max(r["accumulators"]["tile_bytes_per_rank"]) / 1e6,
        cells=r["cells_with_data"], total=r["phases"]["total"]["max"]))
# The bytes a cell needs: mean,count packed in 16 bytes (wide, cells) or 12 (compact).
need = {"wide": 16, "compact": 12, "cells": 16}
rows = ["ranks,accumulators,runs,peak_rss_mb_max,tiles_mb_max,cells_with_data,"
        "tiles_over_data_cells,total_s"]
print("| ranks | --accumulators | peak RSS MB (max over ranks) | accumulators MB (max) | "
      "/ (cells with data x bytes per cell) | whole run s |")
print("|---:|---|---:|---:|---:|---:|")
for (ranks, kind), v in runs.items():
    med = {k: statistics.median(x[k] for x in v) for k in ("rss", "tiles", "total")}
    cells = v[0]["cells"]
    ratio = med["tiles"] * 1e6 / (cells * need[kind]) if ranks == "1" else float("nan")
    rows.append("%s,%s,%d,%.0f,%.0f,%d,%.2f,%.2f" % (ranks, kind, len(v), med["rss"],
                                                      med["tiles"], cells, ratio, med["total"]))
    print("| %s | %s | %.0f | %.0f | %s | %.2f |" % (
        ranks, kind, med["rss"], med["tiles"],
        "%.2fx" % ratio if ranks == "1" else "-", med["total"]))
open(work + "/accumulators.csv", "w").write("\n".join(rows) + "\n")
PY
