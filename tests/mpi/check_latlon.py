#!/usr/bin/env python3
"""The 2-D auxiliary lat/lon of projected outputs (CF-1.8 5.6), read back with netCDF4-python
and xarray: lat(y, x)/lon(y, x) with standard_name latitude/longitude, `coordinates = "lat
lon"` on every field, and at cells across the grid the values PROJ's inverse (through GDAL's
osr, independently of swathgrid) gives for the cell centre. Both encodings (polar: NetCDF-4
written by 2 ranks; polar_classic: classic); polar_nolatlon (--latlon-coordinates off) has
none.

    check_latlon.py E2E_DIR
"""

import os
import sys

import netCDF4
import numpy as np
import xarray as xr
from osgeo import osr

TOLERANCE_DEG = 1e-9
SAMPLES = 200  # cells checked per file, spread over the grid (corners included)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def proj_inverse(wkt, x, y):
    """Lat/lon (degrees) of projected points through PROJ (GDAL's osr)."""
    source = osr.SpatialReference()
    source.ImportFromWkt(wkt)
    target = osr.SpatialReference()
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)  # lon, lat
    source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source, target)
    points = transform.TransformPoints(list(zip(x, y)))
    return np.array([p[1] for p in points]), np.array([p[0] for p in points])


def check_file(path):
    with netCDF4.Dataset(path) as nc:
        for name, standard, units in (("lat", "latitude", "degrees_north"),
                                      ("lon", "longitude", "degrees_east")):
            if name not in nc.variables:
                fail(f"{path}: no variable {name}")
            var = nc.variables[name]
            if var.dimensions != ("y", "x"):
                fail(f"{path}: {name}{var.dimensions}, expected (y, x)")
            if var.standard_name != standard or var.units != units:
                fail(f"{path}: {name} standard_name/units {var.standard_name}/{var.units}")
        fields = [v for v in nc.variables.values() if v.dimensions[-2:] == ("y", "x")
                  and v.name not in ("lat", "lon")]
        if not fields:
            fail(f"{path}: no fields")
        for field in fields:
            if getattr(field, "coordinates", None) != "lat lon":
                fail(f"{path}: {field.name} has no coordinates = \"lat lon\"")
        lat, lon = nc.variables["lat"][:], nc.variables["lon"][:]
        x, y = nc.variables["x"][:], nc.variables["y"][:]
        wkt = nc.variables["crs"].crs_wkt
    ny, nx = lat.shape
    rng = np.random.default_rng(19)
    rows = np.concatenate(([0, 0, ny - 1, ny - 1, ny // 2], rng.integers(0, ny, SAMPLES)))
    cols = np.concatenate(([0, nx - 1, 0, nx - 1, nx // 2], rng.integers(0, nx, SAMPLES)))
    want_lat, want_lon = proj_inverse(wkt, x[cols], y[rows])
    got_lat, got_lon = lat[rows, cols], lon[rows, cols]
    dlon = np.abs((got_lon - want_lon + 180.0) % 360.0 - 180.0)
    if np.max(np.abs(got_lat - want_lat)) > TOLERANCE_DEG or np.max(dlon) > TOLERANCE_DEG:
        worst = int(np.argmax(np.abs(got_lat - want_lat) + dlon))
        fail(f"{path}: cell ({rows[worst]}, {cols[worst]}) lat/lon {got_lat[worst]}/"
             f"{got_lon[worst]}, PROJ gives {want_lat[worst]}/{want_lon[worst]}")
    # xarray finds them as the fields' coordinates (CF decoding of `coordinates`).
    with xr.open_dataset(path) as ds:
        if not {"lat", "lon"} <= set(ds[fields[0].name].coords):
            fail(f"{path}: xarray does not see lat/lon as coordinates of {fields[0].name}")
    return len(rows)


def check_without(path):
    with netCDF4.Dataset(path) as nc:
        for name in ("lat", "lon"):
            if name in nc.variables:
                fail(f"{path}: {name} written with --latlon-coordinates off")
        for var in nc.variables.values():
            if hasattr(var, "coordinates"):
                fail(f"{path}: {var.name} has coordinates = {var.coordinates}")


def main():
    directory = sys.argv[1]
    checked = 0
    for name in ("polar.nc", "polar_classic.nc"):
        checked += check_file(os.path.join(directory, name))
    check_without(os.path.join(directory, "polar_nolatlon.nc"))
    print(f"lat/lon: {checked} cells equal PROJ's inverse in both encodings; off leaves them out")


if __name__ == "__main__":
    main()
