#!/usr/bin/env bash
# The jobs/ scripts on a real Slurm: starts munged, slurmctld and slurmd on localhost (own
# key, socket, ports and state in a temporary folder; nothing under /etc is touched), submits
# jobs/composite-one-node.sbatch (srun), jobs/composite-multi-node.sbatch (mpirun) and
# jobs/submit-year.sh (monthly job array + afterok yearly job) on synthetic granules, waits
# with a bounded timeout, checks the outputs, and stops the daemons it started by PID,
# on failure too.
#
#   test_slurm_jobs.sh SWATHGRID SWATHGRID_SYNTH SOURCE_DIR
#
# Needs root and Debian's slurm-wlm + munge (scripts/setup-debian.sh installs them). Exits
# 77 (ctest: skipped) when not root. SWATHGRID_KEEP_TEST_FILES=1 keeps the temporary folder.
set -euo pipefail
readonly swathgrid=$1 synth=$2 source_dir=$3
readonly job_timeout_s=${SWATHGRID_SLURM_TIMEOUT_S:-420}

fail() {
  echo "slurm test: FAIL: $*" >&2
  exit 1
}
note() { echo "slurm test: [${SECONDS} s] $*"; }

if [[ $(id -u) -ne 0 ]]; then
  echo "slurm test: skipped: starting slurmd needs root"
  exit 77
fi
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol scancel sinfo ncdump; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found: install slurm-wlm munge netcdf-bin (scripts/setup-debian.sh)"
done
# A test run inside a Slurm job must not hand that job's settings to ours.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(SLURM_[A-Z_]*\)=.*/\1/p')

tmp=$(mktemp -d /tmp/swathgrid-slurm.XXXXXX)
chmod 755 "$tmp"  # munged wants its socket's folders searchable by all
export SLURM_CONF="$tmp/slurm.conf"

pid_of() { [[ -s "$1" ]] && cat "$1"; }

stop_daemon() {  # pid file, name: TERM, then wait (bounded), then KILL
  local pid
  pid=$(pid_of "$1") || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  echo "slurm test: $2 (pid $pid) ignored TERM; killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  set +e
  if [[ -s "$tmp/slurmctld.pid" ]] && kill -0 "$(cat "$tmp/slurmctld.pid")" 2>/dev/null; then
    scancel --quiet --full --signal=KILL $(squeue -h -o %A 2>/dev/null) 2>/dev/null
    for _ in $(seq 30); do [[ -z $(squeue -h 2>/dev/null) ]] && break; sleep 1; done
  fi
  [[ $code -eq 0 ]] || echo "slurm test: [${SECONDS} s] failed; stopping the daemons" >&2
  stop_daemon "$tmp/slurmd.pid" slurmd
  stop_daemon "$tmp/slurmctld.pid" slurmctld
  stop_daemon "$tmp/munge/munged.pid" munged
  if ((code != 0)); then
    for log in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/work/*.out; do
      [[ -f "$log" ]] && { echo "---- $log (last lines)"; tail -n 25 "$log"; }
    done
  fi
  if [[ -n "${SWATHGRID_KEEP_TEST_FILES:-}" ]]; then
    echo "slurm test: files kept in $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_in_use() { (: <"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    port_in_use "$port" || port_in_use "$((port + 1))" || { echo "$port"; return; }
  done
  fail "no free TCP port pair found"
}

start_munge() {
  mkdir -p "$tmp/munge" "$tmp/munge-key"
  chmod 755 "$tmp/munge"
  chmod 700 "$tmp/munge-key"
  mungekey -c -k "$tmp/munge-key/munge.key" >/dev/null
  chmod 400 "$tmp/munge-key/munge.key"
  munged --socket="$tmp/munge/munge.sock" --key-file="$tmp/munge-key/munge.key" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge-key/munged.log" \
    --seed-file="$tmp/munge-key/munged.seed" || fail "munged did not start"
  munge -S "$tmp/munge/munge.sock" -n | unmunge -S "$tmp/munge/munge.sock" >/dev/null ||
    fail "munge credential round trip failed"
}

write_slurm_conf() {
  local host ctld_port
  host=$(hostname -s)
  ctld_port=$(free_port)
  mkdir -p "$tmp/state" "$tmp/spool"
  cat >"$SLURM_CONF" <<CONF
ClusterName=swathgridtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc --all) RealMemory=500 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
}

start_slurm() {
  slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
  slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
  for _ in $(seq 60); do
    [[ $(sinfo -h -o %t 2>/dev/null) == idle ]] && return
    sleep 1
  done
  sinfo >&2 || true
  fail "the node did not become idle within 60 s"
}

# ---- values of one variable of a netCDF file, one per line (ncdump, full precision)
nc_values() {
  ncdump -p 9,17 -v "$2" "$1" | awk -v var="$2" '
    $0 ~ "^ *" var " =" { on = 1; sub("^ *" var " =", "") }
    on { last = sub(/;.*/, ""); n = split($0, v, ",");
         for (i = 1; i <= n; ++i) { gsub(/ /, "", v[i]); if (v[i] != "") print v[i] }
         if (last) on = 0 }'
}

same_values() {  # file_a file_b var
  cmp -s <(nc_values "$1" "$3") <(nc_values "$2" "$3") ||
    fail "$3 differs between $(basename "$1") and $(basename "$2")"
}

job_field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

check_completed() {  # job id (an array job: every task)
  local states codes
  states=$(job_field "$1" JobState | sort -u | tr '\n' ' ')
  codes=$(job_field "$1" ExitCode | sort -u | tr '\n' ' ')
  [[ "$states" == "COMPLETED " && "$codes" == "0:0 " ]] ||
    fail "job $1: states '$states' exit codes '$codes' (expected COMPLETED, 0:0)"
}

wait_for_jobs() {
  local waited=0
  while [[ -n $(squeue -h -o %A) ]]; do
    ((waited < job_timeout_s)) || { squeue >&2; fail "jobs still queued or running after ${job_timeout_s} s"; }
    sleep 2
    waited=$((waited + 2))
  done
  note "all jobs left the queue after about ${waited} s"
}

# ---- set up
start_munge
write_slurm_conf
start_slurm
note "munged, slurmctld and slurmd running (state in $tmp)"

work="$tmp/work"
mkdir -p "$work"
# 4 small granules from 2024-07-30 over 4 days: July and August.
"$synth" -o "$work/granules" --count 4 --first-day 2024-07-30 --days 4 --near -75,38.5 \
  --lines 400 --seed 11 >"$work/granules.txt"
note "generated $(wc -l <"$work/granules.txt") granules"
grid=(--bbox -77,36,-73,41 --res 0.02)
export SWATHGRID="$swathgrid" GRANULES="$work/granules.txt" SWATHGRID_ARGS="${grid[*]}"
export OMP_PROC_BIND=false OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
july=$(grep -c '\.202407[0-9][0-9]T' "$work/granules.txt" || true)
august=$(grep -c '\.202408[0-9][0-9]T' "$work/granules.txt" || true)
((july > 0 && august > 0)) || fail "expected granules in July and August, got $july and $august"

# ---- submit
one=$(OUTPUT="$work/one-node.nc" LAUNCHER=srun SRUN_MPI=pmix \
  sbatch --parsable --chdir="$work" --output="$work/one-node-%j.out" --ntasks=2 \
  --cpus-per-task=1 "$source_dir/jobs/composite-one-node.sbatch")
multi=$(OUTPUT="$work/multi-node.nc" LAUNCHER=mpirun \
  sbatch --parsable --chdir="$work" --output="$work/multi-node-%j.out" --nodes=1 \
  --ntasks-per-node=1 --cpus-per-task=2 "$source_dir/jobs/composite-multi-node.sbatch")
submitted=$(YEAR=2024 MONTHS=6-8 OUTPUT_DIR="$work/composites" LAUNCHER=srun SRUN_MPI=pmix \
  bash "$source_dir/jobs/submit-year.sh" --chdir="$work" --ntasks=2 --cpus-per-task=1)
read -r months year < <(sed -E 's/.*array job ([0-9]+), yearly job ([0-9]+).*/\1 \2/' <<<"$submitted")
note "submitted: one-node $one, multi-node $multi, months $months (array 6-8), year $year"
[[ $(job_field "$year" Dependency) == *"afterok:${months}"* ]] ||
  fail "yearly job $year does not depend on the monthly array (afterok:$months)"
wait_for_jobs

# ---- check the jobs
for job in "$one" "$multi" "$months" "$year"; do check_completed "$job"; done
grep -q "on 2 rank(s) x 1 thread(s)" "$work/one-node-$one.out" ||
  fail "one-node job: not one run on 2 ranks x 1 thread"
if grep -q "(OpenMP)" "$work/multi-node-$multi.out"; then
  grep -q "on 1 rank(s) x 2 thread(s)" "$work/multi-node-$multi.out" ||
    fail "multi-node job: --cpus-per-task=2 did not give 2 OpenMP threads"
fi
year_start=$(date -d "$(job_field "$year" StartTime)" +%s)
while read -r end; do
  (($(date -d "$end" +%s) <= year_start)) || fail "yearly job started before a month ended"
done < <(job_field "$months" EndTime)

# ---- check the outputs against a run outside Slurm (results are rank-independent)
out="$work/composites"
[[ -f "$out/composite-2024-07.nc" && -f "$out/composite-2024-08.nc" && -f "$out/composite-2024.nc" ]] ||
  fail "missing composites in $out: $(ls "$out")"
[[ ! -e "$out/composite-2024-06.nc" ]] || fail "June has no granules but got a composite"
"$swathgrid" --quiet --input-list "$work/granules.txt" "${grid[@]}" -o "$work/reference.nc"
for file in "$work/one-node.nc" "$work/multi-node.nc" "$out/composite-2024.nc"; do
  same_values "$work/reference.nc" "$file" chlor_a
  same_values "$work/reference.nc" "$file" chlor_a_count
done
# Every pixel of the year is in exactly one month: monthly counts add up to the yearly ones.
paste <(nc_values "$out/composite-2024-07.nc" chlor_a_count) \
  <(nc_values "$out/composite-2024-08.nc" chlor_a_count) \
  <(nc_values "$out/composite-2024.nc" chlor_a_count) |
  awk '{ total += $3; if ($1 + $2 != $3) bad++ } END { exit (bad > 0 || total == 0) }' ||
  fail "July + August counts differ from the yearly counts (or the year is empty)"
note "outputs checked"
note "PASS: 3 job scripts, $((july + august)) granules ($july July, $august August)"
