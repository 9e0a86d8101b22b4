#!/usr/bin/env python3
"""The NetCDF-4 output (default) against the classic one (--format classic) of the same run,
read back through three independent readers: netCDF-C (netCDF4-python), xarray (netcdf4 and
h5netcdf engines: h5netcdf reads HDF5 through h5py, not netCDF-C) and GDAL (netCDF driver:
CRS and geotransform). Every variable and coordinate must be identical cell by cell, every
attribute the same but the file's own name and creation time. Also a run that warps, writes
NetCDF-4 and exports GeoTIFF and PNG through GDAL in the same process (two HDF5 builds).

    check_formats.py E2E_DIR     (tests/mpi/CMakeLists.txt: feature_formats)
"""
import os
import sys

import netCDF4
import numpy as np
import xarray as xr
from osgeo import gdal

gdal.UseExceptions()

PAIRS = [  # (NetCDF-4 output, classic output) of the same options
    ("owner_day_n4.nc", "owner_day_classic_n2.nc"),
    ("rrs.nc", "rrs_classic.nc"),
    ("polar.nc", "polar_classic.nc"),
]
OWN_ATTRIBUTES = {"history", "date_created", "product_name"}  # the file's own
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def values(variable):
    data = variable[...]
    data = data.astype(float) if data.dtype.kind in "fiu" else data
    return np.ma.filled(data, np.nan)


def same(a, b):
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def check_netcdf_c(new, old):
    a, b = netCDF4.Dataset(new), netCDF4.Dataset(old)
    if a.data_model != "NETCDF4":
        fail(f"{new}: data model {a.data_model}, not NETCDF4")
    if not b.data_model.startswith("NETCDF3"):
        fail(f"{old}: data model {b.data_model}, not classic")
    if set(a.variables) != set(b.variables):
        fail(f"{new}: variables {sorted(a.variables)} vs {sorted(b.variables)}")
    fields = 0
    for name in sorted(set(a.variables) & set(b.variables)):
        if not same(values(a[name]), values(b[name])):
            fail(f"{new}: {name} differs from the classic file")
        if a[name].ncattrs() != b[name].ncattrs() or any(
                str(a[name].getncattr(k)) != str(b[name].getncattr(k))
                for k in a[name].ncattrs()):
            fail(f"{new}: {name}: attributes differ")
        if a[name].ndim >= 2 and name not in ("lat_bnds", "lon_bnds", "x_bnds", "y_bnds",
                                              "time_bnds"):
            fields += 1
            filters = a[name].filters()
            if not (filters.get("zlib") and filters.get("shuffle")):
                fail(f"{new}: {name} not compressed with shuffle + deflate: {filters}")
            if a[name].chunking() == "contiguous":
                fail(f"{new}: {name} not chunked")
    if fields == 0:
        fail(f"{new}: no field compared")
    for key in sorted((set(a.ncattrs()) | set(b.ncattrs())) - OWN_ATTRIBUTES):
        if str(getattr(a, key, None)) != str(getattr(b, key, None)):
            fail(f"{new}: global attribute {key} differs")
    a.close()
    b.close()


def check_xarray(new, old):
    reference = xr.open_dataset(old, engine="netcdf4")
    for engine in ("netcdf4", "h5netcdf"):
        with xr.open_dataset(new, engine=engine) as ds:
            for name in reference.variables:
                x, y = ds[name].values, reference[name].values
                if x.dtype.kind == "f":
                    ok = np.array_equal(x, y, equal_nan=True)
                else:
                    ok = np.array_equal(x, y)
                if not ok:
                    fail(f"{new}: xarray ({engine}): {name} differs from the classic file")
    reference.close()


def check_gdal(new, old, variable):
    opened = [gdal.Open(f'NETCDF:"{path}":{variable}') for path in (new, old)]
    a, b = opened
    if a.GetGeoTransform() != b.GetGeoTransform():
        fail(f"{new}: GDAL geotransform {a.GetGeoTransform()} vs {b.GetGeoTransform()}")
    srs_a, srs_b = a.GetSpatialRef(), b.GetSpatialRef()
    if srs_a is None or srs_b is None or not srs_a.IsSame(srs_b):
        fail(f"{new}: GDAL finds no CRS or a different one")
    with netCDF4.Dataset(new) as ds:  # the geotransform agrees with the coordinates
        xname, yname = ("x", "y") if "x" in ds.variables else ("lon", "lat")  # 1-D axes
        x, y = ds[xname][:], ds[yname][:]
        gt = a.GetGeoTransform()
        if not (np.isclose(gt[0] + gt[1] / 2, x[0]) and np.isclose(gt[3] + gt[5] / 2, y[0])
                and a.RasterXSize == len(x) and a.RasterYSize == len(y)):
            fail(f"{new}: GDAL geotransform {gt} does not match {xname}/{yname}")
    for band in range(1, a.RasterCount + 1):
        if not same(a.GetRasterBand(band).ReadAsArray().astype(float),
                    b.GetRasterBand(band).ReadAsArray().astype(float)):
            fail(f"{new}: GDAL band {band} of {variable} differs from the classic file")


def check_exports(directory):
    nc = os.path.join(directory, "warp_exports.nc")
    tif = os.path.join(directory, "warp_exports.tif")
    png = os.path.join(directory, "warp_exports.png")
    with netCDF4.Dataset(nc) as ds:
        if ds.data_model != "NETCDF4":
            fail(f"{nc}: not NetCDF-4")
        mean = values(ds["chlor_a"])
    raster = gdal.Open(tif)
    band = raster.GetRasterBand(1)
    data = band.ReadAsArray().astype(float)
    data[data == band.GetNoDataValue()] = np.nan
    if not same(data, mean):
        fail(f"{tif}: differs from chlor_a of {nc}")
    if gdal.Open(png).RasterXSize != mean.shape[1]:
        fail(f"{png}: not the width of the grid")


def main():
    directory = sys.argv[1]
    for new, old in PAIRS:
        new, old = os.path.join(directory, new), os.path.join(directory, old)
        check_netcdf_c(new, old)
        check_xarray(new, old)
        check_gdal(new, old, "Rrs" if os.path.basename(new).startswith("rrs") else "chlor_a")
    check_exports(directory)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"check_formats: {len(PAIRS)} pairs identical through netCDF-C, xarray and GDAL;"
          " warp + NetCDF-4 + GeoTIFF + PNG in one process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
