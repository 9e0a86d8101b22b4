#include "synth_arrays.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "synth_ocean.hpp"
#include "synth_random.hpp"
#include "synth_smooth.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr double kPixelNoiseLog10 = 0.03;    // chlor_a noise, log10 units
constexpr double kProductNoiseLog10 = 0.02;  // extra noise of poc / carbon_phyto
constexpr double kCoastalShallowKm = 20.0;   // COASTZ within this distance of the coast
// Sun glint: a band right of nadir whose centre wanders slowly along track.
constexpr double kGlintCentreDeg = 9.0, kGlintWanderDeg = 2.5, kGlintWanderLines = 700.0;
constexpr double kHighGlintHalfWidthDeg = 5.0, kModerateGlintHalfWidthDeg = 9.0;
// A handful of navigation failures at the right edge of a few lines.
constexpr std::size_t kNavFailLines = 3, kNavFailPixels = 4, kNavFailMinSize = 16;
constexpr std::size_t kCloudQuantileStride = 7;  // subsample for the cloud threshold
// Products from chlor_a (power laws of plausible magnitude): value = scale * chl^exponent.
constexpr double kPocScale = 110.0, kPocExponent = 0.60;
constexpr double kCarbonScale = 60.0, kCarbonExponent = 0.70;
constexpr double kLn10 = 2.302585092994046;  // 10^x = exp(ln(10) x)

// Triangular noise in [-amplitude, amplitude] from one 64-bit hash.
double triangular(std::uint64_t bits, double amplitude) {
  const double a = unit_double(bits << 32), b = unit_double(bits & 0xffffffff00000000ULL);
  return amplitude * (a + b - 1.0);
}

// Cloud-field value above which a pixel is cloudy so that `fraction` of them are.
double cloud_threshold(const std::vector<float>& field, double fraction) {
  if (fraction <= 0.0) return std::numeric_limits<double>::infinity();
  if (fraction >= 1.0) return -std::numeric_limits<double>::infinity();
  std::vector<float> sample;
  sample.reserve(field.size() / kCloudQuantileStride + 1);
  for (std::size_t i = 0; i < field.size(); i += kCloudQuantileStride) sample.push_back(field[i]);
  const auto rank = static_cast<std::size_t>((1.0 - fraction) * static_cast<double>(sample.size()));
  std::nth_element(sample.begin(), sample.begin() + rank, sample.end());
  return sample[rank];
}

// Glint flags of a pixel `off_deg` of scan angle away from the glint band's centre.
std::int32_t glint_flags(double off_deg) {
  const double off = std::fabs(off_deg);
  if (off < kHighGlintHalfWidthDeg) return flag_mask(kFlagHighGlint);
  if (off < kModerateGlintHalfWidthDeg) return flag_mask(kFlagModerateGlint);
  return 0;
}

void add_navigation_failures(const SwathGeometry& geometry, std::uint64_t seed,
                             GranuleArrays& arrays) {
  if (geometry.lines < kNavFailMinSize || geometry.pixels < kNavFailMinSize) return;
  SplitMix64 random(mix64(seed ^ 0x6e6176ULL));
  for (std::size_t k = 0; k < kNavFailLines; ++k) {
    const auto line =
        static_cast<std::size_t>(random.uniform() * static_cast<double>(geometry.lines));
    for (std::size_t pixel = geometry.pixels - kNavFailPixels; pixel < geometry.pixels; ++pixel) {
      const std::size_t i = line * geometry.pixels + pixel;
      arrays.latitude[i] = arrays.longitude[i] = kNavigationFill;
      arrays.l2_flags[i] = flag_mask(kFlagNavigationFailure);
    }
  }
}

}  // namespace

GranuleArrays make_granule_arrays(const SwathGeometry& geometry, double days, std::uint64_t seed,
                                  double cloud_fraction) {
  const std::size_t count = geometry.lines * geometry.pixels;
  GranuleArrays arrays;
  arrays.latitude.resize(count);
  arrays.longitude.resize(count);
  arrays.chlor_a.resize(count);
  arrays.poc.resize(count);
  arrays.carbon_phyto.resize(count);
  arrays.l2_flags.assign(count, 0);
  std::vector<std::int32_t> column_flags(geometry.pixels, 0);
  for (std::size_t pixel = 0; pixel < geometry.pixels; ++pixel)
    if (geometry.sensor_zenith_deg[pixel] > kHighSensorZenithDeg)
      column_flags[pixel] = flag_mask(kFlagHighSensorZenith);
  const std::uint64_t noise_seed = mix64(seed ^ 0x6e6f697365ULL);
  const std::uint64_t cloud_seed = mix64(seed ^ 0x636c6f7564ULL);
  const double wander_phase = 2.0 * kPi * unit_double(mix64(seed ^ 0x676c696e74ULL));

  // Smooth fields on the coarse sub-grid.
  const CoarseGrid coarse(geometry);
  std::vector<double> coarse_cloud, coarse_structure;
  for (std::size_t line : coarse.lines()) {
    for (std::size_t pixel : coarse.columns()) {
      const Vec3 position_km = kEarthRadiusKm * geometry.pixel_vector(line, pixel);
      coarse_cloud.push_back(cloud_field(position_km, cloud_seed));
      coarse_structure.push_back(ocean_structure(position_km, days));
    }
  }

  std::vector<float> cloud(count);
  for (std::size_t line = 0; line < geometry.lines; ++line) {
    const double glint_centre_deg =
        kGlintCentreDeg +
        kGlintWanderDeg *
            std::sin(2.0 * kPi * static_cast<double>(line) / kGlintWanderLines + wander_phase);
    for (std::size_t pixel = 0; pixel < geometry.pixels; ++pixel) {
      const std::size_t i = line * geometry.pixels + pixel;
      const Vec3 unit = geometry.pixel_vector(line, pixel);
      const double lat = latitude_deg(unit), lon = longitude_deg(unit);
      arrays.latitude[i] = static_cast<float>(lat);
      arrays.longitude[i] = static_cast<float>(lon);
      cloud[i] = static_cast<float>(coarse.interpolate(coarse_cloud, line, pixel));
      std::int32_t flags =
          column_flags[pixel] | glint_flags(geometry.scan_angle_deg[pixel] - glint_centre_deg);
      const Surface surface = sample_surface(lat, lon);
      if (surface.land) {
        arrays.l2_flags[i] = flags | flag_mask(kFlagLand);
        arrays.chlor_a[i] = arrays.poc[i] = arrays.carbon_phyto[i] = kGeophysicalFill;
        continue;
      }
      if (surface.coast_distance_km < kCoastalShallowKm) flags |= flag_mask(kFlagCoastalShallow);
      arrays.l2_flags[i] = flags;
      const std::uint64_t bits = hash_coords(noise_seed, static_cast<std::int64_t>(line),
                                             static_cast<std::int64_t>(pixel));
      const double structure = coarse.interpolate(coarse_structure, line, pixel);
      const double log_chl =
          log10_chlorophyll(lat, surface, structure) + triangular(bits, kPixelNoiseLog10);
      const double product_noise = triangular(mix64(bits), kProductNoiseLog10);
      arrays.chlor_a[i] = static_cast<float>(std::exp(kLn10 * log_chl));
      arrays.poc[i] = static_cast<float>(
          kPocScale * std::exp(kLn10 * (kPocExponent * log_chl + product_noise)));
      arrays.carbon_phyto[i] = static_cast<float>(
          kCarbonScale * std::exp(kLn10 * (kCarbonExponent * log_chl - product_noise)));
    }
  }

  const double threshold = cloud_threshold(cloud, cloud_fraction);
  for (std::size_t i = 0; i < count; ++i) {
    if (cloud[i] <= threshold) continue;
    arrays.l2_flags[i] |= flag_mask(kFlagCloudIce);
    arrays.chlor_a[i] = arrays.poc[i] = arrays.carbon_phyto[i] = kGeophysicalFill;
  }
  add_navigation_failures(geometry, seed, arrays);
  for (std::size_t i = 0; i < count; ++i) {
    if (arrays.l2_flags[i] & flag_mask(kFlagNavigationFailure))
      arrays.chlor_a[i] = arrays.poc[i] = arrays.carbon_phyto[i] = kGeophysicalFill;
  }
  return arrays;
}

}  // namespace swathgrid::synth_detail
