#!/usr/bin/python3
"""Reference for swathgrid's `warp` method: one L2 granule through GDAL's geolocation warper.

What the users' notebook runs per granule is

    chl = xr.open_dataset(path, group="geophysical_data")["chlor_a"].rio.write_crs("EPSG:4326")
    nav = xr.open_dataset(path, group="navigation_data")
    chl.rio.reproject("EPSG:4326", shape=..., transform=...,   # the template grid
                      src_geoloc_array=(nav.longitude, nav.latitude), resampling=nearest)

rioxarray hands that to rasterio >= 1.4 (rasterio/_warp.pyx `_reproject`), which calls GDAL's C
API directly: a MEM dataset over the values (no geotransform), a MEM destination over
rioxarray's np.zeros array with the template's geotransform and CRS (GDALSetProjection, so
longitude/latitude axis order), a 2-band MEM dataset over
np.stack((lon, lat)) passed as transformer option SRC_GEOLOC_ARRAY (GDAL synthesises from it
the GEOLOCATION metadata X_DATASET=Y_DATASET=<that dataset>, X_BAND=1, Y_BAND=2,
PIXEL/LINE_OFFSET=0, PIXEL/LINE_STEP=1, SRS=WGS84 and no GEOREFERENCING_CONVENTION, i.e.
TOP_LEFT_CORNER), SRC_SRS=EPSG:4326, GCPS_OK=TRUE, the exact (not approximate) transformer,
nearest neighbour, src/dst nodata = NaN (rioxarray: decoded _FillValue -> NaN for floats),
warp options UNIFIED_SRC_NODATA=YES, NUM_THREADS=1, INIT_DEST=NO_DATA, and one
GDALWarpOperation::Initialize + ChunkAndWarpImage over the whole destination.

GDAL's Python bindings cannot build that warp operation by hand, so this script takes the one
binding that does exactly Initialize + ChunkAndWarpImage, gdal.ReprojectImage
(GDALReprojectImage): the same GEOLOCATION metadata is attached to the source dataset (the
other way GDAL documents for geolocation arrays; GDALCreateGenImgProjTransformer2 then
builds the identical geolocation transformer), nodata NaN is set on the bands (from which
ReprojectImage fills padfSrcNoDataReal/padfDstNoDataReal) and the warp options are passed
as they are. `--convention pixel-center` adds GEOREFERENCING_CONVENTION=PIXEL_CENTER.
The destination starts as NaN, as swathgrid's does (rioxarray's starts as zeros, which
shows only where GDAL skips the whole target: `--zero-destination` gives that).
The transformers of the two routes agree exactly (checked on every destination pixel
centre; docs/warp-method.md), and swathgrid's C++ (src/gdal/warp.cpp) equals this
script bit for bit (tests/test_gdal_warp.cpp).

Writes the destination as raw float32 (row-major, north-up, native byte order; NaN = no
data) to -o, or as .npy when -o ends in .npy, and prints one JSON line of facts.

Usage:
  gdal_warp_reference.py GRANULE.nc --bbox=-77,36,-73,41 --res 0.01 -o out.f32 \
      [--convention top-left-corner|pixel-center] [--variable chlor_a] [--zero-destination]
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import xarray as xr
from osgeo import gdal, osr

# GridSpec::from_bbox (src/grid/grid.cpp): a width within this fraction of a cell of a whole
# number of cells is that whole number.
CELL_SNAP_TOLERANCE = 1e-9

CONVENTIONS = {"top-left-corner": None, "pixel-center": "PIXEL_CENTER"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("granule", help="OB.DAAC L2 NetCDF4 granule")
    parser.add_argument("--bbox", required=True,
                        help="W,S,E,N in degrees (write --bbox=W,... when W is negative)")
    parser.add_argument("--res", required=True, type=float, help="cell size in degrees")
    parser.add_argument("--convention", default="top-left-corner", choices=sorted(CONVENTIONS))
    parser.add_argument("--variable", default="chlor_a", help="variable of geophysical_data")
    parser.add_argument("--zero-destination", action="store_true",
                        help="start from zeros as rioxarray does, not NaN as swathgrid does")
    parser.add_argument("-o", "--output", required=True, help="raw .f32 or .npy")
    return parser.parse_args(argv)


def grid_from_bbox(bbox_text, res_deg):
    """(geotransform, nx, ny) exactly as swathgrid's GridSpec::from_bbox."""
    west, south, east, north = (float(v) for v in bbox_text.split(","))
    width = east - west
    if width <= 0.0:
        width += 360.0  # crosses the antimeridian
    nx = int(math.ceil(width / res_deg - CELL_SNAP_TOLERANCE))
    ny = int(math.ceil((north - south) / res_deg - CELL_SNAP_TOLERANCE))
    return (west, res_deg, 0.0, north, 0.0, -res_deg), nx, ny


def open_granule(path, variable):
    """The notebook's reading: xarray, CF decoding on (fill -> NaN)."""
    with xr.open_dataset(path, group="geophysical_data") as geo, \
            xr.open_dataset(path, group="navigation_data") as nav:
        values = geo[variable]
        # rioxarray's rio.nodata: a decoded (encoded) _FillValue on a float variable means
        # NaN; rio.reproject then uses it as src nodata and (no `nodata=` given) dst nodata.
        nodata = np.nan if values.encoding.get("_FillValue") is not None else None
        if nodata is None and np.issubdtype(values.dtype, np.floating):
            nodata = np.nan  # rioxarray's _NODATA_DTYPE_MAP default for float dst
        return (values.values, nav["longitude"].values, nav["latitude"].values, nodata)


def mem_name(array):
    """rasterio's MemoryDataset name: a MEM::: dataset over a C-contiguous numpy array."""
    bands, lines, pixels = array.shape
    band_stride, line_stride, pixel_stride = array.strides
    return (f"MEM:::DATAPOINTER={array.ctypes.data},PIXELS={pixels},LINES={lines},"
            f"BANDS={bands},DATATYPE=Float32,BANDOFFSET={band_stride},"
            f"LINEOFFSET={line_stride},PIXELOFFSET={pixel_stride}")


def warp(values, lon, lat, nodata, geotransform, nx, ny, convention,
         zero_destination=False):
    lines, pixels = values.shape
    geoloc = np.ascontiguousarray(np.stack((lon, lat)), dtype=np.float32)  # as rasterio

    mem = gdal.GetDriverByName("MEM")
    src = mem.Create("", pixels, lines, 1, gdal.GDT_Float32)
    src_band = src.GetRasterBand(1)
    src_band.WriteArray(np.ascontiguousarray(values, dtype=np.float32))
    src_band.SetNoDataValue(nodata)
    geoloc_md = {
        "X_DATASET": mem_name(geoloc), "X_BAND": "1",
        "Y_DATASET": mem_name(geoloc), "Y_BAND": "2",
        "PIXEL_OFFSET": "0", "LINE_OFFSET": "0", "PIXEL_STEP": "1", "LINE_STEP": "1",
        "SRS": osr.SRS_WKT_WGS84_LAT_LONG,
    }
    if CONVENTIONS[convention]:
        geoloc_md["GEOREFERENCING_CONVENTION"] = CONVENTIONS[convention]
    src.SetMetadata(geoloc_md, "GEOLOCATION")

    dst = mem.Create("", nx, ny, 1, gdal.GDT_Float32)
    dst.SetGeoTransform(geotransform)
    # As rasterio's crs setter: GDALSetProjection, i.e. traditional GIS (lon, lat) axis order.
    # (An EPSG:4326 SRS in authority (lat, lon) order would make GDAL swap the axes.)
    dst.SetProjection("EPSG:4326")
    dst_band = dst.GetRasterBand(1)
    dst_band.SetNoDataValue(nodata)
    if not zero_destination:
        # swathgrid starts from NaN; rioxarray's destination is np.zeros. INIT_DEST=NO_DATA
        # makes them equal wherever GDAL warps; where it skips the target (no part of it
        # maps onto the swath) the notebook keeps 0.0.
        dst_band.Fill(nodata)

    # MEM::: names can be opened only with GDAL_MEM_ENABLE_OPEN=YES from GDAL 3.10 on
    # (rasterio sets it too); GDAL 3.6 ignores it.
    gdal.SetThreadLocalConfigOption("GDAL_MEM_ENABLE_OPEN", "YES")
    try:
        error = gdal.ReprojectImage(
            src, dst, "EPSG:4326", None, gdal.GRA_NearestNeighbour, 0.0, 0.0, None, None,
            ["UNIFIED_SRC_NODATA=YES", "NUM_THREADS=1", "INIT_DEST=NO_DATA"])
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_MEM_ENABLE_OPEN", None)
    if error != gdal.CE_None:
        raise RuntimeError(f"gdal.ReprojectImage failed: {gdal.GetLastErrorMsg()}")
    return dst.GetRasterBand(1).ReadAsArray().astype(np.float32, copy=False)


def main(argv):
    args = parse_args(argv)
    # As rasterio (and swathgrid): only the return code of the warp counts; GDAL may report
    # errors on the way (e.g. "Too many points failed to transform" for a target beyond the
    # antimeridian) and still succeed, so no gdal.UseExceptions().
    geotransform, nx, ny = grid_from_bbox(args.bbox, args.res)
    values, lon, lat, nodata = open_granule(args.granule, args.variable)
    start = time.perf_counter()
    grid = warp(values, lon, lat, nodata, geotransform, nx, ny, args.convention,
                args.zero_destination)
    seconds = time.perf_counter() - start
    if args.output.endswith(".npy"):
        np.save(args.output, grid)
    else:
        np.ascontiguousarray(grid).tofile(args.output)
    print(json.dumps({"granule": args.granule, "convention": args.convention,
                      "ny": ny, "nx": nx, "valid_cells": int(np.count_nonzero(~np.isnan(grid))),
                      "warp_seconds": round(seconds, 4), "gdal": gdal.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
