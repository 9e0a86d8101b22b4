#pragma once
// Reading one OB.DAAC Level-2 granule (NetCDF4/HDF5) with the HDF5 C API.
// See ../shared/pace-l2-format.md: geophysical_data/<var>, navigation_data/{latitude,longitude}.

#include <cstddef>
#include <string>
#include <vector>

namespace swathgrid {

/// CF-style description of the gridded variable, copied from the input into the output.
struct VariableInfo {
  std::string name;           ///< e.g. "chlor_a"
  std::string units;          ///< e.g. "mg m^-3"
  std::string long_name;
  std::string standard_name;
  bool has_valid_range = false;
  double valid_min = 0.0;     ///< physical units (after scale_factor/add_offset)
  double valid_max = 0.0;
};

/// One granule in memory: every array has lines * pixels elements, row-major (line-major).
/// Invalid entries are NaN: fill values, values outside valid_min..valid_max, and
/// latitude/longitude that are fill or outside [-90, 90] / [-180, 180].
struct Granule {
  std::string path;
  std::size_t lines = 0;
  std::size_t pixels = 0;
  std::vector<float> latitude;   ///< degrees north
  std::vector<float> longitude;  ///< degrees east
  std::vector<float> values;     ///< physical units of `info`
  VariableInfo info;
  std::string time_coverage_start;  ///< ISO 8601 UTC as in the file, "" when absent
  std::size_t bytes_read = 0;       ///< uncompressed bytes of the arrays read
};

/// Reads `variable` (2-D, in group geophysical_data) and the navigation of granule `path`.
/// Applies _FillValue (on stored values), scale_factor/add_offset, valid_min/valid_max.
/// Throws swathgrid::Error "granule <path>: <reason>" for a missing, unreadable or malformed
/// file; HDF5's own error stack is never printed.
Granule read_granule(const std::string& path, const std::string& variable);

}  // namespace swathgrid
