#include "synth_aop.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "synth_ocean.hpp"
#include "synth_random.hpp"
#include "synth_smooth.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr float kFirstBandNm = 346.0f, kBandSpanNm = 373.0f;  // wavelength_3d: 346..719 nm

// Pure-water absorption (m^-1) every 10 nm from 340 to 720 nm: Pope & Fry (1997) from
// 400 nm, a smooth low extension below (recent UV measurements are lower than older ones).
constexpr double kWaterTableStartNm = 340.0, kWaterTableStepNm = 10.0;
constexpr std::array<double, 39> kWaterAbsorption = {
    0.0085,  0.0083,  0.0080,  0.0077, 0.0075, 0.0070, 0.00663, 0.00473, 0.00454, 0.00495,
    0.00635, 0.00922, 0.00979, 0.0106, 0.0127, 0.0150, 0.0204,  0.0325,  0.0409,  0.0417,
    0.0452,  0.0565,  0.0619,  0.0695, 0.0896, 0.1351, 0.2224,  0.2644,  0.2755,  0.2916,
    0.3108,  0.340,   0.410,   0.439,  0.465,  0.516,  0.624,   0.827,   1.231};

// Phytoplankton: aph(440) = 0.0654 chl^0.728 m^-1 (Bricaud et al. 1998); spectral shape a
// blue peak, a UV shoulder, the red peak at 675 nm and a flat floor fading beyond 680 nm.
constexpr double kPhytoA440 = 0.0654, kPhytoExponent = 0.728;
// CDOM: acdom(440) = 0.5 aph(440), exponential slope 0.018 nm^-1.
constexpr double kCdomPerPhyto = 0.5, kCdomSlopePerNm = 0.018;
// Seawater backscattering: 0.5 * 0.00288 m^-1 at 500 nm, lambda^-4.32 (Morel 1974).
constexpr double kWaterBackscatter500 = 0.5 * 0.00288, kWaterBackscatterExponent = 4.32;
// Chlorophyll range of the model (the BGC field stays well inside it).
constexpr double kMinChl = 0.01, kMaxChl = 100.0;
// Gordon et al. (1988) rrs(u) and the above-surface conversion of Lee et al. (2002).
constexpr double kGordon1 = 0.0949, kGordon2 = 0.0794;
constexpr double kLeeNumerator = 0.52, kLeeDenominator = 1.7;
// Noise: relative and absolute, per pixel and band.
constexpr double kRrsRelativeNoise = 0.01, kRrsAbsoluteNoise = 2.0e-5;  // sr^-1

// Aerosols: aot_865 = 0.08 exp(0.45 f), angstrom = 1.0 + 0.35 f for smooth fields f in
// about -1.75..1.75: 0.04..0.18 and 0.4..1.6, typical of maritime and mixed aerosols.
constexpr double kAotMedian = 0.08, kAotLogSpread = 0.45;
constexpr double kAngstromMean = 1.0, kAngstromSpread = 0.35;

double gaussian(double x, double centre, double width) {
  const double t = (x - centre) / width;
  return std::exp(-t * t);
}

double water_absorption(double nm) {
  const double x = (nm - kWaterTableStartNm) / kWaterTableStepNm;
  if (x <= 0.0) return kWaterAbsorption.front();
  const auto k = std::min(static_cast<std::size_t>(x), kWaterAbsorption.size() - 2);
  const double t = std::min(1.0, x - static_cast<double>(k));
  return kWaterAbsorption[k] + t * (kWaterAbsorption[k + 1] - kWaterAbsorption[k]);
}

double phyto_shape_raw(double nm) {
  const double floor_weight = 1.0 - std::min(1.0, std::max(0.0, (nm - 680.0) / 35.0));
  return 0.95 * gaussian(nm, 435.0, 60.0) + 0.30 * gaussian(nm, 380.0, 60.0) +
         0.45 * gaussian(nm, 675.0, 12.0) + 0.08 * floor_weight;
}

// Uniform in [-1, 1).
double symmetric(std::uint64_t bits) { return 2.0 * unit_double(bits) - 1.0; }

}  // namespace

std::vector<float> wavelengths_3d_nm(std::size_t count) {
  if (count == 1) return {kFirstBandNm + 0.5f * kBandSpanNm};
  std::vector<float> nm(count);
  for (std::size_t i = 0; i < count; ++i)
    nm[i] = kFirstBandNm + kBandSpanNm * static_cast<float>(i) / static_cast<float>(count - 1);
  return nm;
}

RrsModel::RrsModel(const std::vector<float>& wavelengths_nm) {
  const double phyto_at_440 = phyto_shape_raw(440.0);
  for (float wavelength : wavelengths_nm) {
    const double nm = wavelength;
    bands_.push_back({water_absorption(nm), phyto_shape_raw(nm) / phyto_at_440,
                      std::exp(-kCdomSlopePerNm * (nm - 440.0)),
                      kWaterBackscatter500 * std::pow(500.0 / nm, kWaterBackscatterExponent),
                      std::log(nm / 550.0)});
  }
}

void RrsModel::spectrum(double chl_mg_m3, double* rrs) const {
  const double chl = std::min(kMaxChl, std::max(kMinChl, chl_mg_m3));
  const double log10_chl = std::log10(chl);
  const double phyto_440 = kPhytoA440 * std::pow(chl, kPhytoExponent);
  const double cdom_440 = kCdomPerPhyto * phyto_440;
  // Particle backscattering (Morel & Maritorena 2001): bbp(550) and its spectral slope.
  const double particles_550 =
      0.416 * std::pow(chl, 0.766) * (0.002 + 0.01 * (0.5 - 0.25 * log10_chl));
  const double slope = chl < 2.0 ? 0.5 * (log10_chl - 0.3) : 0.0;
  for (std::size_t b = 0; b < bands_.size(); ++b) {
    const Band& band = bands_[b];
    const double absorption =
        band.water_absorption + phyto_440 * band.phyto_shape + cdom_440 * band.cdom_shape;
    const double backscatter =
        band.water_backscatter + particles_550 * std::exp(slope * band.log_ratio_to_550);
    const double u = backscatter / (absorption + backscatter);
    const double below = u * (kGordon1 + kGordon2 * u);
    rrs[b] = kLeeNumerator * below / (1.0 - kLeeDenominator * below);
  }
}

void pack_rrs_lines(const RrsModel& model, const GranuleArrays& arrays, std::size_t pixels,
                    std::size_t first_line, std::size_t line_count, std::uint64_t seed,
                    std::vector<std::int16_t>& packed) {
  const std::size_t bands = model.bands();
  const std::uint64_t noise_seed = mix64(seed ^ 0x527273ULL);
  const double scale = kRrsScaleFactor, offset = kRrsAddOffset;
  packed.resize(line_count * pixels * bands);
  std::vector<double> rrs(bands);
  for (std::size_t line = first_line; line < first_line + line_count; ++line) {
    for (std::size_t pixel = 0; pixel < pixels; ++pixel) {
      const float chl = arrays.chlor_a[line * pixels + pixel];
      std::int16_t* out = &packed[((line - first_line) * pixels + pixel) * bands];
      if (chl == kGeophysicalFill) {
        std::fill(out, out + bands, kRrsFill);
        continue;
      }
      model.spectrum(chl, rrs.data());
      SplitMix64 random(hash_coords(noise_seed, static_cast<std::int64_t>(line),
                                    static_cast<std::int64_t>(pixel)));
      for (std::size_t b = 0; b < bands; ++b) {
        const double noisy = rrs[b] * (1.0 + kRrsRelativeNoise * symmetric(random.next())) +
                             kRrsAbsoluteNoise * symmetric(random.next());
        const double stored = std::round((noisy - offset) / scale);
        out[b] = static_cast<std::int16_t>(
            std::min<double>(kRrsValidMax, std::max<double>(kRrsValidMin, stored)));
      }
    }
  }
}

AerosolArrays make_aerosol_arrays(const SwathGeometry& geometry, const GranuleArrays& arrays,
                                  std::uint64_t seed) {
  const std::uint64_t aot_seed = mix64(seed ^ 0x616f74ULL);
  const std::uint64_t angstrom_seed = mix64(seed ^ 0x616e67ULL);
  const CoarseGrid coarse(geometry);
  std::vector<double> coarse_aot, coarse_angstrom;
  for (std::size_t line : coarse.lines()) {
    for (std::size_t pixel : coarse.columns()) {
      const Vec3 position_km = kEarthRadiusKm * geometry.pixel_vector(line, pixel);
      coarse_aot.push_back(cloud_field(position_km, aot_seed));
      coarse_angstrom.push_back(cloud_field(position_km, angstrom_seed));
    }
  }
  const std::size_t count = geometry.lines * geometry.pixels;
  AerosolArrays aerosols;
  aerosols.aot_865.assign(count, kGeophysicalFill);
  aerosols.angstrom.assign(count, kGeophysicalFill);
  for (std::size_t line = 0; line < geometry.lines; ++line) {
    for (std::size_t pixel = 0; pixel < geometry.pixels; ++pixel) {
      const std::size_t i = line * geometry.pixels + pixel;
      if (arrays.chlor_a[i] == kGeophysicalFill) continue;
      aerosols.aot_865[i] = static_cast<float>(
          kAotMedian * std::exp(kAotLogSpread * coarse.interpolate(coarse_aot, line, pixel)));
      aerosols.angstrom[i] = static_cast<float>(
          kAngstromMean + kAngstromSpread * coarse.interpolate(coarse_angstrom, line, pixel));
    }
  }
  return aerosols;
}

}  // namespace swathgrid::synth_detail
