// geophysical_data of an AOP granule: Rrs (int16 packed, number_of_lines x pixels_per_line x
// wavelength_3d), aot_865, angstrom, l2_flags (see synth_layout.hpp, synth_aop.hpp).

#include <algorithm>
#include <vector>

#include "synth_aop.hpp"
#include "synth_layout.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr hsize_t kRrsChunkBands = 8;  // Rrs chunks: kChunkLines x pixels x up to 8 bands
// ...or as l2gen chunks 3-D products (SynthOciFeatures::l2gen_rrs_chunks): 32 lines x 256
// pixels x 40 bands, clipped to the variable's shape.
constexpr hsize_t kL2genChunkLines = 32, kL2genChunkPixels = 256, kL2genChunkBands = 40;

std::vector<hsize_t> rrs_chunk(bool l2gen, hsize_t lines, hsize_t pixels, hsize_t bands) {
  if (l2gen)
    return {std::min(kL2genChunkLines, lines), std::min(kL2genChunkPixels, pixels),
            std::min(kL2genChunkBands, bands)};
  return {std::min<hsize_t>(kChunkLines, lines), pixels, std::min(kRrsChunkBands, bands)};
}
constexpr const char* kDimensionless = "dimensionless";

// Rrs is generated and written kChunkLines lines at a time (chunk-aligned with either chunk
// shape, and the memory stays small with many bands).
void write_rrs(Nc4File& file, hid_t group, const GranuleDescription& description,
               const GranuleArrays& arrays) {
  const std::size_t lines = file.dimension_length("number_of_lines");
  const std::size_t pixels = file.dimension_length("pixels_per_line");
  const std::size_t bands = file.dimension_length("wavelength_3d");
  VariableSpec spec{"Rrs",
                    H5T_STD_I16LE,
                    H5T_NATIVE_INT16,
                    {"number_of_lines", "pixels_per_line", "wavelength_3d"},
                    &kRrsFill,
                    rrs_chunk(description.options.oci.l2gen_rrs_chunks, lines, pixels, bands),
                    kDeflateLevel};
  const H5Id rrs = file.define_variable(group, spec);
  file.put_text(rrs.get(), "long_name", "Remote sensing reflectance");
  file.put_floats(rrs.get(), "scale_factor", {kRrsScaleFactor});
  file.put_floats(rrs.get(), "add_offset", {kRrsAddOffset});
  file.put_text(rrs.get(), "units", "sr^-1");
  file.put_text(rrs.get(), "standard_name",
                "surface_ratio_of_upwelling_radiance_emerging_from_sea_water_to_downwelling_"
                "radiative_flux_in_air");
  file.put_shorts(rrs.get(), "_FillValue", {kRrsFill});
  file.put_shorts(rrs.get(), "valid_min", {kRrsValidMin});
  file.put_shorts(rrs.get(), "valid_max", {kRrsValidMax});

  const RrsModel model(wavelengths_3d_nm(bands));
  std::vector<std::int16_t> block;
  for (std::size_t first = 0; first < lines; first += kChunkLines) {
    const std::size_t count = std::min<std::size_t>(kChunkLines, lines - first);
    pack_rrs_lines(model, arrays, pixels, first, count, description.options.seed, block);
    file.write_rows(rrs.get(), H5T_NATIVE_INT16, block.data(), first, count, "Rrs");
  }
}

void put_aerosol(Nc4File& file, hid_t group, const std::string& name,
                 const std::vector<float>& values, const std::string& long_name,
                 const std::string& standard_name, float valid_min, float valid_max) {
  const H5Id variable =
      define_swath_variable(file, group, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &kGeophysicalFill);
  file.put_text(variable.get(), "long_name", long_name);
  file.put_text(variable.get(), "units", kDimensionless);
  file.put_text(variable.get(), "standard_name", standard_name);
  file.put_floats(variable.get(), "_FillValue", {kGeophysicalFill});
  file.put_floats(variable.get(), "valid_min", {valid_min});
  file.put_floats(variable.get(), "valid_max", {valid_max});
  file.write(variable.get(), H5T_NATIVE_FLOAT, values.data(), name);
}

}  // namespace

void write_aop_geophysical_data(Nc4File& file, const GranuleDescription& description,
                                const SwathGeometry& geometry, const GranuleArrays& arrays) {
  const H5Id group = file.create_group(file.root(), "geophysical_data");
  write_rrs(file, group.get(), description, arrays);
  const AerosolArrays aerosols = make_aerosol_arrays(geometry, arrays, description.options.seed);
  put_aerosol(file, group.get(), "aot_865", aerosols.aot_865, "Aerosol optical thickness at 865 nm",
              "atmosphere_optical_thickness_due_to_ambient_aerosol_particles", 0.0f, 3.0f);
  put_aerosol(file, group.get(), "angstrom", aerosols.angstrom,
              "Aerosol Angstrom exponent, 443 to 865 nm",
              "angstrom_exponent_of_ambient_aerosol_in_air", -0.5f, 3.0f);
  write_l2_flags(file, group.get(), arrays);
}

}  // namespace swathgrid::synth_detail
