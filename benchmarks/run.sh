#!/usr/bin/env bash
# Side-by-side benchmark (docs/performance.md): swathgrid against the users' notebook pipeline
# (xarray + dask.distributed + GDAL's geolocation warp, benchmarks/reference/
# notebook_pipeline.py) and against the read floor (benchmarks/read_floor.cpp: HDF5 reads and
# decompresses the same arrays, nothing else), on two cases:
#   seed    16 demo granules (swathgrid-synth --count 16 --seed 2024), bbox -77,36,-73,41, 0.01 deg
#   global  32 granules spread over the globe (as benchmarks/scale.sh), global grid at 4km
#   month   64 granules over the seed box, a month of them, generated as scripts/dev.sh's demo
#           (swathgrid-synth --count 64 --first-day 2024-08-01 --days 31 --near -75,38.5
#           --seed 2024), seed grid; runs notebook, read-floor, sg-n1, sg-n2, sg-nearest-n2 only
# Configurations, run interleaved (every repetition runs each once, so load from other
# processes falls on all of them alike), REPS times each; the table quotes medians:
#   notebook      notebook_pipeline.py, LocalCluster of 2 worker processes x 1 thread
#   read-floor    read_floor, 1 process            read-floor-x2  2 processes, half the list each
#   sg-n1         mpiexec -n 1 swathgrid --read-ahead off (one core: the scaling baseline)
#   sg-n1-ahead   mpiexec -n 1 swathgrid --read-ahead on (reads on the second core)
#   sg-n2         mpiexec -n 2 swathgrid
#   sg-n1-t2      mpiexec -n 1 --bind-to none, OMP_NUM_THREADS=2
#   sg-nearest-n2 (seed only) -n 2 with the notebook's semantics: --method nearest --flags none
#                 --weight granule
#   sg-n1-ob1, sg-n2-ob1  sg-n1 and sg-n2 under mpiexec --mca pml ob1: Open MPI's own
#                 shared-memory point-to-point instead of UCX, which probes the machine's
#                 network devices at MPI_Init (~0.2 s a rank here); the right choice on one node
#   sg-n1-4k, sg-n2-4k  sg-n1 and sg-n2 with SWATHGRID_HUGE_PAGES=off: the heap in 4 KiB
#                 pages, as before swathgrid restarted itself onto huge pages
#   mpi-start-n1, mpi-start-n2, mpi-start-n2-ob1  benchmarks/mpi_start: MPI_Init +
#                 MPI_Finalize alone under the same mpiexec, what any MPI program pays
#   write-floor   benchmarks/write_floor: as many bytes as sg-n1's output, written to a new
#                 file by pwrite from one 4 MiB buffer (set against swathgrid's write phase)
# Each run goes through /usr/bin/time -v (peak RSS of the largest process) and writes a new
# file: the previous repetition's output is removed first, outside the timing (replacing an
# existing file makes ext4 write the new one out at once, ~0.7 ms per MB, 0.23 s for the global
# case's 299 MB, which a composite written under a new name does not pay), and `sync` runs
# before it, so that no run pays for writing back an earlier one's output (kernel threads
# doing so 30 s later took a core from whichever run was going on). Then
# benchmarks/summarize.py prints the table with ratios and writes OUT/results.json and
# OUT/performance.png.
#
#   benchmarks/run.sh                    REPS=5 benchmarks/run.sh        QUICK=1 benchmarks/run.sh
# Environment: BUILD (directory holding src/swathgrid, src/swathgrid-synth and
# benchmarks/read_floor; default <repo>/build), WORK (granules and logs; default
# /tmp/swathgrid-bench), OUT (default WORK/results), REPS (default 3), NOTEBOOK_GLOBAL_REPS
# (default 0: on the global case the notebook gathers 32 grids of 37 M cells and needs more
# than 11 GB; it was OOM-killed after 7 minutes on a 23 GB machine), QUICK=1
# (seed case only, 1 repetition), CASES (default "seed global month"), PYTHON (default
# /usr/bin/python3: Debian's Python with python3-xarray python3-netcdf4 python3-gdal
# python3-dask python3-distributed python3-matplotlib).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${BUILD:-$root/build}" && pwd)
work=${WORK:-/tmp/swathgrid-bench}
reps=${REPS:-3}
notebook_global_reps=${NOTEBOOK_GLOBAL_REPS:-0}
cases=${CASES:-seed global month}
python=${PYTHON:-/usr/bin/python3}
if [[ ${QUICK:-0} == 1 ]]; then
  reps=1
  cases=seed
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
out=${OUT:-$work/results}
mkdir -p "$out/logs"

swathgrid=$build/src/swathgrid
synth=$build/src/swathgrid-synth
read_floor=$build/benchmarks/read_floor
mpi_start=$build/benchmarks/mpi_start
write_floor=$build/benchmarks/write_floor
for exe in "$swathgrid" "$synth" "$read_floor" "$mpi_start" "$write_floor"; do
  [[ -x $exe ]] || { echo "run.sh: $exe not found (build it, or set BUILD)" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "run.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
if ! "$python" -c "import xarray, netCDF4, dask.distributed, osgeo.gdal, matplotlib" 2>/dev/null; then
  echo "run.sh: $python lacks the notebook's packages; on Debian 12:" >&2
  echo "  apt-get install python3-xarray python3-netcdf4 python3-gdal python3-dask" \
    "python3-distributed python3-matplotlib" >&2
  exit 1
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
export OMP_NUM_THREADS=1

# 1. Granules (the generator is deterministic; kept between runs). Same commands as scale.sh.
if [[ ! -s $work/seed.txt ]]; then
  echo "writing the 16 seed granules to $work/seed"
  "$synth" -o "$work/seed" --count 16 --seed 2024 >"$work/seed.txt.tmp"
  mv "$work/seed.txt.tmp" "$work/seed.txt"
fi
bash "$root/benchmarks/global_granules.sh" "$synth" "$work"
if [[ ! -s $work/month.txt ]]; then
  echo "writing the 64 month granules to $work/month"
  "$synth" -o "$work/month" --count 64 --first-day 2024-08-01 --days 31 --near -75,38.5 \
    --seed 2024 >"$work/month.txt.tmp"
  mv "$work/month.txt.tmp" "$work/month.txt"
fi
for name in seed global month; do  # halves of each list, for read-floor-x2
  sed -n '1~2p' "$work/$name.txt" >"$work/$name.odd.txt"
  sed -n '2~2p' "$work/$name.txt" >"$work/$name.even.txt"
done

# 2. Runs. runs.tsv: case config rep wall_s exit_code time_file log_file
runs=$out/runs.tsv
printf 'case\tconfig\trep\twall_s\texit_code\ttime_file\tlog_file\n' >"$runs"

measure() {  # case config rep command...
  local case=$1 config=$2 rep=$3
  shift 3
  local stem=$out/logs/$case.$config.$rep
  rm -f "$work/$case.$config.nc"  # a new file each time, nothing left to write back (see above)
  sync
  local start=$EPOCHREALTIME code=0
  /usr/bin/time -v -o "$stem.time" "$@" >"$stem.log" 2>&1 || code=$?
  local wall
  wall=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f", b - a}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$config" "$rep" "$wall" "$code" \
    "$stem.time" "$stem.log" >>"$runs"
  printf '  %-7s %-14s rep %s: %7.2f s%s\n' "$case" "$config" "$rep" "$wall" \
    "$([[ $code == 0 ]] || echo "  (exit $code, see $stem.log)")"
}

# mpiexec options of a configuration: *-ob1 runs under --mca pml ob1.
mca_of() {
  [[ $1 == *-ob1 ]] && echo "--mca pml ob1"
  return 0
}

sg() {  # case config rep ranks threads extra-options...   (*-4k: SWATHGRID_HUGE_PAGES=off)
  local case=$1 config=$2 rep=$3 ranks=$4 threads=$5
  shift 5
  local pages=on
  [[ $config == *-4k ]] && pages=off
  # shellcheck disable=SC2046  # mca_of's words are separate options
  measure "$case" "$config" "$rep" env OMP_NUM_THREADS="$threads" SWATHGRID_HUGE_PAGES=$pages \
    mpiexec -n "$ranks" --oversubscribe --bind-to none $(mca_of "$config") \
    "$swathgrid" "$@" -o "$work/$case.$config.nc"
}

mpi_only() {  # case config rep ranks
  # shellcheck disable=SC2046
  measure "$1" "$2" "$3" mpiexec -n "$4" --oversubscribe --bind-to none $(mca_of "$2") "$mpi_start"
}

for case in $cases; do
  list=$work/$case.txt
  if [[ $case == seed || $case == month ]]; then
    grid=(--bbox -77,36,-73,41 --res 0.01)
    notebook_grid=(--bbox=-77,36,-73,41 --res 0.01)
    notebook_reps=$reps
  else
    grid=(--res 4km)
    notebook_grid=(--res 0.041666666666666664)  # 4km = 360/8640 degree
    notebook_reps=$notebook_global_reps
  fi
  echo "case $case: $(wc -l <"$list") granules, $reps repetitions"
  for ((rep = 1; rep <= reps; rep++)); do
    if ((rep <= notebook_reps)); then
      measure "$case" notebook "$rep" "$python" "$here/reference/notebook_pipeline.py" \
        --input-list "$list" "${notebook_grid[@]}" --workers 2 -o "$work/$case.notebook.nc"
    fi
    measure "$case" read-floor "$rep" "$read_floor" --input-list "$list"
    if [[ $case == month ]]; then  # the issue-17 goal: notebook / swathgrid, both methods
      sg "$case" sg-n1 "$rep" 1 1 --input-list "$list" "${grid[@]}" --read-ahead off
      sg "$case" sg-n2 "$rep" 2 1 --input-list "$list" "${grid[@]}"
      sg "$case" sg-nearest-n2 "$rep" 2 1 --input-list "$list" "${grid[@]}" \
        --method nearest --flags none --weight granule
      continue
    fi
    measure "$case" read-floor-x2 "$rep" bash -c \
      '"$1" --input-list "$2" & p=$!; "$1" --input-list "$3" || exit 1; wait $p' _ \
      "$read_floor" "$work/$case.odd.txt" "$work/$case.even.txt"
    sg "$case" sg-n1 "$rep" 1 1 --input-list "$list" "${grid[@]}" --read-ahead off
    measure "$case" write-floor "$rep" "$write_floor" "$work/$case.write-floor.bin" \
      "$(stat -c %s "$work/$case.sg-n1.nc")"
    sg "$case" sg-n1-ahead "$rep" 1 1 --input-list "$list" "${grid[@]}" --read-ahead on
    sg "$case" sg-n2 "$rep" 2 1 --input-list "$list" "${grid[@]}"
    sg "$case" sg-n1-t2 "$rep" 1 2 --input-list "$list" "${grid[@]}"
    sg "$case" sg-n1-ob1 "$rep" 1 1 --input-list "$list" "${grid[@]}" --read-ahead off
    sg "$case" sg-n2-ob1 "$rep" 2 1 --input-list "$list" "${grid[@]}"
    sg "$case" sg-n1-4k "$rep" 1 1 --input-list "$list" "${grid[@]}" --read-ahead off
    sg "$case" sg-n2-4k "$rep" 2 1 --input-list "$list" "${grid[@]}"
    mpi_only "$case" mpi-start-n1 "$rep" 1
    mpi_only "$case" mpi-start-n2 "$rep" 2
    mpi_only "$case" mpi-start-n2-ob1 "$rep" 2
    if [[ $case == seed ]]; then
      sg "$case" sg-nearest-n2 "$rep" 2 1 --input-list "$list" "${grid[@]}" \
        --method nearest --flags none --weight granule
    fi
  done
done

# 3. Table, JSON, chart.
machine="$(nproc --all) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | sed 's/^ *//')"
"$python" "$here/summarize.py" --runs "$runs" --out "$out" --machine "$machine" \
  --commit "$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
