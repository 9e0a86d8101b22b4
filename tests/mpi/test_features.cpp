// Features end to end on generated granules, each run by ctest with the swathgrid program
// under mpiexec (tests/mpi/CMakeLists.txt), checked here against independent computations:
// weights and statistics, several variables, periods, methods, --grid-like, 3-D variables,
// the antimeridian and a polar stereographic grid.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "e2e_support.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid::e2e {
namespace {

constexpr double kWest = -77.0, kNorth = 41.0, kRes = 0.01;
constexpr long kNx = 400, kNy = 500;

/// Per cell: per granule, the values that fell in it.
using CellValues = std::map<long, std::vector<std::vector<double>>>;

CellValues bin_by_granule(const std::vector<std::string>& paths, const std::string& var,
                          bool default_flags) {
  CellValues cells;
  for (std::size_t g = 0; g < paths.size(); ++g) {
    for (const Pixel& p : valid_pixels(paths[g], var, default_flags)) {
      const long c = cell_of(p.lon, p.lat, kWest, kNorth, kRes, kNx, kNy);
      if (c < 0) continue;
      auto& per_granule = cells[c];
      per_granule.resize(paths.size());
      per_granule[g].push_back(p.value);
    }
  }
  return cells;
}

double mean_of(const std::vector<double>& v) {
  long double s = 0;
  for (double x : v) s += x;
  return static_cast<double>(s / v.size());
}

void expect_same_bytes(const std::string& a, const std::string& b,
                       const std::vector<std::string>& vars) {
  NcFile fa(e2e_dir() + "/" + a), fb(e2e_dir() + "/" + b);
  for (const auto& var : vars)
    EXPECT_TRUE(fa.bytes(var.c_str()) == fb.bytes(var.c_str())) << var << ": " << a << " vs " << b;
}

TEST(Features, GranuleWeightingAndStatisticsMatchIndependentComputation) {
  const auto paths = granule_paths();
  NcFile out(e2e_dir() + "/weight_granule_n2.nc");
  for (const std::string var : {"chlor_a", "poc"}) {
    const CellValues cells = bin_by_granule(paths, var, true);
    const auto mean = out.values<float>(var.c_str());
    const auto count = out.values<std::int32_t>((var + "_count").c_str());
    const auto ngranules = out.values<std::int32_t>((var + "_ngranules").c_str());
    const auto lo = out.values<float>((var + "_min").c_str());
    const auto hi = out.values<float>((var + "_max").c_str());
    const auto gmean = out.values<float>((var + "_gmean").c_str());
    const auto stdev = out.values<float>((var + "_stdev").c_str());
    ASSERT_EQ(mean.size(), static_cast<std::size_t>(kNx * kNy));
    long checked = 0;
    for (const auto& [c, per_granule] : cells) {
      std::vector<double> means;
      long pixels = 0;
      for (const auto& values : per_granule) {
        if (values.empty()) continue;
        means.push_back(mean_of(values));
        pixels += static_cast<long>(values.size());
      }
      const double m = mean_of(means);
      double log_sum = 0, sq = 0;
      for (double x : means) sq += (x - m) * (x - m);
      for (const auto& values : per_granule) {  // ln of every pixel; granules count equally
        if (values.empty()) continue;
        long double logs = 0;
        for (double v : values) logs += std::log(static_cast<long double>(v));
        log_sum += static_cast<double>(logs / values.size());
      }
      ASSERT_EQ(count[c], pixels) << var << " cell " << c;
      ASSERT_EQ(ngranules[c], static_cast<int>(means.size())) << var << " cell " << c;
      EXPECT_NEAR(mean[c], m, 1e-5 * m) << var << " cell " << c;
      EXPECT_FLOAT_EQ(lo[c], static_cast<float>(*std::min_element(means.begin(), means.end())));
      EXPECT_FLOAT_EQ(hi[c], static_cast<float>(*std::max_element(means.begin(), means.end())));
      EXPECT_NEAR(gmean[c], std::exp(log_sum / means.size()), 1e-5 * m);
      EXPECT_NEAR(stdev[c], std::sqrt(sq / means.size()), 1e-4 * m + 1e-6);
      ++checked;
    }
    EXPECT_GT(checked, 10000) << var;
  }
}

TEST(Features, SqrtWeightingMatchesL2binRule) {
  const CellValues cells = bin_by_granule(granule_paths(), "chlor_a", true);
  NcFile out(e2e_dir() + "/weight_sqrt.nc");
  const auto mean = out.values<float>("chlor_a");
  for (const auto& [c, per_granule] : cells) {
    double weighted = 0, weights = 0;
    for (const auto& values : per_granule) {
      if (values.empty()) continue;
      const double w = std::sqrt(static_cast<double>(values.size()));
      weighted += w * mean_of(values);
      weights += w;
    }
    EXPECT_NEAR(mean[c], weighted / weights, 1e-5 * weighted / weights) << "cell " << c;
  }
}

TEST(Features, SqrtWeightedStdevAndGmeanAreNasas) {
  // l2bin_utils.cpp: per granule (file) Σx/sqrt(n), Σx²/sqrt(n), weight sqrt(n); libbin
  // L3Bin::getVariance: (S2/W - mean²) W²/(W² - nscenes), 0 when W² <= nscenes. Geometric:
  // ln of every pixel, weighted as the mean, exp of the result.
  const CellValues cells = bin_by_granule(granule_paths(), "chlor_a", true);
  NcFile out(e2e_dir() + "/weight_sqrt_stats.nc");
  const auto mean = out.values<float>("chlor_a");
  const auto stdev = out.values<float>("chlor_a_stdev");
  const auto gmean = out.values<float>("chlor_a_gmean");
  const auto scenes = out.values<std::int32_t>("chlor_a_ngranules");
  long single = 0, spread = 0;
  for (const auto& [c, per_granule] : cells) {
    long double w = 0, s1 = 0, s2 = 0, logs = 0;
    int nscenes = 0;
    for (const auto& values : per_granule) {
      if (values.empty()) continue;
      long double sum = 0, squares = 0, log_sum = 0;
      for (double v : values) {
        sum += v;
        squares += static_cast<long double>(v) * v;
        log_sum += std::log(static_cast<long double>(v));
      }
      const long double root = std::sqrt(static_cast<long double>(values.size()));
      w += root;
      s1 += sum / root;
      s2 += squares / root;
      logs += log_sum / root;
      ++nscenes;
    }
    const long double m = s1 / w;
    const long double variance =
        w * w > nscenes ? (s2 / w - m * m) * w * w / (w * w - nscenes) : 0.0L;
    const double expected = static_cast<double>(std::sqrt(std::fmax(0.0L, variance)));
    ASSERT_EQ(scenes[c], nscenes) << "cell " << c;
    EXPECT_NEAR(mean[c], static_cast<double>(m), 1e-5 * static_cast<double>(m)) << "cell " << c;
    EXPECT_NEAR(gmean[c], static_cast<double>(std::exp(logs / w)), 1e-5 * static_cast<double>(m))
        << "cell " << c;
    if (expected == 0.0) {
      EXPECT_EQ(stdev[c], 0.0f) << "cell " << c;
      ++single;
    } else {
      EXPECT_NEAR(stdev[c], expected, 1e-4 * static_cast<double>(m) + 1e-6) << "cell " << c;
      ++spread;
    }
  }
  EXPECT_GT(single, 100);
  EXPECT_GT(spread, 10000);
}

TEST(Features, PixelStdevIsExactlyZeroForOneObservation) {
  const CellValues cells = bin_by_granule(granule_paths(), "chlor_a", true);
  NcFile out(e2e_dir() + "/stdev_pixel.nc");
  const auto stdev = out.values<float>("chlor_a_stdev");
  const auto count = out.values<std::int32_t>("chlor_a_count");
  long single = 0;
  for (const auto& [c, per_granule] : cells) {
    std::vector<double> all;
    for (const auto& values : per_granule) all.insert(all.end(), values.begin(), values.end());
    const double m = mean_of(all);
    long double sq = 0;
    for (double v : all) sq += (v - m) * (v - m);
    ASSERT_EQ(count[c], static_cast<std::int32_t>(all.size())) << "cell " << c;
    if (all.size() == 1) {
      ASSERT_EQ(stdev[c], 0.0f) << "cell " << c;
      ++single;
    }
    EXPECT_NEAR(stdev[c], static_cast<double>(std::sqrt(sq / all.size())), 1e-6 * m)
        << "cell " << c;
  }
  EXPECT_GT(single, 100);
}

TEST(Features, SampleStdevIsThePopulationOneRescaled) {
  NcFile population(e2e_dir() + "/stdev_pixel.nc"), sample(e2e_dir() + "/stdev_sample.nc");
  const auto pop = population.values<float>("chlor_a_stdev");
  const auto sam = sample.values<float>("chlor_a_stdev");
  const auto count = sample.values<std::int32_t>("chlor_a_count");
  long multiple = 0;
  for (std::size_t c = 0; c < count.size(); ++c) {
    if (count[c] == 0) continue;
    if (count[c] == 1) {
      EXPECT_EQ(sam[c], kOutputFillValue) << "cell " << c;  // ddof 1 of one value: undefined
      continue;
    }
    const double n = count[c], expected = pop[c] * std::sqrt(n / (n - 1));
    EXPECT_NEAR(sam[c], expected, 2e-7 * expected) << "cell " << c;
    ++multiple;
  }
  EXPECT_GT(multiple, 10000);
  EXPECT_EQ(sample.text_attribute("cell_methods", "chlor_a_stdev"),
            "area: time: standard_deviation (sample form, divided by n - 1)");
}

TEST(Features, StatisticsAreIdenticalOnOneAndTwoRanks) {
  std::vector<std::string> vars;
  for (const std::string v : {"chlor_a", "poc"})
    for (const std::string s : {"", "_count", "_stdev", "_min", "_max", "_gmean", "_ngranules"})
      vars.push_back(v + s);
  expect_same_bytes("weight_granule_n1.nc", "weight_granule_n2.nc", vars);
}

TEST(Features, CellAccumulatorsGiveTheBytesOfDenseTiles) {
  // --accumulators cells keeps only the cells with data; the results are the same integers.
  expect_same_bytes("composite_n1.nc", "cells_n1.nc", {"chlor_a", "chlor_a_count"});
  expect_same_bytes("owner_day_n4.nc", "cells_day_n4.nc", {"chlor_a", "chlor_a_count", "time"});
  std::vector<std::string> vars;
  for (const std::string v : {"chlor_a", "poc"})
    for (const std::string s : {"", "_count", "_stdev", "_min", "_max", "_gmean", "_ngranules"})
      vars.push_back(v + s);
  expect_same_bytes("weight_granule_n1.nc", "cells_granule_n3.nc", vars);
  expect_same_bytes("nearest_n2.nc", "nearest_cells_n2.nc", {"chlor_a", "chlor_a_count"});
}

TEST(Features, DailyPeriodsHaveTimeBoundsAndPerDayCounts) {
  const auto paths = granule_paths();
  std::map<long, std::vector<std::string>> by_day;  // days since 1970 -> granules
  for (const auto& path : paths) {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const std::string start = root_text_attribute(file, "time_coverage_start");
    H5Fclose(file);
    int y = 0, m = 0, d = 0;
    ASSERT_EQ(std::sscanf(start.c_str(), "%d-%d-%d", &y, &m, &d), 3) << start;
    ASSERT_EQ(y, 2024);
    ASSERT_EQ(m, 8);
    by_day[19936 + (d - 1)].push_back(path);  // 2024-08-01 is day 19936
  }
  NcFile out(e2e_dir() + "/period_day.nc");
  ASSERT_EQ(out.dim("time"), by_day.size());
  const auto bounds = out.values<double>("time_bnds");
  const auto count = out.values<std::int32_t>("chlor_a_count");
  std::size_t t = 0;
  for (const auto& [day, day_paths] : by_day) {
    EXPECT_EQ(bounds[2 * t], day);
    EXPECT_EQ(bounds[2 * t + 1], day + 1);
    const CellValues cells = bin_by_granule(day_paths, "chlor_a", true);
    long total = 0, expected = 0;
    for (long c = 0; c < kNx * kNy; ++c) total += count[t * kNx * kNy + c];
    for (const auto& [c, per_granule] : cells)
      for (const auto& values : per_granule) expected += static_cast<long>(values.size());
    EXPECT_EQ(total, expected) << "day " << day;
    ++t;
  }
}

TEST(Features, MetadataIsAsInNasaL3mFiles) {
  std::set<int> days;  // of August 2024, from the granules' time_coverage_start
  std::string earliest_start, latest_end;  // over the granules
  for (const auto& path : granule_paths()) {
    hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const std::string start = root_text_attribute(file, "time_coverage_start");
    const std::string granule_end = root_text_attribute(file, "time_coverage_end");
    H5Fclose(file);
    if (earliest_start.empty() || start < earliest_start) earliest_start = start;
    if (granule_end > latest_end) latest_end = granule_end;
    int y = 0, m = 0, d = 0;
    ASSERT_EQ(std::sscanf(start.c_str(), "%d-%d-%d", &y, &m, &d), 3) << start;
    days.insert(d);
  }
  char first[32], end[32];  // the periods' bounds: the first day's start, the last day's end
  std::snprintf(first, sizeof(first), "2024-08-%02dT00:00:00Z", *days.begin());
  std::snprintf(end, sizeof(end), "2024-08-%02dT00:00:00Z", *days.rbegin() + 1);
  NcFile daily(e2e_dir() + "/period_day.nc");
  EXPECT_EQ(daily.text_attribute("time_coverage_start"), first);
  EXPECT_EQ(daily.text_attribute("time_coverage_end"), end);
  EXPECT_EQ(daily.text_attribute("processing_level"), "L3 Mapped");
  EXPECT_EQ(daily.text_attribute("product_name"), "period_day.nc");
  std::string flags;
  for (const auto& name : l2bin_default_flags()) flags += (flags.empty() ? "" : ",") + name;
  EXPECT_EQ(daily.text_attribute("l2_flag_names"), flags);
  // cell_methods (CF 1.8, 7.3) true to the method and weighting.
  EXPECT_EQ(daily.text_attribute("cell_methods", "chlor_a"), "area: time: mean");
  NcFile granule(e2e_dir() + "/weight_granule_n2.nc");
  EXPECT_EQ(granule.text_attribute("cell_methods", "chlor_a"), "area: mean time: mean");
  EXPECT_EQ(granule.text_attribute("cell_methods", "chlor_a_stdev"),
            "area: mean time: standard_deviation");
  EXPECT_EQ(granule.text_attribute("cell_methods", "chlor_a_max"), "area: mean time: maximum");
  EXPECT_EQ(granule.text_attribute("cell_methods", "chlor_a_gmean"),
            "area: mean (geometric) time: mean (geometric)");
  NcFile sqrt_weights(e2e_dir() + "/weight_sqrt_stats.nc");
  EXPECT_EQ(sqrt_weights.text_attribute("cell_methods", "chlor_a_stdev")
                .rfind("area: time: standard_deviation (", 0),
            0u);
  // --period all: the data's own span, the earliest granule start to the latest granule end.
  EXPECT_EQ(granule.text_attribute("time_coverage_start"), earliest_start);
  EXPECT_EQ(granule.text_attribute("time_coverage_end"), latest_end);
  EXPECT_LT(earliest_start, latest_end);
  NcFile nearest(e2e_dir() + "/nearest_n2.nc");
  EXPECT_EQ(nearest.text_attribute("cell_methods", "chlor_a"), "area: point time: mean");
  EXPECT_EQ(nearest.text_attribute("l2_flag_names"), "");  // --flags none applies none
}

TEST(Features, NearestIsIdenticalOnOneAndTwoRanksAndCoversTheSwaths) {
  expect_same_bytes("nearest_n1.nc", "nearest_n2.nc", {"chlor_a", "chlor_a_count"});
  NcFile nearest(e2e_dir() + "/nearest_n2.nc"), warp(e2e_dir() + "/warp_pc.nc");
  const auto a = nearest.values<std::int32_t>("chlor_a_count");
  const auto b = warp.values<std::int32_t>("chlor_a_count");
  long both = 0, either = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    both += a[c] > 0 && b[c] > 0;
    either += a[c] > 0 || b[c] > 0;
  }
  ASSERT_GT(either, 50000);
  EXPECT_GT(static_cast<double>(both) / either, 0.97);  // docs/validation.md has the details
}

/// The integer after "key": in a JSON text (-1 when absent).
std::int64_t json_integer(const std::string& text, const std::string& key) {
  const auto at = text.find("\"" + key + "\": ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size() + 4));
}

/// The run `three` (3 variables, --report three.json) built its geometry (`counter` in the
/// report) once per granule touching the grid, not once per variable, and its chlor_a is the
/// same bytes as that of the one-variable run `one` (same options otherwise).
void expect_geometry_once_per_granule(const std::string& three, const std::string& counter,
                                      const std::string& one) {
  std::ifstream in(e2e_dir() + "/" + three + ".json");
  const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::int64_t touching = json_integer(report, "read") - json_integer(report, "missing_grid");
  ASSERT_GT(touching, 0) << report;
  EXPECT_EQ(json_integer(report, counter), touching);
  expect_same_bytes(one + ".nc", three + ".nc", {"chlor_a", "chlor_a_count"});
}

TEST(Features, NearestSearchesOncePerGranuleForThreeVariables) {
  // The grid (400 x 500 cells) is one block: one search per granule touching it, not three.
  expect_geometry_once_per_granule("nearest_3var", "nearest_searches", "nearest_n2");
}

TEST(Features, NearestReportSplitsItsRegrid) {
  // nearest's report has its regrid's parts (survey, searches, cell values) as phases: on every
  // rank within that rank's regrid, and taking time where the rank regridded; warp's has none.
  const auto read = [](const std::string& name) {
    std::ifstream in(e2e_dir() + "/" + name + ".json");
    return nlohmann::json::parse(in);
  };
  const nlohmann::json nearest = read("nearest_3var")["phases"];
  const std::vector<double> regrid = nearest["regrid"]["per_rank"];
  ASSERT_EQ(regrid.size(), 2U);
  for (const char* part : {"nearest_survey", "nearest_search", "nearest_values"}) {
    ASSERT_TRUE(nearest.contains(part)) << part;
    EXPECT_GT(nearest[part]["max"].get<double>(), 0.0) << part;
  }
  for (std::size_t rank = 0; rank < regrid.size(); ++rank) {
    double parts = 0.0;
    for (const char* part : {"nearest_survey", "nearest_search", "nearest_values"})
      parts += nearest[part]["per_rank"][rank].get<double>();
    EXPECT_LE(parts, regrid[rank] + 1e-3) << "rank " << rank;
  }
  EXPECT_FALSE(read("warp_3var")["phases"].contains("nearest_search"));
}

TEST(Features, WarpTransformerOncePerGranuleForThreeVariables) {
  // One GDAL geolocation transformer per granule touching the grid, not one per variable.
  expect_geometry_once_per_granule("warp_3var", "warp_transformers", "warp_exports");
}

TEST(Features, GridLikeReproducesTheGrid) {
  expect_same_bytes("composite_n1.nc", "grid_like.nc",
                    {"lat", "lon", "lat_bnds", "lon_bnds", "chlor_a", "chlor_a_count"});
}

TEST(Features, TileSizeRankCountAndReductionDoNotChangeTheBytes) {
  expect_same_bytes("composite_n1.nc", "tile7_n3.nc", {"chlor_a", "chlor_a_count"});
  expect_same_bytes("composite_n1.nc", "owner_n3.nc", {"chlor_a", "chlor_a_count"});
  expect_same_bytes("composite_n1.nc", "read_ahead_n1.nc", {"chlor_a", "chlor_a_count"});
  expect_same_bytes("composite_n1.nc", "read_ahead_n2.nc", {"chlor_a", "chlor_a_count"});
  expect_same_bytes("period_day.nc", "owner_day_n4.nc",
                    {"time", "time_bnds", "chlor_a", "chlor_a_count"});
}

TEST(Features, CompactAccumulatorsKeepCountsAndMeansToTheirQuantum) {
  // --accumulators compact: the same bytes on any ranks, tiles and reduction; the counts of
  // the wide accumulators, and their means to within the 2^-33 quantum (then float rounding).
  expect_same_bytes("compact_n1.nc", "compact_n3.nc", {"chlor_a", "chlor_a_count"});
  NcFile wide(e2e_dir() + "/composite_n1.nc"), compact(e2e_dir() + "/compact_n1.nc");
  EXPECT_TRUE(wide.bytes("chlor_a_count") == compact.bytes("chlor_a_count"));
  const auto a = wide.values<float>("chlor_a"), b = compact.values<float>("chlor_a");
  ASSERT_EQ(a.size(), b.size());
  std::size_t with_data = 0, different = 0;
  for (std::size_t c = 0; c < a.size(); ++c) {
    ASSERT_EQ(std::isnan(a[c]), std::isnan(b[c])) << "cell " << c;
    if (std::isnan(a[c])) continue;
    ++with_data;
    different += a[c] != b[c];
    EXPECT_NEAR(a[c], b[c], 1.2e-10 + 2.4e-7 * std::fabs(a[c])) << "cell " << c;
  }
  EXPECT_GT(with_data, 10000u);
  EXPECT_LT(different, with_data / 100) << "more than float rounding apart";
}

TEST(Features, ThreeDimensionalRrsHasAWavelengthAxis) {
  const auto paths = granule_paths("aop.txt");
  ASSERT_EQ(paths.size(), 2u);
  hid_t file = H5Fopen(paths[0].c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const auto wavelengths =
      read_dataset(file, "sensor_band_parameters/wavelength_3d", nullptr, nullptr, nullptr);
  H5Fclose(file);
  NcFile out(e2e_dir() + "/rrs.nc");
  ASSERT_EQ(out.dim("wavelength"), wavelengths.size());
  const auto axis = out.values<double>("wavelength");
  for (std::size_t b = 0; b < wavelengths.size(); ++b) EXPECT_DOUBLE_EQ(axis[b], wavelengths[b]);
  // Every band has data where the granules are, and plausible reflectances.
  const auto rrs = out.values<float>("Rrs");
  const auto count = out.values<std::int32_t>("Rrs_count");
  const std::size_t plane = out.dim("lat") * out.dim("lon");
  for (std::size_t b = 0; b < wavelengths.size(); ++b) {
    long filled = 0;
    for (std::size_t c = 0; c < plane; ++c) {
      if (count[b * plane + c] == 0) continue;
      ++filled;
      ASSERT_GT(rrs[b * plane + c], -0.01f);
      ASSERT_LT(rrs[b * plane + c], 0.06f);
    }
    EXPECT_GT(filled, 1000) << "band " << b;
  }
}

TEST(Features, AntimeridianGranuleLandsOnBothEdgesOfAGlobalGrid) {
  const auto paths = granule_paths("antimeridian.txt");
  long expected = 0;
  double west_most = 0, east_most = 0;
  for (const auto& path : paths)
    for (const Pixel& p : valid_pixels(path, "chlor_a", false)) {
      ++expected;
      west_most = std::min(west_most, p.lon);
      east_most = std::max(east_most, p.lon);
    }
  ASSERT_LT(west_most, -179.0);
  ASSERT_GT(east_most, 179.0);
  NcFile out(e2e_dir() + "/antimeridian.nc");
  const std::size_t nx = out.dim("lon"), ny = out.dim("lat");
  const auto count = out.values<std::int32_t>("chlor_a_count");
  long total = 0, west_edge = 0, east_edge = 0;
  for (std::size_t r = 0; r < ny; ++r) {
    west_edge += count[r * nx];
    east_edge += count[r * nx + nx - 1];
    for (std::size_t c = 0; c < nx; ++c) total += count[r * nx + c];
  }
  EXPECT_EQ(total, expected);  // a global grid loses no valid pixel
  EXPECT_GT(west_edge, 0);
  EXPECT_GT(east_edge, 0);
}

TEST(Features, PolarGranulesOnAPolarStereographicGrid) {
  const auto paths = granule_paths("polar.txt");
  long north_of_61 = 0, north_of_55 = 0;
  for (const auto& path : paths)
    for (const Pixel& p : valid_pixels(path, "chlor_a", false)) {
      north_of_61 += p.lat >= 61.0;
      north_of_55 += p.lat >= 55.0;
    }
  ASSERT_GT(north_of_61, 100000);
  NcFile out(e2e_dir() + "/polar.nc");
  EXPECT_NE(out.text_attribute("Conventions").find("CF"), std::string::npos);
  const auto x = out.values<double>("x"), y = out.values<double>("y");
  EXPECT_DOUBLE_EQ(x.front(), -y.front());  // the grid is centred on the pole
  EXPECT_GT(y.front(), y.back());           // north-up
  const auto count = out.values<std::int32_t>("chlor_a_count");
  long total = 0;
  for (auto n : count) total += n;
  // The grid is the square around the 60 degree circle: it holds every pixel north of 60.
  EXPECT_GE(total, north_of_61);
  EXPECT_LE(total, north_of_55);
}

}  // namespace
}  // namespace swathgrid::e2e
