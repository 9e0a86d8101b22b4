// The granule reader on small hand-built HDF5 files (exact values, packing, fill, valid range,
// bad input) and on generated full-size granules (both 1709 and 1710 lines).

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <fstream>

#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/synth.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

/// Writes a minimal L2-like file: lines x pixels lat/lon (float) and one variable of `type`.
class TinyGranule {
 public:
  TinyGranule(const std::string& path, hsize_t lines, hsize_t pixels) : dims_{lines, pixels} {
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    geo_ = H5Gcreate2(file_, "geophysical_data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    nav_ = H5Gcreate2(file_, "navigation_data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  }
  ~TinyGranule() {
    H5Gclose(geo_);
    H5Gclose(nav_);
    H5Fclose(file_);
  }
  template <typename T>
  hid_t add(hid_t group, const char* name, hid_t type, const std::vector<T>& data,
            const std::vector<hsize_t>& dims = {}) {
    const auto& shape = dims.empty() ? dims_ : dims;
    hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
    hid_t set = H5Dcreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data());
    H5Sclose(space);
    return set;
  }
  template <typename T>
  static void attribute(hid_t object, const char* name, hid_t type, T value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, type, &value);
    H5Aclose(attr);
    H5Sclose(space);
  }
  static void int_array(hid_t object, const char* name, const std::vector<int>& values) {
    const hsize_t n = values.size();
    hid_t space = H5Screate_simple(1, &n, nullptr);
    hid_t attr = H5Acreate2(object, name, H5T_NATIVE_INT, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, H5T_NATIVE_INT, values.data());
    H5Aclose(attr);
    H5Sclose(space);
  }
  static void text(hid_t object, const char* name, const std::string& value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, value.size());
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = H5Acreate2(object, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attr, type, value.data());
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
  }
  void navigation(const std::vector<float>& lat, const std::vector<float>& lon) {
    hid_t a = add(nav_, "latitude", H5T_NATIVE_FLOAT, lat);
    attribute(a, "_FillValue", H5T_NATIVE_FLOAT, -999.0f);
    hid_t b = add(nav_, "longitude", H5T_NATIVE_FLOAT, lon);
    attribute(b, "_FillValue", H5T_NATIVE_FLOAT, -999.0f);
    H5Dclose(a);
    H5Dclose(b);
  }
  hid_t file() const { return file_; }
  hid_t geo() const { return geo_; }

 private:
  std::vector<hsize_t> dims_;
  hid_t file_, geo_, nav_;
};

Granule read_one(const std::string& path, const std::string& variable) {
  return read_granule(path, ReadRequest{{variable}, {}});
}

const std::vector<float> kLat = {10.0f, 10.5f, -999.0f, 11.0f, 95.0f, 12.0f};
const std::vector<float> kLon = {20.0f, 20.5f, 21.0f, 21.5f, 22.0f, -200.0f};

TEST(Reader, FloatVariableFillValidRangeAndAttributes) {
  test::ScratchDir dir("reader-float");
  const std::string path = dir.file("float.nc");
  {
    TinyGranule g(path, 2, 3);
    TinyGranule::text(g.file(), "time_coverage_start", "2024-08-01T17:42:45.090Z");
    g.navigation(kLat, kLon);  // pixels 2, 4, 5 have no valid navigation
    hid_t v = g.add(g.geo(), "chlor_a", H5T_NATIVE_FLOAT,
                    std::vector<float>{0.5f, -32767.0f, 200.0f, 0.0005f, 1.25f, 3.0f});
    TinyGranule::attribute(v, "_FillValue", H5T_NATIVE_FLOAT, -32767.0f);
    TinyGranule::attribute(v, "valid_min", H5T_NATIVE_FLOAT, 0.001f);
    TinyGranule::attribute(v, "valid_max", H5T_NATIVE_FLOAT, 100.0f);
    TinyGranule::text(v, "units", "mg m^-3");
    TinyGranule::text(v, "long_name", "Chlorophyll Concentration, OCI Algorithm");
    H5Dclose(v);
  }
  const Granule g = read_one(path, "chlor_a");
  EXPECT_EQ(g.lines, 2u);
  EXPECT_EQ(g.pixels, 3u);
  EXPECT_EQ(g.time_coverage_start, "2024-08-01T17:42:45.090Z");
  EXPECT_EQ(g.variables[0].info.units, "mg m^-3");
  EXPECT_EQ(g.variables[0].info.long_name, "Chlorophyll Concentration, OCI Algorithm");
  EXPECT_TRUE(g.variables[0].info.has_valid_range);
  EXPECT_FLOAT_EQ(g.variables[0].values[0], 0.5f);
  EXPECT_TRUE(std::isnan(g.variables[0].values[1]));  // fill
  EXPECT_TRUE(std::isnan(g.variables[0].values[2]));  // above valid_max
  EXPECT_TRUE(std::isnan(g.variables[0].values[3]));  // below valid_min
  EXPECT_TRUE(std::isnan(g.variables[0].values[4]));  // valid value, but no navigation
  EXPECT_TRUE(std::isnan(g.variables[0].values[5]));
  EXPECT_FLOAT_EQ(g.latitude[1], 10.5f);
  EXPECT_TRUE(std::isnan(g.latitude[2]) && std::isnan(g.longitude[2]));  // navigation fill
  EXPECT_TRUE(std::isnan(g.latitude[4]));   // latitude out of range
  EXPECT_TRUE(std::isnan(g.longitude[5]));  // longitude out of range
  EXPECT_EQ(g.bytes_read, 3u * 6u * sizeof(float));
}

TEST(Reader, ScaledIntegerVariable) {
  test::ScratchDir dir("reader-int");
  const std::string path = dir.file("scaled.nc");
  {
    TinyGranule g(path, 2, 3);
    g.navigation(std::vector<float>(6, 10.0f), std::vector<float>(6, 20.0f));
    hid_t v = g.add(g.geo(), "Rrs_443", H5T_NATIVE_SHORT,
                    std::vector<short>{-32767, 1000, -25000, 0, 31000, 30000});
    TinyGranule::attribute(v, "_FillValue", H5T_NATIVE_SHORT, short{-32767});
    TinyGranule::attribute(v, "scale_factor", H5T_NATIVE_FLOAT, 2.0e-6f);
    TinyGranule::attribute(v, "add_offset", H5T_NATIVE_FLOAT, 0.05f);
    TinyGranule::attribute(v, "valid_min", H5T_NATIVE_SHORT, short{-30000});  // stored units
    TinyGranule::attribute(v, "valid_max", H5T_NATIVE_SHORT, short{25000});
    H5Dclose(v);
  }
  const Granule g = read_one(path, "Rrs_443");
  EXPECT_TRUE(std::isnan(g.variables[0].values[0]));  // fill compared on the stored value
  EXPECT_NEAR(g.variables[0].values[1], 1000 * 2.0e-6 + 0.05, 1e-7);
  EXPECT_NEAR(g.variables[0].values[2], -25000 * 2.0e-6 + 0.05, 1e-7);
  EXPECT_NEAR(g.variables[0].values[3], 0.05, 1e-7);
  EXPECT_TRUE(std::isnan(g.variables[0].values[4]));  // 31000 > valid_max (stored)
  EXPECT_TRUE(std::isnan(g.variables[0].values[5]));
  EXPECT_NEAR(g.variables[0].info.valid_max, 25000 * 2.0e-6 + 0.05, 1e-6);
}

TEST(Reader, FlagsAreResolvedByNameAndMaskEveryVariable) {
  test::ScratchDir dir("reader-flags");
  const std::string path = dir.file("flags.nc");
  {
    TinyGranule g(path, 2, 3);
    g.navigation(std::vector<float>(6, 10.0f), std::vector<float>(6, 20.0f));
    H5Dclose(g.add(g.geo(), "chlor_a", H5T_NATIVE_FLOAT, std::vector<float>{1, 2, 3, 4, 5, 6}));
    H5Dclose(g.add(g.geo(), "poc", H5T_NATIVE_FLOAT, std::vector<float>{7, 8, 9, 10, 11, 12}));
    // Deliberately not the standard OBPG order: names must be looked up in the file.
    hid_t flags = g.add(g.geo(), "l2_flags", H5T_NATIVE_INT, std::vector<int>{0, 2, 8, 10, 4, 0});
    TinyGranule::int_array(flags, "flag_masks", {1, 2, 4, 8});
    TinyGranule::text(flags, "flag_meanings", "FOO LAND HIGLINT CLDICE");
    H5Dclose(flags);
  }
  const Granule g = read_granule(path, ReadRequest{{"chlor_a", "poc"}, {"LAND", "CLDICE"}});
  ASSERT_EQ(g.variables.size(), 2u);
  EXPECT_EQ(g.pixels_flagged, 3);
  for (const auto& var : g.variables) {
    EXPECT_FALSE(std::isnan(var.values[0]));
    EXPECT_TRUE(std::isnan(var.values[1]));  // LAND
    EXPECT_TRUE(std::isnan(var.values[2]));  // CLDICE
    EXPECT_TRUE(std::isnan(var.values[3]));  // both
    EXPECT_FALSE(std::isnan(var.values[4])); // HIGLINT, not requested
  }
  EXPECT_FLOAT_EQ(g.variables[1].values[5], 12.0f);
  EXPECT_FALSE(std::isnan(g.latitude[1]));  // masked pixels keep their position
  try {
    read_granule(path, ReadRequest{{"chlor_a"}, {"LAND", "NOPE"}});
    FAIL() << "unknown flag accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no flag named 'NOPE'"), std::string::npos) << e.what();
  }
}

TEST(Reader, ThreeDimensionalVariableGivesOnePlanePerBand) {
  test::ScratchDir dir("reader-3d");
  const std::string path = dir.file("rrs.nc");
  {
    TinyGranule g(path, 2, 3);
    g.navigation(kLat, kLon);
    std::vector<float> rrs;
    for (int i = 0; i < 6; ++i) {
      rrs.push_back(0.001f * i);        // band 0
      rrs.push_back(0.001f * i + 0.5f); // band 1
    }
    H5Dclose(g.add(g.geo(), "Rrs", H5T_NATIVE_FLOAT, rrs, {2, 3, 2}));
    hid_t bands = H5Gcreate2(g.file(), "sensor_band_parameters", H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT);
    H5Dclose(g.add(bands, "wavelength_3d", H5T_NATIVE_INT, std::vector<int>{413, 443}, {2}));
    H5Gclose(bands);
  }
  const Granule g = read_one(path, "Rrs");
  const auto& rrs = g.variables[0];
  ASSERT_EQ(rrs.bands, 2u);
  ASSERT_EQ(rrs.wavelengths, (std::vector<double>{413.0, 443.0}));
  EXPECT_FLOAT_EQ(rrs.values[1], 0.001f);        // band 0, pixel 1
  EXPECT_FLOAT_EQ(rrs.values[6 + 1], 0.501f);    // band 1, pixel 1
  EXPECT_TRUE(std::isnan(rrs.values[2]));        // pixel 2 has no navigation: every band NaN
  EXPECT_TRUE(std::isnan(rrs.values[6 + 2]));
}

void expect_error(const std::string& path, const std::string& variable,
                  const std::string& reason) {
  try {
    read_one(path, variable);
    FAIL() << "no error for " << path;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(Reader, BadInputNamesFileAndReason) {
  test::ScratchDir dir("reader-bad");
  expect_error(dir.file("missing.nc"), "chlor_a", "no such file");
  expect_error(dir.path(), "chlor_a", "is a directory");
  std::ofstream(dir.file("text.nc")) << "this is not a granule\n";
  expect_error(dir.file("text.nc"), "chlor_a", "not a NetCDF4/HDF5 file");

  const std::string good = dir.file("good.nc");
  {
    TinyGranule g(good, 2, 3);
    g.navigation(kLat, kLon);
    H5Dclose(g.add(g.geo(), "chlor_a", H5T_NATIVE_FLOAT, std::vector<float>(6, 1.0f)));
        H5Dclose(g.add(g.geo(), "poc", H5T_NATIVE_FLOAT, std::vector<float>(4, 1.0f), {2, 2}));
  }
  expect_error(good, "carbon_phyto", "no variable carbon_phyto");
    expect_error(good, "poc", "has shape 2 x 2, expected 2 x 3");

  const std::string no_nav = dir.file("no_nav.nc");
  {
    hid_t f = H5Fcreate(no_nav.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(f, "geophysical_data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    H5Fclose(f);
  }
  expect_error(no_nav, "chlor_a", "no group navigation_data");

  // A truncated copy of a valid file.
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.file("truncated.nc"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  try {
    read_one(dir.file("truncated.nc"), "chlor_a");
    FAIL() << "truncated file read without error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.nc"), std::string::npos) << e.what();
  }
}

TEST(Reader, GeneratedGranulesOfBothShapes) {
  test::ScratchDir dir("reader-synth");
  for (std::size_t lines : {1709u, 1710u}) {
    SynthGranuleOptions options;
    options.lines = lines;
    options.seed = lines;
    const std::string path = dir.file("granule_" + std::to_string(lines) + ".nc");
    write_synthetic_granule(path, options);
    const Granule g = read_one(path, "chlor_a");
    ASSERT_EQ(g.lines, lines);
    ASSERT_EQ(g.pixels, 1272u);
    ASSERT_EQ(g.variables[0].values.size(), lines * 1272u);
    EXPECT_EQ(g.variables[0].info.units, "mg m^-3");
    EXPECT_EQ(g.variables[0].info.standard_name, "mass_concentration_of_chlorophyll_in_sea_water");
    EXPECT_EQ(g.time_coverage_start, options.time_coverage_start);
    std::size_t valid = 0, nan = 0;
    for (float v : g.variables[0].values) {
      if (std::isnan(v)) {
        ++nan;
      } else {
        ++valid;
        ASSERT_GE(v, 0.001f);
        ASSERT_LE(v, 100.0f);
      }
    }
    EXPECT_GT(valid, g.variables[0].values.size() / 4);  // clouds and land leave plenty of ocean
    EXPECT_GT(nan, 0u);
    // Navigation is valid and near the requested point in the middle of the swath.
    const std::size_t centre = (lines / 2) * 1272 + 636;
    EXPECT_NEAR(g.latitude[centre], options.near_lat_deg, 3.0);
    EXPECT_NEAR(g.longitude[centre], options.near_lon_deg, 3.0);
  }
}

}  // namespace
}  // namespace swathgrid

// A generated AOP granule: Rrs (int16, scale_factor/add_offset) read band-major with the
// file's wavelengths, checked against the stored values read independently with raw HDF5.
TEST(Reader, GeneratedAopGranuleGivesOneDecodedPlanePerBand) {
  swathgrid::test::ScratchDir dir("reader-aop");
  swathgrid::SynthGranuleOptions options;
  options.lines = 300;
  options.pixels = 200;
  options.seed = 11;
  options.suite = swathgrid::SynthSuite::kAop;
  options.aop_bands = 5;
  const std::string path = dir.file("PACE_OCI.20240801T174000.L2.OC_AOP.V3_0.nc");
  swathgrid::write_synthetic_granule(path, options);
  const swathgrid::Granule g = swathgrid::read_granule(path, swathgrid::ReadRequest{{"Rrs"}, {}});
  ASSERT_EQ(g.variables.size(), 1u);
  const swathgrid::GranuleVariable& rrs = g.variables[0];
  const std::size_t count = options.lines * options.pixels, bands = options.aop_bands;
  ASSERT_EQ(rrs.bands, bands);
  ASSERT_EQ(rrs.values.size(), bands * count);
  EXPECT_EQ(rrs.info.units, "sr^-1");
  EXPECT_TRUE(rrs.info.has_valid_range);
  EXPECT_NEAR(rrs.info.valid_min, -0.01, 1e-6);  // -30000 stored
  EXPECT_NEAR(rrs.info.valid_max, 0.10, 1e-6);   // 25000 stored

  // The same file through the HDF5 C API.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  std::vector<double> wavelengths(bands);
  const hid_t nm = H5Dopen2(file, "sensor_band_parameters/wavelength_3d", H5P_DEFAULT);
  H5Dread(nm, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, wavelengths.data());
  H5Dclose(nm);
  std::vector<short> stored(count * bands);
  const hid_t set = H5Dopen2(file, "geophysical_data/Rrs", H5P_DEFAULT);
  H5Dread(set, H5T_NATIVE_SHORT, H5S_ALL, H5S_ALL, H5P_DEFAULT, stored.data());
  double scale = 0, offset = 0;
  for (auto [name, value] : {std::pair{"scale_factor", &scale}, std::pair{"add_offset", &offset}}) {
    const hid_t attribute = H5Aopen(set, name, H5P_DEFAULT);
    H5Aread(attribute, H5T_NATIVE_DOUBLE, value);
    H5Aclose(attribute);
  }
  H5Dclose(set);
  H5Fclose(file);
  EXPECT_EQ(rrs.wavelengths, wavelengths);
  EXPECT_FLOAT_EQ(static_cast<float>(scale), 2.0e-6f);
  EXPECT_FLOAT_EQ(static_cast<float>(offset), 0.05f);

  // Every pixel of every band: fill -> NaN, otherwise stored * scale + offset, band-major.
  std::size_t fill = 0, valid = 0;
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t b = 0; b < bands; ++b) {
      const short s = stored[i * bands + b];
      const float value = rrs.values[b * count + i];
      if (s == -32767) {
        ++fill;
        ASSERT_TRUE(std::isnan(value)) << "pixel " << i << " band " << b;
      } else {
        ++valid;
        ASSERT_FLOAT_EQ(value, static_cast<float>(s * scale + offset))
            << "pixel " << i << " band " << b;
      }
    }
  }
  EXPECT_GT(fill, count * bands / 20) << "land and clouds";
  EXPECT_GT(valid, count * bands / 4);
}
