#!/usr/bin/env bash
# The benchmarks' global case: 32 granules, 8 places around the globe, 4 granules (2 days x
# 2 passes) each, written once into WORK/global with their list in WORK/global.txt.
#   benchmarks/global_granules.sh SYNTH WORK
set -euo pipefail
synth=$1 work=$2
[[ -s "$work/global.txt" ]] && exit 0
mkdir -p "$work"
echo "writing the 32 global granules to $work/global" >&2
: >"$work/global.txt.tmp"
for near in -150,-40 -100,10 -40,45 0,-20 40,70 90,-60 130,20 170,-5; do
  "$synth" -o "$work/global" --count 4 --days 2 --near "$near" \
    --seed "${near//[,-]/}" >>"$work/global.txt.tmp"
done
mv "$work/global.txt.tmp" "$work/global.txt"
