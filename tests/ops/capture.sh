#!/usr/bin/env bash
# capture.sh PREFIX COMMAND...: runs COMMAND with stdout in PREFIX.out and stderr in
# PREFIX.err (folder created, old files replaced); exits with COMMAND's code.
set -u
prefix=$1
shift
mkdir -p "$(dirname "$prefix")"
rm -f "$prefix".*
"$@" >"$prefix.out" 2>"$prefix.err"
code=$?
((code == 0)) || { echo "exit code $code"; cat "$prefix.out" "$prefix.err"; }
exit "$code"
