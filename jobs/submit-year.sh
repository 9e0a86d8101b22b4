#!/usr/bin/env bash
# Submits a year of composites: the monthly job array (jobs/composite-month.sbatch), then the
# yearly composite (jobs/composite-year.sbatch) with --dependency=afterok on the whole array,
# so the yearly job starts only when every month has succeeded. Prints both job ids.
#
#   YEAR=2024 GRANULES=granules-2024.txt OUTPUT_DIR=composites jobs/submit-year.sh
#   MONTHS=6-8 YEAR=2024 ... jobs/submit-year.sh --ntasks=16 --cpus-per-task=4
#
# Parameters: those of the two .sbatch scripts (YEAR, GRANULES, OUTPUT_DIR, PREFIX,
# SWATHGRID, SWATHGRID_ARGS, LAUNCHER, SRUN_MPI; exported to both jobs), plus
#   MONTHS   the array range, months 1..12                     (default: 1-12)
# Further arguments are sbatch options given to both jobs (e.g. --account, --partition).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${YEAR:?set YEAR, e.g. YEAR=2024 jobs/submit-year.sh}"
export YEAR
months_job=$(sbatch --parsable --array="${MONTHS:-1-12}" "$@" "$here/composite-month.sbatch")
months_job=${months_job%%;*}  # "id;cluster" on federated sites
year_job=$(sbatch --parsable --dependency="afterok:${months_job}" "$@" \
  "$here/composite-year.sbatch")
year_job=${year_job%%;*}
echo "monthly array job ${months_job}, yearly job ${year_job} (after all months succeed)"
