#pragma once
// Reading one OB.DAAC Level-2 granule (NetCDF4/HDF5) with the HDF5 C API.
// See ../shared/pace-l2-format.md: geophysical_data/<var>, geophysical_data/l2_flags,
// navigation_data/{latitude,longitude}, sensor_band_parameters/wavelength(_3d).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// CF-style description of a gridded variable, copied from the input into the output.
struct VariableInfo {
  std::string name;           ///< e.g. "chlor_a"
  std::string units;          ///< e.g. "mg m^-3"
  std::string long_name;
  std::string standard_name;
  bool has_valid_range = false;
  double valid_min = 0.0;     ///< physical units (after scale_factor/add_offset)
  double valid_max = 0.0;
};

/// What to read from a granule.
struct ReadRequest {
  std::vector<std::string> variables{"chlor_a"};  ///< names in group geophysical_data
  std::vector<std::string> mask_flags;  ///< l2_flags names masking a pixel; empty: no flags
};

/// One variable of a granule: `bands` planes of lines * pixels values (band-major), in
/// physical units, NaN where invalid (fill, outside valid range, flagged, or no navigation).
struct GranuleVariable {
  VariableInfo info;
  std::size_t bands = 1;             ///< 1 for 2-D variables, the 3rd dimension otherwise
  std::vector<double> wavelengths;   ///< nm, one per band of a 3-D variable (empty if unknown)
  std::vector<float> values;         ///< values[band * lines * pixels + line * pixels + pixel]
};

/// One granule in memory. Latitude/longitude are NaN where navigation is fill or out of range.
struct Granule {
  std::string path;
  std::size_t lines = 0;
  std::size_t pixels = 0;
  std::vector<float> latitude;   ///< degrees north, lines * pixels
  std::vector<float> longitude;  ///< degrees east, lines * pixels
  std::vector<GranuleVariable> variables;  ///< in the order requested
  std::string time_coverage_start;  ///< ISO 8601 UTC as in the file, "" when absent
  std::size_t bytes_read = 0;       ///< uncompressed bytes of the arrays read
  std::int64_t pixels_flagged = 0;  ///< pixels masked by the requested l2_flags
};

/// Reads the requested variables, l2_flags (when flags are requested) and the navigation of
/// granule `path`. Applies _FillValue (on stored values), scale_factor/add_offset,
/// valid_min/valid_max and the flag mask; flag names are looked up in the file's own
/// flag_meanings/flag_masks. Throws swathgrid::Error "granule <path>: <reason>" for a
/// missing, unreadable or malformed file or an unknown flag name; HDF5's own error stack is
/// never printed.
Granule read_granule(const std::string& path, const ReadRequest& request);

/// The requested variables of granule `path` without their values (info, bands,
/// wavelengths): what the output will hold. Throws like read_granule.
std::vector<GranuleVariable> describe_variables(const std::string& path,
                                                const std::vector<std::string>& variables);

/// NASA l2bin's default flag list for ocean-colour products (docs/user-guide.md).
const std::vector<std::string>& l2bin_default_flags();

}  // namespace swathgrid
