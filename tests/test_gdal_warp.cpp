// The `warp` method (GDAL's geolocation-array warper per granule):
//  - on a small regular swath, the exact cells each georeferencing convention gives;
//  - on demo-like synthetic granules, bit-for-bit equality with the Python reference
//    (benchmarks/reference/gdal_warp_reference.py, GDAL's Python bindings), NaN patterns
//    included, for both conventions; the half-pixel shift between the conventions; values
//    that come only from nearby pixels.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/synth.hpp"
#include "test_support.hpp"

#ifndef SWATHGRID_SOURCE_DIR
#error "SWATHGRID_SOURCE_DIR must name the source tree (tests/CMakeLists.txt)"
#endif

namespace swathgrid {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
const char* const kDemoBox = "-77,36,-73,41";  // the notebook's demo box, W,S,E,N
constexpr double kDemoCellDeg = 0.01;
constexpr double kRadiansPerDegree = 3.14159265358979323846 / 180.0;

std::uint32_t bits_of(float value) {
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

std::size_t count_valid(const std::vector<float>& grid) {
  std::size_t valid = 0;
  for (float value : grid) valid += std::isnan(value) ? 0 : 1;
  return valid;
}

// --- options and errors -----------------------------------------------------------------

TEST(WarpConvention, ParsesBothSpellingsAndRejectsOthers) {
  EXPECT_EQ(parse_warp_convention("top-left-corner"), WarpConvention::kTopLeftCorner);
  EXPECT_EQ(parse_warp_convention("pixel-center"), WarpConvention::kPixelCenter);
  EXPECT_STREQ(warp_convention_name(WarpConvention::kPixelCenter), "pixel-center");
  EXPECT_STREQ(warp_convention_name(WarpConvention::kTopLeftCorner), "top-left-corner");
  try {
    parse_warp_convention("PIXEL_CENTER");
    FAIL() << "no exception";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("--warp-convention"), std::string::npos);
  }
}

TEST(WarpGranule, RejectsArraysThatDoNotMatchTheShape) {
  const FloatArray three(3, 1.0f), four(4, 1.0f);
  const GridSpec target = GridSpec::from_bbox(BBox{0.0, 0.0, 1.0, 1.0}, 0.5);
  EXPECT_THROW(warp_granule(four, four, three, 2, 2, target, WarpConvention::kPixelCenter), Error);
  EXPECT_THROW(warp_granule(three, three, three, 1, 3, target, WarpConvention::kPixelCenter),
               Error);
}

TEST(WarpGranule, GranuleWithoutNavigationIsAGdalErrorWithItsMessage) {
  const FloatArray nan(12, std::numeric_limits<float>::quiet_NaN()), ones(12, 1.0f);
  const GridSpec target = GridSpec::from_bbox(BBox{0.0, 0.0, 1.0, 1.0}, 0.5);
  try {
    warp_granule(nan, nan, ones, 3, 4, target, WarpConvention::kTopLeftCorner);
    FAIL() << "no exception";
  } catch (const Error& error) {
    // GDAL 3.6: "Int overflow : -nan x -nan" while sizing the backmap; rasterio raises too.
    const std::string message = error.what();
    EXPECT_NE(message.find("warp: GDALCreateGenImgProjTransformer2"), std::string::npos) << message;
    EXPECT_EQ(message.find("(GDAL gave no message)"), std::string::npos) << message;
  }
}

// --- a regular swath: exact expectations ------------------------------------------------

/// lines x pixels pixels of kPixelDeg, pixel (i, j) centred at (west + (j + 0.5) d,
/// north - (i + 0.5) d), value 1000 i + j: a swath whose correct grid is known exactly.
struct RegularSwath {
  static constexpr std::size_t kLines = 40, kPixels = 50;
  static constexpr double kPixelDeg = 0.02, kWest = -75.0, kNorth = 39.0;
  FloatArray lon, lat, values;
  RegularSwath() {
    for (std::size_t i = 0; i < kLines; ++i)
      for (std::size_t j = 0; j < kPixels; ++j) {
        lon.push_back(static_cast<float>(kWest + (static_cast<double>(j) + 0.5) * kPixelDeg));
        lat.push_back(static_cast<float>(kNorth - (static_cast<double>(i) + 0.5) * kPixelDeg));
        values.push_back(static_cast<float>(1000 * i + j));
      }
  }
};

/// Cells of half a pixel, offset so that no cell centre lies on a pixel edge or centre, over
/// the swath and a margin of 5 pixels on every side.
GridSpec regular_target() {
  GridSpec grid;
  grid.x_min = RegularSwath::kWest - 0.103;
  grid.y_max = RegularSwath::kNorth + 0.097;
  grid.cell_size = 0.01;
  grid.nx = 120;
  grid.ny = 100;
  return grid;
}

/// What each convention must give: the cell takes pixel floor(position - shift) where
/// position is the cell centre in pixel units from the swath's west/north edge; shift 0 for
/// pixel centres, 0.5 for GDAL's top-left corners (each value then covers the half-open
/// pixel from its own centre to the next centre: half a pixel east and south).
std::vector<float> expected_regular_grid(const GridSpec& grid, double shift) {
  std::vector<float> expected(static_cast<std::size_t>(grid.cell_count()), kNaN);
  for (std::int64_t row = 0; row < grid.ny; ++row)
    for (std::int64_t col = 0; col < grid.nx; ++col) {
      const double j =
          std::floor((grid.x_center(col) - RegularSwath::kWest) / RegularSwath::kPixelDeg - shift);
      const double i =
          std::floor((RegularSwath::kNorth - grid.y_center(row)) / RegularSwath::kPixelDeg - shift);
      if (i >= 0 && j >= 0 && i < RegularSwath::kLines && j < RegularSwath::kPixels)
        expected[static_cast<std::size_t>(row * grid.nx + col)] = static_cast<float>(1000 * i + j);
    }
  return expected;
}

void expect_same_grid(const std::vector<float>& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  std::size_t differ = 0, first = actual.size();
  for (std::size_t k = 0; k < actual.size(); ++k)
    if (bits_of(actual[k]) != bits_of(expected[k])) {
      ++differ;
      if (first == actual.size()) first = k;
    }
  EXPECT_EQ(differ, 0u) << "first differing cell " << first << ": got " << actual[first]
                        << ", expected " << expected[first];
}

TEST(WarpGranule, RegularSwathPixelCenterGivesTheNearestPixel) {
  const RegularSwath swath;
  const GridSpec target = regular_target();
  const auto grid = warp_granule(swath.lon, swath.lat, swath.values, RegularSwath::kLines,
                                 RegularSwath::kPixels, target, WarpConvention::kPixelCenter);
  expect_same_grid(grid, expected_regular_grid(target, 0.0));
  EXPECT_EQ(count_valid(grid), 4 * RegularSwath::kLines * RegularSwath::kPixels);
}

TEST(WarpGranule, RegularSwathTopLeftCornerIsHalfAPixelOff) {
  const RegularSwath swath;
  const GridSpec target = regular_target();
  const auto grid = warp_granule(swath.lon, swath.lat, swath.values, RegularSwath::kLines,
                                 RegularSwath::kPixels, target, WarpConvention::kTopLeftCorner);
  expect_same_grid(grid, expected_regular_grid(target, 0.5));
}

TEST(WarpGranule, FillPixelsGiveNothingAndTargetsAwayFromTheSwathStayNaN) {
  RegularSwath swath;
  for (float& value : swath.values) value = kNaN;  // a granule under cloud
  const GridSpec over = regular_target();
  for (float value : warp_granule(swath.lon, swath.lat, swath.values, RegularSwath::kLines,
                                  RegularSwath::kPixels, over, WarpConvention::kPixelCenter))
    ASSERT_TRUE(std::isnan(value));
  const RegularSwath clear;
  GridSpec away = over;
  away.x_min += 20.0;  // GDAL skips the whole target: NaN, not rioxarray's zeros
  const auto grid = warp_granule(clear.lon, clear.lat, clear.values, RegularSwath::kLines,
                                 RegularSwath::kPixels, away, WarpConvention::kPixelCenter);
  EXPECT_EQ(count_valid(grid), 0u);
}

// --- demo-like granules against the Python reference -------------------------------------

struct DemoGranule {
  std::string path;
  Granule granule;
  std::vector<float> top_left, pixel_center;  // warp_granule on the demo grid
};

class WarpDemo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new test::ScratchDir("gdal_warp");
    grid_ = GridSpec::from_bbox(parse_bbox(kDemoBox), kDemoCellDeg);
    granules_ = new std::vector<DemoGranule>;
    // A full-size granule whose track crosses the box, and a shorter one far off the track
    // (large, skewed pixels near the swath edge, which runs through the box; more cloud).
    SynthGranuleOptions crossing;
    crossing.seed = 11;
    SynthGranuleOptions edge;
    edge.lines = 400;
    edge.track_offset_km = 1100.0;
    edge.cloud_fraction = 0.5;
    edge.seed = 12;
    int index = 0;
    for (const auto& options : {crossing, edge}) {
      DemoGranule demo;
      demo.path = scratch_->file("granule" + std::to_string(index++) + ".nc");
      write_synthetic_granule(demo.path, options);
      demo.granule = read_granule(demo.path, ReadRequest{});
      const Granule& g = demo.granule;
      const auto& values = g.variables.at(0).values;
      const auto start = std::chrono::steady_clock::now();
      demo.top_left = warp_granule(g.longitude, g.latitude, values, g.lines, g.pixels, grid_,
                                   WarpConvention::kTopLeftCorner);
      const auto middle = std::chrono::steady_clock::now();
      demo.pixel_center = warp_granule(g.longitude, g.latitude, values, g.lines, g.pixels, grid_,
                                       WarpConvention::kPixelCenter);
      const auto end = std::chrono::steady_clock::now();
      using Seconds = std::chrono::duration<double>;
      std::cout << "warp_granule " << g.lines << " x " << g.pixels << " onto " << grid_.nx << " x "
                << grid_.ny << ": " << Seconds(middle - start).count() << " s top-left-corner, "
                << Seconds(end - middle).count() << " s pixel-center\n";
      granules_->push_back(std::move(demo));
    }
  }
  static void TearDownTestSuite() {
    delete granules_;
    delete scratch_;
  }

  static test::ScratchDir* scratch_;
  static GridSpec grid_;
  static std::vector<DemoGranule>* granules_;
};

test::ScratchDir* WarpDemo::scratch_ = nullptr;
GridSpec WarpDemo::grid_;
std::vector<DemoGranule>* WarpDemo::granules_ = nullptr;

std::string python() {
  const char* chosen = std::getenv("SWATHGRID_PYTHON");
  return chosen && *chosen ? chosen : "/usr/bin/python3";
}

/// The reference script's grid for `granule`, or why there is none.
struct Reference {
  std::vector<float> grid;
  std::string error;
};

/// Runs the reference script on `granule` (no gtest assertions: runs on other threads).
Reference python_reference(const std::string& granule, const std::string& convention,
                           const std::string& output, std::size_t cells) {
  const std::string script =
      std::string(SWATHGRID_SOURCE_DIR) + "/benchmarks/reference/gdal_warp_reference.py";
  const std::string command = python() + " " + script + " " + granule + " --bbox=" + kDemoBox +
                              " --res " + std::to_string(kDemoCellDeg) + " --convention " +
                              convention + " -o " + output + " > " + output + ".log 2>&1";
  Reference reference;
  if (std::system(command.c_str()) != 0) {
    std::ifstream log(output + ".log");
    reference.error = command + " failed:\n" + std::string(std::istreambuf_iterator<char>(log), {});
    return reference;
  }
  reference.grid.resize(cells);
  std::ifstream in(output, std::ios::binary);
  in.read(reinterpret_cast<char*>(reference.grid.data()),
          static_cast<std::streamsize>(cells * sizeof(float)));
  if (in.gcount() != static_cast<std::streamsize>(cells * sizeof(float)) ||
      in.peek() != std::char_traits<char>::eof())
    reference.error = output + " does not hold " + std::to_string(cells) + " floats";
  return reference;
}

TEST_F(WarpDemo, EqualsThePythonReferenceBitForBit) {
  if (std::system((python() + " -c 'import osgeo.gdal, xarray, numpy' > /dev/null 2>&1").c_str()))
    GTEST_SKIP() << python() << " lacks osgeo.gdal, xarray or numpy (python3-gdal)";
  const auto cells = static_cast<std::size_t>(grid_.cell_count());
  const char* const conventions[] = {"top-left-corner", "pixel-center"};
  std::vector<std::future<Reference>> references;  // all at once: ~2.5 s each
  for (const auto& demo : *granules_)
    for (const char* convention : conventions)
      references.push_back(std::async(std::launch::async, python_reference, demo.path, convention,
                                      demo.path + "." + convention + ".f32", cells));
  std::size_t next = 0;
  for (const auto& demo : *granules_) {
    for (const char* convention : conventions) {
      SCOPED_TRACE(demo.path + " " + convention);
      const auto& ours =
          std::string(convention) == "pixel-center" ? demo.pixel_center : demo.top_left;
      const Reference reference = references[next++].get();
      ASSERT_EQ(reference.error, "");
      const auto& theirs = reference.grid;
      ASSERT_EQ(theirs.size(), ours.size());
      EXPECT_EQ(std::memcmp(ours.data(), theirs.data(), cells * sizeof(float)), 0);
      expect_same_grid(ours, theirs);
      EXPECT_GT(count_valid(ours), 0u);
    }
  }
}

/// Where each valid cell's value comes from: the index of the only granule pixel near the
/// grid (within kNearGridDeg) holding that value bit for bit, or -1 when several do. Fails
/// when none does: nearest-neighbour warping must not make values up or fetch them from afar.
constexpr double kNearGridDeg = 0.2;
std::vector<std::int64_t> source_pixels(const std::vector<float>& grid, const Granule& granule,
                                        const GridSpec& spec) {
  const auto& values = granule.variables.at(0).values;
  std::unordered_map<std::uint32_t, std::int64_t> pixel_of;  // -1: several pixels
  for (std::size_t k = 0; k < values.size(); ++k) {
    const double lon = granule.longitude[k], lat = granule.latitude[k];
    if (std::isnan(values[k]) || !(lon > spec.x_min - kNearGridDeg) ||
        !(lon < spec.x_max() + kNearGridDeg) || !(lat > spec.y_min() - kNearGridDeg) ||
        !(lat < spec.y_max + kNearGridDeg))
      continue;
    auto inserted = pixel_of.emplace(bits_of(values[k]), static_cast<std::int64_t>(k));
    if (!inserted.second) inserted.first->second = -1;
  }
  std::vector<std::int64_t> source(grid.size(), -1);
  std::size_t invented = 0;
  for (std::size_t cell = 0; cell < grid.size(); ++cell) {
    if (std::isnan(grid[cell])) continue;
    const auto found = pixel_of.find(bits_of(grid[cell]));
    if (found == pixel_of.end())
      ++invented;
    else
      source[cell] = found->second;
  }
  EXPECT_EQ(invented, 0u) << "cells whose value is no valid pixel of the granule near the grid";
  return source;
}

/// Distance in degrees (longitude scaled by cos(latitude)) between two points.
double distance_deg(double lon_a, double lat_a, double lon_b, double lat_b) {
  return std::hypot((lon_a - lon_b) * std::cos(0.5 * (lat_a + lat_b) * kRadiansPerDegree),
                    lat_a - lat_b);
}

/// Half the diagonal of pixel `k` (degrees), from the spacing to its neighbours along the
/// line and along the track (NaN when navigation is missing there).
double half_diagonal_deg(const Granule& granule, std::size_t k) {
  const std::size_t line = k / granule.pixels, pixel = k % granule.pixels;
  const std::size_t across = pixel + 1 < granule.pixels ? k + 1 : k - 1;
  const std::size_t along = line + 1 < granule.lines ? k + granule.pixels : k - granule.pixels;
  const auto& lon = granule.longitude;
  const auto& lat = granule.latitude;
  return 0.5 * std::hypot(distance_deg(lon[k], lat[k], lon[across], lat[across]),
                          distance_deg(lon[k], lat[k], lon[along], lat[along]));
}

/// How far cell centres lie from the centre of the pixel their value comes from, in units
/// of that pixel's half diagonal: the mean and (in `max_ratio`) the largest.
double mean_distance_ratio(const std::vector<std::int64_t>& source, const Granule& granule,
                           const GridSpec& grid, double& max_ratio) {
  double sum = 0.0;
  std::size_t count = 0;
  max_ratio = 0.0;
  for (std::int64_t row = 0; row < grid.ny; ++row)
    for (std::int64_t col = 0; col < grid.nx; ++col) {
      const auto pixel = source[static_cast<std::size_t>(row * grid.nx + col)];
      if (pixel < 0) continue;
      const auto k = static_cast<std::size_t>(pixel);
      const double ratio = distance_deg(granule.longitude[k], granule.latitude[k],
                                        grid.x_center(col), grid.y_center(row)) /
                           half_diagonal_deg(granule, k);
      if (std::isnan(ratio)) continue;
      sum += ratio;
      max_ratio = std::max(max_ratio, ratio);
      ++count;
    }
  return count ? sum / static_cast<double>(count) : 0.0;
}

TEST_F(WarpDemo, ValuesComeFromNearbyPixelsAndCoverageAgreesBetweenConventions) {
  for (const auto& demo : *granules_) {
    SCOPED_TRACE(demo.path);
    const auto valid_tl = count_valid(demo.top_left);
    const auto valid_pc = count_valid(demo.pixel_center);
    EXPECT_GT(valid_pc, 20000u);  // the swath covers a good part of the 400 x 500 box
    EXPECT_LT(std::abs(static_cast<double>(valid_tl) - static_cast<double>(valid_pc)),
              0.05 * static_cast<double>(valid_pc));
    double max_pc = 0.0, max_tl = 0.0;
    const double mean_pc = mean_distance_ratio(
        source_pixels(demo.pixel_center, demo.granule, grid_), demo.granule, grid_, max_pc);
    const double mean_tl = mean_distance_ratio(source_pixels(demo.top_left, demo.granule, grid_),
                                               demo.granule, grid_, max_tl);
    std::cout << "distance to the source pixel / its half diagonal: pixel-center mean " << mean_pc
              << " max " << max_pc << ", top-left-corner mean " << mean_tl << " max " << max_tl
              << "\n";
    // A pixel-centre cell lies inside the footprint of the pixel it takes (within half a
    // diagonal of its centre: measured max 1.00); a top-left-corner cell may lie a whole
    // diagonal away (measured max 2.00), and on average twice as far.
    EXPECT_LT(max_pc, 1.15);
    EXPECT_LT(max_tl, 2.3);
    EXPECT_GT(max_tl, 1.5);
    EXPECT_NEAR(mean_tl / mean_pc, 2.0, 0.2);
  }
}

TEST_F(WarpDemo, TopLeftCornerShiftsValuesByHalfAPixelAlongBothAxes) {
  for (const auto& demo : *granules_) {
    SCOPED_TRACE(demo.path);
    const auto from_tl = source_pixels(demo.top_left, demo.granule, grid_);
    const auto from_pc = source_pixels(demo.pixel_center, demo.granule, grid_);
    const auto pixels = static_cast<std::int64_t>(demo.granule.pixels);
    double line_shift = 0.0, pixel_shift = 0.0;
    std::size_t both = 0, same_value = 0, valid_both = 0;
    for (std::size_t cell = 0; cell < from_tl.size(); ++cell) {
      if (!std::isnan(demo.top_left[cell]) && !std::isnan(demo.pixel_center[cell])) {
        ++valid_both;
        same_value += demo.top_left[cell] == demo.pixel_center[cell] ? 1 : 0;
      }
      if (from_tl[cell] < 0 || from_pc[cell] < 0) continue;
      line_shift += static_cast<double>(from_tl[cell] / pixels - from_pc[cell] / pixels);
      pixel_shift += static_cast<double>(from_tl[cell] % pixels - from_pc[cell] % pixels);
      ++both;
    }
    ASSERT_GT(both, 1000u);
    // Top-left corner takes pixel floor(x - 0.5) where pixel centre takes floor(x): the
    // same pixel or the previous one, each about half of the time, along lines and pixels.
    EXPECT_NEAR(line_shift / static_cast<double>(both), -0.5, 0.05);
    EXPECT_NEAR(pixel_shift / static_cast<double>(both), -0.5, 0.05);
    // So only about a quarter of the cells keep their value.
    EXPECT_NEAR(static_cast<double>(same_value) / static_cast<double>(valid_both), 0.25, 0.08);
  }
}

}  // namespace
}  // namespace swathgrid
