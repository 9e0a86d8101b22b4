#!/usr/bin/env python3
"""The combine's memory per rank does not grow with the rank count (issue 18).

    check_reduce_memory.py SYNTH MPIEXEC SWATHGRID WORKDIR

One cloud-free granule under 16 names (symlinks): every rank, at -n 4 and at -n 16, reads
granules covering every tile of a small grid, so every rank holds every tile and sends all of
them to their owners. Checks that every rank holds every tile in both runs, that the largest
peak of tile values in flight in the exchange (report: exchange_peak_bytes_per_rank) at -n 16
is within 10 % of -n 4, and that both composites are the same bytes.
"""
import json
import os
import shutil
import subprocess
import sys

import netCDF4
import numpy as np

COPIES = 16
GRID = ["--bbox", "-75.2,38.3,-74.8,38.7", "--res", "0.01", "--tile", "8", "--reduce", "owner",
        "--flags", "none", "--schedule", "static", "--quiet"]


def run(mpiexec, swathgrid, ranks, listing, work):
    output = os.path.join(work, "n%d.nc" % ranks)
    report = os.path.join(work, "n%d.json" % ranks)
    for stale in (output, report):
        if os.path.exists(stale):
            os.remove(stale)
    subprocess.run([mpiexec, "-n", str(ranks), "--oversubscribe", swathgrid, "--input-list",
                    listing, "-o", output, "--report", report] + GRID, check=True)
    return output, json.load(open(report))


def main():
    synth, mpiexec, swathgrid, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    made = subprocess.run([synth, "-o", os.path.join(work, "granule"), "--count", "1",
                           "--days", "1", "--lines", "400", "--near", "-75,38.5", "--seed", "7",
                           "--cloud-fraction", "0"], check=True, capture_output=True, text=True)
    granule = made.stdout.split()[0]
    listing = os.path.join(work, "list.txt")
    with open(listing, "w") as out:
        for k in range(COPIES):
            name = os.path.join(work, "copy%02d_%s" % (k, os.path.basename(granule)))
            os.symlink(granule, name)
            out.write(name + "\n")
    failures = []
    peaks = {}
    outputs = {}
    for ranks in (4, 16):
        outputs[ranks], report = run(mpiexec, swathgrid, ranks, listing, work)
        tiles = report["accumulators"]["tile_bytes_per_rank"]
        peaks[ranks] = max(report["exchange_peak_bytes_per_rank"])
        print("-n %d: tile bytes per rank %s; exchange peak bytes per rank %s"
              % (ranks, tiles, report["exchange_peak_bytes_per_rank"]))
        if min(tiles) != max(tiles) or min(tiles) == 0:
            failures.append("-n %d: not every rank holds every tile: %s" % (ranks, tiles))
    if not peaks[16] <= 1.1 * peaks[4]:
        failures.append("exchange peak %d bytes at -n 16 against %d at -n 4 (> 10 %% more)"
                        % (peaks[16], peaks[4]))
    a, b = netCDF4.Dataset(outputs[4]), netCDF4.Dataset(outputs[16])
    for name in ("chlor_a", "chlor_a_count"):
        if not np.array_equal(np.ma.filled(a[name][:], np.nan), np.ma.filled(b[name][:], np.nan),
                              equal_nan=True):
            failures.append("%s differs between -n 4 and -n 16" % name)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
