#!/usr/bin/env python3
"""Two granules of two sensors: copies of the first two of GRANULE_LIST, the second relabelled
instrument = "MODIS", platform = "Aqua" (netCDF4-python), listed in OUT_LIST. What a
composite of several sensors must say in its instrument/platform (check_cf.py).

    make_mixed_sensors.py GRANULE_LIST OUT_DIR OUT_LIST
"""

import os
import shutil
import sys

import netCDF4


def main():
    granule_list, out_dir, out_list = sys.argv[1:4]
    with open(granule_list) as listing:
        paths = [line.strip() for line in listing if line.strip()][:2]
    os.makedirs(out_dir, exist_ok=True)
    copies = []
    for index, path in enumerate(paths):
        copy = os.path.join(out_dir, os.path.basename(path))
        shutil.copyfile(path, copy)
        if index == 1:
            with netCDF4.Dataset(copy, "a") as nc:
                nc.instrument = "MODIS"
                nc.platform = "Aqua"
        copies.append(copy)
    with open(out_list, "w") as listing:
        listing.write("\n".join(copies) + "\n")


if __name__ == "__main__":
    main()
