// Synthetic granules: layout checked independently through the HDF5 C API (what netCDF and
// the reader see), geometry against spherical-Earth references, fields and flags against the
// requested options, campaign planning against the demo box.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/synth.hpp"
#include "test_support.hpp"

namespace {

using swathgrid::SynthGranuleOptions;

constexpr double kEarthRadiusKm = 6371.0;
constexpr double kPi = 3.14159265358979323846;
constexpr int kCloudBit = 9, kLandBit = 1, kGlintBit = 3, kNavFailBit = 25;

// Owns an HDF5 identifier (test-local, independent of the library's helpers).
struct Id {
  hid_t id;
  herr_t (*close)(hid_t);
  ~Id() {
    if (id >= 0) close(id);
  }
};

double great_circle_km(double lat1, double lon1, double lat2, double lon2) {
  const double p1 = lat1 * kPi / 180, p2 = lat2 * kPi / 180, dl = (lon2 - lon1) * kPi / 180;
  const double a = std::pow(std::sin((p2 - p1) / 2), 2) +
                   std::cos(p1) * std::cos(p2) * std::pow(std::sin(dl / 2), 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(a));
}

bool flag_set(std::int32_t flags, int bit) {
  return (static_cast<std::uint32_t>(flags) >> bit) & 1u;
}

// One granule opened read-only.
class File {
 public:
  explicit File(const std::string& path)
      : file_{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose} {
    EXPECT_GE(file_.id, 0) << path;
  }
  hid_t id() const { return file_.id; }
  bool exists(const std::string& name) const {
    return H5Lexists(file_.id, name.c_str(), H5P_DEFAULT) > 0;
  }
  std::vector<hsize_t> shape(const std::string& name) const {
    Id dataset{H5Dopen2(file_.id, name.c_str(), H5P_DEFAULT), H5Dclose};
    Id space{H5Dget_space(dataset.id), H5Sclose};
    std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space.id)));
    H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
    return dims;
  }
  // Class and size in bytes of a dataset's type.
  std::pair<H5T_class_t, std::size_t> type(const std::string& name) const {
    Id dataset{H5Dopen2(file_.id, name.c_str(), H5P_DEFAULT), H5Dclose};
    Id type{H5Dget_type(dataset.id), H5Tclose};
    return {H5Tget_class(type.id), H5Tget_size(type.id)};
  }
  template <typename T>
  std::vector<T> read(const std::string& name, hid_t memory_type) const {
    Id dataset{H5Dopen2(file_.id, name.c_str(), H5P_DEFAULT), H5Dclose};
    std::size_t count = 1;
    for (hsize_t n : shape(name)) count *= n;
    std::vector<T> values(count);
    EXPECT_GE(H5Dread(dataset.id, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
    return values;
  }
  std::string text_attribute(const std::string& object, const std::string& name) const {
    Id attribute{H5Aopen_by_name(file_.id, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose};
    Id type{H5Aget_type(attribute.id), H5Tclose};
    EXPECT_EQ(H5Tget_class(type.id), H5T_STRING) << name;
    EXPECT_FALSE(H5Tis_variable_str(type.id)) << name << ": netCDF NC_CHAR is fixed-length";
    std::string value(H5Tget_size(type.id), '\0');
    H5Aread(attribute.id, type.id, value.data());
    return value.substr(0, value.find('\0'));
  }
  // Numeric attribute values, with the class and byte size of its stored type.
  std::vector<double> numeric_attribute(const std::string& object, const std::string& name,
                                        H5T_class_t expected_class,
                                        std::size_t expected_size) const {
    Id attribute{H5Aopen_by_name(file_.id, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose};
    Id type{H5Aget_type(attribute.id), H5Tclose};
    EXPECT_EQ(H5Tget_class(type.id), expected_class) << object << ":" << name;
    EXPECT_EQ(H5Tget_size(type.id), expected_size) << object << ":" << name;
    Id space{H5Aget_space(attribute.id), H5Sclose};
    std::vector<double> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.id)));
    H5Aread(attribute.id, H5T_NATIVE_DOUBLE, values.data());
    return values;
  }

 private:
  Id file_;
};

std::string write_granule(const swathgrid::test::ScratchDir& dir, const std::string& name,
                          const SynthGranuleOptions& options) {
  const std::string path = dir.file(name);
  swathgrid::write_synthetic_granule(path, options);
  return path;
}

SynthGranuleOptions small_options(std::uint64_t seed) {
  SynthGranuleOptions options;
  options.lines = 200;
  options.pixels = 128;
  options.seed = seed;
  return options;
}

// Checks one 2-D variable: type, shape, chunking + deflate, fill value, dimension scales.
void expect_swath_variable(const File& file, const std::string& name, H5T_class_t type_class,
                           std::size_t lines, std::size_t pixels) {
  SCOPED_TRACE(name);
  ASSERT_TRUE(file.exists(name));
  EXPECT_EQ(file.type(name), std::make_pair(type_class, std::size_t{4}));
  EXPECT_EQ(file.shape(name), (std::vector<hsize_t>{lines, pixels}));
  Id dataset{H5Dopen2(file.id(), name.c_str(), H5P_DEFAULT), H5Dclose};
  Id dcpl{H5Dget_create_plist(dataset.id), H5Pclose};
  EXPECT_EQ(H5Pget_layout(dcpl.id), H5D_CHUNKED);
  unsigned flags = 0;
  std::size_t count = 0;
  EXPECT_GE(H5Pget_filter_by_id2(dcpl.id, H5Z_FILTER_DEFLATE, &flags, &count, nullptr, 0, nullptr,
                                 nullptr),
            0);
  Id lines_scale{H5Dopen2(file.id(), "number_of_lines", H5P_DEFAULT), H5Dclose};
  Id pixels_scale{H5Dopen2(file.id(), "pixels_per_line", H5P_DEFAULT), H5Dclose};
  EXPECT_GT(H5DSis_attached(dataset.id, lines_scale.id, 0), 0);
  EXPECT_GT(H5DSis_attached(dataset.id, pixels_scale.id, 1), 0);
}

// Great-circle distance between pixels (line, a) and (line, b).
double pixel_distance_km(const std::vector<float>& lat, const std::vector<float>& lon,
                         std::size_t pixels, std::size_t line_a, std::size_t a, std::size_t line_b,
                         std::size_t b) {
  return great_circle_km(lat[line_a * pixels + a], lon[line_a * pixels + a],
                         lat[line_b * pixels + b], lon[line_b * pixels + b]);
}

}  // namespace

TEST(Synth, FullSizeGranuleHasTheObdaacLayout) {
  swathgrid::test::ScratchDir dir("synth-layout");
  SynthGranuleOptions options;  // 1710 x 1272 near (-75, 38.5)
  options.time_coverage_start = "2024-08-01T17:42:45.090Z";
  options.track_offset_km = 200.0;
  const std::string path =
      write_granule(dir, "PACE_OCI.20240801T174245.L2.OC_BGC.V3_0.nc", options);
  const File file(path);

  // Root dimensions: netCDF dimension scales without coordinate variables.
  const std::pair<const char*, hsize_t> dimensions[] = {{"number_of_lines", 1710},
                                                        {"pixels_per_line", 1272},
                                                        {"number_of_bands", 0},
                                                        {"number_of_reflective_bands", 0},
                                                        {"wavelength_3d", 0}};
  for (const auto& [name, length] : dimensions) {
    ASSERT_TRUE(file.exists(name)) << name;
    Id scale{H5Dopen2(file.id(), name, H5P_DEFAULT), H5Dclose};
    EXPECT_GT(H5DSis_scale(scale.id), 0) << name;
    EXPECT_EQ(file.text_attribute(name, "NAME")
                  .rfind("This is a netCDF dimension but not a netCDF variable.", 0),
              0u);
    if (length) EXPECT_EQ(file.shape(name), std::vector<hsize_t>{length}) << name;
  }
  for (const char* group :
       {"geophysical_data", "navigation_data", "scan_line_attributes", "sensor_band_parameters"})
    EXPECT_TRUE(file.exists(group)) << group;

  // Global attributes.
  EXPECT_EQ(file.text_attribute("/", "title"), "OCI Level-2 Data BGC");
  EXPECT_EQ(file.text_attribute("/", "product_name"), "PACE_OCI.20240801T174245.L2.OC_BGC.V3_0.nc");
  EXPECT_EQ(file.text_attribute("/", "instrument"), "OCI");
  EXPECT_EQ(file.text_attribute("/", "platform"), "PACE");
  EXPECT_EQ(file.text_attribute("/", "processing_level"), "L2");
  EXPECT_EQ(file.text_attribute("/", "startDirection"), "Ascending");
  EXPECT_EQ(file.text_attribute("/", "time_coverage_start"), "2024-08-01T17:42:45.090Z");
  const std::string end = file.text_attribute("/", "time_coverage_end");
  ASSERT_TRUE(std::regex_match(end, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << end;
  int hour = 0, minute = 0;
  double second = 0;
  ASSERT_EQ(std::sscanf(end.c_str() + 11, "%d:%d:%lfZ", &hour, &minute, &second), 3);
  const double duration_s = (hour - 17) * 3600 + (minute - 42) * 60 + second - 45.090;
  EXPECT_NEAR(duration_s, 1709 * 300.0 / 1710, 0.002);

  // Variables.
  for (const char* name :
       {"geophysical_data/chlor_a", "geophysical_data/poc", "geophysical_data/carbon_phyto",
        "navigation_data/latitude", "navigation_data/longitude"})
    expect_swath_variable(file, name, H5T_FLOAT, 1710, 1272);
  expect_swath_variable(file, "geophysical_data/l2_flags", H5T_INTEGER, 1710, 1272);
  for (const char* name :
       {"geophysical_data/chlor_a", "geophysical_data/poc", "geophysical_data/carbon_phyto"}) {
    EXPECT_EQ(file.numeric_attribute(name, "_FillValue", H5T_FLOAT, 4),
              std::vector<double>{-32767});
    EXPECT_EQ(file.text_attribute(name, "units"), "mg m^-3");
    Id dataset{H5Dopen2(file.id(), name, H5P_DEFAULT), H5Dclose};
    Id dcpl{H5Dget_create_plist(dataset.id), H5Pclose};
    float fill = 0;
    H5Pget_fill_value(dcpl.id, H5T_NATIVE_FLOAT, &fill);
    EXPECT_EQ(fill, -32767.0f) << name;
  }
  EXPECT_EQ(file.text_attribute("geophysical_data/chlor_a", "standard_name"),
            "mass_concentration_of_chlorophyll_in_sea_water");
  const double valid_min =
      file.numeric_attribute("geophysical_data/chlor_a", "valid_min", H5T_FLOAT, 4).at(0);
  const double valid_max =
      file.numeric_attribute("geophysical_data/chlor_a", "valid_max", H5T_FLOAT, 4).at(0);
  EXPECT_NEAR(valid_min, 0.001, 1e-9);
  EXPECT_EQ(valid_max, 100.0);
  for (const char* name : {"navigation_data/latitude", "navigation_data/longitude"})
    EXPECT_EQ(file.numeric_attribute(name, "_FillValue", H5T_FLOAT, 4), std::vector<double>{-999});

  // l2_flags: 32 names for 32 masks 2^i, the last negative.
  const auto masks =
      file.numeric_attribute("geophysical_data/l2_flags", "flag_masks", H5T_INTEGER, 4);
  ASSERT_EQ(masks.size(), 32u);
  for (int bit = 0; bit < 32; ++bit)
    EXPECT_EQ(masks[bit], bit < 31 ? std::ldexp(1.0, bit) : -std::ldexp(1.0, 31));
  std::vector<std::string> meanings;
  std::istringstream words(file.text_attribute("geophysical_data/l2_flags", "flag_meanings"));
  for (std::string word; words >> word;) meanings.push_back(word);
  ASSERT_EQ(meanings.size(), 32u);
  EXPECT_EQ(meanings[kLandBit], "LAND");
  EXPECT_EQ(meanings[kGlintBit], "HIGLINT");
  EXPECT_EQ(meanings[kCloudBit], "CLDICE");
  EXPECT_EQ(meanings[kNavFailBit], "NAVFAIL");

  // Geometry: ~2600 km swath, pixels widening to the edges, ~1.2 km between lines.
  const auto lat = file.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT);
  const auto lon = file.read<float>("navigation_data/longitude", H5T_NATIVE_FLOAT);
  const std::size_t pixels = 1272, middle = 855, centre = 636;
  EXPECT_NEAR(pixel_distance_km(lat, lon, pixels, middle, 0, middle, pixels - 1), 2600, 260);
  double previous = 0;
  for (std::size_t p :
       {centre, std::size_t{900}, std::size_t{1100}, std::size_t{1200}, pixels - 2}) {
    const double spacing = pixel_distance_km(lat, lon, pixels, middle, p, middle, p + 1);
    EXPECT_GT(spacing, previous * 1.05) << "pixel " << p;
    previous = spacing;
  }
  const double nadir_spacing =
      pixel_distance_km(lat, lon, pixels, middle, centre, middle, centre + 1);
  EXPECT_NEAR(nadir_spacing, 1.1, 0.2);
  EXPECT_GT(previous / nadir_spacing, 4.0);
  EXPECT_NEAR(pixel_distance_km(lat, lon, pixels, middle, centre, middle + 1, centre), 1.2, 0.1);

  // The nadir track crosses 38.5N at track_position, 200 km east of -75.
  std::size_t crossing = 0;
  for (std::size_t line = 1; line < 1710; ++line)
    if (lat[(line - 1) * pixels + centre] < 38.5f && lat[line * pixels + centre] >= 38.5f)
      crossing = line;
  EXPECT_NEAR(static_cast<double>(crossing), 0.5 * 1709, 2.0);
  const double offset_lon =
      -75.0 + 200.0 / (kEarthRadiusKm * std::cos(38.5 * kPi / 180)) * 180 / kPi;
  EXPECT_LT(great_circle_km(lat[crossing * pixels + centre], lon[crossing * pixels + centre], 38.5,
                            offset_lon),
            3.0);
  const double lat_max = file.numeric_attribute("/", "geospatial_lat_max", H5T_FLOAT, 4).at(0);
  float array_lat_max = -90;
  for (float value : lat) array_lat_max = std::max(array_lat_max, value);
  EXPECT_FLOAT_EQ(static_cast<float>(lat_max), array_lat_max);

  // Fields and flags: fill exactly where cloud, land or navigation failure.
  const auto chl = file.read<float>("geophysical_data/chlor_a", H5T_NATIVE_FLOAT);
  const auto flags = file.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32);
  std::size_t cloudy = 0, land = 0, glint_valid = 0, valid = 0, in_range = 0, navfail = 0;
  for (std::size_t i = 0; i < chl.size(); ++i) {
    const bool masked = flag_set(flags[i], kCloudBit) || flag_set(flags[i], kLandBit) ||
                        flag_set(flags[i], kNavFailBit);
    ASSERT_EQ(chl[i] == -32767.0f, masked) << "pixel " << i;
    cloudy += flag_set(flags[i], kCloudBit);
    land += flag_set(flags[i], kLandBit);
    navfail += flag_set(flags[i], kNavFailBit);
    if (flag_set(flags[i], kNavFailBit)) EXPECT_EQ(lat[i], -999.0f);
    if (!masked) {
      ++valid;
      in_range += chl[i] >= valid_min && chl[i] <= valid_max;
      glint_valid += flag_set(flags[i], kGlintBit);
    }
  }
  EXPECT_NEAR(static_cast<double>(cloudy) / chl.size(), 0.3, 0.03);
  EXPECT_GT(land, chl.size() / 50) << "the coast west of the demo box";
  EXPECT_LT(navfail, 100u);
  EXPECT_GT(glint_valid, valid / 50) << "HIGLINT pixels keep their values";
  EXPECT_GT(static_cast<double>(in_range), 0.999 * static_cast<double>(valid));

  // ncdump (netCDF-C) sees named dimensions and the groups (Skipped, not Passed, without it).
  if (std::system("command -v ncdump > /dev/null 2>&1") != 0) GTEST_SKIP() << "no ncdump";
  {
    const std::string out = dir.file("ncdump.txt");
    ASSERT_EQ(std::system(("ncdump -h " + path + " > " + out + " 2>&1").c_str()), 0);
    std::ifstream stream(out);
    const std::string header((std::istreambuf_iterator<char>(stream)), {});
    EXPECT_NE(header.find("number_of_lines = 1710"), std::string::npos) << header;
    EXPECT_NE(header.find("group: geophysical_data"), std::string::npos);
    EXPECT_NE(header.find("float chlor_a(number_of_lines, pixels_per_line)"), std::string::npos);
    EXPECT_EQ(header.find("phony_dim"), std::string::npos);
  }
}

TEST(Synth, OddLineCountGranuleHasItsOwnShapeAndTime) {
  swathgrid::test::ScratchDir dir("synth-1709");
  SynthGranuleOptions options;
  options.lines = 1709;
  options.track_offset_km = -300.0;
  options.track_position = 0.2;
  const File file(write_granule(dir, "g1709.nc", options));
  EXPECT_EQ(file.shape("number_of_lines"), std::vector<hsize_t>{1709});
  EXPECT_EQ(file.shape("geophysical_data/l2_flags"), (std::vector<hsize_t>{1709, 1272}));
  const auto time = file.read<double>("scan_line_attributes/time", H5T_NATIVE_DOUBLE);
  ASSERT_EQ(time.size(), 1709u);
  EXPECT_NEAR(time.front(), 17 * 3600 + 40 * 60, 1e-6);  // 2024-08-01T17:40:00.000Z
  EXPECT_NEAR(time.back() - time.front(), 1708 * 300.0 / 1710, 1e-6);
}

TEST(Synth, SameSeedSameArraysOtherSeedOtherClouds) {
  swathgrid::test::ScratchDir dir("synth-seed");
  const File a(write_granule(dir, "a.nc", small_options(7)));
  const File b(write_granule(dir, "b.nc", small_options(7)));
  const File c(write_granule(dir, "c.nc", small_options(8)));
  for (const char* name :
       {"geophysical_data/chlor_a", "geophysical_data/poc", "geophysical_data/carbon_phyto",
        "navigation_data/latitude", "navigation_data/longitude"})
    EXPECT_EQ(a.read<float>(name, H5T_NATIVE_FLOAT), b.read<float>(name, H5T_NATIVE_FLOAT)) << name;
  const auto flags_a = a.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32);
  EXPECT_EQ(flags_a, b.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32));
  const auto flags_c = c.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < flags_a.size(); ++i)
    differ += flag_set(flags_a[i], kCloudBit) != flag_set(flags_c[i], kCloudBit);
  EXPECT_GT(differ, flags_a.size() / 10);
  // The geometry does not depend on the seed (only where navigation "fails" does).
  const auto lat_a = a.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT);
  const auto lat_c = c.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT);
  for (std::size_t i = 0; i < lat_a.size(); ++i)
    if (lat_a[i] != -999.0f && lat_c[i] != -999.0f) ASSERT_EQ(lat_a[i], lat_c[i]) << i;
}

TEST(Synth, CloudFractionIsHonoured) {
  swathgrid::test::ScratchDir dir("synth-clouds");
  for (double fraction : {0.0, 0.5, 1.0}) {
    SynthGranuleOptions options = small_options(3);
    options.cloud_fraction = fraction;
    const File file(write_granule(dir, "clouds.nc", options));
    const auto flags = file.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32);
    std::size_t cloudy = 0, navfail = 0;
    for (std::int32_t f : flags) {
      cloudy += flag_set(f, kCloudBit);
      navfail += flag_set(f, kNavFailBit);
    }
    EXPECT_NEAR(static_cast<double>(cloudy + (fraction > 0.99 ? navfail : 0)) / flags.size(),
                fraction, 0.05);
  }
}

TEST(Synth, CampaignGranulesPairUpAndAllOverlapTheDemoBox) {
  swathgrid::test::ScratchDir dir("synth-campaign");
  swathgrid::SynthCampaignOptions campaign;  // the demo: 16 granules, 7 days, near -75,38.5
  campaign.pixels = 256;                     // full swath, sparser pixels: faster
  const auto granules = swathgrid::plan_campaign(campaign);
  ASSERT_EQ(granules.size(), 16u);
  std::set<std::string> days;
  for (std::size_t g = 0; g < granules.size(); ++g) {
    const auto& granule = granules[g];
    const std::string& start = granule.options.time_coverage_start;
    SCOPED_TRACE(granule.file_name);
    ASSERT_TRUE(std::regex_match(granule.file_name,
                                 std::regex(R"(PACE_OCI\.\d{8}T\d{6}\.L2\.OC_BGC\.V3_0\.nc)")));
    EXPECT_EQ(granule.file_name.substr(9, 15), start.substr(0, 4) + start.substr(5, 2) +
                                                   start.substr(8, 2) + "T" + start.substr(11, 2) +
                                                   start.substr(14, 2) + start.substr(17, 2));
    EXPECT_EQ(granule.options.lines, g % 2 == 0 ? 1710u : 1709u);
    const int hour = std::stoi(start.substr(11, 2));
    EXPECT_TRUE(hour >= 16 && hour <= 19) << start;
    days.insert(start.substr(0, 10));
    if (g % 2 == 1) {  // the second granule of a pass starts one scan after the first ends
      const auto& first = granules[g - 1].options;
      EXPECT_EQ(granule.options.track_offset_km, first.track_offset_km);
      const double seconds =
          (std::stod(start.substr(14, 2)) - std::stod(first.time_coverage_start.substr(14, 2))) *
              60 +
          std::stod(start.substr(17, 6)) - std::stod(first.time_coverage_start.substr(17, 6));
      EXPECT_NEAR(std::fmod(seconds + 3600, 3600), 1710 * 300.0 / 1710, 0.002);
    }
  }
  EXPECT_EQ(days.size(), 7u);
  EXPECT_EQ(*days.begin(), "2024-08-01");

  // Every granule covers a good part of the box -77,36,-73,41 (0.5 degree cells).
  for (const auto& granule : granules) {
    const File file(write_granule(dir, granule.file_name, granule.options));
    const auto lat = file.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT);
    const auto lon = file.read<float>("navigation_data/longitude", H5T_NATIVE_FLOAT);
    std::set<int> cells;
    for (std::size_t i = 0; i < lat.size(); ++i)
      if (lon[i] >= -77 && lon[i] < -73 && lat[i] >= 36 && lat[i] < 41)
        cells.insert(static_cast<int>((lon[i] + 77) * 2) * 100 +
                     static_cast<int>((lat[i] - 36) * 2));
    EXPECT_GE(cells.size(), 80u / 4) << granule.file_name << " covers too little of the box";
    std::filesystem::remove(dir.file(granule.file_name));
  }
}

TEST(Synth, AntimeridianGranulesHaveLongitudesOnBothSides) {
  swathgrid::test::ScratchDir dir("synth-antimeridian");
  swathgrid::SynthCampaignOptions campaign;
  campaign.antimeridian = true;
  campaign.count = 2;
  campaign.pixels = 128;
  for (const auto& granule : swathgrid::plan_campaign(campaign)) {
    const File file(write_granule(dir, granule.file_name, granule.options));
    const auto lon = file.read<float>("navigation_data/longitude", H5T_NATIVE_FLOAT);
    std::size_t east = 0, west = 0;
    for (float value : lon) {
      if (value == -999.0f) continue;
      ASSERT_TRUE(value >= -180.0f && value <= 180.0f) << value;
      east += value > 170.0f;
      west += value < -170.0f;
    }
    EXPECT_GT(east, lon.size() / 10);
    EXPECT_GT(west, lon.size() / 10);
    EXPECT_LT(file.numeric_attribute("/", "geospatial_lon_min", H5T_FLOAT, 4).at(0), -179.0);
    EXPECT_GT(file.numeric_attribute("/", "geospatial_lon_max", H5T_FLOAT, 4).at(0), 179.0);
  }
}

TEST(Synth, BadOptionsThrowNamingTheFile) {
  swathgrid::test::ScratchDir dir("synth-errors");
  auto expect_error = [](const std::string& path, const SynthGranuleOptions& options,
                         const std::string& cause) {
    try {
      swathgrid::write_synthetic_granule(path, options);
      ADD_FAILURE() << "no error for " << cause;
    } catch (const swathgrid::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(cause), std::string::npos) << e.what();
    }
  };
  SynthGranuleOptions options = small_options(1);
  options.time_coverage_start = "yesterday";
  expect_error(dir.file("time.nc"), options, "time_coverage_start");
  options = small_options(1);
  options.cloud_fraction = 1.5;
  expect_error(dir.file("cloud.nc"), options, "cloud fraction");
  const std::string missing = dir.file("no/such/dir/g.nc");
  expect_error(missing, small_options(1), "creating the file");
  EXPECT_FALSE(std::filesystem::exists(missing + ".partial"));
  swathgrid::SynthCampaignOptions campaign;
  campaign.first_day = "2024-02-30";
  EXPECT_THROW(swathgrid::plan_campaign(campaign), swathgrid::Error);
}

namespace {

// The band of `wavelengths` nearest to `nm`.
std::size_t nearest_band(const std::vector<float>& wavelengths, double nm) {
  std::size_t best = 0;
  for (std::size_t b = 1; b < wavelengths.size(); ++b)
    if (std::fabs(wavelengths[b] - nm) < std::fabs(wavelengths[best] - nm)) best = b;
  return best;
}

SynthGranuleOptions aop_options(std::uint64_t seed, std::size_t bands) {
  SynthGranuleOptions options;
  options.lines = 400;
  options.pixels = 256;
  options.seed = seed;
  options.suite = swathgrid::SynthSuite::kAop;
  options.aop_bands = bands;
  return options;
}

}  // namespace

TEST(Synth, AopGranuleHasPackedRrsOverWavelength3d) {
  swathgrid::test::ScratchDir dir("synth-aop");
  const std::size_t lines = 400, pixels = 256, bands = 8;
  const SynthGranuleOptions options = aop_options(21, bands);
  const std::string path =
      write_granule(dir, "PACE_OCI.20240801T174000.L2.OC_AOP.V3_0.nc", options);
  SynthGranuleOptions bgc_options = options;
  bgc_options.suite = swathgrid::SynthSuite::kBgc;
  const File file(path);
  const File bgc(write_granule(dir, "bgc.nc", bgc_options));

  EXPECT_EQ(file.text_attribute("/", "title"), "OCI Level-2 Data AOP");
  EXPECT_EQ(file.text_attribute("/", "product_name"), "PACE_OCI.20240801T174000.L2.OC_AOP.V3_0.nc");
  EXPECT_EQ(file.shape("wavelength_3d"), std::vector<hsize_t>{bands});
  EXPECT_FALSE(file.exists("geophysical_data/chlor_a"));

  // Wavelengths: float nm, 346 to 719, increasing.
  const std::string wavelength_name = "sensor_band_parameters/wavelength_3d";
  EXPECT_EQ(file.type(wavelength_name), std::make_pair(H5T_FLOAT, std::size_t{4}));
  const auto nm = file.read<float>(wavelength_name, H5T_NATIVE_FLOAT);
  ASSERT_EQ(nm.size(), bands);
  EXPECT_FLOAT_EQ(nm.front(), 346.0f);
  EXPECT_FLOAT_EQ(nm.back(), 719.0f);
  for (std::size_t b = 1; b < bands; ++b) EXPECT_GT(nm[b], nm[b - 1]);
  EXPECT_EQ(file.text_attribute(wavelength_name, "units"), "nm");

  // Rrs: signed int16 (lines, pixels, bands), chunked and deflated, three dimension scales.
  const std::string rrs_name = "geophysical_data/Rrs";
  ASSERT_TRUE(file.exists(rrs_name));
  EXPECT_EQ(file.type(rrs_name), std::make_pair(H5T_INTEGER, std::size_t{2}));
  EXPECT_EQ(file.shape(rrs_name), (std::vector<hsize_t>{lines, pixels, bands}));
  {
    Id dataset{H5Dopen2(file.id(), rrs_name.c_str(), H5P_DEFAULT), H5Dclose};
    Id type{H5Dget_type(dataset.id), H5Tclose};
    EXPECT_EQ(H5Tget_sign(type.id), H5T_SGN_2);
    Id dcpl{H5Dget_create_plist(dataset.id), H5Pclose};
    EXPECT_EQ(H5Pget_layout(dcpl.id), H5D_CHUNKED);
    unsigned flags = 0;
    std::size_t count = 0;
    EXPECT_GE(H5Pget_filter_by_id2(dcpl.id, H5Z_FILTER_DEFLATE, &flags, &count, nullptr, 0, nullptr,
                                   nullptr),
              0);
    short fill = 0;
    H5Pget_fill_value(dcpl.id, H5T_NATIVE_SHORT, &fill);
    EXPECT_EQ(fill, -32767);
    const char* dimension_names[3] = {"number_of_lines", "pixels_per_line", "wavelength_3d"};
    for (unsigned index = 0; index < 3; ++index) {
      Id scale{H5Dopen2(file.id(), dimension_names[index], H5P_DEFAULT), H5Dclose};
      EXPECT_GT(H5DSis_attached(dataset.id, scale.id, index), 0) << dimension_names[index];
    }
  }
  const double scale = file.numeric_attribute(rrs_name, "scale_factor", H5T_FLOAT, 4).at(0);
  const double offset = file.numeric_attribute(rrs_name, "add_offset", H5T_FLOAT, 4).at(0);
  EXPECT_EQ(scale, static_cast<double>(2.0e-6f));
  EXPECT_EQ(offset, static_cast<double>(0.05f));
  EXPECT_EQ(file.numeric_attribute(rrs_name, "_FillValue", H5T_INTEGER, 2),
            std::vector<double>{-32767});
  EXPECT_EQ(file.numeric_attribute(rrs_name, "valid_min", H5T_INTEGER, 2),
            std::vector<double>{-30000});
  EXPECT_EQ(file.numeric_attribute(rrs_name, "valid_max", H5T_INTEGER, 2),
            std::vector<double>{25000});
  EXPECT_EQ(file.text_attribute(rrs_name, "units"), "sr^-1");
  EXPECT_EQ(file.text_attribute(rrs_name, "long_name"), "Remote sensing reflectance");
  EXPECT_EQ(file.text_attribute(rrs_name, "standard_name"),
            "surface_ratio_of_upwelling_radiance_emerging_from_sea_water_to_downwelling_"
            "radiative_flux_in_air");
  for (const char* name : {"geophysical_data/aot_865", "geophysical_data/angstrom"})
    expect_swath_variable(file, name, H5T_FLOAT, lines, pixels);

  // Same geometry and flags as the BGC granule of the same seed; fill exactly where chlor_a
  // is fill (LAND, CLDICE, NAVFAIL), in every band at once.
  const auto flags = file.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32);
  EXPECT_EQ(flags, bgc.read<std::int32_t>("geophysical_data/l2_flags", H5T_NATIVE_INT32));
  EXPECT_EQ(file.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT),
            bgc.read<float>("navigation_data/latitude", H5T_NATIVE_FLOAT));
  const auto chl = bgc.read<float>("geophysical_data/chlor_a", H5T_NATIVE_FLOAT);
  const auto stored = file.read<std::int16_t>(rrs_name, H5T_NATIVE_INT16);
  const auto aot = file.read<float>("geophysical_data/aot_865", H5T_NATIVE_FLOAT);
  const auto angstrom = file.read<float>("geophysical_data/angstrom", H5T_NATIVE_FLOAT);
  ASSERT_EQ(stored.size(), lines * pixels * bands);
  const std::size_t blue = nearest_band(nm, 443.0), green = nearest_band(nm, 555.0);
  std::size_t land = 0, cloudy = 0, valid_values = 0, plausible = 0, clear = 0, rich = 0;
  for (std::size_t i = 0; i < lines * pixels; ++i) {
    const bool masked = flag_set(flags[i], kLandBit) || flag_set(flags[i], kCloudBit) ||
                        flag_set(flags[i], kNavFailBit);
    ASSERT_EQ(chl[i] == -32767.0f, masked) << "pixel " << i;
    ASSERT_EQ(aot[i] == -32767.0f, masked) << "pixel " << i;
    ASSERT_EQ(angstrom[i] == -32767.0f, masked) << "pixel " << i;
    land += flag_set(flags[i], kLandBit);
    cloudy += flag_set(flags[i], kCloudBit);
    for (std::size_t b = 0; b < bands; ++b) {
      const std::int16_t s = stored[i * bands + b];
      ASSERT_EQ(s == -32767, masked) << "pixel " << i << " band " << b;
      if (masked) continue;
      ASSERT_TRUE(s >= -30000 && s <= 25000) << s;
      const double rrs = s * scale + offset;
      ++valid_values;
      plausible += rrs > 0.0 && rrs < 0.05;
    }
    if (masked) continue;
    EXPECT_TRUE(aot[i] > 0.0f && aot[i] < 1.0f) << aot[i];
    EXPECT_TRUE(angstrom[i] > 0.0f && angstrom[i] < 2.5f) << angstrom[i];
    // Blue-green ratio falls with chlorophyll, as ocean-colour algorithms assume.
    const double ratio =
        (stored[i * bands + blue] * scale + offset) / (stored[i * bands + green] * scale + offset);
    if (chl[i] < 0.2f) {
      ++clear;
      EXPECT_GT(ratio, 2.5) << "chl " << chl[i];
    } else if (chl[i] > 2.0f) {
      ++rich;
      EXPECT_LT(ratio, 1.0) << "chl " << chl[i];
    }
  }
  EXPECT_GT(land, lines * pixels / 50);
  EXPECT_GT(cloudy, lines * pixels / 10);
  EXPECT_GT(valid_values, lines * pixels * bands / 4);
  EXPECT_GT(static_cast<double>(plausible), 0.999 * static_cast<double>(valid_values));
  EXPECT_GT(clear, 1000u) << "open ocean";
  EXPECT_GT(rich, 100u) << "coastal water";

  // ncdump (netCDF-C) sees the 3-D variable on its named dimensions.
  if (std::system("command -v ncdump > /dev/null 2>&1") != 0) GTEST_SKIP() << "no ncdump";
  {
    const std::string out = dir.file("ncdump.txt");
    ASSERT_EQ(std::system(("ncdump -h " + path + " > " + out + " 2>&1").c_str()), 0);
    std::ifstream stream(out);
    const std::string header((std::istreambuf_iterator<char>(stream)), {});
    EXPECT_NE(header.find("wavelength_3d = 8 ;"), std::string::npos) << header;
    EXPECT_NE(header.find("short Rrs(number_of_lines, pixels_per_line, wavelength_3d)"),
              std::string::npos)
        << header;
    EXPECT_NE(header.find("Rrs:scale_factor = 2.e-06f"), std::string::npos) << header;
  }
}

TEST(Synth, AopBandCountIsValidatedAndEveryCountWritten) {
  swathgrid::test::ScratchDir dir("synth-aop-bands");
  for (std::size_t bands : {std::size_t{0}, swathgrid::kMaxAopBands + 1}) {
    SynthGranuleOptions options = aop_options(1, bands);
    const std::string path = dir.file("bad.nc");
    try {
      swathgrid::write_synthetic_granule(path, options);
      ADD_FAILURE() << "no error for " << bands << " bands";
    } catch (const swathgrid::Error& e) {
      EXPECT_NE(std::string(e.what()).find("AOP bands must be 1 to 184"), std::string::npos)
          << e.what();
    }
    swathgrid::SynthCampaignOptions campaign;
    campaign.suite = swathgrid::SynthSuite::kAop;
    campaign.aop_bands = bands;
    EXPECT_THROW(swathgrid::plan_campaign(campaign), swathgrid::Error);
  }
  for (std::size_t bands : {std::size_t{1}, swathgrid::kMaxAopBands}) {
    SynthGranuleOptions options = aop_options(2, bands);
    options.lines = 20;
    options.pixels = 16;
    const File file(write_granule(dir, "g" + std::to_string(bands) + ".nc", options));
    EXPECT_EQ(file.shape("geophysical_data/Rrs"), (std::vector<hsize_t>{20, 16, bands}));
    const auto nm = file.read<float>("sensor_band_parameters/wavelength_3d", H5T_NATIVE_FLOAT);
    ASSERT_EQ(nm.size(), bands);
    EXPECT_FLOAT_EQ(nm.front(), bands == 1 ? 532.5f : 346.0f);
  }
}

TEST(Synth, AopCampaignHasAopNamesAndTheSameGranules) {
  swathgrid::SynthCampaignOptions campaign;
  const auto bgc = swathgrid::plan_campaign(campaign);
  campaign.suite = swathgrid::SynthSuite::kAop;
  campaign.aop_bands = 5;
  const auto aop = swathgrid::plan_campaign(campaign);
  ASSERT_EQ(aop.size(), bgc.size());
  for (std::size_t g = 0; g < aop.size(); ++g) {
    SCOPED_TRACE(aop[g].file_name);
    EXPECT_TRUE(std::regex_match(aop[g].file_name,
                                 std::regex(R"(PACE_OCI\.\d{8}T\d{6}\.L2\.OC_AOP\.V3_0\.nc)")));
    EXPECT_EQ(aop[g].file_name.substr(0, 24), bgc[g].file_name.substr(0, 24));
    EXPECT_EQ(aop[g].options.suite, swathgrid::SynthSuite::kAop);
    EXPECT_EQ(aop[g].options.aop_bands, 5u);
    EXPECT_EQ(aop[g].options.time_coverage_start, bgc[g].options.time_coverage_start);
    EXPECT_EQ(aop[g].options.seed, bgc[g].options.seed);
    EXPECT_EQ(aop[g].options.track_offset_km, bgc[g].options.track_offset_km);
  }
}
