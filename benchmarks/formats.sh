#!/usr/bin/env bash
# The two output encodings side by side (issue 16): the global case (32 full-swath granules
# over the globe, benchmarks/global_granules.sh) at RESES (default "4km 0.01") on RANKS
# (default "1 2") ranks, FORMATS (default "netcdf4 netcdf4-collective classic": --format
# netcdf4, the same through parallel HDF5's collective writes with SWATHGRID_DIRECT_CHUNKS=0,
# and --format classic), REPEAT (default 3) runs each,
# interleaved so that the machine's noise falls on both alike. From each run: the output's
# size, the write phase and the whole run (--report), peak RSS per rank; then the write floor
# of the NetCDF-4 file's bytes (benchmarks/write_floor.cpp) and the read floor of the granules
# (benchmarks/read_floor.cpp, the bytes the run reads). Medians in a table:
#   benchmarks/formats.sh [build-dir]          RESES=0.01 RANKS=1 REPEAT=1 benchmarks/formats.sh
# Writes $WORK/formats.csv.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
work=${WORK:-/tmp/swathgrid-formats}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
mkdir -p "$work"
bash "$root/benchmarks/global_granules.sh" "$build/src/swathgrid-synth" "$work"
reses=${RESES:-4km 0.01}
ranks_list=${RANKS:-1 2}
repeat=${REPEAT:-3}
formats=${FORMATS:-netcdf4 netcdf4-collective classic}
: >"$work/runs.txt"
for res in $reses; do
  for ranks in $ranks_list; do
    for ((i = 1; i <= repeat; i++)); do
      for format in $formats; do
        direct=1
        [[ $format == *-collective ]] && direct=0
        out="$work/out-$format.nc"
        tag="$res-n$ranks-$format-$i"
        echo "formats: $tag" >&2
        SWATHGRID_DIRECT_CHUNKS=$direct /usr/bin/time -f "%e %U %S" -o "$work/wall-$tag.txt" \
          mpiexec -n "$ranks" --oversubscribe --bind-to none "$build/src/swathgrid" -q \
          --input-list "$work/global.txt" --res "$res" --format "${format%-collective}" -o "$out" \
          --report "$work/report-$tag.json"
        size=$(stat -c %s "$out")
        floor=""
        if [[ $format == netcdf4* ]]; then  # the write floor of these bytes
          floor=$("$build/benchmarks/write_floor" "$work/floor.bin" "$size" |
            /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
          rm -f "$work/floor.bin"
        fi
        # wall and CPU (user + sys of all ranks) seconds
        echo "$res $ranks $format $i $size $(awk '{print $1, $2 + $3}' "$work/wall-$tag.txt") \
          ${floor:--}" >>"$work/runs.txt"
        rm -f "$out"
      done
    done
  done
done
read_floor=$("$build/benchmarks/read_floor" $(cat "$work/global.txt") 2>/dev/null |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])' || echo -)
/usr/bin/python3 - "$work" "$read_floor" <<'PY'
import collections, json, statistics, sys
work, read_floor = sys.argv[1], sys.argv[2]
runs = collections.defaultdict(list)
for line in open(work + "/runs.txt"):
    res, ranks, fmt, i, size, wall, cpu, floor = line.split()
    r = json.load(open("%s/report-%s-n%s-%s-%s.json" % (work, res, ranks, fmt, i)))
    phases = r["phases"]
    runs[(res, ranks, fmt)].append(dict(
        size=int(size), wall=float(wall), cpu=float(cpu), total=phases["total"]["max"],
        write=phases["write"]["max"], rss=max(r["peak_rss_bytes_per_rank"]),
        floor=float(floor) if floor != "-" else None))
rows = ["res,ranks,format,runs,file_mb,wall_s,cpu_s,total_s,write_s,write_floor_s,peak_rss_mb_max"]
for (res, ranks, fmt), rs in runs.items():
    med = lambda key: statistics.median(x[key] for x in rs)
    floors = [x["floor"] for x in rs if x["floor"] is not None]
    rows.append("%s,%s,%s,%d,%.1f,%.2f,%.2f,%.2f,%.2f,%s,%.0f" % (
        res, ranks, fmt, len(rs), med("size") / 1e6, med("wall"), med("cpu"), med("total"),
        med("write"),
        "%.2f" % statistics.median(floors) if floors else "-", med("rss") / 1e6))
rows.append("read floor of the 32 granules (s): %s" % read_floor)
open(work + "/formats.csv", "w").write("\n".join(rows) + "\n")
print("\n".join(r.replace(",", "\t") for r in rows))
PY
