#!/usr/bin/env python3
"""A night granule: a copy of the first granule of GRANULE_LIST with day_night_flag =
"Night" (netCDF4-python), listed in OUT_LIST. --day data must refuse it (swathgrid follows
NASA's daytime data-day rule only), --day utc must take it.

    make_night_granule.py GRANULE_LIST OUT_DIR OUT_LIST
"""

import os
import shutil
import sys

import netCDF4


def main():
    granule_list, out_dir, out_list = sys.argv[1:4]
    with open(granule_list) as listing:
        path = next(line.strip() for line in listing if line.strip())
    os.makedirs(out_dir, exist_ok=True)
    copy = os.path.join(out_dir, "night_" + os.path.basename(path))
    shutil.copyfile(path, copy)
    with netCDF4.Dataset(copy, "a") as nc:
        nc.day_night_flag = "Night"
    with open(out_list, "w") as listing:
        listing.write(copy + "\n")


if __name__ == "__main__":
    main()
