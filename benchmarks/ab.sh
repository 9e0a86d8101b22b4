#!/usr/bin/env bash
# A/B: two swathgrid binaries side by side (docs/performance.md, "Issue 5"), both (and the
# read floor) in every repetition so that load from other processes falls on both alike, OLD
# first in odd repetitions and NEW first in even ones: on this VM a run right after another
# one that freed its memory finds that memory still backed by the host and faults it in far
# faster than memory handed back a while before (docs/performance.md, "Session 23"), so a
# fixed order favours the second binary. The read floor (FLOOR=1, the default) runs just
# before each binary, and every run waits PAUSE seconds (default 5) first, so that OLD and
# NEW follow the same history (docs/performance.md, "Session 24": with the floor once a
# repetition, 5 s apart, the second run of a pair was still ~10 % faster). Each
# through /usr/bin/time with the same command line and output name (the history attribute
# holds the command line), then the outputs compared with cmp (only date_created, in the
# header, may differ). Uses the granule lists of benchmarks/run.sh.
#   OLD=/tmp/old/swathgrid NEW=build/src/swathgrid benchmarks/ab.sh
#   REPS=5 CASES=seed RANKS=2 FLOOR=0 OLD=... NEW=... benchmarks/ab.sh
#   CASES=demo ARGS="--method nearest" OLD=... NEW=... benchmarks/ab.sh
# ARGS: more swathgrid options (word-split). Case demo: WORK/demo.txt, the 16 granules of
# scripts/dev.sh's demo (swathgrid-synth --count 16 --first-day 2024-08-01 --days 7
# --near -75,38.5 --seed 2024), and month (run.sh's), on the seed grid; global1km: the
# global granules (global.txt) at 0.01 degree (issue 16's case; THREADS=2 for one rank of two).
# Prints per run: case binary ranks rep wall_s cpu_s (user+sys) minor_faults and the read,
# regrid, reduce and write phases (max over ranks, s).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${BUILD:-$root/build}" && pwd)
work=${WORK:-/tmp/swathgrid-bench}  # holds seed.txt and global.txt (run benchmarks/run.sh once)
reps=${REPS:-5}
ranks=${RANKS:-1}
pause=${PAUSE:-5}  # seconds before each run (see above)
cases=${CASES:-seed global}
: "${OLD:?set OLD to the baseline swathgrid binary}" "${NEW:=$build/src/swathgrid}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false
export OMP_NUM_THREADS=${THREADS:-1}
cd "$work" || exit 1
mkdir -p ab-bin
for case in $cases; do
  list=$case.txt
  case $case in
  global) grid=(--res 4km) ;;
  global1km) grid=(--res 0.01) list=global.txt ;;
  *) grid=(--bbox "-77,36,-73,41") ;;
  esac
  # shellcheck disable=SC2206  # ARGS is a list of options
  grid+=(${ARGS:-})
  : >"ab.$case.walls"
  for ((r = 1; r <= reps; r++)); do
    order=(old new)
    ((r % 2 == 0)) && order=(new old)
    for which in "${order[@]}"; do
      exe=$OLD
      [[ $which == new ]] && exe=$NEW
      cp "$exe" ab-bin/swathgrid
      if [[ ${FLOOR:-1} == 1 ]]; then  # before each binary: both follow the same history
        sleep "$pause"
        /usr/bin/time -f "%e %U %S %R" -o ab.time "$build/benchmarks/read_floor" \
          --input-list "$list" >/dev/null 2>&1
        read -r wall u s faults <ab.time
        printf '%-6s floor rep %d  wall %6.2f  cpu %6.2f  minflt %7d\n' "$case" "$r" "$wall" \
          "$(echo "$u + $s" | bc)" "$faults"
        echo "floor-$which $r $wall" >>"ab.$case.walls"
      fi
      sleep "$pause"
      /usr/bin/time -f "%e %U %S %R" -o ab.time mpiexec -n "$ranks" --oversubscribe --bind-to none \
        ab-bin/swathgrid --input-list "$list" "${grid[@]}" -o ab.nc >"ab.$case.$which.log" 2>&1 ||
        echo "FAIL $case $which (see $work/ab.$case.$which.log)"
      mv ab.nc "ab.$case.$which.nc"
      read -r wall u s faults <ab.time
      perf_line=$(grep PERFORMANCE "ab.$case.$which.log")
      read_s=$(sed -n 's/.*read_max=\([0-9.]*\).*/\1/p' <<<"$perf_line")
      regrid_s=$(sed -n 's/.*regrid_max=\([0-9.]*\).*/\1/p' <<<"$perf_line")
      reduce_s=$(sed -n 's/.*reduce_max=\([0-9.]*\).*/\1/p' <<<"$perf_line")
      write_s=$(sed -n 's/.*write_max=\([0-9.]*\).*/\1/p' <<<"$perf_line")
      printf '%-6s %s n%s rep %d  wall %6.2f  cpu %6.2f  minflt %7d  read %6s  regrid %6s  reduce %6s  write %6s\n' \
        "$case" "$which" "$ranks" "$r" "$wall" "$(echo "$u + $s" | bc)" "$faults" "$read_s" \
        "$regrid_s" "$reduce_s" "$write_s"
      echo "$which $r $wall" >>"ab.$case.walls"
    done
    diffs=$(cmp -l "ab.$case.old.nc" "ab.$case.new.nc" | awk '$1 > 4096 {far++} END {print NR, far + 0}')
    echo "  bytes differing (all, beyond the first 4 kB): $diffs"
  done
  # Medians over the repetitions: each binary's wall, new / old and each over the read floor
  # run just before it.
  awk -v name="$case" '
    function median(list, n,   i, j, t, v) {
      n = split(list, v, " ")
      for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      return n == 0 ? "-" : (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
    }
    { wall[$1, $2] = $3; reps[$2] = 1; walls[$1] = walls[$1] " " $3 }
    /^floor/ { walls["floor"] = walls["floor"] " " $3 }
    END {
      for (r in reps) {
        ratio = ratio " " wall["new", r] / wall["old", r]
        if (("floor-old", r) in wall) {
          old_floor = old_floor " " sprintf("%.3f", wall["old", r] / wall["floor-old", r])
          new_floor = new_floor " " sprintf("%.3f", wall["new", r] / wall["floor-new", r])
        }
      }
      printf "%s medians: old %.2f s, new %.2f s, floor %s s; new/old %.3f; old/floor %s, new/floor %s\n",
        name, median(walls["old"]), median(walls["new"]), median(walls["floor"]), median(ratio),
        median(old_floor), median(new_floor)
    }' "ab.$case.walls"
done
