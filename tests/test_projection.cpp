// Grids in any CRS: --res numbers and l3mapgen names, make_grid for lat/lon, polar
// stereographic and equal-area grids, the bulk Projector (known values, round trips, NaN,
// speed) and a polar granule on an EPSG:3413 grid.

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {
namespace {

/// ocssw genutils.h EARTH_CIRCUMFERENCE: "circumference of the earth at the equator in meters".
constexpr double kEarthCircumferenceM = 40075016.6856;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kArcticCrs = "EPSG:3413";  // NSIDC Sea Ice Polar Stereographic North
constexpr const char* kEase2Crs = "EPSG:6933";   // NSIDC EASE-Grid 2.0 Global

/// Expects `call` to throw UsageError whose message starts with `option`.
template <class Call>
void expect_usage_error(Call call, const std::string& option) {
  try {
    call();
    ADD_FAILURE() << "no UsageError for " << option;
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()).rfind(option, 0), 0u) << error.what();
  }
}

TEST(Resolution, NumbersAreInCrsUnits) {
  EXPECT_EQ(parse_resolution("0.1"), 0.1);
  EXPECT_EQ(parse_resolution(" 0.5 "), 0.5);
  EXPECT_EQ(parse_resolution("1e-2"), 0.01);
  EXPECT_EQ(parse_resolution("25000", kArcticCrs), 25000.0);
}

// l3mapgen reads the names with ocssw oel_util/libgenutils/resolution_utils.cpp
// (string2resolution: EARTH_CIRCUMFERENCE / n metres) and its lat/lon grids take
// resolution2degrees = metres / EARTH_CIRCUMFERENCE * 360, i.e. 360 / n degrees.
TEST(Resolution, L3mapgenNamesOnLatLonGridsAreDegrees) {
  EXPECT_DOUBLE_EQ(parse_resolution("90km"), 360.0 / 432);
  EXPECT_DOUBLE_EQ(parse_resolution("36km"), 360.0 / 1080);  // 1/3 degree
  EXPECT_DOUBLE_EQ(parse_resolution("18km"), 360.0 / 2160);
  EXPECT_DOUBLE_EQ(parse_resolution("9km"), 360.0 / 4320);  // 1/12 degree
  EXPECT_DOUBLE_EQ(parse_resolution("4km"), 360.0 / 8640);  // 1/24 degree
  EXPECT_DOUBLE_EQ(parse_resolution("2km"), 360.0 / 17280);
  EXPECT_DOUBLE_EQ(parse_resolution("1km"), 360.0 / 34560);
  EXPECT_DOUBLE_EQ(parse_resolution("hkm"), 360.0 / 69120);
  EXPECT_DOUBLE_EQ(parse_resolution("qkm"), 360.0 / 138240);
  EXPECT_DOUBLE_EQ(parse_resolution("hqkm"), 360.0 / 276480);
  EXPECT_DOUBLE_EQ(parse_resolution("hhkm"), 360.0 / 552960);
  EXPECT_DOUBLE_EQ(parse_resolution("smi"), 360.0 / 4096);
  EXPECT_DOUBLE_EQ(parse_resolution("smi4"), 360.0 / 8192);
  EXPECT_DOUBLE_EQ(parse_resolution("land"), 360.0 / 8640);
  EXPECT_DOUBLE_EQ(parse_resolution("thirddeg"), 360.0 / 1080);
  EXPECT_DOUBLE_EQ(parse_resolution("9KM"), 360.0 / 4320);   // l3mapgen lower-cases
  EXPECT_DOUBLE_EQ(parse_resolution("9 km"), 360.0 / 4320);  // and drops spaces
  EXPECT_EQ(parse_resolution("0.1deg"), 0.1);
  EXPECT_EQ(parse_resolution("1deg"), 1.0);
  EXPECT_EQ(parse_resolution("0.25DEG"), 0.25);
  // Other lengths are metres, as l3mapgen reads "<x>km" and "<x>m".
  EXPECT_DOUBLE_EQ(parse_resolution("5km"), 5000.0 / kEarthCircumferenceM * 360.0);
  EXPECT_DOUBLE_EQ(parse_resolution("500m"), 500.0 / kEarthCircumferenceM * 360.0);
}

TEST(Resolution, NamesOnProjectedGridsAreMetres) {
  EXPECT_DOUBLE_EQ(parse_resolution("9km", kArcticCrs), kEarthCircumferenceM / 4320);  // 9276.6
  EXPECT_NEAR(parse_resolution("9km", kArcticCrs), 9276.624, 1e-3);
  EXPECT_NEAR(parse_resolution("1km", kArcticCrs), 1159.578, 1e-3);
  EXPECT_DOUBLE_EQ(parse_resolution("qkm", kEase2Crs), kEarthCircumferenceM / 138240);
  EXPECT_EQ(parse_resolution("25km", kArcticCrs), 25000.0);
  EXPECT_EQ(parse_resolution("500m", kArcticCrs), 500.0);
  EXPECT_DOUBLE_EQ(parse_resolution("0.1deg", kArcticCrs), kEarthCircumferenceM / 3600);
  // EPSG:2263 (New York Long Island) is in US survey feet: 1 ftUS = 1200/3937 m.
  EXPECT_DOUBLE_EQ(parse_resolution("25km", "EPSG:2263"), 25000.0 / (1200.0 / 3937.0));
  EXPECT_EQ(parse_resolution("100", "EPSG:2263"), 100.0);
}

TEST(Resolution, BadValuesAreUsageErrors) {
  for (const std::string text : {"", "abc", "km", "deg", "m", "-1", "0", "0deg", "-5km", "nan",
                                 "inf", "1e400", "5 parsecs", "9km2", "1,5"})
    expect_usage_error([&] { parse_resolution(text); }, "--res");
  expect_usage_error([] { parse_resolution("9km", "EPSG:999999"); }, "--crs");
}

TEST(Crs, DescribesGeographicAndProjected) {
  const CrsInfo wgs84 = describe_crs("EPSG:4326");
  EXPECT_TRUE(wgs84.geographic);
  EXPECT_NE(wgs84.wkt.find("ID[\"EPSG\",4326]"), std::string::npos) << wgs84.wkt;
  const CrsInfo arctic = describe_crs(kArcticCrs);
  EXPECT_FALSE(arctic.geographic);
  EXPECT_EQ(arctic.metres_per_unit, 1.0);
  EXPECT_EQ(arctic.name, "WGS 84 / NSIDC Sea Ice Polar Stereographic North");
  EXPECT_NE(arctic.wkt.find("ID[\"EPSG\",3413]"), std::string::npos);
  // A PROJ string without +type=crs is taken as the CRS it describes.
  EXPECT_FALSE(describe_crs("+proj=stere +lat_0=90 +lat_ts=70 +lon_0=-45 +datum=WGS84").geographic);
  EXPECT_TRUE(describe_crs("OGC:CRS84").geographic);
}

TEST(Crs, UnknownOrUnsuitableCrsIsUsageError) {
  expect_usage_error([] { describe_crs("EPSG:999999"); }, "--crs");
  expect_usage_error([] { describe_crs("not a crs"); }, "--crs");
  expect_usage_error([] { describe_crs(""); }, "--crs");
  expect_usage_error([] { describe_crs("EPSG:4978"); }, "--crs");  // geocentric
  expect_usage_error([] { describe_crs("EPSG:5703"); }, "--crs");  // vertical
  expect_usage_error([] { make_grid("EPSG:999999", std::nullopt, false, 1.0); }, "--crs");
  try {
    describe_crs("EPSG:999999");
  } catch (const UsageError& error) {  // names the CRS and gives PROJ's reason
    EXPECT_NE(std::string(error.what()).find("EPSG:999999"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("not found"), std::string::npos) << error.what();
  }
}

void expect_same_spec(const GridSpec& a, const GridSpec& b) {
  EXPECT_EQ(a.x_min, b.x_min);
  EXPECT_EQ(a.y_max, b.y_max);
  EXPECT_EQ(a.cell_size, b.cell_size);
  EXPECT_EQ(a.nx, b.nx);
  EXPECT_EQ(a.ny, b.ny);
  EXPECT_EQ(a.periodic_x, b.periodic_x);
}

TEST(MakeGrid, Wgs84IsGridSpecFromBbox) {
  for (const BBox& box : {BBox{}, BBox{-77, 36, -73, 41}, BBox{170, -10, -170, 10}}) {
    const GridDefinition grid = make_grid("EPSG:4326", box, false, 0.25);
    expect_same_spec(grid.spec, GridSpec::from_bbox(box, 0.25));
    EXPECT_TRUE(grid.geographic);
    EXPECT_TRUE(grid.spec.periodic_x);
    EXPECT_EQ(grid.crs, "EPSG:4326");
    EXPECT_EQ(grid.crs_wkt, describe_crs("EPSG:4326").wkt);
  }
  expect_same_spec(make_grid("EPSG:4326", std::nullopt, false, 1.0).spec,
                   GridSpec::from_bbox(BBox{}, 1.0));
  expect_usage_error([] { make_grid("EPSG:4326", std::nullopt, false, 0.0); }, "--res");
}

// cs2cs EPSG:4326 EPSG:3413 "60 45" -> 3323160.270641 0: the 60N circle's radius.
constexpr double kArcticRadiusAt60NM = 3323160.270641;

TEST(MakeGrid, PolarStereographicGridIsSymmetricAroundThePole) {
  constexpr double kCellM = 25000.0;
  const GridDefinition grid = make_grid(kArcticCrs, BBox{-180, 60, 180, 90}, false, kCellM);
  EXPECT_FALSE(grid.geographic);
  EXPECT_FALSE(grid.spec.periodic_x);
  const auto half = static_cast<std::int64_t>(std::ceil(kArcticRadiusAt60NM / kCellM));  // 133
  EXPECT_EQ(grid.spec.nx, 2 * half);
  EXPECT_EQ(grid.spec.ny, 2 * half);
  EXPECT_EQ(grid.spec.x_min, -static_cast<double>(half) * kCellM);
  EXPECT_EQ(grid.spec.y_max, static_cast<double>(half) * kCellM);
  EXPECT_EQ(grid.spec.x_max(), -grid.spec.x_min);
  EXPECT_EQ(grid.spec.y_min(), -grid.spec.y_max);
  // The pole is the corner shared by the four central cells.
  EXPECT_EQ(grid.spec.locate(0.0, 0.0), half * grid.spec.nx + half);
  EXPECT_EQ(grid.spec.locate(-1.0, 1.0), (half - 1) * grid.spec.nx + half - 1);
  // Without --bbox a projected grid covers the CRS's area of use (here 60N to the pole).
  expect_same_spec(make_grid(kArcticCrs, std::nullopt, false, kCellM).spec, grid.spec);
  // A box across the antimeridian is the same as one with east beyond 180.
  expect_same_spec(make_grid(kArcticCrs, BBox{170, 60, -170, 90}, false, kCellM).spec,
                   make_grid(kArcticCrs, BBox{170, 60, 190, 90}, false, kCellM).spec);
}

TEST(MakeGrid, BoxInCrsUnitsKeepsItsEdges) {
  // NSIDC's 25 km polar stereographic north grid (NSIDC-0051): 304 x 448 cells.
  const GridDefinition grid =
      make_grid(kArcticCrs, BBox{-3850000, -5350000, 3750000, 5850000}, true, 25000.0);
  EXPECT_EQ(grid.spec.x_min, -3850000.0);
  EXPECT_EQ(grid.spec.y_max, 5850000.0);
  EXPECT_EQ(grid.spec.nx, 304);
  EXPECT_EQ(grid.spec.ny, 448);
  EXPECT_EQ(parse_crs_bbox("-3850000,-5350000,3750000,5850000").north, 5850000.0);
  expect_usage_error([] { parse_crs_bbox("1,2,3"); }, "--bbox");
  expect_usage_error([] { parse_crs_bbox("3,2,1,4"); }, "--bbox");
  expect_usage_error([] { make_grid(kArcticCrs, std::nullopt, true, 25000.0); }, "--bbox");
}

TEST(MakeGrid, EaseGrid2GlobalHasTheNsidcWidth) {
  // EASE-Grid 2.0 global at 36 km: cells of 36032.220840584 m, 964 columns (NSIDC).
  // cs2cs EPSG:4326 EPSG:6933 "86 180" -> 17367530.445161 7324184.563624: the area of use
  // (86S..86N) reaches y = 203.27 cells, so 2 x 204 rows.
  constexpr double kEase2CellM = 36032.220840584;
  const GridDefinition grid = make_grid(kEase2Crs, std::nullopt, false, kEase2CellM);
  EXPECT_FALSE(grid.geographic);
  EXPECT_EQ(grid.spec.nx, 964);
  EXPECT_EQ(grid.spec.ny, 408);
  EXPECT_NEAR(grid.spec.x_min, -17367530.445161, 1e-3);
  EXPECT_EQ(grid.spec.x_max(), -grid.spec.x_min);
}

TEST(MakeGrid, BoxWhereTheProjectionFailsIsUsageError) {
  // The south pole projects to ~1e23 m in north polar stereographic.
  expect_usage_error([] { make_grid(kArcticCrs, BBox{}, false, 25000.0); }, "--bbox");
}

TEST(MakeGrid, GeographicBoundsOfAPolarGridReachThePole) {
  const GridDefinition grid = make_grid(kArcticCrs, BBox{-180, 60, 180, 90}, false, 25000.0);
  const BBox box = geographic_bounds(grid);
  EXPECT_EQ(box.north, 90.0);
  EXPECT_EQ(box.west, -180.0);
  EXPECT_EQ(box.east, 180.0);
  EXPECT_LT(box.south, 60.0);  // the square's corners reach further south than its sides
  EXPECT_GT(box.south, 45.0);
}

TEST(CfGridMapping, NamesCommonProjections) {
  const CfGridMapping arctic = cf_grid_mapping(make_grid(kArcticCrs, std::nullopt, false, 1e5));
  EXPECT_EQ(arctic.grid_mapping_name, "polar_stereographic");
  using Parameters = std::vector<std::pair<std::string, std::vector<double>>>;
  const Parameters expected = {{"straight_vertical_longitude_from_pole", {-45.0}},
                               {"latitude_of_projection_origin", {90.0}},
                               {"standard_parallel", {70.0}},
                               {"false_easting", {0.0}},
                               {"false_northing", {0.0}},
                               {"longitude_of_prime_meridian", {0.0}},
                               {"semi_major_axis", {6378137.0}},
                               {"inverse_flattening", {298.257223563}}};
  EXPECT_EQ(arctic.parameters, expected);
  EXPECT_EQ(arctic.x_units, "m");
  EXPECT_NE(arctic.spatial_ref.find("AUTHORITY[\"EPSG\",\"3413\"]"), std::string::npos);
  EXPECT_EQ(cf_grid_mapping(make_grid(kEase2Crs, std::nullopt, false, 1e5)).grid_mapping_name,
            "lambert_cylindrical_equal_area");
  const CfGridMapping utm = cf_grid_mapping(make_grid("EPSG:32633", std::nullopt, false, 1e4));
  EXPECT_EQ(utm.grid_mapping_name, "transverse_mercator");
  EXPECT_EQ(utm.parameters[0],
            (Parameters::value_type{"scale_factor_at_central_meridian", {0.9996}}));
  const CfGridMapping wgs84 = cf_grid_mapping(wgs84_grid(GridSpec::from_bbox(BBox{}, 1.0)));
  EXPECT_EQ(wgs84.grid_mapping_name, "latitude_longitude");
  EXPECT_EQ(wgs84.x_units, "degrees_east");
  EXPECT_EQ(wgs84.parameters.size(), 3u);  // prime meridian, semi-major axis, flattening
  // Feet: x/y and false easting in US survey feet.
  const CfGridMapping feet =
      cf_grid_mapping(make_grid("EPSG:2263", BBox{-74.3, 40.4, -71.8, 41.3}, false, 1000.0));
  EXPECT_EQ(feet.grid_mapping_name, "lambert_conformal_conic");
  EXPECT_EQ(feet.x_units, "0.304800609601219 m");
}

FloatArray floats(std::initializer_list<double> values) {
  return FloatArray(values.begin(), values.end());
}

TEST(Projector, IsTheIdentityForWgs84LatLon) {
  const Projector projector(make_grid("EPSG:4326", std::nullopt, false, 1.0));
  EXPECT_TRUE(projector.is_identity());
  EXPECT_TRUE(Projector(make_grid("OGC:CRS84", std::nullopt, false, 1.0)).is_identity());
  EXPECT_FALSE(Projector(make_grid(kArcticCrs, std::nullopt, false, 1e5)).is_identity());
  const FloatArray lon = floats({-179.99, 12.3456, kNaN});
  const FloatArray lat = floats({89.99, -45.5, 10.0});
  std::vector<double> x, y;
  projector.forward(lon, lat, x, y);
  ASSERT_EQ(x.size(), 3u);
  EXPECT_EQ(x[0], static_cast<double>(lon[0]));
  EXPECT_EQ(y[1], static_cast<double>(lat[1]));
  EXPECT_TRUE(std::isnan(x[2]));
}

// Reference values: echo "LAT LON" | cs2cs -f %.6f EPSG:4326 EPSG:3413 (PROJ 9.1.1),
// computed once; the inputs are exact in float.
TEST(Projector, MatchesCs2csOnEpsg3413) {
  const Projector projector(make_grid(kArcticCrs, std::nullopt, false, 25000.0));
  const FloatArray lon = floats({45, -45, 0, 100, -170, 135});
  const FloatArray lat = floats({60, 75, 80, 89.5, 71.5, 85.25});
  const std::vector<double> want_x = {3323160.270641,  0.0, 767861.606115, 31067.188523,
                                      -1655462.283908, 0.0};
  const std::vector<double> want_y = {0.0,          -1633879.497471, -767861.606115,
                                      44368.543364, 1159167.170414,  514837.768465};
  std::vector<double> x, y;
  projector.forward(lon, lat, x, y);
  for (std::size_t i = 0; i < lon.size(); ++i) {
    EXPECT_NEAR(x[i], want_x[i], 1e-5) << "point " << i;
    EXPECT_NEAR(y[i], want_y[i], 1e-5) << "point " << i;
  }
}

// echo "LAT LON" | cs2cs -f %.6f EPSG:4326 EPSG:6933 (PROJ 9.1.1).
TEST(Projector, MatchesCs2csOnEpsg6933) {
  const Projector projector(make_grid(kEase2Crs, std::nullopt, false, 25000.0));
  std::vector<double> x, y;
  projector.forward(floats({180, -120.5, 60}), floats({86, 30.25, -45.5}), x, y);
  EXPECT_NEAR(x[0], 17367530.445161, 1e-5);
  EXPECT_NEAR(y[0], 7324184.563624, 1e-5);
  EXPECT_NEAR(x[1], -11626596.770233, 1e-5);
  EXPECT_NEAR(y[1], 3686468.142862, 1e-5);
  EXPECT_NEAR(x[2], 5789176.815054, 1e-5);
  EXPECT_NEAR(y[2], -5225313.707236, 1e-5);
}

/// Longitude difference folded into (-180, 180].
double lon_difference(double a, double b) {
  double d = std::fmod(a - b, 360.0);
  if (d > 180.0) d -= 360.0;
  if (d <= -180.0) d += 360.0;
  return d;
}

void expect_round_trip(const std::string& crs, double lat_low, double lat_high) {
  const Projector projector(make_grid(crs, std::nullopt, false, 25000.0));
  FloatArray lon, lat;
  constexpr int kSteps = 97;
  for (int i = 0; i < kSteps; ++i)
    for (int j = 0; j < kSteps; ++j) {
      lat.push_back(static_cast<float>(lat_low + (lat_high - lat_low) * i / (kSteps - 1)));
      lon.push_back(static_cast<float>(-180.0 + 359.99 * j / (kSteps - 1)));
    }
  std::vector<double> x, y, lon_back, lat_back;
  projector.forward(lon, lat, x, y);
  projector.inverse(x, y, lon_back, lat_back);
  for (std::size_t k = 0; k < lon.size(); ++k) {
    ASSERT_TRUE(std::isfinite(x[k]) && std::isfinite(y[k])) << crs << " point " << k;
    EXPECT_NEAR(lat_back[k], lat[k], 1e-6) << crs << " point " << k;
    EXPECT_NEAR(lon_difference(lon_back[k], lon[k]), 0.0, 1e-6) << crs << " point " << k;
  }
}

TEST(Projector, ForwardThenInverseIsTheIdentity) {
  expect_round_trip(kArcticCrs, 30.0, 89.9);
  expect_round_trip(kEase2Crs, -85.0, 85.0);
  expect_round_trip("EPSG:3031", -89.9, -30.0);  // Antarctic polar stereographic
}

TEST(Projector, NaNAndUntransformablePointsGiveNaN) {
  const Projector projector(make_grid(kArcticCrs, std::nullopt, false, 25000.0));
  std::vector<double> x, y;
  projector.forward(floats({kNaN, 10, 10, 10}), floats({70, kNaN, 95, 70}), x, y);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isnan(x[i])) << "point " << i << " x " << x[i];
    EXPECT_TRUE(std::isnan(y[i])) << "point " << i << " y " << y[i];
  }
  EXPECT_TRUE(std::isfinite(x[3]) && std::isfinite(y[3]));
  std::vector<double> lon, lat;
  projector.inverse({kNaN, 0.0}, {0.0, 0.0}, lon, lat);
  EXPECT_TRUE(std::isnan(lon[0]) && std::isnan(lat[0]));
  EXPECT_EQ(lat[1], 90.0);
  projector.forward({}, {}, x, y);
  EXPECT_TRUE(x.empty() && y.empty());
}

TEST(Projector, TransformsAMillionPointsQuickly) {
  constexpr std::size_t kPoints = 1000000;
  FloatArray lon(kPoints), lat(kPoints);
  for (std::size_t i = 0; i < kPoints; ++i) {
    lon[i] = static_cast<float>(-180.0 + 360.0 * static_cast<double>(i % 1000) / 1000.0);
    lat[i] = static_cast<float>(60.0 + 29.9 * static_cast<double>(i / 1000) / 1000.0);
  }
  const Projector projector(make_grid(kArcticCrs, std::nullopt, false, 25000.0));
  std::vector<double> x, y;
  const auto start = std::chrono::steady_clock::now();
  projector.forward(lon, lat, x, y);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("1e6 points to EPSG:3413 in %.3f s\n", seconds);
  EXPECT_LT(seconds, 5.0);  // ~0.1 s expected; generous for loaded CI machines
  for (std::size_t i = 0; i < kPoints; i += 9973) EXPECT_TRUE(std::isfinite(x[i]));
}

// A polar granule (lat 80..89.9, all longitudes, so it crosses the antimeridian and the
// CRS's own central meridian) projected onto a 4 km EPSG:3413 grid: every pixel lands
// inside, in the cell whose edges hold its projected centre, and near the pole where its
// latitude says so.
TEST(Projector, PolarGranuleLandsInsideAPolarStereographicGrid) {
  constexpr int kLines = 400;
  constexpr int kPixels = 1272;  // OCI pixels per line
  FloatArray lon, lat;
  for (int line = 0; line < kLines; ++line)
    for (int pixel = 0; pixel < kPixels; ++pixel) {
      lat.push_back(static_cast<float>(80.0 + 9.9 * line / (kLines - 1)));
      lon.push_back(static_cast<float>(-180.0 + 360.0 * pixel / kPixels + 0.1 * line));
    }
  const GridDefinition grid =
      make_grid(kArcticCrs, BBox{-180, 60, 180, 90}, false, parse_resolution("4km", kArcticCrs));
  const GridSpec& spec = grid.spec;
  const Projector projector(grid);
  std::vector<double> x, y;
  projector.forward(lon, lat, x, y);
  // 89.9N is 11.1 km from the pole (1 degree of latitude ~ 111.7 km up there).
  constexpr double kRadiusAt899M = 11200.0;
  for (std::size_t k = 0; k < lon.size(); ++k) {
    const std::int64_t cell = spec.locate(x[k], y[k]);
    ASSERT_GE(cell, 0) << "pixel " << k << " at " << lon[k] << "," << lat[k];
    const std::int64_t row = cell / spec.nx;
    const std::int64_t col = cell % spec.nx;
    const double west = spec.x_min + static_cast<double>(col) * spec.cell_size;
    const double north = spec.y_max - static_cast<double>(row) * spec.cell_size;
    ASSERT_TRUE(west <= x[k] && x[k] < west + spec.cell_size) << "pixel " << k;
    ASSERT_TRUE(north - spec.cell_size < y[k] && y[k] <= north) << "pixel " << k;
    if (lat[k] >= 89.9f) ASSERT_LT(std::hypot(x[k], y[k]), kRadiusAt899M) << "pixel " << k;
  }
  // The cells' centres lie north of 80N less a cell (4.6 km ~ 0.05 degree) too.
  std::vector<double> centre_x, centre_y, centre_lon, centre_lat;
  for (std::size_t k = 0; k < lon.size(); k += 101) {
    const std::int64_t cell = spec.locate(x[k], y[k]);
    centre_x.push_back(spec.x_center(cell % spec.nx));
    centre_y.push_back(spec.y_center(cell / spec.nx));
  }
  projector.inverse(centre_x, centre_y, centre_lon, centre_lat);
  for (const double centre : centre_lat) EXPECT_GT(centre, 79.95);
}

}  // namespace
}  // namespace swathgrid
