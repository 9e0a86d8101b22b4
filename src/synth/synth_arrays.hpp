#pragma once
// The per-pixel arrays of a synthetic granule: navigation, l2_flags and the BGC products.

#include <array>
#include <cstdint>
#include <vector>

#include "synth_geometry.hpp"

namespace swathgrid::synth_detail {

/// Standard OBPG l2_flags names, bit i = 2^i (../shared/pace-l2-format.md).
inline constexpr std::array<const char*, 32> kFlagNames = {
    "ATMFAIL",   "LAND",       "PRODWARN", "HIGLINT",   "HILT",    "HISATZEN",   "COASTZ",
    "SPARE",     "STRAYLIGHT", "CLDICE",   "COCCOLITH", "TURBIDW", "HISOLZEN",   "SPARE",
    "LOWLW",     "CHLFAIL",    "NAVWARN",  "ABSAER",    "SPARE",   "MAXAERITER", "MODGLINT",
    "CHLWARN",   "ATMWARN",    "SPARE",    "SEAICE",    "NAVFAIL", "FILTER",     "SPARE",
    "BOWTIEDEL", "HIPOL",      "PRODFAIL", "SPARE"};

/// Bits the generator sets.
enum FlagBit : int {
  kFlagLand = 1,
  kFlagHighGlint = 3,
  kFlagHighSensorZenith = 5,
  kFlagCoastalShallow = 6,
  kFlagCloudIce = 9,
  kFlagModerateGlint = 20,
  kFlagNavigationFailure = 25,
};

/// 2^bit as the int32 stored in the file (bit 31 is negative).
constexpr std::int32_t flag_mask(int bit) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(1) << bit);
}

constexpr float kGeophysicalFill = -32767.0f;  // chlor_a, poc, carbon_phyto
constexpr float kNavigationFill = -999.0f;     // latitude, longitude
constexpr double kHighSensorZenithDeg = 60.0;  // l2gen's default satzen limit

/// Row-major (line, pixel) arrays as written to the file.
struct GranuleArrays {
  std::vector<float> latitude;      ///< degrees north, fill kNavigationFill
  std::vector<float> longitude;     ///< degrees east in [-180, 180]
  std::vector<float> chlor_a;       ///< mg m^-3, fill kGeophysicalFill
  std::vector<float> poc;           ///< mg m^-3
  std::vector<float> carbon_phyto;  ///< mg m^-3
  std::vector<std::int32_t> l2_flags;
};

/// Fills every array for `geometry`. `days` (since 1970-01-01) of the granule moves the
/// ocean features; `seed` chooses clouds, noise and navigation failures;
/// `cloud_fraction` of the pixels are flagged CLDICE (values fill).
GranuleArrays make_granule_arrays(const SwathGeometry& geometry, double days, std::uint64_t seed,
                                  double cloud_fraction);

}  // namespace swathgrid::synth_detail
