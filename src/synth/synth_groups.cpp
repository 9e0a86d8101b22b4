// The groups of a synthetic granule (see synth_layout.hpp).

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "swathgrid/version.hpp"
#include "synth_aop.hpp"
#include "synth_layout.hpp"
#include "synth_oci.hpp"
#include "synth_time.hpp"

namespace swathgrid::synth_detail {
namespace {

constexpr float kBandFill = -32767.0f;
constexpr double kTimeFill = -999.0;
const std::vector<std::string> kSwathDimensions = {"number_of_lines", "pixels_per_line"};

// OCI-like band centres (nm): 119 blue and 160 red hyperspectral bands, 7 SWIR bands.
std::vector<float> band_wavelengths_nm() {
  std::vector<float> nm;
  for (int i = 0; i < 119; ++i) nm.push_back(314.5f + 2.5f * static_cast<float>(i));
  for (int i = 0; i < 160; ++i) nm.push_back(600.0f + 1.85f * static_cast<float>(i));
  for (float swir : {940.0f, 1038.0f, 1250.0f, 1378.0f, 1615.0f, 2130.0f, 2260.0f})
    nm.push_back(swir);
  return nm;
}

// A small contiguous 1-D variable.
H5Id define_vector_variable(Nc4File& file, hid_t group, const std::string& name,
                            const std::string& dimension, hid_t file_type, hid_t memory_type,
                            const void* fill) {
  return file.define_variable(group, {name, file_type, memory_type, {dimension}, fill, {}, 0});
}

void put_wavelengths(Nc4File& file, hid_t group, const std::string& name,
                     const std::string& dimension, const std::string& long_name,
                     const std::vector<float>& values_nm) {
  const H5Id variable = define_vector_variable(file, group, name, dimension, H5T_IEEE_F32LE,
                                               H5T_NATIVE_FLOAT, &kBandFill);
  file.put_text(variable.get(), "long_name", long_name);
  file.put_text(variable.get(), "units", "nm");
  file.put_floats(variable.get(), "_FillValue", {kBandFill});
  file.put_floats(variable.get(), "valid_min", {0.0f});
  file.put_floats(variable.get(), "valid_max", {20000.0f});
  file.write(variable.get(), H5T_NATIVE_FLOAT, values_nm.data(), name);
}

void put_geophysical(Nc4File& file, hid_t group, const std::string& name,
                     const std::vector<float>& values, const std::string& long_name,
                     const std::string& standard_name, float valid_min, float valid_max,
                     const std::string& reference) {
  const H5Id variable =
      define_swath_variable(file, group, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &kGeophysicalFill);
  file.put_text(variable.get(), "long_name", long_name);
  file.put_text(variable.get(), "units", "mg m^-3");
  file.put_text(variable.get(), "standard_name", standard_name);
  file.put_floats(variable.get(), "_FillValue", {kGeophysicalFill});
  file.put_floats(variable.get(), "valid_min", {valid_min});
  file.put_floats(variable.get(), "valid_max", {valid_max});
  file.put_text(variable.get(), "reference", reference);
  file.write(variable.get(), H5T_NATIVE_FLOAT, values.data(), name);
}

void put_line_floats(Nc4File& file, hid_t group, const std::string& name,
                     const std::string& long_name, const std::string& units,
                     const std::vector<float>& values) {
  const H5Id variable = define_vector_variable(file, group, name, "number_of_lines", H5T_IEEE_F32LE,
                                               H5T_NATIVE_FLOAT, &kNavigationFill);
  file.put_text(variable.get(), "long_name", long_name);
  file.put_text(variable.get(), "units", units);
  file.put_floats(variable.get(), "_FillValue", {kNavigationFill});
  file.write(variable.get(), H5T_NATIVE_FLOAT, values.data(), name);
}

}  // namespace

H5Id define_swath_variable(Nc4File& file, hid_t group, const std::string& name, hid_t file_type,
                           hid_t memory_type, const void* fill) {
  VariableSpec spec{name, file_type, memory_type, kSwathDimensions, fill, {}, kDeflateLevel};
  const hsize_t lines = file.dimension_length("number_of_lines");
  spec.chunk = {std::min(kChunkLines, lines), file.dimension_length("pixels_per_line")};
  return file.define_variable(group, spec);
}

void write_sensor_band_parameters(Nc4File& file) {
  const H5Id group = file.create_group(file.root(), "sensor_band_parameters");
  const std::vector<float> bands = band_wavelengths_nm();
  const std::vector<float> bands_3d = wavelengths_3d_nm(file.dimension_length("wavelength_3d"));
  put_wavelengths(file, group.get(), "wavelength", "number_of_bands", "wavelengths", bands);
  put_wavelengths(file, group.get(), "wavelength_3d", "wavelength_3d", "wavelengths of 3D products",
                  bands_3d);
}

void write_scan_line_attributes(Nc4File& file, const GranuleDescription& description,
                                const SwathGeometry& geometry, const GranuleArrays& arrays) {
  const H5Id group = file.create_group(file.root(), "scan_line_attributes");
  const std::int64_t day_ms = start_of_day_ms(description.start_ms);
  const double start_s =
      static_cast<double>(description.start_ms - day_ms) / kMillisecondsPerSecond;
  std::vector<double> time_s(geometry.lines);
  for (std::size_t line = 0; line < geometry.lines; ++line)
    time_s[line] = start_s + static_cast<double>(line) * kLinePeriodS;
  const H5Id time = define_vector_variable(file, group.get(), "time", "number_of_lines",
                                           H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &kTimeFill);
  file.put_text(time.get(), "long_name", "time");
  file.put_text(time.get(), "units", "seconds since " + format_date(day_ms));
  file.put_doubles(time.get(), "_FillValue", {kTimeFill});
  file.put_doubles(time.get(), "valid_min", {0.0});
  file.put_doubles(time.get(), "valid_max", {2.0 * 86400.0});
  file.write(time.get(), H5T_NATIVE_DOUBLE, time_s.data(), "time");

  const std::size_t columns[3] = {0, geometry.pixels / 2, geometry.pixels - 1};
  const char* prefixes[3] = {"s", "c", "e"};
  const char* where[3] = {"Starting", "Center", "Ending"};
  for (int k = 0; k < 3; ++k) {
    std::vector<float> lon(geometry.lines), lat(geometry.lines);
    for (std::size_t line = 0; line < geometry.lines; ++line) {
      lon[line] = arrays.longitude[line * geometry.pixels + columns[k]];
      lat[line] = arrays.latitude[line * geometry.pixels + columns[k]];
    }
    put_line_floats(file, group.get(), std::string(prefixes[k]) + "lon",
                    std::string(where[k]) + " Longitude", "degrees_east", lon);
    put_line_floats(file, group.get(), std::string(prefixes[k]) + "lat",
                    std::string(where[k]) + " Latitude", "degrees_north", lat);
  }
  std::vector<float> solar_zenith(geometry.lines);
  for (std::size_t line = 0; line < geometry.lines; ++line) {
    if (arrays.latitude[line * geometry.pixels + columns[1]] == kNavigationFill) {
      solar_zenith[line] = kNavigationFill;  // a line without navigation has no angles
      continue;
    }
    const Vec3 centre = geometry.pixel_vector(line, columns[1]);
    const std::int64_t line_ms =
        description.start_ms +
        std::llround(static_cast<double>(line) * kLinePeriodS * kMillisecondsPerSecond);
    solar_zenith[line] =
        static_cast<float>(solar_zenith_deg(line_ms, latitude_deg(centre), longitude_deg(centre)));
  }
  put_line_floats(file, group.get(), "csol_z", "Center Solar Zenith Angle", "degrees",
                  solar_zenith);
}

void write_bgc_geophysical_data(Nc4File& file, const GranuleArrays& arrays) {
  const H5Id group = file.create_group(file.root(), "geophysical_data");
  put_geophysical(file, group.get(), "chlor_a", arrays.chlor_a,
                  "Chlorophyll Concentration, OCI Algorithm",
                  "mass_concentration_of_chlorophyll_in_sea_water", 0.001f, 100.0f,
                  "Hu, C., Lee Z., and Franz, B.A. (2012). Chlorophyll-a algorithms for "
                  "oligotrophic oceans: A novel approach based on three-band reflectance "
                  "difference, J. Geophys. Res., 117, C01011, doi:10.1029/2011JC007395.");
  put_geophysical(file, group.get(), "carbon_phyto", arrays.carbon_phyto, "Phytoplankton Carbon",
                  "mass_concentration_of_phytoplankton_expressed_as_carbon_in_sea_water", 0.0f,
                  1000.0f,
                  "Graff, J.R. et al. (2015). Analytical phytoplankton carbon measurements "
                  "spanning diverse ecosystems. Deep-Sea Research I, 102, 16-25.");
  put_geophysical(
      file, group.get(), "poc", arrays.poc, "Particulate Organic Carbon",
      "mass_concentration_of_particulate_organic_matter_expressed_as_carbon_in_sea_water", 0.0f,
      1000.0f,
      "Stramski, D., et al. (2008). Relationships between the surface concentration "
      "of particulate organic carbon and optical properties in the eastern South "
      "Pacific and eastern Atlantic Oceans. Biogeosciences 5, 171-201.");
  write_l2_flags(file, group.get(), arrays);
}

void write_l2_flags(Nc4File& file, hid_t group, const GranuleArrays& arrays) {
  const H5Id flags =
      define_swath_variable(file, group, "l2_flags", H5T_STD_I32LE, H5T_NATIVE_INT32, nullptr);
  std::vector<int> masks;
  std::string meanings;
  for (int bit = 0; bit < static_cast<int>(kFlagNames.size()); ++bit) {
    masks.push_back(flag_mask(bit));
    meanings += (bit ? " " : "") + std::string(kFlagNames[bit]);
  }
  file.put_text(flags.get(), "long_name", "Level-2 Processing Flags");
  file.put_ints(flags.get(), "valid_min", {std::numeric_limits<int>::min()});
  file.put_ints(flags.get(), "valid_max", {std::numeric_limits<int>::max()});
  file.put_ints(flags.get(), "flag_masks", masks);
  file.put_text(flags.get(), "flag_meanings", meanings);
  file.write(flags.get(), H5T_NATIVE_INT32, arrays.l2_flags.data(), "l2_flags");
}

void write_navigation_data(Nc4File& file, const SwathGeometry& geometry,
                           const GranuleArrays& arrays) {
  const H5Id group = file.create_group(file.root(), "navigation_data");
  struct Coordinate {
    const char* name;
    const char* long_name;
    const char* units;
    float valid_limit;
    const std::vector<float>* values;
  };
  for (const Coordinate& c :
       {Coordinate{"longitude", "Longitude", "degrees_east", 180.0f, &arrays.longitude},
        Coordinate{"latitude", "Latitude", "degrees_north", 90.0f, &arrays.latitude}}) {
    const H5Id variable = define_swath_variable(file, group.get(), c.name, H5T_IEEE_F32LE,
                                                H5T_NATIVE_FLOAT, &kNavigationFill);
    file.put_text(variable.get(), "long_name", c.long_name);
    file.put_text(variable.get(), "standard_name", c.name);
    file.put_text(variable.get(), "units", c.units);
    file.put_floats(variable.get(), "_FillValue", {kNavigationFill});
    file.put_floats(variable.get(), "valid_min", {-c.valid_limit});
    file.put_floats(variable.get(), "valid_max", {c.valid_limit});
    file.write(variable.get(), H5T_NATIVE_FLOAT, c.values->data(), c.name);
  }
  // Ring of the granule's corners, clockwise for an ascending pass (first pixel west):
  // first line/first pixel, last line/first pixel, last line/last pixel, first line/last pixel;
  // each the nearest valid pixel of the nearest line with navigation.
  std::vector<float> ring_lon, ring_lat;
  for (const auto& [from_end, from_right] : {std::pair{false, false}, std::pair{true, false},
                                             std::pair{true, true}, std::pair{false, true}}) {
    bool found = false;
    for (std::size_t j = 0; j < geometry.lines && !found; ++j) {
      const std::size_t line = from_end ? geometry.lines - 1 - j : j;
      for (std::size_t k = 0; k < geometry.pixels && !found; ++k) {
        const std::size_t i = line * geometry.pixels + (from_right ? geometry.pixels - 1 - k : k);
        if (arrays.latitude[i] == kNavigationFill) continue;
        ring_lon.push_back(arrays.longitude[i]);
        ring_lat.push_back(arrays.latitude[i]);
        found = true;
      }
    }
  }
  file.put_floats(group.get(), "gringpointlongitude", ring_lon);
  file.put_floats(group.get(), "gringpointlatitude", ring_lat);
  file.put_ints(group.get(), "gringpointsequence", {1, 2, 3, 4});
}

void write_processing_control(Nc4File& file, const GranuleDescription& description,
                              const GranuleArrays& arrays) {
  const H5Id group = file.create_group(file.root(), "processing_control");
  file.put_text(group.get(), "software_name", "swathgrid-synth");
  file.put_text(group.get(), "software_version", kVersion);
  {
    const SynthGranuleOptions& o = description.options;
    const H5Id parameters = file.create_group(group.get(), "input_parameters");
    const auto text = [](auto value) {
      std::ostringstream stream;
      stream << value;
      return stream.str();
    };
    file.put_text(parameters.get(), "near_lon_deg", text(o.near_lon_deg));
    file.put_text(parameters.get(), "near_lat_deg", text(o.near_lat_deg));
    file.put_text(parameters.get(), "track_offset_km", text(o.track_offset_km));
    file.put_text(parameters.get(), "track_position", text(o.track_position));
    file.put_text(parameters.get(), "cloud_fraction", text(o.cloud_fraction));
    file.put_text(parameters.get(), "seed", text(o.seed));
    if (o.suite == SynthSuite::kAop) {
      file.put_text(parameters.get(), "suite", suite_name(o.suite));
      file.put_text(parameters.get(), "aop_bands", text(o.aop_bands));
    }
    for (const auto& [name, value] : oci_parameters(o))
      file.put_text(parameters.get(), name, value);
  }
  const H5Id percentages = file.create_group(group.get(), "flag_percentages");
  std::vector<std::size_t> set(kFlagNames.size(), 0);
  for (std::int32_t flags : arrays.l2_flags)
    for (auto bits = static_cast<std::uint32_t>(flags); bits != 0; bits &= bits - 1)
      ++set[static_cast<std::size_t>(__builtin_ctz(bits))];
  const double count = static_cast<double>(arrays.l2_flags.size());
  for (std::size_t bit = 0; bit < kFlagNames.size(); ++bit) {
    if (std::string(kFlagNames[bit]) == "SPARE") continue;
    file.put_floats(percentages.get(), kFlagNames[bit],
                    {static_cast<float>(100.0 * static_cast<double>(set[bit]) / count)});
  }
}

}  // namespace swathgrid::synth_detail
