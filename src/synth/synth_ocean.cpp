#include "synth_ocean.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "synth_random.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr double kKmPerDegree = kEarthRadiusKm * kDegToRad;  // ~111.2 km
constexpr double kContinentSouthDeg = 24.0, kContinentNorthDeg = 52.0;
constexpr double kContinentWestDeg = -100.0;
constexpr double kContinentTaperDeg = 3.0;  // coastal enrichment fades at the ends
constexpr double kFarFromCoastKm = 1.0e4;
constexpr double kCoastalScaleKm = 110.0;  // e-folding of coastal enrichment
constexpr double kNoEnrichmentKm = 30.0 * kCoastalScaleKm;

constexpr double kOpenOceanLog10 = -0.95;       // ~0.11 mg m^-3 offshore
constexpr double kCoastalLog10 = 1.35;          // up to ~2.5 mg m^-3 more at the coast
constexpr double kLatitudeLog10PerDeg = 0.012;  // richer northwards...
constexpr double kTrendLimitDeg = 30.0;         // ...within +-30 degrees of 38.5N
constexpr double kEddyDriftKmPerDay = 5.0;
constexpr std::uint64_t kOceanSeed = 0x6f6365616e2d3031ULL;  // fixed: all granules agree

double smoothstep(double edge0, double edge1, double x) {
  const double t = std::min(1.0, std::max(0.0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3.0 - 2.0 * t);
}

// sin(x) to ~1e-9 with plain arithmetic (faster than libm here, and the same everywhere):
// reduction to [-pi/2, pi/2] and the odd Taylor polynomial of degree 13.
double fast_sin(double x) {
  constexpr double kTwoPi = 2.0 * kPi, kHalfPi = 0.5 * kPi;
  const double turns = x * (1.0 / kTwoPi);
  const auto whole = static_cast<std::int64_t>(turns + (turns >= 0.0 ? 0.5 : -0.5));
  double r = x - kTwoPi * static_cast<double>(whole);  // [-pi, pi]
  if (r > kHalfPi) r = kPi - r;
  if (r < -kHalfPi) r = -kPi - r;
  const double r2 = r * r;
  return r * (1.0 + r2 * (-1.0 / 6 +
                          r2 * (1.0 / 120 +
                                r2 * (-1.0 / 5040 +
                                      r2 * (1.0 / 362880 +
                                            r2 * (-1.0 / 39916800 + r2 * (1.0 / 6227020800.0)))))));
}

// Coastline longitude as a function of latitude (degrees).
double coast_longitude_deg(double lat_deg) {
  return -75.7 + 0.55 * (lat_deg - 38.5) + 0.30 * fast_sin(2.0 * kPi * (lat_deg - 36.0) / 2.3) +
         0.12 * fast_sin(2.0 * kPi * lat_deg / 0.7 + 1.0);
}

// A plane wave on the sphere: amplitude * sin(k . p + phase + drift * days).
struct Wave {
  Vec3 wavevector_per_km;
  double amplitude;
  double phase_rad;
  double drift_rad_per_day;
};

constexpr std::size_t kEddyWaves = 6;
constexpr std::array<double, kEddyWaves> kEddyWavelengthKm = {400, 250, 160, 110, 75, 50};
constexpr std::array<double, kEddyWaves> kEddyAmplitudeLog10 = {0.16, 0.12, 0.10, 0.08, 0.06, 0.05};

Wave random_wave(SplitMix64& random, double wavelength_km, double amplitude) {
  const double z = random.uniform(-1.0, 1.0), azimuth = random.uniform(0.0, 2.0 * kPi);
  const double r = std::sqrt(1.0 - z * z);
  const double wavenumber = 2.0 * kPi / wavelength_km;
  return {wavenumber * Vec3{r * std::cos(azimuth), r * std::sin(azimuth), z}, amplitude,
          random.uniform(0.0, 2.0 * kPi), wavenumber * kEddyDriftKmPerDay};
}

struct OceanWaves {
  std::array<Wave, kEddyWaves> eddies;
  Wave filament, filament_warp;  // sin(k.p + 1.6 sin(k'.p)): meandering filaments
  OceanWaves() {
    SplitMix64 random(kOceanSeed);
    for (std::size_t k = 0; k < kEddyWaves; ++k)
      eddies[k] = random_wave(random, kEddyWavelengthKm[k], kEddyAmplitudeLog10[k]);
    filament = random_wave(random, 35.0, 0.10);
    filament_warp = random_wave(random, 220.0, 1.6);
  }
};

const OceanWaves& ocean_waves() {
  static const OceanWaves waves;
  return waves;
}

double wave_argument(const Wave& wave, Vec3 position_km, double days) {
  return dot(wave.wavevector_per_km, position_km) + wave.phase_rad + wave.drift_rad_per_day * days;
}

// Value noise: trilinear interpolation of hashed lattice values in [-1, 1], smoothstep
// weights, lattice spacing `cell_km`.
double value_noise(Vec3 position_km, double cell_km, std::uint64_t seed) {
  const Vec3 q = (1.0 / cell_km) * position_km;
  auto floor_int = [](double v) {
    const auto i = static_cast<std::int64_t>(v);
    return v < static_cast<double>(i) ? i - 1 : i;
  };
  const std::int64_t ix = floor_int(q.x), iy = floor_int(q.y), iz = floor_int(q.z);
  const double fx = static_cast<double>(ix), fy = static_cast<double>(iy),
               fz = static_cast<double>(iz);
  const double wx = smoothstep(0.0, 1.0, q.x - fx), wy = smoothstep(0.0, 1.0, q.y - fy),
               wz = smoothstep(0.0, 1.0, q.z - fz);
  auto corner = [&](std::int64_t dx, std::int64_t dy, std::int64_t dz) {
    std::uint64_t h = seed ^ (static_cast<std::uint64_t>(ix + dx) * 0x9e3779b97f4a7c15ULL) ^
                      (static_cast<std::uint64_t>(iy + dy) * 0xc2b2ae3d27d4eb4fULL) ^
                      (static_cast<std::uint64_t>(iz + dz) * 0x165667b19e3779f9ULL);
    h = (h ^ (h >> 32)) * 0xd6e8feb86659fd93ULL;
    return 2.0 * unit_double(h ^ (h >> 32)) - 1.0;
  };
  auto lerp = [](double a, double b, double t) { return a + (b - a) * t; };
  const double x00 = lerp(corner(0, 0, 0), corner(1, 0, 0), wx);
  const double x10 = lerp(corner(0, 1, 0), corner(1, 1, 0), wx);
  const double x01 = lerp(corner(0, 0, 1), corner(1, 0, 1), wx);
  const double x11 = lerp(corner(0, 1, 1), corner(1, 1, 1), wx);
  return lerp(lerp(x00, x10, wy), lerp(x01, x11, wy), wz);
}

// coast_longitude_deg tabulated across the continent's latitudes (linear interpolation
// is exact to ~1e-6 degree) because sample_surface runs for every pixel.
class CoastTable {
 public:
  CoastTable() {
    const auto steps =
        static_cast<std::size_t>((kContinentNorthDeg - kContinentSouthDeg) / kStepDeg);
    for (std::size_t k = 0; k <= steps + 1; ++k)
      lon_.push_back(coast_longitude_deg(kContinentSouthDeg + kStepDeg * static_cast<double>(k)));
  }
  double operator()(double lat_deg) const {  // for lat in the continent's band
    const double x = (lat_deg - kContinentSouthDeg) / kStepDeg;
    const auto k = std::min(static_cast<std::size_t>(x), lon_.size() - 2);
    return lon_[k] + (x - static_cast<double>(k)) * (lon_[k + 1] - lon_[k]);
  }

 private:
  static constexpr double kStepDeg = 0.002;
  std::vector<double> lon_;
};

}  // namespace

Surface sample_surface(double lat_deg, double lon_deg) {
  static const CoastTable coast_table;
  Surface surface;
  const bool in_band =
      lat_deg > kContinentSouthDeg && lat_deg < kContinentNorthDeg && lon_deg > kContinentWestDeg;
  if (!in_band) {
    surface.coast_distance_km = kFarFromCoastKm;
    return surface;
  }
  const double coast_lon = coast_table(lat_deg);
  if (lon_deg < coast_lon) {
    surface.land = true;
    return surface;
  }
  // Distance perpendicular to the (locally straight) coastline.
  const double cos_lat = std::cos(lat_deg * kDegToRad);
  const double slope = 0.55 * cos_lat;  // d(east km)/d(north km) of the coastline
  surface.coast_distance_km =
      (lon_deg - coast_lon) * kKmPerDegree * cos_lat / std::sqrt(1.0 + slope * slope);
  const double taper =
      smoothstep(kContinentSouthDeg, kContinentSouthDeg + kContinentTaperDeg, lat_deg) *
      (1.0 - smoothstep(kContinentNorthDeg - kContinentTaperDeg, kContinentNorthDeg, lat_deg));
  if (surface.coast_distance_km < kNoEnrichmentKm)
    surface.coastal_weight = taper * std::exp(-surface.coast_distance_km / kCoastalScaleKm);
  return surface;
}

double ocean_structure(Vec3 position_km, double days) {
  const OceanWaves& waves = ocean_waves();
  double eddies = 0.0;
  for (const Wave& wave : waves.eddies)
    eddies += wave.amplitude * fast_sin(wave_argument(wave, position_km, days));
  const double warp = waves.filament_warp.amplitude *
                      fast_sin(wave_argument(waves.filament_warp, position_km, days));
  return eddies + waves.filament.amplitude *
                      fast_sin(wave_argument(waves.filament, position_km, days) + warp);
}

double log10_chlorophyll(double lat_deg, const Surface& surface, double structure) {
  const double latitude_trend =
      kLatitudeLog10PerDeg * std::min(kTrendLimitDeg, std::max(-kTrendLimitDeg, lat_deg - 38.5));
  return kOpenOceanLog10 + latitude_trend + kCoastalLog10 * surface.coastal_weight +
         (0.6 + 0.8 * surface.coastal_weight) * structure;
}

double cloud_field(Vec3 position_km, std::uint64_t seed) {
  return value_noise(position_km, 300.0, mix64(seed)) +
         0.5 * value_noise(position_km, 110.0, mix64(seed + 1)) +
         0.25 * value_noise(position_km, 40.0, mix64(seed + 2));
}

}  // namespace swathgrid::synth_detail
