#!/usr/bin/python3
"""The users' notebook pipeline, as a script: the baseline swathgrid is measured against.

What the notebook does (DESIGN.md 1):

    template = first granule warped onto a lat/lon grid, cropped to the bbox
    def regrid(path):                     # on a dask.distributed worker
        chl = xr.open_dataset(path, group="geophysical_data")["chlor_a"]
        nav = xr.open_dataset(path, group="navigation_data")
        return chl.rio.reproject(template, src_geoloc_array=(nav.longitude, nav.latitude),
                                 resampling=nearest)
    futures = client.map(regrid, paths); grids = client.gather(futures)
    xr.concat(grids, dim="time").mean("time").to_netcdf(out)

Debian 12's rasterio (1.3) has no `src_geoloc_array`, so the warp goes to GDAL's C API the
way rasterio 1.4 does, through `gdal_warp_reference.warp` beside this file (same transformer,
nearest neighbour, NaN nodata, GDAL's default TOP_LEFT_CORNER convention, and a destination
that starts as zeros as rioxarray's does). Everything else is the notebook's: xarray opens each
granule's groups, a LocalCluster (processes, one thread each) maps the granules, the client
gathers every granule's grid, stacks them on a time axis, takes the NaN-skipping mean over
time and writes netCDF.

The template: the grid spanning --bbox at --res (GDAL-style geotransform, north-up, the grid
swathgrid's --bbox/--res gives). The first granule is warped onto it on the client, as the
notebook does to make its template (that cost is counted).

Prints one JSON line: wall seconds per phase (cluster start, template, map+gather, stack+mean,
write), granules, grid shape, valid cells.

Usage:
  notebook_pipeline.py --input-list LIST --bbox=-77,36,-73,41 --res 0.01 -o out.nc [--workers 2]
Needs python3-xarray python3-netcdf4 python3-gdal python3-dask python3-distributed (Debian).
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Spawned dask workers import gdal_warp_reference too.
os.environ["PYTHONPATH"] = HERE + os.pathsep + os.environ.get("PYTHONPATH", "")

import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from dask.distributed import Client, LocalCluster  # noqa: E402

import gdal_warp_reference as ref  # noqa: E402


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input-list", required=True, help="granule paths, one per line")
    parser.add_argument("--bbox", default="-180,-90,180,90",
                        help="W,S,E,N in degrees (write --bbox=W,... when W is negative)")
    parser.add_argument("--res", required=True, type=float, help="cell size in degrees")
    parser.add_argument("--variable", default="chlor_a")
    parser.add_argument("--workers", type=int, default=2, help="dask workers (1 thread each)")
    parser.add_argument("-o", "--output", required=True, help="netCDF file to write")
    return parser.parse_args(argv)


def regrid(path, variable, geotransform, nx, ny):
    """One granule onto the template grid, as the notebook's per-granule function."""
    values, lon, lat, nodata = ref.open_granule(path, variable)
    with xr.open_dataset(path) as root:  # the time stamp of the granule
        start = np.datetime64(root.attrs["time_coverage_start"].rstrip("Z"), "ms")
    grid = ref.warp(values, lon, lat, nodata, geotransform, nx, ny, "top-left-corner",
                    zero_destination=True)
    west, res, _, north, _, _ = geotransform
    return xr.DataArray(grid[np.newaxis], name=variable, dims=("time", "y", "x"),
                        coords={"time": [start],
                                "y": north - (np.arange(ny) + 0.5) * res,
                                "x": west + (np.arange(nx) + 0.5) * res})


def main(argv):
    args = parse_args(argv)
    with open(args.input_list) as listing:
        paths = [line.strip() for line in listing if line.strip() and not line.startswith("#")]
    geotransform, nx, ny = ref.grid_from_bbox(args.bbox, args.res)
    seconds = {}
    clock = time.perf_counter()

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    seconds["cluster_start"] = time.perf_counter() - clock
    clock = time.perf_counter()

    template = regrid(paths[0], args.variable, geotransform, nx, ny).isel(time=0, drop=True)
    seconds["template"] = time.perf_counter() - clock
    clock = time.perf_counter()

    futures = client.map(regrid, paths, variable=args.variable, geotransform=geotransform,
                         nx=template.sizes["x"], ny=template.sizes["y"])
    grids = client.gather(futures)
    seconds["map_gather"] = time.perf_counter() - clock
    clock = time.perf_counter()

    stacked = xr.concat(grids, dim="time")
    mean = stacked.mean("time")  # NaN-skipping, as xarray's default
    seconds["stack_mean"] = time.perf_counter() - clock
    clock = time.perf_counter()

    mean.to_dataset(name=args.variable).to_netcdf(args.output)
    seconds["write"] = time.perf_counter() - clock
    client.close()
    cluster.close()

    # A granule GDAL skipped as a whole ("Unable to compute source region ... skipping")
    # leaves rioxarray's zeros: the notebook averages them in as chlorophyll 0.
    skipped = sum(1 for g in grids if not np.any(g.values))
    print(json.dumps({"granules": len(paths), "workers": args.workers, "nx": nx, "ny": ny,
                      "valid_cells": int(np.count_nonzero(np.isfinite(mean.values))),
                      "cells_nonzero": int(np.count_nonzero(np.nan_to_num(mean.values))),
                      "granules_all_zero": skipped,
                      "seconds": {k: round(v, 3) for k, v in seconds.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
