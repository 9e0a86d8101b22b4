#pragma once
// Reading one OB.DAAC Level-2 granule (NetCDF4/HDF5) with the HDF5 C API.
// See ../shared/pace-l2-format.md: geophysical_data/<var>, geophysical_data/l2_flags,
// navigation_data/{latitude,longitude}, sensor_band_parameters/wavelength(_3d).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "swathgrid/float_array.hpp"
#include "swathgrid/grid.hpp"

namespace swathgrid {

/// CF-style description of a gridded variable, copied from the input into the output.
struct VariableInfo {
  std::string name;   ///< e.g. "chlor_a"
  std::string units;  ///< e.g. "mg m^-3"
  std::string long_name;
  std::string standard_name;
  bool has_valid_range = false;
  double valid_min = 0.0;  ///< physical units (after scale_factor/add_offset)
  double valid_max = 0.0;
};

/// Where the pixels that matter can be: a lat/lon box and a reach beyond it. A pixel farther
/// than margin_deg (great-circle arc) from the box is never needed. The caller derives it
/// from the output grid (lat/lon grids: their extent; projected ones: geographic_bounds)
/// with a margin covering how far a pixel reaches (nearest/warp footprints) plus slack.
struct GeoRegion {
  BBox box;                 ///< degrees; west > east crosses the antimeridian
  double margin_deg = 0.0;  ///< great-circle distance beyond the box, degrees of arc (>= 0)
};

/// True when the region's box is the whole globe: nothing can be left out.
bool region_is_global(const GeoRegion& region);

/// A time interval, seconds since 1970-01-01T00:00:00Z (UTC), start inclusive, end exclusive.
struct TimeWindow {
  double start_s = 0.0;
  double end_s = 0.0;
};

/// What to read from a granule.
struct ReadRequest {
  std::vector<std::string> variables{"chlor_a"};  ///< names in group geophysical_data
  std::vector<std::string> mask_flags;  ///< l2_flags names masking a pixel; empty: no flags
  /// When set (and not global), a subset read: the granule is skipped when it cannot come
  /// near the region, otherwise only the lines that can are read (granule_subset.hpp in
  /// src/io says how, and why no line that matters is left out).
  std::optional<GeoRegion> region;
  /// When set, a granule whose time_coverage_start..time_coverage_end misses the window is
  /// skipped. Missing or unparsable times never skip.
  std::optional<TimeWindow> time_window;
  /// Lines between navigation samples of a subset read; 0: chosen from the chunk shape.
  std::size_t sample_stride = 0;
};

/// One variable of a granule: `bands` planes of lines * pixels values (band-major), in
/// physical units, NaN where invalid (fill, outside valid range, flagged, or no navigation).
struct GranuleVariable {
  VariableInfo info;
  std::size_t bands = 1;            ///< 1 for 2-D variables, the 3rd dimension otherwise
  std::vector<double> wavelengths;  ///< nm, one per band of a 3-D variable (empty if unknown)
  FloatArray values;                ///< values[band * lines * pixels + line * pixels + pixel]
};

/// One granule in memory: lines first_line .. first_line + lines - 1 of the file (all of them
/// without a region). Latitude/longitude are NaN where navigation is fill or out of range.
/// A skipped granule (skipped_by_bounds) has lines = 0, no arrays, and variables with their
/// description only; path, pixels, time_coverage_start and the byte counts are set.
struct Granule {
  std::string path;
  std::size_t lines = 0;  ///< lines held (number_of_lines without a region)
  std::size_t pixels = 0;
  std::size_t first_line = 0;      ///< file line of line 0 held
  std::size_t file_lines = 0;      ///< number_of_lines of the file
  bool skipped_by_bounds = false;  ///< outside the request's region or time window: not read
  FloatArray latitude;             ///< degrees north, lines * pixels
  FloatArray longitude;            ///< degrees east, lines * pixels
  std::vector<GranuleVariable> variables;  ///< in the order requested
  std::string time_coverage_start;         ///< ISO 8601 UTC as in the file, "" when absent
  std::string time_coverage_end;           ///< the same for the granule's last line
  std::string instrument, platform;        ///< root attributes ("OCI", "PACE"), "" when absent
  std::string day_night;  ///< root attribute day_night_flag ("Day", "Night", "Mixed"), or ""
  /// Root geospatial_lon_min/max (degrees east), NaN when absent: the data day's west/east.
  double lon_min = std::numeric_limits<double>::quiet_NaN();
  double lon_max = std::numeric_limits<double>::quiet_NaN();
  /// navigation_data gringpointlongitude/latitude (the granule's outline, libgring), empty
  /// when absent.
  std::vector<double> ring_lon, ring_lat;
  std::size_t bytes_read = 0;       ///< uncompressed bytes of the arrays read (incl. the sample
                                    ///< of the navigation a subset read takes first)
  std::size_t bytes_total = 0;      ///< uncompressed bytes a read of the whole file would take
  std::int64_t pixels_flagged = 0;  ///< pixels masked by the requested l2_flags
};

/// Reads the requested variables, l2_flags (when flags are requested) and the navigation of
/// granule `path` (with a region: only the lines that can come near it). Applies _FillValue (on
/// stored values), scale_factor/add_offset, valid_min/valid_max and the flag mask; flag names are
/// looked up in the file's own flag_meanings/flag_masks. Throws swathgrid::Error "granule <path>:
/// <reason>" for a missing, unreadable or malformed file or an unknown flag name; HDF5's own error
/// stack is never printed.
Granule read_granule(const std::string& path, const ReadRequest& request);

/// The requested variables of granule `path` without their values (info, bands,
/// wavelengths): what the output will hold. Throws like read_granule. With `flag_names`, also
/// what check_flag_names checks, on the same open of the file.
std::vector<GranuleVariable> describe_variables(const std::string& path,
                                                const std::vector<std::string>& variables,
                                                const std::vector<std::string>& flag_names = {});

/// Checks that geophysical_data/l2_flags of granule `path` defines every name in `flag_names`
/// (nothing to check when empty). Throws swathgrid::UsageError "--flags: ..." naming the
/// unknown flag (a bad option value, exit 2), swathgrid::Error like read_granule when the
/// file or its l2_flags cannot be read.
void check_flag_names(const std::string& path, const std::vector<std::string>& flag_names);

/// The default flag list: NASA's operational L3 ocean-colour list, what their L3m files give
/// in l2_flag_names (docs/user-guide.md).
const std::vector<std::string>& l2bin_default_flags();

}  // namespace swathgrid
