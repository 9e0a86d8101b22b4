#pragma once
// Writes a synthetic granule's arrays in the OB.DAAC Level-2 NetCDF4 layout
// (../shared/pace-l2-format.md): root dimensions and global attributes, then the groups
// sensor_band_parameters, scan_line_attributes, geophysical_data, navigation_data,
// processing_control.

#include <cstdint>
#include <string>

#include "swathgrid/synth.hpp"
#include "synth_arrays.hpp"
#include "synth_geometry.hpp"
#include "synth_nc4.hpp"

namespace swathgrid::synth_detail {

/// What the file says about itself besides the arrays.
struct GranuleDescription {
  std::string product_name;   ///< file name, e.g. PACE_OCI.20240801T174000.L2.OC_BGC.V3_0.nc
  std::int64_t start_ms = 0;  ///< UTC of the first line, ms since 1970
  std::int64_t end_ms = 0;    ///< UTC of the last line
  SynthGranuleOptions options;
};

/// Latitude/longitude extent of the valid navigation.
struct Extent {
  float lat_min, lat_max, lon_min, lon_max;
};
Extent navigation_extent(const GranuleArrays& arrays);
/// The extent as OCSSW's libgring reports it (SynthGranuleOptions::gring_attributes): true
/// latitude bounds, longitude bounds that can miss pixels of scans that are not monotonic.
Extent gring_extent(const GranuleArrays& arrays, std::size_t pixels);

/// Solar zenith angle (degrees) at a time and place (declination and hour-angle formula).
double solar_zenith_deg(std::int64_t utc_ms, double lat_deg, double lon_deg);

/// Writes the whole file at `path` (truncating it); errors name `name_in_errors`.
void write_granule_file(const std::string& path, const std::string& name_in_errors,
                        const GranuleDescription& description, const SwathGeometry& geometry,
                        const GranuleArrays& arrays);

// Parts of write_granule_file, one per group (synth_groups.cpp; the AOP suite's
// geophysical_data in synth_aop_groups.cpp).
void write_sensor_band_parameters(Nc4File& file);
void write_scan_line_attributes(Nc4File& file, const GranuleDescription& description,
                                const SwathGeometry& geometry, const GranuleArrays& arrays);
void write_bgc_geophysical_data(Nc4File& file, const GranuleArrays& arrays);
void write_aop_geophysical_data(Nc4File& file, const GranuleDescription& description,
                                const SwathGeometry& geometry, const GranuleArrays& arrays);
void write_navigation_data(Nc4File& file, const SwathGeometry& geometry,
                           const GranuleArrays& arrays);
void write_processing_control(Nc4File& file, const GranuleDescription& description,
                              const GranuleArrays& arrays);

// Shared by both suites' geophysical_data.
constexpr hsize_t kChunkLines = 256;  // swath variables: chunks of whole lines
constexpr int kDeflateLevel = 2;      // sizes within 2% of level 4, writes much faster

/// A (number_of_lines, pixels_per_line) variable, chunked by whole lines and compressed.
H5Id define_swath_variable(Nc4File& file, hid_t group, const std::string& name, hid_t file_type,
                           hid_t memory_type, const void* fill);

/// geophysical_data/l2_flags with its flag_masks and flag_meanings.
void write_l2_flags(Nc4File& file, hid_t group, const GranuleArrays& arrays);

}  // namespace swathgrid::synth_detail
