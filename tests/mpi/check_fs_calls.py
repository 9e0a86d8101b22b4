#!/usr/bin/env python3
"""Start-up without metadata storms (issue 18), measured with strace on real ranks.

    check_fs_calls.py MPIEXEC SWATHGRID LIST WORKDIR [swathgrid options...]

Runs `MPIEXEC -n 4 --oversubscribe strace -f ... SWATHGRID --input-list LIST ...`, one trace
per rank, and checks per rank: the input list is opened by rank 0 only; granule files are
opened once by the rank that reads them, and by rank 0 once more (it describes the first
granule for all); each rank stats at most its share of the granules (schedule sizes) plus
what its own reads need. Fails with the counts when a rank does more, e.g. every rank opening
the first granule (as before the change) makes it fail.

    check_fs_calls.py MPIEXEC SWATHGRID LIST WORKDIR --make-grid-like [grid options...]

first writes a composite with the grid options, then runs the traced ranks with
`--grid-like` that file instead, and checks also that rank 0 alone opens it.
"""
import json
import os
import re
import shutil
import subprocess
import sys

RANKS = 4
CALL = re.compile(r'^\d+\s+(\w+)\((?:AT_FDCWD|-?\d+), "([^"]*)"')


def main():
    mpiexec, swathgrid, listing, work = sys.argv[1:5]
    options = sys.argv[5:]
    if shutil.which("strace") is None:
        print("strace is missing: scripts/setup-debian.sh installs it")
        return 1
    os.makedirs(work, exist_ok=True)
    granules = [line.strip() for line in open(listing) if line.strip()]
    grid_file = None
    if options[:1] == ["--make-grid-like"]:
        grid_file = os.path.join(work, "grid.nc")
        subprocess.run([mpiexec, "-n", "1", swathgrid, "--input-list", listing, "-o", grid_file,
                        "--quiet"] + options[1:], check=True)
        options = ["--grid-like", grid_file]
    report = os.path.join(work, "fs_calls.json")
    output = os.path.join(work, "fs_calls.nc")
    for stale in (report, output):
        if os.path.exists(stale):
            os.remove(stale)
    trace = os.path.join(work, "trace")
    wrapper = ('exec strace -f -qq -e trace=open,openat,stat,lstat,newfstatat,statx '
               '-o "%s.$OMPI_COMM_WORLD_RANK" "$@"' % trace)
    # LeakSanitizer cannot run under ptrace (the sanitized build's other runs check leaks).
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    subprocess.run([mpiexec, "-n", str(RANKS), "--oversubscribe", "bash", "-c", wrapper, "_",
                    swathgrid, "--input-list", listing, "-o", output, "--report", report,
                    "--quiet"] + options, check=True, env=env)
    per_rank = json.load(open(report))["granules"]["per_rank"]
    failures = []
    share = (len(granules) + RANKS - 1) // RANKS
    for rank in range(RANKS):
        opens = {}
        stats = 0
        list_opens = 0
        grid_opens = 0
        with open("%s.%d" % (trace, rank)) as lines:
            for line in lines:
                match = CALL.match(line)
                if not match:
                    continue
                call, path = match.groups()
                if path == listing and call.startswith("open"):
                    list_opens += 1
                if path == grid_file and call.startswith("open"):
                    grid_opens += 1
                if path not in granules:
                    continue
                if call.startswith("open"):
                    opens[path] = opens.get(path, 0) + 1
                else:
                    stats += 1
        read = per_rank[rank]
        opened = sum(opens.values())
        allowed = read + (1 if rank == 0 else 0)
        print("rank %d: reads %d granules; opened granules %d times (%d files), stat'ed %d, "
              "opened the list %d times" % (rank, read, opened, len(opens), stats, list_opens))
        if opened > allowed:
            failures.append("rank %d opened granules %d times; reads %d%s" % (
                rank, opened, read, " (+1 to describe them)" if rank == 0 else ""))
        if stats > share + 2 * read:
            failures.append("rank %d stat'ed granules %d times; its share is %d, it reads %d"
                            % (rank, stats, share, read))
        if list_opens != (1 if rank == 0 else 0):
            failures.append("rank %d opened the input list %d times" % (rank, list_opens))
        if grid_file:
            print("rank %d: opened the --grid-like file %d times" % (rank, grid_opens))
            if (grid_opens > 0) != (rank == 0):
                failures.append("rank %d opened the --grid-like file %d times" % (rank, grid_opens))
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
