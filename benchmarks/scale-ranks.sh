#!/usr/bin/env bash
# Cost per rank against the rank count (issue 18): the global case (32 granules spread over
# the globe, as benchmarks/run.sh and scale.sh) at RES (default 4km) with --reduce owner on
# 1, 2, 4, ... ranks (RANKS, default "1 2 4 8 16"; oversubscribed, one thread each), and from
# each run's --report: peak RSS per rank, accumulator tile bytes per rank, and each rank's MPI
# traffic (collective calls, point-to-point exchanges, bytes sent/received, collective MPI-IO
# calls). Memory, bytes and
# messages, not speed: on a 2-core machine 16 ranks only say what each rank holds and sends.
#   benchmarks/scale-ranks.sh [build-dir]       RES=1km RANKS="1 4 16 64" benchmarks/scale-ranks.sh
# FS_CALLS=1 runs each rank under strace (opens and stats only, as tests/mpi/check_fs_calls.py)
# and adds per rank the file-system calls in all and those on granules (max over ranks).
# Writes $WORK/scale-ranks.csv, prints it as a table, and plots each per-rank figure against
# the rank count in $WORK/scale-ranks-$RES.png (flat or falling lines: nothing grows).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
res=${RES:-4km}
work=${WORK:-/tmp/swathgrid-scale}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
export OMP_NUM_THREADS=1
mkdir -p "$work"
bash "$root/benchmarks/global_granules.sh" "$build/src/swathgrid-synth" "$work"
for ranks in ${RANKS:-1 2 4 8 16}; do
  echo "scale-ranks: $ranks rank(s), global $res" >&2
  traced=()
  if [[ -n ${FS_CALLS:-} ]]; then
    rm -f "$work/fs-$res-n$ranks".*
    traced=(bash -c 'exec strace -f -qq -e trace=open,openat,stat,lstat,newfstatat,statx \
      -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$work/fs-$res-n$ranks")
  fi
  mpiexec -n "$ranks" --oversubscribe --bind-to none "${traced[@]}" "$build/src/swathgrid" -q \
    --input-list "$work/global.txt" --res "$res" --reduce owner -o "$work/ranks.nc" \
    --report "$work/ranks-$res-n$ranks.json"
done
/usr/bin/python3 - "$work" "$res" ${RANKS:-1 2 4 8 16} <<'PY'
import json, statistics, sys
work, res, ranks = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
import os, re
granules = set(line.strip() for line in open(work + "/global.txt") if line.strip())
call = re.compile(r'^\d+\s+(\w+)\((?:AT_FDCWD|-?\d+), "([^"]*)"')


def fs_calls(n):
    """(all, on granules): the most file-system calls of any rank, or None without traces."""
    if not os.path.exists("%s/fs-%s-n%d.0" % (work, res, n)):
        return None
    counts = []
    for rank in range(n):
        calls = [call.match(line) for line in open("%s/fs-%s-n%d.%d" % (work, res, n, rank))]
        calls = [c for c in calls if c]
        counts.append((len(calls), sum(1 for c in calls if c.group(2) in granules)))
    return max(c[0] for c in counts), max(c[1] for c in counts)


rows = ["ranks,peak_rss_mb_max,peak_rss_mb_median,tile_mb_max,collectives_max,messages_max,"
        "mb_sent_max,mb_received_max,io_collectives_max,io_mb_max,fs_calls_max,"
        "fs_granule_calls_max"]
for n in ranks:
    r = json.load(open("%s/ranks-%s-n%d.json" % (work, res, n)))
    m, rss = r["mpi_per_rank"], r["peak_rss_bytes_per_rank"]
    fs = fs_calls(n)
    rows.append("%d,%.1f,%.1f,%.1f,%d,%d,%.2f,%.2f,%d,%.1f,%s,%s" % (
        n, max(rss) / 1e6, statistics.median(rss) / 1e6,
        max(r["accumulators"]["tile_bytes_per_rank"]) / 1e6, max(m["collectives"]),
        max(m.get("messages", [0])),
        max(m["bytes_sent"]) / 1e6, max(m["bytes_received"]) / 1e6, max(m["io_collectives"]),
        max(m["io_bytes"]) / 1e6, fs[0] if fs else "", fs[1] if fs else ""))
open("%s/scale-ranks.csv" % work, "w").write("\n".join(rows) + "\n")
print("\n".join(r.replace(",", "\t") for r in rows))
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
header = rows[0].split(",")
table = [[float(v) if v else float("nan") for v in r.split(",")] for r in rows[1:]]
panels = [("peak_rss_mb_max", "peak RSS, MB"), ("mb_sent_max", "MB sent"),
          ("messages_max", "point-to-point messages"), ("collectives_max", "collective calls"),
          ("io_collectives_max", "collective MPI-IO calls")]
if fs_calls(ranks[0]):
    panels.append(("fs_granule_calls_max", "file-system calls on granules"))
figure, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.2))
for axis, (column, title) in zip(axes, panels):
    k = header.index(column)
    axis.plot([t[0] for t in table], [t[k] for t in table], "o-")
    axis.set_xscale("log", base=2)
    axis.set_xlabel("ranks")
    axis.set_title(title + " (max over ranks)", fontsize=9)
    axis.set_ylim(bottom=0)
figure.suptitle("global %s, --reduce owner: cost per rank against the rank count" % res)
figure.tight_layout()
figure.savefig("%s/scale-ranks-%s.png" % (work, res), dpi=100)
print("plot: %s/scale-ranks-%s.png" % (work, res))
PY
