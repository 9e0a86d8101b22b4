#!/usr/bin/python3
"""Compares swathgrid's `nearest` with GDAL's warper (`warp`) in both georeferencing conventions.

Reads what compare_methods.sh wrote under OUTDIR:

  OUTDIR/granules.txt                       the demo granules, one path a line
  OUTDIR/grids/<granule>.<method>.nc        each granule gridded alone
  OUTDIR/grids/composite.<method>.nc        all granules together (--weight granule)

with <method> one of nearest, warp-tl (GDAL's TOP_LEFT_CORNER, the notebook) and warp-pc
(--warp-convention pixel-center). For each pair (nearest vs warp-tl, nearest vs warp-pc,
warp-tl vs warp-pc), for the composite and for the granules gridded alone (pooled: the
cells of all 16 grids together; also the range over granules):

  coverage agreement   cells with a value in both / cells with a value in either
  identical            fraction of the common cells whose values are equal (float32)
  within 1 %           fraction of the common cells with |rel| <= 0.01
  median, p95          of |rel| over the common cells
  rel = (first - second) / second, e.g. (nearest - warp-tl) / warp-tl

and the same over the "coastal gradient" cells: cells within 25 km of land (cells without
a value in any composite) where |grad ln chl| of the nearest composite is in the top decile
of the box. One mask for every pair and every grid.

Per granule it also traces every cell back to the source pixel each method gave it (a
value is copied bit for bit from one of the pixels next to the cell) and says why nearest
and warp-pc differ where they do; it measures the half-pixel shift of the top-left-corner
convention in km from the navigation arrays.

Writes a JSON of all figures (--json), a PNG of the relative-difference maps (--png) and
prints the figures as Markdown tables.

Usage: compare_methods.py OUTDIR [--json FILE] [--png FILE] [--granule NAME]
"""

import argparse
import datetime
import io
import json
import os
import platform
import sys

import netCDF4
import numpy as np
from scipy.ndimage import distance_transform_edt
from scipy.spatial import cKDTree

METHODS = ("nearest", "warp-tl", "warp-pc")
LABELS = {"nearest": "nearest", "warp-tl": "warp-TL", "warp-pc": "warp-PC"}
LONG_LABELS = {"nearest": "nearest", "warp-tl": "warp top-left-corner",
               "warp-pc": "warp pixel-center"}
PAIRS = (("nearest", "warp-tl"), ("nearest", "warp-pc"), ("warp-tl", "warp-pc"))
BOX = (-77.0, 36.0, -73.0, 41.0)  # W, S, E, N as compare_methods.sh grids it
EARTH_RADIUS_KM = 6371.0088
GRADIENT_QUANTILE = 0.9  # top decile
COAST_KM = 25.0
TRACE_NEIGHBOURS = 25  # candidate source pixels per cell when tracing values back
TIE_M = 1.0  # two pixels closer than this to equidistant from a cell centre: a near-tie


def pair_name(a, b):
    return f"{a} vs {b}"


def read_grid(path):
    with netCDF4.Dataset(path) as ds:
        chl = np.ma.filled(ds["chlor_a"][:].astype(np.float64), np.nan)
        lon = np.asarray(ds["lon"][:], dtype=np.float64)
        lat = np.asarray(ds["lat"][:], dtype=np.float64)
    return chl, lon, lat


def cell_km(lat):
    ns = np.deg2rad(abs(lat[1] - lat[0])) * EARTH_RADIUS_KM
    return ns, ns * np.cos(np.deg2rad(lat))


def log_gradient_per_km(chl, lat):
    """|grad ln chl| per km, central differences; NaN next to cells without data."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ln = np.log(chl)
    d_row, d_col = np.gradient(ln)  # per cell
    ns, ew = cell_km(lat)
    return np.hypot(d_row / ns, d_col / ew[:, None])


def coastal_gradient_mask(composites, lat):
    """Cells within COAST_KM of land whose |grad ln chl| (nearest composite) is in the top
    decile of the box. Land: cells without a value in any composite."""
    land = ~np.logical_or.reduce([np.isfinite(c) for c in composites.values()])
    ns, ew = cell_km(lat)
    dist = distance_transform_edt(~land, sampling=(ns, float(np.mean(ew))))
    g = log_gradient_per_km(composites["nearest"], lat)
    finite = np.isfinite(g)
    threshold = float(np.quantile(g[finite], GRADIENT_QUANTILE))
    mask = finite & (g >= threshold) & (dist <= COAST_KM)
    return mask, {"gradient_threshold_per_km": threshold, "coast_km": COAST_KM,
                  "cells": int(mask.sum()),
                  "top_decile_cells_in_box": int((finite & (g >= threshold)).sum())}


class PairAccumulator:
    """Counts and |relative differences| of one pair, possibly over several grids."""

    def __init__(self):
        self.a_only = self.b_only = self.both = self.identical = 0
        self.rel = []

    def add(self, a, b, mask=None):
        va, vb = np.isfinite(a), np.isfinite(b)
        if mask is not None:
            va, vb = va & mask, vb & mask
        both = va & vb
        self.a_only += int((va & ~vb).sum())
        self.b_only += int((vb & ~va).sum())
        self.both += int(both.sum())
        self.identical += int((a[both] == b[both]).sum())
        self.rel.append(np.abs(a[both] - b[both]) / np.abs(b[both]))

    def figures(self):
        rel = np.concatenate(self.rel) if self.rel else np.empty(0)
        either = self.both + self.a_only + self.b_only
        return {
            "cells_both": self.both,
            "cells_first_only": self.a_only,
            "cells_second_only": self.b_only,
            "coverage_agreement": self.both / either if either else None,
            "identical": self.identical / self.both if self.both else None,
            "within_1pct": float((rel <= 0.01).mean()) if rel.size else None,
            "median_abs_rel": float(np.median(rel)) if rel.size else None,
            "p95_abs_rel": float(np.percentile(rel, 95)) if rel.size else None,
            "max_abs_rel": float(rel.max()) if rel.size else None,
        }


def compare(grids, mask, pooled=None):
    """Figures for every pair of `grids` (method -> 2-D array); also adds to `pooled`."""
    result = {"cells": {m: int(np.isfinite(grids[m]).sum()) for m in METHODS}}
    for a, b in PAIRS:
        name = pair_name(a, b)
        acc_all, acc_coast = PairAccumulator(), PairAccumulator()
        acc_all.add(grids[a], grids[b])
        acc_coast.add(grids[a], grids[b], mask)
        result[name] = {"all": acc_all.figures(), "coastal_gradient": acc_coast.figures()}
        if pooled is not None:
            pooled[name]["all"].add(grids[a], grids[b])
            pooled[name]["coastal_gradient"].add(grids[a], grids[b], mask)
    return result


def unit_vectors(lon_deg, lat_deg):
    lon, lat = np.deg2rad(lon_deg), np.deg2rad(lat_deg)
    return np.stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)), axis=-1)


def read_granule(path):
    with netCDF4.Dataset(path) as ds:
        lon = np.ma.filled(ds["navigation_data/longitude"][:].astype(np.float64), np.nan)
        lat = np.ma.filled(ds["navigation_data/latitude"][:].astype(np.float64), np.nan)
        chl = np.ma.filled(ds["geophysical_data/chlor_a"][:].astype(np.float32), np.nan)
    return lon, lat, chl


def half_pixel_shift(lon, lat):
    """The top-left-corner shift, half a pixel along track plus half across (the direction
    of increasing line and pixel), for the pixels whose centre lies in BOX: its length and
    east/north components (km), and the pixel spacings."""
    w, s, e, n = BOX
    p = unit_vectors(lon, lat) * EARTH_RADIUS_KM
    v_along = p[1:, :-1] - p[:-1, :-1]  # line l -> l+1
    v_across = p[:-1, 1:] - p[:-1, :-1]  # pixel p -> p+1
    c_lon, c_lat = np.deg2rad(lon[:-1, :-1]), np.deg2rad(lat[:-1, :-1])
    with np.errstate(invalid="ignore"):
        inside = ((lon[:-1, :-1] >= w) & (lon[:-1, :-1] < e) & (lat[:-1, :-1] >= s)
                  & (lat[:-1, :-1] < n))
    shift = 0.5 * (v_along + v_across)
    east = np.stack((-np.sin(c_lon), np.cos(c_lon), np.zeros_like(c_lon)), axis=-1)
    north = np.stack((-np.sin(c_lat) * np.cos(c_lon), -np.sin(c_lat) * np.sin(c_lon),
                      np.cos(c_lat)), axis=-1)
    length = np.linalg.norm(shift, axis=-1)
    ok = inside & np.isfinite(length)
    return {"length": length[ok], "east": np.sum(shift * east, axis=-1)[ok],
            "north": np.sum(shift * north, axis=-1)[ok],
            "along": np.linalg.norm(v_along, axis=-1)[ok],
            "across": np.linalg.norm(v_across, axis=-1)[ok]}


def neighbour_differences(lon, lat, chl):
    """|rel| between each pixel whose centre lies in BOX and its next pixel along track,
    across track and diagonally: what a cell's value changes by when it takes a neighbour."""
    w, s, e, n = BOX
    c = chl.astype(np.float64)
    with np.errstate(invalid="ignore"):
        inside = ((lon >= w) & (lon < e) & (lat >= s) & (lat < n))[:-1, :-1]
        out = {}
        for name, other in (("along", c[1:, :-1]), ("across", c[:-1, 1:]),
                            ("diagonal", c[1:, 1:])):
            rel = np.abs(other - c[:-1, :-1]) / c[:-1, :-1]
            out[name] = rel[inside & np.isfinite(rel)]
    return out


def trace_pixels(grids, glon, glat, lon, lat, chl):
    """For every cell with a value in each method's grid, the source pixel it came from:
    among the TRACE_NEIGHBOURS pixel centres nearest to the cell centre, the nearest whose
    value equals the cell's value bit for bit. Returns method -> (pixel index or -1 per
    cell, distance cell centre - pixel centre in km, cells not traced)."""
    w, s, e, n = BOX
    margin = 0.3
    with np.errstate(invalid="ignore"):
        near = ((lon >= w - margin) & (lon <= e + margin) & (lat >= s - margin)
                & (lat <= n + margin))
    idx = np.flatnonzero(near.ravel())
    tree = cKDTree(unit_vectors(lon.ravel()[idx], lat.ravel()[idx]) * EARTH_RADIUS_KM)
    values = chl.ravel()[idx]
    cell_lon, cell_lat = np.meshgrid(glon, glat)
    out = {}
    for m, grid in grids.items():
        cells = np.flatnonzero(np.isfinite(grid.ravel()))
        q = unit_vectors(cell_lon.ravel()[cells], cell_lat.ravel()[cells]) * EARTH_RADIUS_KM
        dist, nbr = tree.query(q, k=TRACE_NEIGHBOURS)
        want = grid.ravel()[cells].astype(np.float32)
        match = values[nbr] == want[:, None]
        first = np.where(match.any(axis=1), match.argmax(axis=1), -1)
        pix = np.full(grid.size, -1, dtype=np.int64)
        dkm = np.full(grid.size, np.nan)
        ok = first >= 0
        pix[cells[ok]] = idx[nbr[ok, first[ok]]]
        dkm[cells[ok]] = dist[ok, first[ok]]
        out[m] = (pix, dkm, int((~ok).sum()))
    return out


def outward_offset(cells, pix, p3, q3):
    """For cells whose pixel is on the first/last line or pixel of the granule: how far the
    cell centre lies beyond that pixel's centre, outwards, in the pixel spacing of that
    direction (0.5 = the edge of the footprint). -inf for other cells."""
    lines, pixels = p3.shape[:2]
    a, b = pix[cells] // pixels, pix[cells] % pixels
    d = q3[cells] - p3[a, b]
    off = np.full(cells.size, -np.inf)

    def project(sel, v, sign):
        with np.errstate(invalid="ignore"):
            s = np.sum(d[sel] * v, axis=-1) / np.sum(v * v, axis=-1)
        off[sel] = np.fmax(off[sel], sign * s)

    first, last = a == 0, a == lines - 1
    project(first, p3[1, b[first]] - p3[0, b[first]], -1.0)
    project(last, p3[lines - 1, b[last]] - p3[lines - 2, b[last]], 1.0)
    first, last = b == 0, b == pixels - 1
    project(first, p3[a[first], 1] - p3[a[first], 0], -1.0)
    project(last, p3[a[last], pixels - 1] - p3[a[last], pixels - 2], 1.0)
    return off, (a == 0) | (a == lines - 1), (b == 0) | (b == pixels - 1)


def explain_nearest_vs_pc(traced, grids, glon, glat, lon, lat, chl):
    """Why nearest and warp-pc differ on one granule."""
    lines, pixels = chl.shape
    pn, dn, _ = traced["nearest"]
    pp, dp, _ = traced["warp-pc"]
    pt, dt, _ = traced["warp-tl"]
    vn = np.isfinite(grids["nearest"].ravel())
    vp = np.isfinite(grids["warp-pc"].ravel())
    both = vn & vp & (pn >= 0) & (pp >= 0)
    diff = both & (pn != pp)
    extra_m = (dp - dn)[diff] * 1000.0
    step_l = np.abs(pn[diff] // pixels - pp[diff] // pixels)
    step_p = np.abs(pn[diff] % pixels - pp[diff] % pixels)

    p3 = unit_vectors(lon, lat) * EARTH_RADIUS_KM
    cl, ca = np.meshgrid(glon, glat)
    q3 = unit_vectors(cl.ravel(), ca.ravel()) * EARTH_RADIUS_KM
    only_n = np.flatnonzero(vn & ~vp)
    off_n, line_edge_n, pixel_edge_n = outward_offset(only_n, pn, p3, q3)
    edge_n = line_edge_n | pixel_edge_n
    fill = ~np.isfinite(chl)
    a, b = pn[only_n] // pixels, pn[only_n] % pixels
    next_to_fill = np.array([fill[max(i - 1, 0):i + 2, max(j - 1, 0):j + 2].any()
                             for i, j in zip(a, b)], dtype=bool)
    pc_cells = np.flatnonzero(vp)
    off_p, le, pe = outward_offset(pc_cells, pp, p3, q3)
    off_p = off_p[le | pe]
    return {
        "cells_both": int(both.sum()),
        "same_pixel": int((both & (pn == pp)).sum()),
        "different_pixel": int(diff.sum()),
        "different_pixel_adjacent": int(((step_l <= 1) & (step_p <= 1)).sum()),
        "different_pixel_near_tie": int((np.abs(extra_m) < TIE_M).sum()),
        "different_pixel_gdal_farther_m": [float(x) for x in extra_m],
        "nearest_only": int(only_n.size),
        "nearest_only_first_or_last_line": int(line_edge_n.sum()),
        "nearest_only_first_or_last_pixel": int(pixel_edge_n.sum()),
        "nearest_only_interior_next_to_fill": int((~edge_n & next_to_fill).sum()),
        "nearest_only_interior_other": int((~edge_n & ~next_to_fill).sum()),
        "nearest_only_edge_offsets": [float(x) for x in off_n[edge_n]],
        "warp_pc_edge_offset_max": float(off_p.max()) if off_p.size else None,
        "warp_pc_only": int((vp & ~vn).sum()),
        "untraced": {m: traced[m][2] for m in METHODS},
        "mean_distance_km": {m: float(np.nanmean(traced[m][1])) for m in METHODS},
        "max_distance_km": {m: float(np.nanmax(traced[m][1])) for m in METHODS},
    }


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def gdal_version():
    try:
        from osgeo import gdal
        return gdal.__version__
    except ImportError:
        return None


def pct(x, digits=2):
    return "n/a" if x is None else f"{100 * x:.{digits}f} %"


def markdown_table(scope):
    head = "| | " + " | ".join(f"{LABELS[a]} vs {LABELS[b]}" for a, b in PAIRS) + " |"
    rows = [head, "|---" * (len(PAIRS) + 1) + "|"]

    def row(label, subset, fmt):
        cells = [fmt(scope[pair_name(a, b)][subset]) for a, b in PAIRS]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    for subset, tag in (("all", ""), ("coastal_gradient", " (coastal gradient)")):
        row(f"cells with a value in both{tag}", subset, lambda f: f"{f['cells_both']:,}")
        row(f"... in the first only / second only{tag}", subset,
            lambda f: f"{f['cells_first_only']:,} / {f['cells_second_only']:,}")
        row(f"coverage agreement{tag}", subset, lambda f: pct(f["coverage_agreement"], 3))
        row(f"identical values{tag}", subset, lambda f: pct(f["identical"], 2))
        row(f"within 1 %{tag}", subset, lambda f: pct(f["within_1pct"], 2))
        row(f"median abs rel. difference{tag}", subset, lambda f: pct(f["median_abs_rel"], 2))
        row(f"95th percentile{tag}", subset, lambda f: pct(f["p95_abs_rel"], 2))
    return "\n".join(rows)


def densest_window(diff, rows, cols):
    """Top-left (row, col) of the rows x cols window holding the most True cells of diff."""
    c = np.pad(np.cumsum(np.cumsum(diff.astype(np.int64), 0), 1), ((1, 0), (1, 0)))
    s = c[rows:, cols:] - c[:-rows, cols:] - c[rows:, :-cols] + c[:-rows, :-cols]
    r, k = np.unravel_index(np.argmax(s), s.shape)
    return int(r), int(k)


def plot(png, composite, granule, granule_name, glon, glat):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle
    from PIL import Image

    limit = 0.1
    half = abs(glon[1] - glon[0]) / 2
    # Zoom: the window of 1.2 x 0.9 degree where the composite's nearest and warp-pc differ most.
    zr, zc = 90, 120
    both = np.isfinite(composite["nearest"]) & np.isfinite(composite["warp-pc"])
    differ = (both & (composite["nearest"] != composite["warp-pc"])) | (
        np.isfinite(composite["nearest"]) != np.isfinite(composite["warp-pc"]))
    r0, c0 = densest_window(differ, zr, zc)
    zoom = (slice(r0, r0 + zr), slice(c0, c0 + zc))
    rows = [("composite of 16 granules", composite, (slice(None), slice(None))),
            ("composite, zoom", composite, zoom)]
    if granule is not None:
        rows.append((f"one granule: {granule_name}", granule, (slice(None), slice(None))))
    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 5.4 * len(rows)), squeeze=False,
                             constrained_layout=True)
    only_cmap = ListedColormap(["black", "#e69f00"])
    for r, (title, grids, window) in enumerate(rows):
        lon, lat = glon[window[1]], glat[window[0]]
        extent = (lon[0] - half, lon[-1] + half, lat[-1] - half, lat[0] + half)
        for c, other in enumerate(("warp-tl", "warp-pc")):
            ax = axes[r][c]
            a, b = grids["nearest"][window], grids[other][window]
            with np.errstate(invalid="ignore"):
                rel = (a - b) / b
            ax.set_facecolor("0.8")
            im = ax.imshow(rel, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=extent,
                           interpolation="nearest", aspect="auto")
            only = np.full(a.shape, np.nan)
            only[np.isfinite(a) & ~np.isfinite(b)] = 0
            only[np.isfinite(b) & ~np.isfinite(a)] = 1
            ax.imshow(only, cmap=only_cmap, vmin=0, vmax=1, extent=extent,
                      interpolation="nearest", aspect="auto")
            common = np.isfinite(rel)
            same = (a[common] == b[common]).mean() if common.any() else float("nan")
            ax.set_title(f"{title}\n(nearest - {LONG_LABELS[other]}) / {LONG_LABELS[other]}\n"
                         f"identical in {100 * same:.2f} % of the cells of both", fontsize=9)
            ax.set_xlabel("longitude (deg)")
            ax.set_ylabel("latitude (deg)")
            if r == 0:
                ax.add_patch(Rectangle((glon[c0] - half, glat[r0 + zr - 1] - half),
                                       zc * 2 * half, zr * 2 * half, fill=False,
                                       edgecolor="green", linewidth=1.2))
        cb = fig.colorbar(im, ax=axes[r].tolist(), shrink=0.85, extend="both")
        cb.set_label("relative difference of chlor_a")
    fig.suptitle("swathgrid nearest vs GDAL warp; demo granules, box -77,36,-73,41 at 0.01 deg, "
                 "--flags none --weight granule\n"
                 "white: identical; black: value from nearest only; orange: from warp only; "
                 "grey: neither (land, or outside the granule); green: zoom",
                 fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    buf.seek(0)
    # An adaptive 256-colour palette keeps the picture small for the repository.
    img = Image.open(buf).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    img.save(png, optimize=True)


def summary(values):
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return None
    return {"n": int(v.size), "min": float(v.min()), "p5": float(np.percentile(v, 5)),
            "median": float(np.median(v)), "p95": float(np.percentile(v, 95)),
            "max": float(v.max())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--json", default=None)
    ap.add_argument("--png", default=None)
    ap.add_argument("--granule", default=None,
                    help="granule to map besides the composite (default: most cells)")
    args = ap.parse_args()
    out = args.outdir
    with open(os.path.join(out, "granules.txt")) as f:
        granule_paths = [line.strip() for line in f if line.strip()]
    stems = [os.path.splitext(os.path.basename(p))[0] for p in granule_paths]

    def grids_of(stem):
        grids = {}
        for m in METHODS:
            grids[m], lon, lat = read_grid(os.path.join(out, "grids", f"{stem}.{m}.nc"))
        return grids, lon, lat

    composite, glon, glat = grids_of("composite")
    with netCDF4.Dataset(os.path.join(out, "grids", "composite.nearest.nc")) as ds:
        software = ds.getncattr("source")
    seconds = None
    if os.path.exists(os.path.join(out, "seconds.txt")):
        with open(os.path.join(out, "seconds.txt")) as f:
            seconds = dict((k, float(v)) for k, v in (line.split() for line in f if line.strip()))
    mask, mask_info = coastal_gradient_mask(composite, glat)
    fig_comp = compare(composite, mask)

    pooled = {pair_name(a, b): {"all": PairAccumulator(), "coastal_gradient": PairAccumulator()}
              for a, b in PAIRS}
    per_granule, per_granule_grids = {}, {}
    shifts, neighbours = [], []
    mean_of_granules = {m: [np.zeros_like(composite[m]), np.zeros_like(composite[m])]
                        for m in METHODS}
    for stem, path in zip(stems, granule_paths):
        grids, _, _ = grids_of(stem)
        per_granule_grids[stem] = grids
        figs = compare(grids, mask, pooled)
        lon, lat, chl = read_granule(path)
        shifts.append(half_pixel_shift(lon, lat))
        neighbours.append(neighbour_differences(lon, lat, chl))
        traced = trace_pixels(grids, glon, glat, lon, lat, chl)
        figs["nearest_vs_pc_explained"] = explain_nearest_vs_pc(traced, grids, glon, glat,
                                                                lon, lat, chl)
        per_granule[stem] = figs
        for m in METHODS:
            ok = np.isfinite(grids[m])
            mean_of_granules[m][0][ok] += grids[m][ok]
            mean_of_granules[m][1][ok] += 1

    # With --weight granule the composite is the mean of the per-granule grids.
    consistency = {}
    for m in METHODS:
        s, n = mean_of_granules[m]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, s / n, np.nan)
        ok = np.isfinite(mean) & np.isfinite(composite[m])
        consistency[m] = {
            "same_cells": bool(np.array_equal(np.isfinite(mean), np.isfinite(composite[m]))),
            "max_abs_rel": float(np.max(np.abs(composite[m][ok] - mean[ok]) / mean[ok])),
        }

    # Where the composite's nearest and warp-pc differ: which granules feed the difference?
    cause = np.zeros(composite["nearest"].shape, dtype=np.int8)  # bit 1 coverage, bit 2 value
    for stem in stems:
        g = per_granule_grids[stem]
        vn, vp = np.isfinite(g["nearest"]), np.isfinite(g["warp-pc"])
        cause[vn != vp] |= 1
        cause[vn & vp & (g["nearest"] != g["warp-pc"])] |= 2
    cn, cp = composite["nearest"], composite["warp-pc"]
    cdiff = np.isfinite(cn) & np.isfinite(cp) & (cn != cp)
    composite_cause = {
        "cells_differing": int(cdiff.sum()),
        "a_granule_covers_it_in_one_method_only": int((cdiff & (cause == 1)).sum()),
        "a_granule_gives_it_another_pixel": int((cdiff & (cause == 2)).sum()),
        "both": int((cdiff & (cause == 3)).sum()),
        "neither": int((cdiff & (cause == 0)).sum()),
    }

    # Totals of the per-granule explanations.
    explained = {}
    lists = {}
    for figs in per_granule.values():
        for k, v in figs["nearest_vs_pc_explained"].items():
            if isinstance(v, int):
                explained[k] = explained.get(k, 0) + v
            elif isinstance(v, list):
                lists.setdefault(k, []).extend(v)
    for k in ("different_pixel_gdal_farther_m", "nearest_only_edge_offsets"):
        explained[k] = summary(lists.get(k, []))
    explained["warp_pc_edge_offset_max"] = max(
        f["nearest_vs_pc_explained"]["warp_pc_edge_offset_max"] or -np.inf
        for f in per_granule.values())
    explained["mean_distance_km_range"] = {
        m: [min(f["nearest_vs_pc_explained"]["mean_distance_km"][m] for f in per_granule.values()),
            max(f["nearest_vs_pc_explained"]["mean_distance_km"][m] for f in per_granule.values())]
        for m in METHODS}

    # Consecutive granules of one pass (starts at most 6 minutes apart) meet at a seam: cells
    # that both fill.
    def start(stem):
        try:
            return datetime.datetime.strptime(stem.split(".")[1], "%Y%m%dT%H%M%S")
        except (IndexError, ValueError):
            return None

    seams = []
    for s1, s2 in zip(stems, stems[1:]):
        t1, t2 = start(s1), start(s2)
        if t1 is None or t2 is None or not 0 < (t2 - t1).total_seconds() <= 360:
            continue
        g1, g2 = per_granule_grids[s1], per_granule_grids[s2]
        seams.append({"granules": [s1, s2], **{
            m: int((np.isfinite(g1[m]) & np.isfinite(g2[m])).sum()) for m in METHODS}})

    nb = {k: np.concatenate([x[k] for x in neighbours]) for k in neighbours[0]}
    neighbour_fig = {k: {"median_abs_rel": float(np.median(v)),
                         "within_1pct": float((v <= 0.01).mean())} for k, v in nb.items()}

    sh = {k: np.concatenate([s[k] for s in shifts]) for k in shifts[0]}
    shift_fig = {
        "pixels_in_box": int(sh["length"].size),
        "length_km": summary(sh["length"]),
        "east_km": summary(sh["east"]),
        "north_km": summary(sh["north"]),
        "along_track_spacing_km": summary(sh["along"]),
        "across_track_spacing_km": summary(sh["across"]),
        "cell_km": {"north_south": float(cell_km(glat)[0]),
                    "east_west": [float(cell_km(glat)[1].min()), float(cell_km(glat)[1].max())]},
    }

    granules_fig = {name: {k: acc.figures() for k, acc in d.items()} for name, d in pooled.items()}
    ranges = {}
    for a, b in PAIRS:
        name = pair_name(a, b)
        ranges[name] = {
            k: [min(per_granule[s][name]["all"][k] for s in stems),
                max(per_granule[s][name]["all"][k] for s in stems)]
            for k in ("coverage_agreement", "identical", "within_1pct", "median_abs_rel",
                      "p95_abs_rel")}
    figures = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(),
        "gdal": gdal_version(),
        "swathgrid": software,
        "source_tree": os.environ.get("SWATHGRID_COMMIT"),
        "seconds": seconds,
        "granules": len(stems),
        "box": BOX,
        "res_deg": 0.01,
        "relative_difference": "(first - second) / second",
        "coastal_gradient_cells": mask_info,
        "composite": fig_comp,
        "granules_pooled": granules_fig,
        "granules_range": ranges,
        "composite_vs_mean_of_granule_grids": consistency,
        "composite_nearest_vs_pc_cause": composite_cause,
        "nearest_vs_pc_explained": explained,
        "top_left_corner_shift": shift_fig,
        "seam_cells_filled_by_both_granules": seams,
        "neighbour_pixel_differences": neighbour_fig,
        "per_granule": per_granule,
    }

    print("## Composite of the granules\n")
    print(markdown_table(fig_comp))
    print("\n## Granules gridded one by one (all cells of the 16 grids)\n")
    print(markdown_table(granules_fig))
    print()
    print(json.dumps({k: figures[k] for k in (
        "coastal_gradient_cells", "granules_range", "composite_vs_mean_of_granule_grids",
        "composite_nearest_vs_pc_cause", "nearest_vs_pc_explained", "top_left_corner_shift",
        "seam_cells_filled_by_both_granules", "neighbour_pixel_differences")},
        indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
    if args.png:
        name = args.granule or max(stems, key=lambda s: per_granule[s]["cells"]["nearest"])
        plot(args.png, composite, per_granule_grids[name], name, glon, glat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
