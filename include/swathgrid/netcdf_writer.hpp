#pragma once
// Writing the composite as CF-1.8 netCDF through PnetCDF: CDF-2 (64-bit offset), which GDAL
// opens, or CDF-5 when a variable exceeds CDF-2's 4 GiB limit. Collective over `comm`:
// every rank calls it; each rank passes the rows it owns (possibly none).

#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/grid.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

/// Fill value of float statistics in the output (as in OB.DAAC products).
inline constexpr float kOutputFillValue = -32767.0f;

/// One output variable: (lat, lon) on a geographic grid, (y, x) on a projected one, preceded
/// by (time) when the composite has periods and (wavelength) when the field is banded.
struct OutputField {
  std::string name;       ///< e.g. "chlor_a", "chlor_a_count"
  bool is_count = false;  ///< int32 counts (no fill; 0 = no data) or float32 (NaN -> fill)
  std::vector<std::pair<std::string, std::string>> attributes;  ///< text: units, long_name...
  const float* values = nullptr;         ///< float field: this rank's rows (layout below)
  const std::int32_t* counts = nullptr;  ///< count field: this rank's rows (layout below)
  bool banded = false;                   ///< has the wavelength dimension (3-D input variables)
  // Layout of values/counts: [time][band][row][column], this rank's rows only; the time and
  // band indices exist when the file has times / the field is banded.
};

/// One period of a composite by period: [start_day, end_day) in days since 1970-01-01.
struct OutputTime {
  double start_day = 0.0;
  double end_day = 0.0;
  std::string label;  ///< e.g. "2024-08-01", "2024-07-27/2024-08-03", "2024-08"
};

/// Global attributes of the composite.
struct OutputMetadata {
  std::string title;                  ///< e.g. "swathgrid composite of chlor_a"
  std::string history;                ///< the command line
  std::string method;                 ///< "bin", ...
  std::vector<std::string> granules;  ///< input granule names (file names, no directories)
  std::vector<std::pair<std::string, std::string>> extra;  ///< further text attributes
  std::vector<OutputTime> times;       ///< empty: no time dimension (one composite)
  std::vector<double> wavelengths_nm;  ///< the wavelength coordinate of banded fields
};

/// Rows [row_begin, row_begin + row_count) of the grid held by this rank.
struct RowBand {
  std::int64_t row_begin = 0;
  std::int64_t row_count = 0;
};

/// Writes `fields` on `grid` to `path`. A geographic grid gets coordinates lat(lat)/lon(lon)
/// in degrees, a projected one y(y)/x(x) in CRS units; both get bounds and the grid mapping
/// variable `crs` (crs_wkt, spatial_ref, CF grid_mapping_name and parameters where CF names
/// the projection, GeoTransform) that every field points to (docs/grids.md). The file is
/// created under a temporary name in the same directory and renamed to `path` only after a
/// successful close, so a failure never leaves a file at `path`. Throws swathgrid::Error
/// naming the file and the PnetCDF reason.
void write_composite(const std::string& path, const GridDefinition& grid,
                     const OutputMetadata& meta, const std::vector<OutputField>& fields,
                     RowBand band, MPI_Comm comm);

}  // namespace swathgrid
