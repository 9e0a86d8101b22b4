#pragma once
// Synthetic OB.DAAC Level-2 granules in the exact NetCDF4 layout of real files
// (../shared/pace-l2-format.md), with sun-synchronous swath geometry, for tests, the demo and
// benchmarks. Deterministic for a given seed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// One granule to generate.
struct SynthGranuleOptions {
  std::string time_coverage_start = "2024-08-01T17:40:00.000Z";  ///< ISO 8601 UTC
  double near_lon_deg = -75.0;  ///< the ground track passes near this point...
  double near_lat_deg = 38.5;   ///< ...crossing its latitude inside the granule
  double track_offset_km = 0.0; ///< nadir passes this far east (+) / west (-) of the point
  double track_position = 0.5;  ///< where along the granule (0 = first line, 1 = last) the
                                ///< track crosses near_lat
  std::size_t lines = 1710;     ///< number_of_lines (OCI: 1709 or 1710)
  std::size_t pixels = 1272;    ///< pixels_per_line
  double cloud_fraction = 0.3;  ///< approximate fraction of pixels flagged CLDICE (fill)
  std::uint64_t seed = 1;
};

/// Writes one granule to `path` (overwrites). Throws swathgrid::Error on failure.
void write_synthetic_granule(const std::string& path, const SynthGranuleOptions& options);

/// A set of granules over one area and period, as a user's download would give.
struct SynthCampaignOptions {
  std::size_t count = 16;               ///< granules
  std::string first_day = "2024-08-01"; ///< UTC date of the first granule
  std::size_t days = 7;                 ///< granules are spread over this many days
  double near_lon_deg = -75.0;
  double near_lat_deg = 38.5;
  bool antimeridian = false;            ///< place the granules across 180 degrees instead
  std::size_t lines = 0;                ///< 0: alternate 1709/1710 as real OCI granules do
  std::size_t pixels = 1272;
  double cloud_fraction = 0.3;          ///< of every granule
  std::uint64_t seed = 1;
};

/// File name (OB.DAAC convention, e.g. PACE_OCI.20240801T174000.L2.OC_BGC.V3_0.nc) and
/// options of each granule of the campaign, deterministic for the seed.
struct PlannedGranule {
  std::string file_name;
  SynthGranuleOptions options;
};
std::vector<PlannedGranule> plan_campaign(const SynthCampaignOptions& campaign);

}  // namespace swathgrid
