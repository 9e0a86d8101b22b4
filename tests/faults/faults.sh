#!/usr/bin/env bash
# Failure classes of docs/reliability.md, each run for real through the swathgrid program:
#   faults.sh CASE SWATHGRID SYNTH WORKDIR
# Cases: disk_full, side_outputs, fail_fast, leftovers, ranks, gring_bounds.
# disk_full and side_outputs mount a small tmpfs and need root: without root they exit 77
# (ctest: Skipped), except under CI (CI=true), where a skip is a failure.
set -u
case_name=$1 swathgrid=$2 synth=$3 work=$4
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_PROC_BIND=false OMP_NUM_THREADS=1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() { # expect DESCRIPTION COMMAND... : the command succeeds
  local what=$1; shift
  "$@" || fail "$what"
}
mpirun() { timeout 120 mpiexec --oversubscribe "$@"; }

rm -rf "$work" && mkdir -p "$work"
granules() { # granules NAME SYNTH-OPTIONS...: a generated list, cached per name
  local name=$1; shift
  [[ -f "$work/$name.txt" ]] || "$synth" -o "$work/$name" "$@" >"$work/$name.txt"
  echo "$work/$name.txt"
}

# run_sg EXPECTED_CODE TEXT LOG SWATHGRID-ARGS...: runs on 1 rank, checks code and message.
run_sg() {
  local code=$1 text=$2 log=$3; shift 3
  timeout 120 "$swathgrid" -q "$@" >"$log" 2>&1
  local got=$?
  [[ $got == "$code" ]] || fail "exit $got, expected $code: $*: $(head -c 600 "$log")"
  [[ -z "$text" ]] || grep -qF -- "$text" "$log" || fail "no '$text' in: $(head -c 600 "$log")"
}

no_leftovers() { # no_leftovers DIR: no staged .partial- file left
  local left
  left=$(find "$1" -maxdepth 1 -name '.*.partial-*' | head -n 3)
  [[ -z "$left" ]] || fail "temporary files left in $1: $left"
}

small_tmpfs() { # small_tmpfs DIR SIZE: mounts a tmpfs there, unmounted on exit
  if [[ $(id -u) != 0 ]]; then
    if [[ "${CI:-}" == true ]]; then echo "FAIL: CI must run $case_name as root"; exit 1; fi
    echo "SKIP: $case_name needs root to mount a tmpfs"; exit 77
  fi
  mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1" || { echo "FAIL: cannot mount"; exit 1; }
  trap "umount '$1'" EXIT
}

case "$case_name" in
disk_full)
  # A 2 MiB file system and a grid that needs ~50 MB: ENOSPC, named, old file intact.
  list=$(granules g4 --count 4 --days 2 --near -75,38.5 --seed 7)
  small_tmpfs "$work/full" 2m
  echo "earlier output" >"$work/full/out.nc"
  run_sg 1 "No space left on device" "$work/root.log" --input-list "$list" \
    --bbox=-80,30,-70,45 --res 0.005 -o "$work/full/out.nc"
  grep -qF "$work/full/out.nc" "$work/root.log" || fail "message does not name the output path"
  mpirun -n 2 "$swathgrid" -q --input-list "$list" --bbox=-80,30,-70,45 --res 0.005 \
    --reduce owner -o "$work/full/out.nc" >"$work/owner.log" 2>&1
  [[ $? == 1 ]] || fail "owner reduce on 2 ranks: not exit 1: $(head -c 600 "$work/owner.log")"
  grep -qF "No space left on device" "$work/owner.log" || fail "owner: no ENOSPC message"
  # The same with the classic encoding (PnetCDF): its exact reservation.
  mpirun -n 2 "$swathgrid" -q --input-list "$list" --bbox=-80,30,-70,45 --res 0.005 \
    --format classic -o "$work/full/out.nc" >"$work/classic.log" 2>&1
  [[ $? == 1 ]] || fail "classic on 2 ranks: not exit 1: $(head -c 600 "$work/classic.log")"
  grep -qF "No space left on device" "$work/classic.log" || fail "classic: no ENOSPC message"
  # Without the reservation the failure comes from MPI-IO's writes (ROMIO returns it; Open
  # MPI 4.1's OMPIO did not: exit 0 and a file of zeros): exit 1 all the same, ENOSPC named.
  # NetCDF-4 with chunks written directly (the default): rank 0's write fails, agreed at once.
  # Through parallel HDF5's collective writes (SWATHGRID_DIRECT_CHUNKS=0) HDF5 fails inside a
  # collective write on some ranks only, the others stay in it; the failing rank ends the job
  # after the agreement's grace (shortened here).
  for run in "1 classic 1" "2 classic 1" "1 netcdf4 1" "2 netcdf4 1" "1 netcdf4 0" "2 netcdf4 0"; do
    read -r ranks format direct <<<"$run"
    SWATHGRID_DIRECT_CHUNKS=$direct \
    SWATHGRID_TEST_NO_RESERVE=1 SWATHGRID_TEST_AGREEMENT_GRACE_S=5 mpirun -n $ranks \
      "$swathgrid" -q --input-list "$list" --bbox=-80,30,-70,45 --res 0.005 --reduce owner \
      --format $format -o "$work/full/out.nc" >"$work/noreserve.log" 2>&1
    [[ $? == 1 ]] || fail "no reservation, $run: not exit 1: $(head -c 600 "$work/noreserve.log")"
    grep -qF "No space left on device" "$work/noreserve.log" ||
      fail "no reservation, $run: no ENOSPC: $(head -c 600 "$work/noreserve.log")"
    rm -f "$work"/full/.out.nc.partial-*  # an ended job leaves its staged file to the next run
  done
  [[ $(cat "$work/full/out.nc") == "earlier output" ]] || fail "the earlier output was changed"
  no_leftovers "$work/full"
  # A full disk under the checkpoint directory: the save fails, named, exit 1, no output.
  dd if=/dev/zero of="$work/full/filler" bs=64k count=64 status=none 2>/dev/null
  run_sg 1 "No space left on device" "$work/ckpt.log" --input-list "$list" \
    --bbox=-80,30,-70,45 --res 0.01 -o "$work/ck.nc" --checkpoint "$work/full/ckpt" \
    --checkpoint-every 1
  grep -qF "checkpoint" "$work/ckpt.log" || fail "the checkpoint failure is not named"
  [[ ! -e "$work/ck.nc" ]] || fail "an output was written although the checkpoint failed"
  ;;
side_outputs)
  # Each side output on a full file system: exit 1, its path and ENOSPC named, and no .nc.
  list=$(granules g4 --count 4 --days 2 --near -75,38.5 --seed 7)
  small_tmpfs "$work/full" 1m
  dd if=/dev/zero of="$work/full/filler" bs=64k count=64 status=none 2>/dev/null
  echo "earlier output" >"$work/side.nc"
  for option in --report=full/r.json --geotiff=full/a.tif --quicklook=full/a.png; do
    name=${option%%=*} path=$work/${option#*=}
    run_sg 1 "No space left on device" "$work/side${name}.log" --input-list "$list" \
      --bbox=-80,30,-70,45 --res 0.02 -o "$work/side.nc" "$name" "$path"
    grep -qF -- "$name $path" "$work/side${name}.log" || fail "$name: path not named"
    grep -q "partial" "$work/side${name}.log" && fail "$name: message names a temporary file"
    [[ $(cat "$work/side.nc") == "earlier output" ]] || fail "$name: the .nc was replaced"
    [[ ! -e "$path" ]] || fail "$name: $path exists"
    no_leftovers "$work"
    no_leftovers "$work/full"
  done
  ;;
fail_fast)
  # Outputs are checked before any granule is read: the first granule does not exist, yet
  # the message is about the output.
  list=$(granules g4 --count 4 --days 2 --near -75,38.5 --seed 7)
  { echo "$work/missing-granule.nc"; cat "$list"; } >"$work/with-missing.txt"
  for option in -o=nodir/out.nc --report=nodir/r.json --geotiff=nodir/a.tif \
                --quicklook=nodir/a.png --checkpoint=file/ckpt; do
    name=${option%%=*} path=$work/${option#*=}
    args=(--input-list "$work/with-missing.txt" --bbox=-80,30,-70,45 --res 0.02)
    [[ $name == -o ]] || args+=(-o "$work/ff.nc")
    touch "$work/file"
    run_sg 1 "$path" "$work/ff.log" "${args[@]}" "$name" "$path"
    grep -q "missing-granule" "$work/ff.log" && fail "$name: a granule was opened first"
    [[ ! -e "$work/ff.nc" ]] || fail "$name: an output was written"
    no_leftovers "$work"
  done
  ;;
leftovers)
  # Temporaries of earlier runs killed on this host are removed; a live run's are not.
  list=$(granules g4 --count 4 --days 2 --near -75,38.5 --seed 7)
  host=$(hostname)
  dead="$work/.lo.nc.partial-$host-999999-dead" live="$work/.lo.nc.partial-$host-$$-live"
  : >"$dead"; : >"$live"
  run_sg 0 "" "$work/lo.log" --input-list "$list" --bbox=-80,30,-70,45 --res 0.02 \
    -o "$work/lo.nc"
  [[ ! -e "$dead" ]] || fail "the leftover of a dead process was kept"
  [[ -e "$live" ]] || fail "the temporary of a live process was removed"
  [[ -s "$work/lo.nc" ]] || fail "no output"
  # With --checkpoint (a directory that belongs to one run) any leftover of that output goes,
  # whichever node wrote it: a job killed at its time limit restarts on other nodes.
  other="$work/.lo.nc.partial-othernode-12345-abc"
  : >"$other"
  run_sg 0 "" "$work/lo.log" --input-list "$list" --bbox=-80,30,-70,45 --res 0.02 \
    -o "$work/lo.nc" --checkpoint "$work/lo-ckpt"
  [[ ! -e "$other" ]] || fail "--checkpoint: the leftover of another node was kept"
  ;;
ranks)
  # One rank of 3 fails at each stage: bounded time, exit 1, rank and cause named, no output.
  list=$(granules g9 --count 9 --days 3 --near -75,38.5 --seed 11)
  for fault in read:1 regrid:1 checkpoint:1 reduce:1 write:1 store:1 exchange:1 exchange:1:alloc \
               regrid:2:alloc regrid:1:mpi; do
    rm -f "$work/r.nc"
    start=$SECONDS
    SWATHGRID_FAULT=$fault mpirun -n 3 "$swathgrid" -q --input-list "$list" --schedule static \
      --bbox=-80,30,-70,45 --res 0.02 -o "$work/r.nc" --checkpoint "$work/ck-$fault" \
      --checkpoint-every 1 >"$work/ranks.log" 2>&1
    code=$? took=$((SECONDS - start))
    stage=${fault%%:*}
    [[ $code == 1 ]] || fail "$fault: exit $code: $(head -c 400 "$work/ranks.log")"
    ((took < 40)) || fail "$fault: took $took s"
    grep -q "rank [12]" "$work/ranks.log" || fail "$fault: no rank named"
    case $fault in
      *alloc) cause="bad_alloc" ;;
      *mpi) cause="MPI call failed" ;;
      *) cause="injected fault at $stage" ;;
    esac
    grep -qF "$cause" "$work/ranks.log" || fail "$fault: cause not named: $(head -c 400 "$work/ranks.log")"
    [[ ! -e "$work/r.nc" ]] || fail "$fault: an output exists"
    echo "$fault: exit $code in $took s: $(grep -m1 swathgrid "$work/ranks.log")"
  done
  ;;
gring_bounds)
  # A granule partly across 180 degrees with libgring's one-sided geospatial_lon_min/max
  # (156..180 while ~45000 pixels lie at -180..-176.8) gives the same composite as with exact
  # attributes, and that composite has data.
  exact=$(granules exact --count 1 --days 1 --near 171,10 --seed 5)
  gring=$(granules gring --count 1 --days 1 --near 171,10 --seed 5 --gring-attributes)
  header=$(ncdump -h "$(cat "$gring")")
  lon_max=$(sed -n 's/.*:geospatial_lon_max = \([-0-9.]*\).*/\1/p' <<<"$header")
  lon_min=$(sed -n 's/.*:geospatial_lon_min = \([-0-9.]*\).*/\1/p' <<<"$header")
  awk -v a="$lon_min" -v b="$lon_max" 'BEGIN { exit !(a > 150 && b > 179.9 && b <= 180) }' ||
    fail "the generated attributes are not one-sided: $lon_min .. $lon_max"
  for name in exact gring; do
    list=$work/$name.txt
    SOURCE_DATE_EPOCH=0 timeout 120 "$swathgrid" --input-list "$list" --flags none \
      --bbox=-178,-15,-170,25 --res 0.05 -o "$work/$name.nc" >"$work/$name.log" 2>&1 ||
      fail "$name: run failed: $(head -c 400 "$work/$name.log")"
    grep -q " 0 values gridded" "$work/$name.log" && fail "$name: nothing gridded"
    ncdump -v chlor_a,chlor_a_count "$work/$name.nc" | sed -n '/^data:/,$p' >"$work/$name.cdl"
  done
  cmp -s "$work/exact.cdl" "$work/gring.cdl" || fail "the composites differ"
  ;;
*) echo "unknown case $case_name"; exit 2 ;;
esac
((failures == 0)) || exit 1
echo "$case_name: passed"
