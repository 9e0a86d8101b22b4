#!/usr/bin/env python3
"""--period day with --day data (NASA's data day) and --day utc, checked against the granules
read back with netCDF4-python and an independent rule.

The granules (swathgrid-synth, a 13:00 local-time sensor): passes across 180 degrees near
01:00 UTC, and narrow passes near 170 W just after 00 UTC. A daytime pixel's data day is
its local solar date: floor((start + lon / 15 h) / 1 day), lon in [-180, 180). That is what
libdataday and l2bin make of these granules (docs/user-guide.md), computed here without
their rule. For each output day: every cell's count equals the number of valid pixels of that
day whose centre lies in the cell (brute force over every pixel). --day utc puts each
granule whole on the UTC day of time_coverage_start. Both files name the sensor (OCI on
PACE) and the period bounds in time_coverage_start/end.

    check_dataday.py GRANULE_LIST DATA_NC UTC_NC
"""

import datetime
import sys

import netCDF4
import numpy as np

SECONDS_PER_DAY = 86400.0
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def seconds(iso):
    parsed = datetime.datetime.strptime(iso.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
    return (parsed.replace(tzinfo=datetime.timezone.utc) - EPOCH).total_seconds()


def valid_pixels(path):
    """(lon, lat, UTC start seconds) of the granule's valid chlor_a pixels."""
    with netCDF4.Dataset(path) as nc:
        start = seconds(nc.time_coverage_start)
        lat = nc["navigation_data/latitude"][:]
        lon = nc["navigation_data/longitude"][:]
        value = nc["geophysical_data/chlor_a"][:]  # masked: fill and outside valid_min/max
    ok = ~(np.ma.getmaskarray(value) | np.ma.getmaskarray(lat) | np.ma.getmaskarray(lon))
    return np.asarray(lon)[ok].astype(np.float64), np.asarray(lat)[ok].astype(np.float64), start


def expected_counts(granules, day_of, grid):
    """{day: counts[row, col]} by brute force; day_of(lon, start) gives each pixel's day."""
    lon_edge, lat_edge, res, ny, nx = grid
    counts = {}
    for lon, lat, start in granules:
        days = day_of(lon, start)
        col = np.floor((lon - lon_edge) / res).astype(np.int64)
        row = np.floor((lat_edge - lat) / res).astype(np.int64)
        inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        for day in np.unique(days[inside]):
            pick = inside & (days == day)
            grid_counts = counts.setdefault(int(day), np.zeros((ny, nx), np.int64))
            np.add.at(grid_counts, (row[pick], col[pick]), 1)
    return counts


def read_output(path):
    with netCDF4.Dataset(path) as nc:
        lon, lat = nc["lon"][:], nc["lat"][:]
        res = float(lon[1] - lon[0])
        grid = (float(lon[0]) - res / 2, float(lat[0]) + res / 2, res, lat.size, lon.size)
        bounds = nc["time_bnds"][:]
        counts = np.ma.filled(nc["chlor_a_count"][:], 0).astype(np.int64)
        attrs = {name: nc.getncattr(name) for name in nc.ncattrs()}
    days = [int(round(b[0])) for b in bounds]  # time in days since 1970-01-01
    return grid, days, bounds, counts, attrs


def iso_day(day):
    return (EPOCH + datetime.timedelta(days=day)).strftime("%Y-%m-%dT00:00:00Z")


def check(path, granules, day_of, kind):
    grid, days, bounds, counts, attrs = read_output(path)
    expected = expected_counts(granules, day_of, grid)
    if sorted(expected) != days:
        fail(f"{path}: days {days}, expected {sorted(expected)}")
    for t, day in enumerate(days):
        if bounds[t][1] - bounds[t][0] != 1:
            fail(f"{path}: period {t} bounds {bounds[t]}")
        differ = np.count_nonzero(counts[t] != expected[day])
        if differ:
            fail(f"{path}: day {iso_day(day)}: {differ} cells differ from the brute force "
                 f"(total {counts[t].sum()} vs {expected[day].sum()})")
    want = {"instrument": "OCI", "platform": "PACE", "day": kind,
            "time_coverage_start": iso_day(days[0]), "time_coverage_end": iso_day(days[-1] + 1)}
    for name, value in want.items():
        if attrs.get(name) != value:
            fail(f"{path}: {name} = {attrs.get(name)!r}, expected {value!r}")
    print(f"{path}: {len(days)} days, " +
          ", ".join(f"{iso_day(d)[:10]}: {counts[t].sum()}" for t, d in enumerate(days)))
    return {d: int(counts[t].sum()) for t, d in enumerate(days)}


def local_solar_day(lon, start):
    return np.floor((start + lon * SECONDS_PER_DAY / 360.0) / SECONDS_PER_DAY).astype(np.int64)


def utc_day(lon, start):
    return np.full(lon.shape, int(start // SECONDS_PER_DAY), np.int64)


def main():
    list_path, data_path, utc_path = sys.argv[1:4]
    with open(list_path) as listing:
        granules = [valid_pixels(line.strip()) for line in listing if line.strip()]
    data = check(data_path, granules, local_solar_day, "data")
    utc = check(utc_path, granules, utc_day, "utc")
    if sum(data.values()) != sum(utc.values()):
        fail(f"pixels: {sum(data.values())} by data day, {sum(utc.values())} by UTC day")
    moved = sum(abs(data.get(d, 0) - utc.get(d, 0)) for d in set(data) | set(utc)) // 2
    if moved == 0:
        fail("no pixel moved between the UTC day and the data day: the granules test nothing")
    print(f"OK: {moved} pixels in another day than their granule's UTC day")


if __name__ == "__main__":
    main()
