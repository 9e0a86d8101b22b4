#!/usr/bin/env python3
"""The CF-1.8 and NASA L3m attributes of the feature runs' outputs, read back with
netCDF4-python. Debian 12 packages no CF checker (cfchecker, cf-checker, cfchecks), so this
asserts what one would check for these files:

- Conventions = "CF-1.8"; coordinates with units, standard_name and bounds variables of
  shape (n, 2); time with units "days since ...", a calendar and bounds;
- every field has units, long_name, a grid_mapping naming a variable with a
  grid_mapping_name, a _FillValue of its own type (statistics; counts have none: 0 is a
  count) and cell_methods in CF's
  grammar (name: [name: ...] method [(comment)]) naming its dimensions or standard names
  ("area", "time") and methods CF lists; cell_methods per method and weighting as
  docs/user-guide.md tabulates;
- NASA L3m global attributes: processing_level, product_name (the file's name),
  time_coverage_start/end (the period bounds with --period, ISO 8601 UTC), instrument and
  platform from the granules (every distinct one for a mix of sensors), l2_flag_names iff
  flags were masked.

    check_cf.py E2E_DIR
"""

import os
import re
import sys

import netCDF4
import numpy as np

CF_METHODS = {"point", "sum", "maximum", "median", "mid_range", "minimum", "mean", "mode",
              "range", "standard_deviation", "variance"}
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
SQRT = "granules weighted by sqrt of their pixels, as l2bin"

# file: ({field: cell_methods}, instrument, platform)
EXPECTED = {
    "period_day.nc": ({"chlor_a": "area: time: mean"}, "OCI", "PACE"),
    "composite_n1.nc": ({"chlor_a": "area: time: mean"}, "OCI", "PACE"),
    "weight_granule_n1.nc": ({
        "chlor_a": "area: mean time: mean",
        "chlor_a_stdev": "area: mean time: standard_deviation",
        "poc_min": "area: mean time: minimum",
        "poc_gmean": "area: mean (geometric) time: mean (geometric)"}, "OCI", "PACE"),
    "weight_sqrt_stats.nc": ({
        "chlor_a": f"area: time: mean ({SQRT})",
        "chlor_a_stdev": f"area: time: standard_deviation ({SQRT}, bias-corrected)"},
        "OCI", "PACE"),
    "stdev_sample.nc": ({
        "chlor_a_stdev": "area: time: standard_deviation (sample form, divided by n - 1)"},
        "OCI", "PACE"),
    "nearest_n1.nc": ({"chlor_a": "area: point time: mean"}, "OCI", "PACE"),
    "warp_pc.nc": ({"chlor_a": "area: point time: mean"}, "OCI", "PACE"),
    "polar.nc": ({"chlor_a": "area: time: mean"}, "OCI", "PACE"),
    "rrs.nc": ({"Rrs": "area: time: mean"}, "OCI", "PACE"),
    "dataday_n3.nc": ({"chlor_a": "area: time: mean"}, "OCI", "PACE"),
    "mixed_sensors.nc": ({"chlor_a": "area: time: mean"}, "MODIS,OCI", "Aqua,PACE"),
}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def parse_cell_methods(text):
    """[(names, method, comment)] of a CF cell_methods string; None when malformed."""
    entries = []
    tokens = re.findall(r"\([^)]*\)|[^\s()]+", text)
    names = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.endswith(":"):
            names.append(token[:-1])
        elif names:
            comment = None
            if i + 1 < len(tokens) and tokens[i + 1].startswith("("):
                comment = tokens[i + 1]
                i += 1
            entries.append((names, token, comment))
            names = []
        else:
            return None
        i += 1
    return entries if entries and not names else None


def check_coordinates(path, nc):
    for name in ("lat", "lon", "x", "y", "time"):
        if name not in nc.variables or nc.variables[name].dimensions != (name,):
            continue
        var = nc.variables[name]
        for attribute in ("units", "standard_name"):
            if not getattr(var, attribute, ""):
                fail(f"{path}: coordinate {name} has no {attribute}")
        bounds = getattr(var, "bounds", None)
        if bounds is not None:
            shape = nc.variables[bounds].shape if bounds in nc.variables else None
            if shape != (var.shape[0], 2):
                fail(f"{path}: {name}:bounds {bounds} has shape {shape}")
        elif name == "time":
            fail(f"{path}: time has no bounds")
    if "time" in nc.variables:
        time = nc.variables["time"]
        if not time.units.startswith("days since ") or not getattr(time, "calendar", ""):
            fail(f"{path}: time units/calendar {time.units!r}/{getattr(time, 'calendar', '')!r}")


def check_field(path, nc, var):
    for attribute in ("units", "long_name", "grid_mapping"):
        if not getattr(var, attribute, ""):
            fail(f"{path}: {var.name} has no {attribute}")
    mapping = nc.variables.get(var.grid_mapping)
    if mapping is None or not getattr(mapping, "grid_mapping_name", ""):
        fail(f"{path}: {var.name}:grid_mapping {var.grid_mapping!r} names no grid mapping")
    is_count = var.name.endswith(("_count", "_ngranules"))  # 0 is a count, not a gap
    if "_FillValue" not in var.ncattrs() and not is_count:
        fail(f"{path}: {var.name} has no _FillValue")
    if "_FillValue" in var.ncattrs() and np.asarray(var._FillValue).dtype != var.dtype:
        fail(f"{path}: {var.name}:_FillValue is {np.asarray(var._FillValue).dtype}, "
             f"not {var.dtype}")
    methods = getattr(var, "cell_methods", None)
    if methods is None:
        if not is_count:
            fail(f"{path}: {var.name} has no cell_methods")
        return
    entries = parse_cell_methods(methods)
    if entries is None:
        fail(f"{path}: {var.name}:cell_methods {methods!r} is not CF's grammar")
    for names, method, _ in entries:
        for name in names:
            if name not in var.dimensions and name not in ("area", "time"):
                fail(f"{path}: {var.name}:cell_methods names {name!r}")
        if method not in CF_METHODS:
            fail(f"{path}: {var.name}:cell_methods method {method!r} is not CF's")


def check_globals(path, nc, instrument, platform):
    attrs = {name: nc.getncattr(name) for name in nc.ncattrs()}
    want = {"Conventions": "CF-1.8", "processing_level": "L3 Mapped",
            "product_name": os.path.basename(path), "instrument": instrument,
            "platform": platform}
    for name, value in want.items():
        if attrs.get(name) != value:
            fail(f"{path}: {name} = {attrs.get(name)!r}, expected {value!r}")
    for name in ("time_coverage_start", "time_coverage_end"):
        if not ISO_UTC.match(attrs.get(name, "")):
            fail(f"{path}: {name} = {attrs.get(name)!r}, not ISO 8601 UTC")
    if "time_bnds" in nc.variables:
        bounds = nc.variables["time_bnds"][:]
        epoch = np.datetime64("1970-01-01T00:00:00")
        first = str(epoch + np.timedelta64(int(bounds[0][0]), "D")) + "Z"
        last = str(epoch + np.timedelta64(int(bounds[-1][1]), "D")) + "Z"
        if (attrs["time_coverage_start"], attrs["time_coverage_end"]) != (first, last):
            fail(f"{path}: time coverage {attrs['time_coverage_start']} .. "
                 f"{attrs['time_coverage_end']}, periods {first} .. {last}")
    masked = attrs.get("l2_flags_masked")
    if (masked == "none") != ("l2_flag_names" not in attrs):
        fail(f"{path}: l2_flags_masked {masked!r} but l2_flag_names {attrs.get('l2_flag_names')!r}")


def main():
    e2e_dir = sys.argv[1]
    for name, (cell_methods, instrument, platform) in EXPECTED.items():
        path = os.path.join(e2e_dir, name)
        with netCDF4.Dataset(path) as nc:
            check_coordinates(path, nc)
            grids = {("lat", "lon"), ("y", "x")}
            fields = [v for v in nc.variables.values() if v.dimensions[-2:] in grids
                      and v.name not in ("lat", "lon")]
            if not fields:
                fail(f"{path}: no fields")
            for var in fields:
                check_field(path, nc, var)
            for field, methods in cell_methods.items():
                got = getattr(nc.variables[field], "cell_methods", None)
                if got != methods:
                    fail(f"{path}: {field}:cell_methods {got!r}, expected {methods!r}")
            check_globals(path, nc, instrument, platform)
        print(f"{path}: CF attributes as expected")
    print("OK")


if __name__ == "__main__":
    main()
