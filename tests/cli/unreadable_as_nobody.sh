#!/usr/bin/env bash
# An unreadable granule (mode 000) gives exit 1 and one line naming the file and "Permission
# denied". Root reads any file, so as root the run drops to user nobody with setpriv (what CI
# runs as); as another user it runs as that user.
#   unreadable_as_nobody.sh SWATHGRID GRANULE_LIST   (its first granule is copied)
set -euo pipefail
swathgrid=$1
good=$(head -n 1 "$2")
dir=$(mktemp -d /tmp/swathgrid-unreadable.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$good" "$dir/unreadable.nc"
chmod 000 "$dir/unreadable.nc"
run=("$swathgrid")
if [[ $(id -u) == 0 ]]; then
  chown 65534 "$dir"  # nobody may write the output directory
  run=(setpriv --reuid=65534 --regid=65534 --clear-groups -- "$swathgrid")
fi
set +e
err=$(OMP_PROC_BIND=false OMP_NUM_THREADS=1 "${run[@]}" "$dir/unreadable.nc" -o "$dir/out.nc" 2>&1 >/dev/null)
code=$?
set -e
expected="swathgrid: error: granule $dir/unreadable.nc: cannot open (Permission denied)"
[[ $code == 1 ]] || { echo "exit code $code, expected 1: $err" >&2; exit 1; }
[[ "$err" == *"$expected"* ]] || { echo "stderr lacks '$expected': $err" >&2; exit 1; }
[[ ! -e "$dir/out.nc" ]] || { echo "an output was written" >&2; exit 1; }
echo "ok: $err"
