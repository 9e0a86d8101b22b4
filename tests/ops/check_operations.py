#!/usr/bin/env python3
"""Checks the files of the ops_run_* tests (tests/ops/CMakeLists.txt) with independent
readers: netCDF4 for the composite, GDAL for the GeoTIFF and the PNG, json for the report.

    check_operations.py report|accumulators|geotiff|quicklook|quiet|progress|huge_pages OPS_DIR
        GRANULE_LIST
"""
import datetime
import json
import math
import os
import re
import sys

import netCDF4
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

BBOX = (-77.0, 36.0, -73.0, 41.0)  # the runs' --bbox
RES = 0.01  # the runs' --res (chlor, poc_daily)
TITLE_ROWS = 11  # rows of the quicklook's title strip (src/output/quicklook_picture.hpp)
LEGEND_ROWS = 24  # rows of the quicklook's legend strip
PERIOD_WORDS = {"day": "day ", "8day": "8-day ", "month": "month "}  # in quicklook titles
PHASES = ["read", "project", "regrid", "loop", "wait", "reduce", "write", "export", "total"]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def read_text(path):
    with open(path) as f:
        return f.read()


def granule_count(granule_list):
    return sum(1 for line in read_text(granule_list).splitlines() if line.strip())


def netcdf_variable(path, name):
    """The raw values (fill values kept) as north-up rows: [..., row 0 = north, col]."""
    with netCDF4.Dataset(path) as nc:
        var = nc.variables[name]
        var.set_auto_maskandscale(False)
        values = np.array(var[:])
        lat = np.array(nc.variables["y" if "y" in nc.variables else "lat"][:])  # the y axis
        fill = var.getncattr("_FillValue") if "_FillValue" in var.ncattrs() else None
    if lat[0] < lat[-1]:
        values = values[..., ::-1, :]
    return values, fill


def check_report(ops, granule_list):
    report = json.loads(read_text(ops + "/chlor.json"))
    summary = read_text(ops + "/chlor.out")
    total = granule_count(granule_list)
    expect(report["program"] == "swathgrid", "program")
    expect(report["ranks"] == 2, "ranks: %s, run on 2" % report["ranks"])
    expect(report["threads"] >= 1, "threads")
    ahead = report["ranks_reading_ahead"]  # --read-ahead auto: depends on the machine's cores
    expect(0 <= ahead <= 2, "ranks_reading_ahead %s" % ahead)
    expect(("reading ahead" in summary) == (ahead > 0), "summary says reading ahead iff it did")
    expect(report["variables"] == ["chlor_a"] and report["stats"] == ["mean", "count"],
           "variables/stats")
    g = report["granules"]
    expect(g["total"] == total, "granules.total %d, list has %d" % (g["total"], total))
    expect(len(g["per_rank"]) == 2 and sum(g["per_rank"]) == g["read"], "granules per rank")
    expect(g["read"] + g["skipped_by_bounds"] == total, "read + skipped != total")
    grid = report["grid"]
    expect((grid["nx"], grid["ny"]) == (400, 500), "grid size %s" % ((grid["nx"], grid["ny"]),))
    expect(math.isclose(grid["cell_size"], RES) and math.isclose(grid["x_min"], BBOX[0])
           and math.isclose(grid["y_max"], BBOX[3]), "grid extent")
    counts, _ = netcdf_variable(ops + "/chlor.nc", "chlor_a_count")
    expect(report["cells_with_data"] == int((counts > 0).sum()), "cells_with_data vs the file")
    expect(report["pixels"]["binned"] == int(counts.sum()), "pixels.binned vs sum of counts")
    expect(0 < report["bytes_read"] <= report["bytes_whole_granules"], "bytes_read")
    # MPI traffic (PMPI counters): every rank makes the same collective calls (the dynamic
    # schedule's counter is one-sided, not collective), so the counts agree; rank 0 writes
    # the coordinates, so every rank hands MPI-IO bytes.
    mpi = report["mpi_per_rank"]
    expect(all(len(v) == 2 for v in mpi.values()), "mpi_per_rank: one entry per rank")
    expect(mpi["collectives"][0] == mpi["collectives"][1] > 10,
           "collective calls per rank %s" % mpi["collectives"])
    expect(all(b > 0 for b in mpi["bytes_sent"] + mpi["bytes_received"]), "mpi bytes")
    expect(mpi["io_collectives"][0] == mpi["io_collectives"][1] > 0, "MPI-IO collectives")
    rss = report["peak_rss_bytes_per_rank"]
    expect(len(rss) == 2 and all(10e6 < r < 8e9 for r in rss), "peak RSS per rank %s" % rss)
    # NetCDF-4's chunks are stored by rank 0 through HDF5 itself (direct writes): the header
    # and coordinates through MPI-IO, the chunks counted apart; together the file's bytes but
    # the chunk indexes HDF5 writes on rank 0 (here 3 KB of 491 KB).
    direct = report["direct_write_bytes_per_rank"]
    expect(all(b > 0 for b in mpi["io_bytes"]) and direct[0] > 0 and direct[1] == 0 and
           sum(mpi["io_bytes"]) + sum(direct) >= 0.95 * os.path.getsize(ops + "/chlor.nc"),
           "MPI-IO bytes %s and direct writes %s below the file's size"
           % (mpi["io_bytes"], direct))
    phases = report["phases"]
    expect(list(phases) == PHASES, "phases %s" % list(phases))
    for name, p in phases.items():
        per_rank = p["per_rank"]
        expect(len(per_rank) == 2 and all(t >= 0 for t in per_rank), name + ": per_rank")
        close = lambda a, b: math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9)  # 9 digits
        expect(close(p["min"], min(per_rank)) and close(p["max"], max(per_rank))
               and close(p["median"], sum(per_rank) / 2),
               name + ": min/median/max do not match per_rank")
    eps = 1e-3
    for r in range(2):
        t = {name: phases[name]["per_rank"][r] for name in PHASES}
        expect(t["read"] + t["project"] + t["regrid"] <= t["loop"] + eps,
               "rank %d: read + project + regrid > loop" % r)
        expect(t["loop"] + t["wait"] + t["reduce"] + t["write"] + t["export"] <= t["total"] + eps,
               "rank %d: phases add up to more than the total" % r)
    expect(phases["export"]["per_rank"][0] > 0, "rank 0 exported but took no time")
    expect(all(t > 0 for t in phases["write"]["per_rank"]), "a rank wrote but took no time")
    expect(math.isclose(report["seconds"], phases["total"]["max"]), "seconds != total max")
    # The text summary shows the same numbers.
    expect("%d cells with data" % report["cells_with_data"] in summary, "summary: cells")
    expect("%d values gridded" % report["pixels"]["binned"] in summary, "summary: pixels")
    perf = dict(re.findall(r"(\w+)=([0-9.]+)", summary.split("PERFORMANCE")[1]))
    expect(math.isclose(float(perf["seconds"]), report["seconds"], abs_tol=6e-4),
           "PERFORMANCE seconds vs the report")
    expect(int(perf["ranks"]) == 2 and int(perf["pixels"]) == report["pixels"]["binned"],
           "PERFORMANCE ranks/pixels")
    for name in PHASES:
        row = re.search(r"^  %s +([0-9.]+) +([0-9.]+) +([0-9.]+)$" % name, summary, re.M)
        expect(row is not None, "summary lacks the phase row " + name)
        for value, key in zip(row.groups(), ("min", "median", "max")):
            expect(abs(float(value) - phases[name][key]) <= 6e-4, "summary %s %s" % (name, key))
    expect("also wrote %s/chlor.json (--report)" % ops in summary, "summary: report path")


def expected_geotransform(path):
    """North-up transform from the file's cell-centre coordinates (lon/lat or x/y)."""
    with netCDF4.Dataset(path) as nc:
        xname, yname = ("x", "y") if "x" in nc.variables else ("lon", "lat")  # 1-D axes
        x = np.array(nc.variables[xname][:])
        y = np.array(nc.variables[yname][:])
    dx = (x[-1] - x[0]) / (len(x) - 1)
    dy = abs(y[-1] - y[0]) / (len(y) - 1)
    return (x[0] - dx / 2, dx, 0.0, y.max() + dy / 2, 0.0, -dy)


def check_geotiff_of(ops, name, variable, bands, epsg=4326):
    tif = gdal.Open(ops + "/" + name + ".tif")
    expect(tif.GetDriver().ShortName == "GTiff", "not a GeoTIFF")
    expect(tif.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG", name + ": not a COG")
    srs = tif.GetSpatialRef()
    wanted = osr.SpatialReference()
    wanted.ImportFromEPSG(epsg)
    expect(srs is not None and srs.IsSame(wanted, ["IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES"]),
           name + ": CRS is not EPSG:%d: %s" % (epsg, srs.ExportToWkt() if srs else None))
    expected = expected_geotransform(ops + "/" + name + ".nc")
    if epsg == 4326:  # also against the runs' --bbox/--res, independent of the file
        expected_box = (BBOX[0], RES, 0.0, BBOX[3], 0.0, -RES)
        expect(all(math.isclose(a, b, abs_tol=1e-9) for a, b in zip(expected, expected_box)),
               name + ": file coordinates %s, --bbox/--res give %s" % (expected, expected_box))
    got = tif.GetGeoTransform()
    expect(all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6) for a, b in zip(got, expected)),
           name + ": geotransform %s, expected %s" % (got, expected))
    values, fill = netcdf_variable(ops + "/" + name + ".nc", variable)
    values = values.reshape((-1,) + values.shape[-2:])
    expect(tif.RasterCount == bands == values.shape[0],
           name + ": %d bands, expected %d" % (tif.RasterCount, bands))
    for b in range(bands):
        band = tif.GetRasterBand(b + 1)
        expect(band.GetNoDataValue() == fill, name + ": nodata %s, _FillValue %s"
               % (band.GetNoDataValue(), fill))
        expect(band.DataType == gdal.GDT_Float32, name + ": not float32")
        data = band.ReadAsArray()
        expect(np.array_equal(data, values[b]), name + ": band %d differs from the netCDF" % b)
        expect((data != fill).sum() > 100, name + ": band %d nearly empty" % b)


def check_geotiff(ops, _):
    check_geotiff_of(ops, "chlor", "chlor_a", 1)
    with netCDF4.Dataset(ops + "/poc_daily.nc") as nc:
        days = len(nc.dimensions["time"])
    expect(days >= 2, "poc_daily: %d days, the granules span 3" % days)
    check_geotiff_of(ops, "poc_daily", "poc", days)
    check_geotiff_of(ops, "polar", "chlor_a", 1, epsg=3413)


def expected_title(path, variable):
    """The quicklook's title from the netCDF: variable, first wavelength, first period."""
    with netCDF4.Dataset(path) as nc:
        var = nc.variables[variable]
        title = variable
        if "wavelength" in var.dimensions:
            title += " %.5g nm" % nc.variables["wavelength"][0]
        if "time" in var.dimensions:
            epoch = datetime.date(1970, 1, 1)
            start, end = (int(v) for v in nc.variables["time_bnds"][0])
            first = (epoch + datetime.timedelta(days=start)).isoformat()
            last = (epoch + datetime.timedelta(days=end - 1)).isoformat()
        else:
            first, last = nc.time_coverage_start[:10], nc.time_coverage_end[:10]
        title += ", " + PERIOD_WORDS.get(nc.period, "") + first
        return title + ("" if last == first else " to " + last)


def check_quicklook_of(ops, name, variable, scale):
    values, fill = netcdf_variable(ops + "/" + name + ".nc", variable)
    first = values.reshape((-1,) + values.shape[-2:])[0]
    png = gdal.Open(ops + "/" + name + ".png")
    expect(png.GetDriver().ShortName == "PNG", name + ": not a PNG")
    ny, nx = first.shape
    expect(png.GetMetadataItem("title_rows") == str(TITLE_ROWS), name + ": title_rows")
    expect(png.GetMetadataItem("legend_rows") == str(LEGEND_ROWS), name + ": legend_rows")
    expect((png.RasterXSize, png.RasterYSize) == (nx, TITLE_ROWS + ny + LEGEND_ROWS),
           name + ": size %dx%d, grid %dx%d" % (png.RasterXSize, png.RasterYSize, nx, ny))
    expect(png.RasterCount == 4, name + ": not RGBA")
    alpha = png.GetRasterBand(4).ReadAsArray()
    top, bottom = TITLE_ROWS, TITLE_ROWS + ny
    has_data = first != fill if fill is not None else np.ones(first.shape, bool)
    expect(np.array_equal(alpha[top:bottom] == 0, ~has_data), name + ": transparent != no data")
    expect((alpha[top:bottom][has_data] == 255).all(), name + ": cells with data not opaque")
    expect((alpha[:top] == 255).all() and (alpha[bottom:] == 255).all(),
           name + ": title or legend not opaque")
    title = expected_title(ops + "/" + name + ".nc", variable)
    expect(png.GetMetadataItem("title") == title,
           name + ": title '%s', expected '%s'" % (png.GetMetadataItem("title"), title))
    strip = np.stack([png.GetRasterBand(b).ReadAsArray()[:top] for b in (1, 2, 3)])
    ink = (strip == 0).all(axis=0).sum()  # black pixels: the title's text, cut to the width
    shown = title[:(nx - 3) // 6]  # 6 pixels a character, 2 of margin either side
    expect(ink >= 4 * len(shown.replace(" ", "")), name + ": title not drawn (%d pixels)" % ink)
    rgb = np.stack([png.GetRasterBand(b).ReadAsArray()[top:bottom] for b in (1, 2, 3)])
    expect(len({tuple(c) for c in rgb[:, has_data].T}) > 20, name + ": too few colours")
    expect(png.GetMetadataItem("colour_scale") == scale,
           name + ": colour scale %s, expected %s" % (png.GetMetadataItem("colour_scale"), scale))


def check_quicklook(ops, _):
    check_quicklook_of(ops, "chlor", "chlor_a", "log10")
    check_quicklook_of(ops, "poc_daily", "poc", "log10")  # units mg m^-3
    check_quicklook_of(ops, "count", "chlor_a_count", "linear")
    check_quicklook_of(ops, "polar", "chlor_a", "log10")
    check_quicklook_of(ops, "rrs_daily", "Rrs", "linear")  # the title names the wavelength


def check_accumulators(ops, _):
    # The same composite on one rank with 16- and 12-byte accumulators: the same tiles, so
    # the reports' tile bytes are exactly in the ratio 4 : 3.
    wide = json.loads(read_text(ops + "/tiles_wide.json"))["accumulators"]
    compact = json.loads(read_text(ops + "/tiles_compact.json"))["accumulators"]
    expect(wide["kind"] == "wide" and compact["kind"] == "compact",
           "kinds %s, %s" % (wide["kind"], compact["kind"]))
    (w,), (c,) = wide["tile_bytes_per_rank"], compact["tile_bytes_per_rank"]
    expect(w > 0 and w % (16 * 128 * 128) == 0, "wide tile bytes %d: whole 128^2 tiles" % w)
    expect(4 * c == 3 * w, "compact tile bytes %d, wide %d: not 12 to 16 per cell" % (c, w))
    summary = read_text(ops + "/tiles_compact.out")
    expect("compact accumulators, %.1f MB of tiles" % (c / 1e6) in summary,
           "summary lacks the tiles' memory: " + summary.splitlines()[0][-200:])


def check_quiet(ops, _):
    for stream in ("out", "err"):
        text = read_text(ops + "/poc_daily." + stream)
        expect(text == "", "--quiet run printed on std%s: %r" % (stream, text[:200]))
    report = json.loads(read_text(ops + "/poc_daily.json"))  # --quiet still writes files
    expect(report["ranks"] == 1 and report["variables"] == ["poc"], "poc_daily report")
    # Several periods: a cell counts once however many days have data there (both
    # accumulator storages finalize apart).
    for name in ("poc_daily", "cells_daily"):
        report = json.loads(read_text(ops + "/" + name + ".json"))
        counts, _ = netcdf_variable(ops + "/" + name + ".nc", "poc_count")
        per_day = (counts > 0).sum(axis=(1, 2))
        union = int((counts > 0).any(axis=0).sum())
        expect(report["cells_with_data"] == union and union < per_day.sum(),
               "%s cells_with_data %d: the union of the days' %s is %d"
               % (name, report["cells_with_data"], list(per_day), union))


def check_progress(ops, granule_list):
    total = granule_count(granule_list)
    err = read_text(ops + "/progress.err")
    expect("\r" not in err, "progress on a non-terminal must not use carriage returns")
    lines = [l for l in err.splitlines() if l.startswith("swathgrid: progress:")]
    # One rank, static schedule, SWATHGRID_PROGRESS_INTERVAL=0: a line per finished granule
    # while the next is claimed: 1/N .. (N-1)/N.
    pattern = re.compile(r"^swathgrid: progress: (\d+)/(\d+) granules \((\d+) %\), "
                         r"[0-9.]+ granules/s(, ETA .+)?$")
    done = []
    for line in lines:
        m = pattern.match(line)
        expect(m is not None, "progress line %r" % line)
        expect(int(m.group(2)) == total, "total in %r" % line)
        expect(int(m.group(3)) == 100 * int(m.group(1)) // total, "percent in %r" % line)
        expect(m.group(4) is not None, "no ETA in %r" % line)
        done.append(int(m.group(1)))
    expect(done == list(range(1, total)), "progress counts %s, expected 1..%d" % (done, total - 1))
    expect("wrote " in read_text(ops + "/progress.out"), "summary missing without --quiet")


def transparent_huge_page_mode():
    try:
        text = read_text("/sys/kernel/mm/transparent_hugepage/enabled")
    except OSError:
        return ""
    m = re.search(r"\[(\w+)\]", text)
    return m.group(1) if m else ""


def glibc_malloc_has_hugetlb():
    """glibc >= 2.35 (the tunable glibc.malloc.hugetlb) and its malloc in the program."""
    if os.environ.get("SWATHGRID_TEST_SANITIZED"):
        return False
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        major, minor = (int(part) for part in version.split(".")[:2])
    except (ValueError, OSError, AttributeError):
        return False
    return name == "glibc" and (major, minor) >= (2, 35)


def check_point_to_point(ops, _):
    # On one node, unless the user chose, swathgrid asks Open MPI for ob1 (shared memory)
    # instead of UCX, which probes every network device in MPI_Init
    # (src/parallel/environment.cpp). Both runs are 2 ranks under mpiexec on this machine.
    ours = json.loads(read_text(ops + "/chlor.json"))["mpi_point_to_point"]
    users = json.loads(read_text(ops + "/users_pml.json"))["mpi_point_to_point"]
    expect(ours == "ob1 (one node)", "mpi_point_to_point %r on one node; expected ob1" % ours)
    expect(users == "^ucx (user's)", "mpi_point_to_point %r with OMPI_MCA_pml=^ucx" % users)
    for name in ("chlor_a", "chlor_a_count"):
        a, _ = netcdf_variable(ops + "/chlor.nc", name)
        b, _ = netcdf_variable(ops + "/users_pml.nc", name)
        expect(np.array_equal(a, b, equal_nan=True), "%s differs between the two" % name)


def check_huge_pages(ops, _):
    # Where the kernel gives huge pages only on request ("madvise") the program restarts
    # itself once with glibc's malloc asking for them (src/parallel/environment.cpp), unless
    # SWATHGRID_HUGE_PAGES=off or the user's own GLIBC_TUNABLES say otherwise; under "always"
    # the kernel does it anyway. The composite is the same either way.
    mode = transparent_huge_page_mode()
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    users = "glibc.malloc.hugetlb" in tunables
    malloc_possible = mode == "madvise" and glibc_malloc_has_hugetlb()
    if mode == "always":
        expected_on = expected_off = "kernel"
    else:
        users_on = malloc_possible and "glibc.malloc.hugetlb=1" in tunables
        expected_on = "malloc" if users_on or (malloc_possible and not users) else "no"
        expected_off = "malloc" if users_on else "no"
    on = json.loads(read_text(ops + "/chlor.json"))["huge_pages"]
    off = json.loads(read_text(ops + "/huge_pages_off.json"))["huge_pages"]
    expect(on == expected_on, "huge_pages %r on 2 ranks; expected %r (THP mode %r)"
           % (on, expected_on, mode))
    expect(off == expected_off, "huge_pages %r with SWATHGRID_HUGE_PAGES=off; expected %r"
           % (off, expected_off))
    summary = read_text(ops + "/chlor.out")
    expect(("huge pages" in summary) == (on != "no"), "summary says huge pages iff in use")
    for name in ("chlor_a", "chlor_a_count"):
        a, _ = netcdf_variable(ops + "/tiles_wide.nc", name)
        b, _ = netcdf_variable(ops + "/huge_pages_off.nc", name)
        expect(np.array_equal(a, b), name + " differs between huge pages and not")


CHECKS = {"report": check_report, "accumulators": check_accumulators,
          "geotiff": check_geotiff, "quicklook": check_quicklook,
          "quiet": check_quiet, "progress": check_progress, "huge_pages": check_huge_pages,
          "point_to_point": check_point_to_point}

if __name__ == "__main__":
    CHECKS[sys.argv[1]](sys.argv[2], sys.argv[3])
    print("ok: " + sys.argv[1])
