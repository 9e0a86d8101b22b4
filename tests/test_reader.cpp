// The granule reader on small hand-built HDF5 files (exact values, packing, fill, valid range,
// bad input) and on generated full-size granules (both 1709 and 1710 lines); subset reads
// (ReadRequest::region / time_window) against full reads of the same files.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "../src/input/granule_subset.hpp"  // the subset geometry, tested on its own
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/periods.hpp"
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
  EXPECT_TRUE(std::isnan(g.latitude[4]));                                // latitude out of range
  EXPECT_TRUE(std::isnan(g.longitude[5]));                               // longitude out of range
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
    EXPECT_TRUE(std::isnan(var.values[1]));   // LAND
    EXPECT_TRUE(std::isnan(var.values[2]));   // CLDICE
    EXPECT_TRUE(std::isnan(var.values[3]));   // both
    EXPECT_FALSE(std::isnan(var.values[4]));  // HIGLINT, not requested
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
      rrs.push_back(0.001f * i);         // band 0
      rrs.push_back(0.001f * i + 0.5f);  // band 1
    }
    H5Dclose(g.add(g.geo(), "Rrs", H5T_NATIVE_FLOAT, rrs, {2, 3, 2}));
    hid_t bands =
        H5Gcreate2(g.file(), "sensor_band_parameters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(g.add(bands, "wavelength_3d", H5T_NATIVE_INT, std::vector<int>{413, 443}, {2}));
    H5Gclose(bands);
  }
  const Granule g = read_one(path, "Rrs");
  const auto& rrs = g.variables[0];
  ASSERT_EQ(rrs.bands, 2u);
  ASSERT_EQ(rrs.wavelengths, (std::vector<double>{413.0, 443.0}));
  EXPECT_FLOAT_EQ(rrs.values[1], 0.001f);      // band 0, pixel 1
  EXPECT_FLOAT_EQ(rrs.values[6 + 1], 0.501f);  // band 1, pixel 1
  EXPECT_TRUE(std::isnan(rrs.values[2]));      // pixel 2 has no navigation: every band NaN
  EXPECT_TRUE(std::isnan(rrs.values[6 + 2]));
}

void expect_error(const std::string& path, const std::string& variable, const std::string& reason) {
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
    // What the data day and the output's metadata take from the file.
    EXPECT_EQ(g.instrument, "OCI");
    EXPECT_EQ(g.platform, "PACE");
    ASSERT_EQ(g.ring_lon.size(), 4u);
    ASSERT_EQ(g.ring_lat.size(), 4u);
    EXPECT_LT(g.lon_min, options.near_lon_deg);
    EXPECT_GT(g.lon_max, options.near_lon_deg);
    for (std::size_t corner = 0; corner < 4; ++corner) {
      EXPECT_GE(g.ring_lon[corner], g.lon_min);
      EXPECT_LE(g.ring_lon[corner], g.lon_max);
    }
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

// ---- Subset reads ----

constexpr double kDegToRad = M_PI / 180.0;

/// Great-circle arc (degrees) by the spherical law of cosines, in long double.
double arc_between(double lat1, double lon1, double lat2, double lon2) {
  const long double p1 = lat1 * kDegToRad, p2 = lat2 * kDegToRad, dl = (lon2 - lon1) * kDegToRad;
  const long double c = std::sin(p1) * std::sin(p2) + std::cos(p1) * std::cos(p2) * std::cos(dl);
  return static_cast<double>(std::acos(std::max(-1.0L, std::min(1.0L, c))) / kDegToRad);
}

/// Smallest arc from the point to a dense lattice of points of the box (>= the true distance).
double sampled_distance(const BBox& box, double lat, double lon) {
  const double width = box.east >= box.west ? box.east - box.west : box.east - box.west + 360.0;
  constexpr int kSteps = 120;
  double best = 1e9;
  for (int i = 0; i <= kSteps; ++i)
    for (int j = 0; j <= kSteps; ++j)
      best = std::min(best, arc_between(lat, lon, box.south + (box.north - box.south) * i / kSteps,
                                        box.west + width * j / kSteps));
  return best;
}

// Granule arrays of a MB or more come from granule_blocks: a granule read after another was
// freed gets that one's blocks back (memory already faulted in, not fresh heap), whatever
// the accumulators allocated meanwhile; and its values are those of a read into new memory.
TEST(Reader, GranuleArraysReuseTheBlocksOfTheGranuleBefore) {
  test::ScratchDir dir("reader-blocks");
  const std::string first = dir.file("first.nc"), second = dir.file("second.nc");
  SynthGranuleOptions options;
  options.seed = 1;
  write_synthetic_granule(first, options);
  options.seed = 2;
  write_synthetic_granule(second, options);
  granule_blocks::release();
  std::set<const float*> blocks;
  {
    const Granule g = read_one(first, "chlor_a");
    ASSERT_GE(g.latitude.size() * sizeof(float), granule_blocks::kGranuleBlockBytes);
    blocks = {g.latitude.data(), g.longitude.data(), g.variables[0].values.data()};
  }
  std::vector<std::unique_ptr<int[]>> meanwhile;  // what the accumulators would allocate
  for (int i = 0; i < 64; ++i) meanwhile.emplace_back(new int[1 << 14]);
  const Granule g = read_one(second, "chlor_a");
  EXPECT_EQ(blocks, (std::set<const float*>{g.latitude.data(), g.longitude.data(),
                                            g.variables[0].values.data()}));
  // The same values as the second granule read into new memory.
  granule_blocks::release();
  const Granule fresh = read_one(second, "chlor_a");
  ASSERT_EQ(fresh.variables[0].values.size(), g.variables[0].values.size());
  EXPECT_EQ(0, std::memcmp(fresh.variables[0].values.data(), g.variables[0].values.data(),
                           g.variables[0].values.size() * sizeof(float)));
  EXPECT_EQ(
      0, std::memcmp(fresh.latitude.data(), g.latitude.data(), g.latitude.size() * sizeof(float)));
  granule_blocks::release();
}

TEST(SubsetGeometry, DistanceBoundIsExactOnSimpleCasesAndNeverAboveTheDistance) {
  const BBox box{-77.0, 36.0, -73.0, 41.0};
  EXPECT_EQ(distance_lower_bound_deg(box, 38.0, -75.0), 0.0);
  EXPECT_NEAR(distance_lower_bound_deg(box, 42.5, -75.0), 1.5, 1e-12);  // due north
  EXPECT_NEAR(distance_lower_bound_deg(box, 35.0, -75.0), 1.0, 1e-12);
  const BBox equator{10.0, -1.0, 20.0, 1.0};
  EXPECT_NEAR(distance_lower_bound_deg(equator, 0.0, 30.0), 10.0, 1e-9);  // along the equator
  const BBox across{170.0, -10.0, -170.0, 10.0};                          // crosses 180
  EXPECT_EQ(distance_lower_bound_deg(across, 0.0, 179.0), 0.0);
  EXPECT_EQ(distance_lower_bound_deg(across, 0.0, -175.0), 0.0);
  EXPECT_NEAR(distance_lower_bound_deg(across, 0.0, -165.0), 5.0, 1e-9);
  EXPECT_NEAR(distance_lower_bound_deg(across, 0.0, 165.0), 5.0, 1e-9);
  EXPECT_NEAR(distance_lower_bound_deg(BBox{170.0, -10.0, 190.0, 10.0}, 0.0, -165.0), 5.0, 1e-9);
  // Opposite side of the globe, near a pole: the way over the pole is the bound.
  EXPECT_NEAR(distance_lower_bound_deg(BBox{0.0, 80.0, 10.0, 89.0}, 88.0, 180.0), 2.0, 1e-9);
  EXPECT_NEAR(distance_lower_bound_deg(BBox{0.0, 80.0, 10.0, 85.0}, 88.0, 180.0), 3.0, 1e-9);
  EXPECT_EQ(distance_lower_bound_deg(BBox{}, -89.0, 123.0), 0.0);  // the whole globe

  // Random points and boxes (some across 180, some reaching a pole): the bound never exceeds
  // the distance to a dense sample of the box, which is itself >= the true distance.
  std::mt19937 random(7);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0), size(0.5, 40.0);
  for (int n = 0; n < 300; ++n) {
    BBox b;
    b.south = std::max(-90.0, lat(random) - 10.0);
    b.north = std::min(90.0, b.south + size(random));
    b.west = lon(random);
    b.east = b.west + size(random);
    if (b.east > 180.0) b.east -= 360.0;
    const double p_lat = lat(random), p_lon = lon(random);
    const double bound = distance_lower_bound_deg(b, p_lat, p_lon);
    ASSERT_LE(bound, sampled_distance(b, p_lat, p_lon) + 1e-9)  // rounding of acos
        << "box " << b.west << "," << b.south << "," << b.east << "," << b.north << " point "
        << p_lon << "," << p_lat;
    // The fast test agrees with the bound (away from rounding at the radius itself).
    const double radius = size(random) / 4.0;
    if (std::abs(bound - radius) > 1e-9)
      ASSERT_EQ(RadiusTest(b, radius).may_be_within(p_lat, p_lon), bound <= radius)
          << "bound " << bound << " radius " << radius;
    // The bound for a box of points is at most the bound of any of its points.
    const BBox around{p_lon - 2.0, std::max(-90.0, p_lat - 2.0), p_lon + 1.0,
                      std::min(90.0, p_lat + 1.0)};
    ASSERT_LE(distance_lower_bound_deg(b, around), bound + 1e-12);
  }
}

TEST(SubsetGeometry, RadiusTestAgreesWithTheBoundNearTheBox) {
  // Points within the latitudes that pass, at longitude gaps around the radius (where the
  // test's shortcuts end and cos(lat) sin(gap) decides), for boxes from the equator to a pole.
  std::mt19937 random(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int decided_exactly = 0, passed = 0;
  for (int n = 0; n < 200; ++n) {
    BBox b;
    b.south = -89.0 + 170.0 * unit(random);
    b.north = std::min(90.0, b.south + 0.1 + 20.0 * unit(random));
    b.west = -180.0 + 360.0 * unit(random);
    b.east = b.west + 0.1 + 30.0 * unit(random);
    if (b.east > 180.0) b.east -= 360.0;
    const double radius = 0.01 + 3.0 * unit(random);
    const RadiusTest test(b, radius);
    const double band_south = std::max(-90.0, b.south - radius);
    const double band_north = std::min(90.0, b.north + radius);
    for (int k = 0; k < 200; ++k) {
      const double lat = band_south + (band_north - band_south) * unit(random);
      const double reach = radius / std::max(0.02, std::cos(lat * M_PI / 180.0));
      const double gap = 1.5 * reach * unit(random);
      double lon = unit(random) < 0.5 ? b.west - gap : b.east + gap;
      if (lon > 180.0) lon -= 360.0;
      if (lon < -180.0) lon += 360.0;
      const double bound = distance_lower_bound_deg(b, lat, lon);
      if (std::abs(bound - radius) < 1e-9) continue;
      ASSERT_EQ(test.may_be_within(lat, lon), bound <= radius)
          << "box " << b.west << "," << b.south << "," << b.east << "," << b.north << " radius "
          << radius << " point " << lon << "," << lat << " bound " << bound;
      passed += bound <= radius;
      decided_exactly += std::abs(bound - radius) < 0.1 * radius;
    }
  }
  EXPECT_GT(passed, 5000);  // both answers, often
  EXPECT_LT(passed, 35000);
  EXPECT_GT(decided_exactly, 1000);  // and many close to the radius
}

TEST(SubsetGeometry, LinesNearRegionFromASample) {
  // 400 lines x 4 pixels moving 0.01 degree north per line (~1.1 km, as OCI).
  const std::size_t lines = 400, pixels = 4;
  std::vector<std::size_t> sampled;
  for (std::size_t l = 0; l < lines; l += kSampleStride) sampled.push_back(l);
  sampled.push_back(lines - 1);
  std::vector<float> lat, lon;
  for (std::size_t l : sampled)
    for (std::size_t p = 0; p < pixels; ++p) {
      lat.push_back(0.01f * l);
      lon.push_back(10.0f + 0.01f * p);
    }
  // Box around lines 200..202. Slack 25 km = 0.2248 degree, line step 0.16 degree: intervals
  // with an end within 0.3848 degree of the box are kept. Line 160 (0.40 away) is not within
  // it, line 176 (0.24) is; line 240 (0.38) is, line 256 (0.54) is not.
  const GeoRegion region{BBox{9.0, 2.0, 11.0, 2.02}, 0.0};
  const LineRange range = lines_near_region(sampled, lat.data(), lon.data(), pixels, region);
  EXPECT_EQ(range.first, 160u);
  EXPECT_EQ(range.count, 256u - 160u + 1u);
  // A larger margin keeps more; a region far away keeps nothing.
  const LineRange wider =
      lines_near_region(sampled, lat.data(), lon.data(), pixels, GeoRegion{region.box, 0.5});
  EXPECT_LT(wider.first, range.first);
  EXPECT_GT(wider.first + wider.count, range.first + range.count);
  EXPECT_EQ(lines_near_region(sampled, lat.data(), lon.data(), pixels,
                              GeoRegion{BBox{50, 2, 51, 3}, 0.25})
                .count,
            0u);
  // Every line sampled: exact, plus one line on either side (not near: the ends of a read
  // range are never near the region, so every pixel that matters keeps its neighbours).
  std::vector<std::size_t> all(lines);
  std::vector<float> all_lat, all_lon;
  for (std::size_t l = 0; l < lines; ++l) {
    all[l] = l;
    for (std::size_t p = 0; p < pixels; ++p) {
      all_lat.push_back(0.01f * l);
      all_lon.push_back(10.0f + 0.01f * p);
    }
  }
  const LineRange exact = lines_near_region(all, all_lat.data(), all_lon.data(), pixels, region);
  EXPECT_EQ(exact.first, 199u);
  EXPECT_EQ(exact.count, 5u);
  const LineRange exact_wider =
      lines_near_region(all, all_lat.data(), all_lon.data(), pixels, GeoRegion{region.box, 0.055});
  EXPECT_EQ(exact_wider.first, 194u);
  EXPECT_EQ(exact_wider.count, 208u - 194u + 1u);
  // A sampled line without navigation cannot be judged: both its intervals are kept.
  for (std::size_t p = 0; p < pixels; ++p) lat[20 * pixels + p] = lon[20 * pixels + p] = NAN;
  const LineRange gap = lines_near_region(sampled, lat.data(), lon.data(), pixels, region);
  EXPECT_EQ(gap.first, 160u);
  EXPECT_EQ(gap.first + gap.count - 1, 21u * kSampleStride);  // line 320's interval to 336
}

/// Lines [first, first + count) of a lines x pixels (x bands, band-major) array.
FloatArray line_slice(const FloatArray& values, std::size_t lines, std::size_t pixels,
                      std::size_t first, std::size_t count) {
  FloatArray slice;
  const std::size_t bands = values.size() / (lines * pixels);
  for (std::size_t b = 0; b < bands; ++b) {
    const auto begin = values.begin() + (b * lines + first) * pixels;
    slice.insert(slice.end(), begin, begin + count * pixels);
  }
  return slice;
}

bool same_bits(const FloatArray& a, const FloatArray& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

/// Inside the box widened by `margin` degrees of latitude and of longitude (a point there is
/// within `margin` great-circle degrees of the box or closer... or farther in longitude only
/// by the cos(latitude) factor, so this set lies inside the region's reach).
bool inside_widened(const BBox& box, double margin, float lat, float lon) {
  if (!(lat >= box.south - margin && lat <= box.north + margin)) return false;
  const double width = box.east >= box.west ? box.east - box.west : box.east - box.west + 360.0;
  double offset = std::fmod(lon - (box.west - margin), 360.0);
  if (offset < 0.0) offset += 360.0;
  return offset <= width + 2.0 * margin;
}

/// Reads `path` whole and through `region`; checks the subset is exactly the full read's lines
/// [first_line, first_line + lines), holds every valid pixel near the region, and starts and
/// ends on lines that are not near it (unless they are the file's own ends).
Granule expect_subset_matches_full(const std::string& path, const ReadRequest& full_request,
                                   const GeoRegion& region) {
  ReadRequest subset_request = full_request;
  subset_request.region = region;
  const Granule full = read_granule(path, full_request);
  const Granule sub = read_granule(path, subset_request);
  EXPECT_EQ(full.bytes_read, full.bytes_total);
  EXPECT_EQ(sub.bytes_total, full.bytes_total);
  EXPECT_EQ(sub.file_lines, full.lines);
  EXPECT_EQ(sub.time_coverage_start, full.time_coverage_start);
  if (sub.skipped_by_bounds) return sub;
  EXPECT_LE(sub.first_line + sub.lines, full.lines);
  const auto slice = [&](const FloatArray& v) {
    return line_slice(v, full.lines, full.pixels, sub.first_line, sub.lines);
  };
  EXPECT_TRUE(same_bits(sub.latitude, slice(full.latitude)));
  EXPECT_TRUE(same_bits(sub.longitude, slice(full.longitude)));
  EXPECT_EQ(sub.variables.size(), full.variables.size());
  for (std::size_t v = 0; v < full.variables.size(); ++v)
    EXPECT_TRUE(same_bits(sub.variables[v].values, slice(full.variables[v].values)))
        << full.variables[v].info.name;
  std::size_t near_valid = 0;
  for (std::size_t l = 0; l < full.lines; ++l) {
    const bool held = l >= sub.first_line && l < sub.first_line + sub.lines;
    const bool edge = held && l > 0 && l + 1 < full.lines &&
                      (l == sub.first_line || l + 1 == sub.first_line + sub.lines);
    for (std::size_t p = 0; p < full.pixels; ++p) {
      const std::size_t i = l * full.pixels + p;
      const float la = full.latitude[i], lo = full.longitude[i];
      if (!inside_widened(region.box, region.margin_deg, la, lo)) continue;
      EXPECT_TRUE(held) << "line " << l << " pixel " << p << " near the region not read";
      EXPECT_FALSE(edge) << "edge line " << l << " of the subset is near the region";
      if (!held) return sub;
      near_valid += !std::isnan(full.variables[0].values[i]);
    }
  }
  EXPECT_GT(near_valid, 0u) << "region " << region.box.west << "," << region.box.south << ","
                            << region.box.east << "," << region.box.north;
  return sub;
}

TEST(SubsetRead, KeepsEveryPixelNearTheRegionWithTheFullReadsValues) {
  test::ScratchDir dir("reader-subset");
  SynthGranuleOptions options;  // passes near -75, 38.5
  options.seed = 5;
  const std::string path = dir.file("granule.nc");
  write_synthetic_granule(path, options);
  // The generated navigation is chunked 256 lines at a time: read whole to decide (stride 0
  // chooses 1), or sampled every kSampleStride lines as for contiguous or finely chunked data.
  for (std::size_t stride : {std::size_t{0}, kSampleStride}) {
    SCOPED_TRACE("sample stride " + std::to_string(stride));
    ReadRequest request{{"chlor_a", "poc"}, l2bin_default_flags()};
    request.sample_stride = stride;
    const Granule demo =
        expect_subset_matches_full(path, request, GeoRegion{BBox{-77, 36, -73, 41}, 0.25});
    EXPECT_FALSE(demo.skipped_by_bounds);
    EXPECT_GT(demo.first_line, 0u);
    EXPECT_LT(demo.lines, demo.file_lines);
    EXPECT_LT(demo.bytes_read, demo.bytes_total);
    // A tiny region: a fraction of the bytes (the navigation read to decide included).
    const Granule tiny =
        expect_subset_matches_full(path, request, GeoRegion{BBox{-74.2, 37.4, -74.0, 37.6}, 0.1});
    EXPECT_LT(tiny.bytes_read, tiny.bytes_total / (stride == 0 ? 2 : 4));
    // Region margins reaching far (a nearest --max-distance of ~100 km).
    expect_subset_matches_full(path, request, GeoRegion{BBox{-74, 30, -70, 33}, 1.0});
  }
  // A global region reads everything.
  const Granule global = read_granule(path, ReadRequest{{"chlor_a"}, {}, GeoRegion{}, {}});
  EXPECT_EQ(global.lines, options.lines);
  EXPECT_EQ(global.bytes_read, global.bytes_total);
}

TEST(SubsetRead, FarGranuleIsSkippedWithoutReadingArrays) {
  test::ScratchDir dir("reader-subset-far");
  SynthGranuleOptions options;
  options.lines = 600;
  const std::string path = dir.file("granule.nc");
  write_synthetic_granule(path, options);
  const GeoRegion far{BBox{-30, -50, -20, -40}, 0.25};
  const Granule skipped = expect_subset_matches_full(path, ReadRequest{{"chlor_a"}, {}}, far);
  EXPECT_TRUE(skipped.skipped_by_bounds);
  EXPECT_EQ(skipped.lines, 0u);
  EXPECT_TRUE(skipped.latitude.empty() && skipped.variables.at(0).values.empty());
  EXPECT_EQ(skipped.variables[0].info.name, "chlor_a");  // described all the same
  EXPECT_EQ(skipped.bytes_read, 0u);                     // geospatial_* attributes sufficed
  EXPECT_GT(skipped.bytes_total, 0u);

  // Without the geospatial_* attributes the navigation sample decides: skipped after
  // reading it alone.
  const std::string bare = dir.file("no_bounds.nc");
  std::filesystem::copy_file(path, bare);
  const hid_t file = H5Fopen(bare.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  for (const char* name :
       {"geospatial_lat_min", "geospatial_lat_max", "geospatial_lon_min", "geospatial_lon_max"})
    ASSERT_GE(H5Adelete(file, name), 0) << name;
  H5Fclose(file);
  ReadRequest strided{{"chlor_a"}, {}};
  strided.sample_stride = kSampleStride;
  const Granule sampled = expect_subset_matches_full(bare, strided, far);
  EXPECT_TRUE(sampled.skipped_by_bounds);
  const std::size_t sample_lines = (options.lines - 1) / kSampleStride + 2;
  EXPECT_EQ(sampled.bytes_read, 2 * sample_lines * options.pixels * sizeof(float));
  // Read whole (chunks of 256 lines): no latitude comes near, so the latitude alone is read.
  const std::size_t nav_bytes = options.lines * options.pixels * sizeof(float);
  const Granule whole = expect_subset_matches_full(bare, ReadRequest{{"chlor_a"}, {}}, far);
  EXPECT_TRUE(whole.skipped_by_bounds);
  EXPECT_EQ(whole.bytes_read, nav_bytes);
  // The granule's latitudes but the other side of the globe: the longitude of the lines
  // reaching those latitudes (not all 600: scan lines are tilted, each spans degrees of
  // latitude), then skipped.
  const Granule across = expect_subset_matches_full(bare, ReadRequest{{"chlor_a"}, {}},
                                                    GeoRegion{BBox{100, 38, 110, 38.3}, 0.1});
  EXPECT_TRUE(across.skipped_by_bounds);
  EXPECT_GT(across.bytes_read, nav_bytes);
  EXPECT_LT(across.bytes_read, 2 * nav_bytes);
  // ... and a near region still reads its lines.
  expect_subset_matches_full(bare, ReadRequest{{"chlor_a"}, {}},
                             GeoRegion{BBox{-77, 36, -73, 41}, 0.25});
  // A bad file is reported even when it would be skipped.
  EXPECT_THROW(read_granule(path, ReadRequest{{"nope"}, {}, far, {}}), Error);
}

TEST(SubsetRead, AntimeridianGranule) {
  test::ScratchDir dir("reader-subset-180");
  SynthCampaignOptions campaign;
  campaign.antimeridian = true;
  campaign.count = 2;
  const auto plan = plan_campaign(campaign);
  const std::string path = dir.file(plan[0].file_name);
  write_synthetic_granule(path, plan[0].options);
  const ReadRequest request{{"chlor_a"}, {}};
  const Granule full = read_granule(path, request);
  bool east = false, west = false;  // the granule does cross 180
  for (float lon : full.longitude) {
    east = east || lon > 179.0f;
    west = west || lon < -179.0f;
  }
  ASSERT_TRUE(east && west);
  // The same region written across 180 (west > east) and as 178..182.
  const Granule a =
      expect_subset_matches_full(path, request, GeoRegion{BBox{178, 37, -178, 40}, 0.25});
  const Granule b =
      expect_subset_matches_full(path, request, GeoRegion{BBox{178, 37, 182, 40}, 0.25});
  EXPECT_FALSE(a.skipped_by_bounds);
  EXPECT_EQ(a.first_line, b.first_line);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_LT(a.lines, a.file_lines);
  // Its lon_min/max span -180..180, so only the navigation sample can tell it misses a
  // region on the other side of the globe.
  const Granule other =
      expect_subset_matches_full(path, request, GeoRegion{BBox{0, 37, 5, 40}, 0.25});
  EXPECT_TRUE(other.skipped_by_bounds);
  EXPECT_GT(other.bytes_read, 0u);
}

TEST(SubsetRead, TimeWindow) {
  test::ScratchDir dir("reader-subset-time");
  SynthGranuleOptions options;
  options.lines = 100;
  options.pixels = 50;
  const std::string path = dir.file("granule.nc");
  write_synthetic_granule(path, options);
  const double start = parse_iso8601_utc(options.time_coverage_start);
  const auto read_in = [&](double from, double to) {
    return read_granule(path, ReadRequest{{"chlor_a"}, {}, std::nullopt, TimeWindow{from, to}});
  };
  EXPECT_FALSE(read_in(start - 60, start + 60).skipped_by_bounds);
  EXPECT_FALSE(read_in(start + 1.0, start + 3600).skipped_by_bounds);  // before its end
  EXPECT_TRUE(read_in(start - 3600, start).skipped_by_bounds);         // end exclusive
  EXPECT_TRUE(read_in(start + 3600, start + 7200).skipped_by_bounds);
  EXPECT_EQ(read_in(start + 3600, start + 7200).bytes_read, 0u);
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
