#!/bin/bash
# One step of the checkpoint/restart test (tests/mpi/CMakeLists.txt, docs/reliability.md):
#   checkpoint_step.sh STEP WORKDIR MPIEXEC... -- SWATHGRID OPTIONS...
# Every step runs the same swathgrid command line (the output's history holds it), with
# -o WORKDIR/out.nc --checkpoint WORKDIR/ckpt --checkpoint-every 1 appended.
#   reference  uninterrupted run; out.nc becomes reference.nc; no checkpoint file is left
#   interrupt  slowed run (SWATHGRID_TEST_SLOW_GRANULE_MS) whose ranks get SIGTERM once one
#              has saved (SIGNAL=first: only one rank): exit 3, a checkpoint, no out.nc
#   refuse     the checkpoint with other arguments (OTHER_OPTIONS, appended): exit 2, one line
#              naming the difference, checkpoint untouched
#   damaged    a copy of the checkpoint with a truncated rank file: exit 1, one line naming it
#   resume     the same command: resumes (1 to n-1 granules done), exit 0, out.nc has the
#              bytes of reference.nc, the checkpoint is gone
set -u
step=$1
work=$2
shift 2
launch=()
while [ "$1" != "--" ]; do launch+=("$1"); shift; done
shift
ckpt="$work/ckpt"
out="$work/out.nc"
command=("${launch[@]}" "$@" -o "$out" --checkpoint "$ckpt" --checkpoint-every 1)
fail() { echo "FAIL ($step): $*"; exit 1; }
rank_files() { ls "$ckpt"/swathgrid.e*.r*.ckpt 2>/dev/null | wc -l; }
mkdir -p "$work"
export SOURCE_DATE_EPOCH=1722470400  # date_created: the same in every run

case "$step" in
reference)
  rm -rf "$ckpt" "$out" "$work/reference.nc"
  "${command[@]}" || fail "exit $?"
  [ -f "$out" ] || fail "no $out"
  [ "$(rank_files)" = 0 ] && [ ! -e "$ckpt/swathgrid.checkpoint" ] || fail "checkpoint left"
  mv "$out" "$work/reference.nc"
  ;;
interrupt)
  rm -rf "$ckpt" "$out"
  SWATHGRID_TEST_SLOW_GRANULE_MS=${SLOW_MS:-2000} "${command[@]}" > "$work/interrupt.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1200); do
    [ "$(rank_files)" -gt 0 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  [ "$(rank_files)" -gt 0 ] || fail "no rank saved a checkpoint: $(cat "$work/interrupt.log")"
  # As Slurm does at the time limit, SIGTERM to the ranks themselves (the launcher's
  # children); SIGNAL=first: to one rank only, the others must not be left waiting.
  ranks=$(pgrep -P $pid)
  [ "${SIGNAL:-all}" = first ] && ranks=$(echo $ranks | cut -d' ' -f1)
  echo "sending SIGTERM to rank process(es) $ranks of mpiexec $pid"
  kill -TERM $ranks
  wait $pid
  code=$?
  cat "$work/interrupt.log"
  [ "$code" = 3 ] || fail "exit code $code, expected 3"
  grep -q "interrupted by SIGTERM: checkpoint of" "$work/interrupt.log" || fail "no message"
  [ -f "$ckpt/swathgrid.checkpoint" ] || fail "no manifest"
  [ ! -e "$out" ] || fail "$out exists after an interrupted run"
  ls -l "$ckpt"
  ;;
refuse)
  before=$(cat "$ckpt"/* | cksum)
  "${command[@]}" ${OTHER_OPTIONS} > "$work/refuse.log" 2>&1
  code=$?
  cat "$work/refuse.log"
  [ "$code" = 2 ] || fail "exit code $code, expected 2"
  [ "$(grep -c 'holds the checkpoint of a run with other arguments' "$work/refuse.log")" = 1 ] ||
    fail "expected one error line"
  [ "$(cat "$ckpt"/* | cksum)" = "$before" ] || fail "the checkpoint changed"
  [ ! -e "$out" ] || fail "$out written"
  ;;
damaged)
  # A copy of the checkpoint with one rank file cut short: the restart stops (exit 1) with
  # one line naming the file, and writes nothing.
  rm -rf "$work/damaged"
  cp -r "$ckpt" "$work/damaged"
  victim=$(ls "$work/damaged"/swathgrid.e*.r*.ckpt | head -n 1)
  truncate -s -100 "$victim"
  damaged=("${launch[@]}" "$@" -o "$out" --checkpoint "$work/damaged" --checkpoint-every 1)
  "${damaged[@]}" > "$work/damaged.log" 2>&1
  code=$?
  cat "$work/damaged.log"
  [ "$code" = 1 ] || fail "exit code $code, expected 1"
  # With several ranks the line names the rank that found it ("rank R: ").
  [ "$(grep -cE "swathgrid: error: (rank [0-9]+: )?checkpoint file $victim is damaged" "$work/damaged.log")" = 1 ] ||
    fail "expected one error line naming $victim"
  [ ! -e "$out" ] || fail "$out written"
  rm -rf "$work/damaged"
  ;;
resume)
  "${command[@]}" > "$work/resume.log" 2>&1
  code=$?
  cat "$work/resume.log"
  [ "$code" = 0 ] || fail "exit code $code"
  line=$(grep -o "resuming from checkpoint .*: [0-9]* of [0-9]* granules done" "$work/resume.log")
  [ -n "$line" ] || fail "did not resume"
  done_count=$(echo "$line" | sed 's/.*: \([0-9]*\) of \([0-9]*\) granules done/\1/')
  total=$(echo "$line" | sed 's/.*: \([0-9]*\) of \([0-9]*\) granules done/\2/')
  [ "$done_count" -ge 1 ] && [ "$done_count" -lt "$total" ] ||
    fail "expected an interruption mid-way, $done_count of $total were done"
  # The same content: every value (printed so that every float and double round-trips),
  # attribute and storage property (chunks, filters: ncdump -s). Not the same bytes: run on
  # another number of ranks, parallel HDF5 leaves other bytes in file space it freed (the fill
  # chunks it writes when a dataset is made, compressed by libdeflate: 258 bytes), which no
  # reader sees.
  content() { ncdump -s -p 9,17 "$1" | sed 1d; }
  diff <(content "$out") <(content "$work/reference.nc") > "$work/resume.diff" ||
    fail "resumed output differs from the uninterrupted one ($work/resume.diff)"
  [ "$(rank_files)" = 0 ] && [ ! -e "$ckpt/swathgrid.checkpoint" ] || fail "checkpoint left"
  echo "resumed after $done_count of $total granules: identical content"
  ;;
*)
  fail "unknown step"
  ;;
esac
