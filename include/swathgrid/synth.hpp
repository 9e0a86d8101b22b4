#pragma once
// Synthetic OB.DAAC Level-2 granules in the exact NetCDF4 layout of real files
// (../shared/pace-l2-format.md), with sun-synchronous swath geometry, for tests, the demo and
// benchmarks. Deterministic for a given seed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// Which OB.DAAC Level-2 product suite a granule holds (docs/synthetic-data.md).
enum class SynthSuite {
  kBgc,  ///< OC_BGC: chlor_a, carbon_phyto, poc (2-D float) and l2_flags
  kAop,  ///< OC_AOP: Rrs (3-D, int16 packed, one band per wavelength_3d), aot_865,
         ///< angstrom and l2_flags
};

/// "BGC" or "AOP", as in titles and file names (OC_BGC, OC_AOP).
const char* suite_name(SynthSuite suite);

/// OCI's along-track tilt (docs/synthetic-data.md, "Tilt change"). OCI looks 20 degrees aft
/// south of the subsolar latitude and 20 degrees fore north of it, so the daytime (ascending)
/// granule that crosses that latitude holds the manoeuvre from aft to fore.
enum class SynthTilt {
  kNadir,      ///< no tilt: every scan looks straight down (the default)
  kAftToFore,  ///< aft, the manoeuvre, fore: the ground jumps ahead (the daytime flip)
  kForeToAft,  ///< fore, the manoeuvre, aft: the ground jumps back and is seen twice
};

/// "nadir", "aft-to-fore" or "fore-to-aft" (the swathgrid-synth --tilt values).
const char* tilt_name(SynthTilt tilt);

constexpr double kTiltDeg = 20.0;                    ///< OCI's tilt either side of nadir
constexpr std::size_t kDefaultTiltChangeLines = 60;  ///< ~10.5 s without navigation (assumed)

/// Features of real OCI files that the generator leaves out unless asked
/// (docs/synthetic-data.md, "Closer to real files"). The defaults write the same bytes as
/// before these options existed.
struct SynthOciFeatures {
  SynthTilt tilt = SynthTilt::kNadir;
  double tilt_change_position = 0.5;  ///< where the manoeuvre starts (0 = first line, 1 = last)
  std::size_t tilt_change_lines = kDefaultTiltChangeLines;  ///< lines of the manoeuvre: their
                                                            ///< navigation is fill (-999)
  std::size_t navigation_fill_lines = 0;  ///< whole scan lines, chosen from the seed, whose
                                          ///< longitude/latitude are fill (-999), NAVFAIL set
  bool l2gen_rrs_chunks = false;          ///< AOP: Rrs chunked (32, 256, 40) as l2gen writes it
                                          ///< instead of (256, pixels_per_line, 8)
};

constexpr std::size_t kDefaultAopBands = 8;  ///< wavelength_3d bands of a synthetic AOP granule
constexpr std::size_t kMaxAopBands = 184;    ///< as many as OCI's largest AOP products hold

/// One granule to generate.
struct SynthGranuleOptions {
  std::string time_coverage_start = "2024-08-01T17:40:00.000Z";  ///< ISO 8601 UTC
  double near_lon_deg = -75.0;   ///< the ground track passes near this point...
  double near_lat_deg = 38.5;    ///< ...crossing its latitude inside the granule
  double track_offset_km = 0.0;  ///< nadir passes this far east (+) / west (-) of the point
  double track_position = 0.5;   ///< where along the granule (0 = first line, 1 = last) the
                                 ///< track crosses near_lat
  std::size_t lines = 1710;      ///< number_of_lines (OCI: 1709 or 1710)
  std::size_t pixels = 1272;     ///< pixels_per_line
  double cloud_fraction = 0.3;   ///< approximate fraction of pixels flagged CLDICE (fill)
  std::uint64_t seed = 1;
  SynthSuite suite = SynthSuite::kBgc;
  std::size_t aop_bands = kDefaultAopBands;  ///< AOP: Rrs bands, 1..kMaxAopBands, from 346 to
                                             ///< 719 nm; BGC: unused
  /// geospatial_lon_min/max (and westernmost/easternmost_longitude) as OCSSW's libgring
  /// computes them for real l2gen files (Gring::updateExtremes): per scan line the min/max when
  /// its longitudes are monotonic, else its first/last valid pixel, then the running min of
  /// mins and max of maxes; a granule partly across 180 degrees then gets a one-sided range
  /// (157..180 while pixels lie at -180..-175). false: the exact extent of the navigation.
  bool gring_attributes = false;
  SynthOciFeatures oci;  ///< tilt change, navigation fill lines, l2gen's Rrs chunks
};

/// Writes one granule to `path` (overwrites). Throws swathgrid::Error on failure.
void write_synthetic_granule(const std::string& path, const SynthGranuleOptions& options);

/// A set of granules over one area and period, as a user's download would give.
struct SynthCampaignOptions {
  std::size_t count = 16;                ///< granules
  std::string first_day = "2024-08-01";  ///< UTC date of the first granule
  std::size_t days = 7;                  ///< granules are spread over this many days
  double near_lon_deg = -75.0;
  double near_lat_deg = 38.5;
  bool antimeridian = false;  ///< place the granules across 180 degrees instead
  std::size_t lines = 0;      ///< 0: alternate 1709/1710 as real OCI granules do
  std::size_t pixels = 1272;
  double cloud_fraction = 0.3;  ///< of every granule
  std::uint64_t seed = 1;
  SynthSuite suite = SynthSuite::kBgc;  ///< of every granule
  std::size_t aop_bands = kDefaultAopBands;
  bool gring_attributes = false;  ///< of every granule (SynthGranuleOptions)
  SynthOciFeatures oci;           ///< of every granule (the tilt change in each one's middle)
};

/// File name (OB.DAAC convention, e.g. PACE_OCI.20240801T174000.L2.OC_BGC.V3_0.nc, or
/// .L2.OC_AOP. for the AOP suite) and options of each granule of the campaign,
/// deterministic for the seed. The suite changes names and products, not the geometry.
struct PlannedGranule {
  std::string file_name;
  SynthGranuleOptions options;
};
std::vector<PlannedGranule> plan_campaign(const SynthCampaignOptions& campaign);

}  // namespace swathgrid
