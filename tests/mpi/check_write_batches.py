#!/usr/bin/env python3
"""Writes are batched: classic's collective MPI-IO calls per output do not grow with the
periods x variables x row blocks written (issue 18); NetCDF-4 writes a field's periods
together (fewer calls than one a period).

    check_write_batches.py MPIEXEC SWATHGRID GRANULE_LIST WORKDIR

Two ranks write --format classic twice: one period, one variable, one tile row per rank
(few field writes), and --period day, two variables, 20-row tiles (each rank writes ~30x as
many row blocks). The second may add only the two time coordinates' writes. The second run
as NetCDF-4 through HDF5's collective writes (SWATHGRID_DIRECT_CHUNKS=0) must make fewer
MPI-IO calls than with --write-buffer 0 (each block its own call), as must classic; as
NetCDF-4 with chunks written directly (the default: rank 0 stores every rank's compressed
chunks), no more than a direct NetCDF-4 run of the same periods and variables in a tile row
per rank (the header and coordinates only). The classic
and both NetCDF-4 files' fields are compared cell by cell.
"""
import json
import os
import shutil
import subprocess
import sys

import netCDF4
import numpy as np

BOX = ["--bbox", "-77,36,-73,41", "--res", "0.01", "--quiet"]
FEW = ["--period", "all", "--tile", "256"]
MANY = ["--period", "day", "--tile", "20", "--var", "chlor_a,poc"]
TIME_COORDINATES = 2  # time and time_bnds, written by --period day only


def run(mpiexec, swathgrid, listing, work, name, options, direct=True):
    output = os.path.join(work, name + ".nc")
    report = os.path.join(work, name + ".json")
    env = dict(os.environ, SWATHGRID_DIRECT_CHUNKS="1" if direct else "0")
    subprocess.run([mpiexec, "-n", "2", "--oversubscribe", swathgrid, "--input-list", listing,
                    "-o", output, "--report", report] + BOX + options, check=True, env=env)
    io = json.load(open(report))["mpi_per_rank"]["io_collectives"]
    print("%s: MPI-IO collective calls per rank %s" % (name, io))
    return output, max(io)


def main():
    mpiexec, swathgrid, listing, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    failures = []
    _, few = run(mpiexec, swathgrid, listing, work, "few", FEW + ["--format", "classic"])
    classic, many = run(mpiexec, swathgrid, listing, work, "many", MANY + ["--format", "classic"])
    netcdf4, many4 = run(mpiexec, swathgrid, listing, work, "many4",
                         MANY + ["--format", "netcdf4"], direct=False)
    _, unbuffered4 = run(mpiexec, swathgrid, listing, work, "unbuffered4",
                         MANY + ["--format", "netcdf4", "--write-buffer", "0"], direct=False)
    direct4, direct_io = run(mpiexec, swathgrid, listing, work, "direct4",
                             MANY + ["--format", "netcdf4"])
    # The same periods and variables in a tile row per rank: the same header and coordinates.
    _, few4 = run(mpiexec, swathgrid, listing, work, "few4",
                  ["--period", "day", "--tile", "256", "--var", "chlor_a,poc", "--format",
                   "netcdf4"])
    _, unbuffered = run(mpiexec, swathgrid, listing, work, "unbuffered",
                        MANY + ["--format", "classic", "--write-buffer", "0"])
    if many > few + TIME_COORDINATES:
        failures.append("%d MPI-IO collective calls for many row blocks against %d for few"
                        % (many, few))
    if not many4 < unbuffered4:
        failures.append("NetCDF-4: %d MPI-IO collective calls with the write buffer, %d without"
                        % (many4, unbuffered4))
    if direct_io > few4:
        failures.append("NetCDF-4 written directly: %d MPI-IO collective calls for many row"
                        " blocks against %d for few" % (direct_io, few4))
    if not many < unbuffered:
        failures.append("classic: %d MPI-IO collective calls with the write buffer, %d without"
                        % (many, unbuffered))
    for other in (netcdf4, direct4):
        with netCDF4.Dataset(classic) as a, netCDF4.Dataset(other) as b:
            for name in ("chlor_a", "chlor_a_count", "poc", "poc_count"):
                x, y = np.ma.filled(a[name][:], np.nan), np.ma.filled(b[name][:], np.nan)
                if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
                    failures.append("%s differs between classic and %s" % (name, other))
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
