#pragma once
// The AOP suite of a synthetic granule: remote sensing reflectance spectra Rrs(lambda) from
// the BGC chlorophyll field through a simple bio-optical model, packed as OB.DAAC stores them
// (int16, scale_factor/add_offset), and smooth aerosol fields (aot_865, angstrom). Fill
// exactly where chlor_a is fill (land, cloud, navigation failure), so both suites share
// their masks for the same seed and geometry.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "synth_arrays.hpp"
#include "synth_geometry.hpp"

namespace swathgrid::synth_detail {

// Rrs packing (physical = stored * scale + offset, sr^-1), as OB.DAAC writes it.
constexpr float kRrsScaleFactor = 2.0e-6f;
constexpr float kRrsAddOffset = 0.05f;
constexpr std::int16_t kRrsFill = -32767;
constexpr std::int16_t kRrsValidMin = -30000;  // -0.01 sr^-1
constexpr std::int16_t kRrsValidMax = 25000;   // 0.10 sr^-1

/// Band centres (nm) of wavelength_3d: `count` bands evenly from 346 to 719 nm (the centre
/// band, 532.5 nm, when count is 1).
std::vector<float> wavelengths_3d_nm(std::size_t count);

/// Rrs of one pixel at every band, from chlorophyll (a Gordon/Lee reflectance model over
/// pure-water, phytoplankton and CDOM absorption and water/particle backscattering).
class RrsModel {
 public:
  explicit RrsModel(const std::vector<float>& wavelengths_nm);
  std::size_t bands() const { return bands_.size(); }
  /// Rrs (sr^-1) at every band for chlorophyll `chl_mg_m3` (> 0), written to rrs[0..bands).
  void spectrum(double chl_mg_m3, double* rrs) const;

 private:
  struct Band {
    double water_absorption;   // m^-1
    double phyto_shape;        // aph(lambda) / aph(440)
    double cdom_shape;         // acdom(lambda) / acdom(440)
    double water_backscatter;  // m^-1
    double log_ratio_to_550;   // ln(lambda / 550)
  };
  std::vector<Band> bands_;
};

/// Packed Rrs of lines [first_line, first_line + line_count) in (line, pixel, band) order,
/// kRrsFill where arrays.chlor_a is fill, with a little per-band noise from `seed`.
void pack_rrs_lines(const RrsModel& model, const GranuleArrays& arrays, std::size_t pixels,
                    std::size_t first_line, std::size_t line_count, std::uint64_t seed,
                    std::vector<std::int16_t>& packed);

/// The AOP suite's 2-D products, row-major (line, pixel), kGeophysicalFill where chlor_a is.
struct AerosolArrays {
  std::vector<float> aot_865;   ///< aerosol optical thickness at 865 nm (dimensionless)
  std::vector<float> angstrom;  ///< Angstrom exponent 443-865 nm (dimensionless)
};
AerosolArrays make_aerosol_arrays(const SwathGeometry& geometry, const GranuleArrays& arrays,
                                  std::uint64_t seed);

}  // namespace swathgrid::synth_detail
