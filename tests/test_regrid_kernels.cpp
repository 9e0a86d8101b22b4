// The bin kernel, folding with each weighting and the final statistics, against brute-force
// loops over random pixels of several "granules": counts exact, statistics equal.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>

#include "swathgrid/error.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Pixels {
  std::vector<float> lon, lat, values;
};

Pixels random_pixels(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> lon(-78.0f, -72.0f), lat(35.0f, 42.0f);
  std::lognormal_distribution<float> val(-0.5f, 1.0f);
  std::uniform_int_distribution<int> kind(0, 19);
  Pixels p;
  for (std::size_t i = 0; i < n; ++i) {
    p.lon.push_back(lon(rng));
    p.lat.push_back(lat(rng));
    p.values.push_back(std::fmin(val(rng), 100.0f));
    const int k = kind(rng);
    if (k == 0) p.values.back() = kNaN;
    if (k == 1) p.lat.back() = kNaN;
  }
  return p;
}

ConstPixelView device(const std::vector<float>& host) {
  PixelView view;
  copy_to_device(host, view, "test");
  return view;
}

ConstPositionView positions(const std::vector<float>& host) {
  PositionView view;
  copy_to_device(std::vector<double>(host.begin(), host.end()), view, "test");
  return view;
}

/// Runs the library's path for `granules` and returns the finalized statistics.
std::vector<StatGrid> run_library(const std::vector<Pixels>& granules, const GridSpec& grid,
                                  Weighting weighting, const std::vector<Stat>& stats,
                                  BinTotals* first_totals, std::int64_t tile_size = 256) {
  const FieldLayout layout = FieldLayout::for_stats(stats, weighting, 100.0);
  const FieldLayout partial_layout = layout.partial_layout();
  TiledFields acc(layout, TileGrid(tile_size, grid.nx, grid.ny));
  for (std::size_t g = 0; g < granules.size(); ++g) {
    const auto lon = positions(granules[g].lon), lat = positions(granules[g].lat);
    const RowWindow window = granule_rows(lon, lat, grid);
    Fields partials = make_fields(partial_layout, window.rows() * grid.nx, "partials");
    const BinTotals totals =
        bin_partials(lon, lat, device(granules[g].values), grid, window, partial_layout, partials);
    if (g == 0 && first_totals) *first_totals = totals;
    fold_partials(partials, partial_layout, window, weighting, acc);
  }
  // Densify the tiles as the root rank does.
  HostFields dense = make_dense_identity(layout, grid.cell_count());
  const auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), acc.data);
  const std::int64_t per_tile = acc.tiles.cells_per_tile();
  std::vector<std::int64_t> tile(static_cast<std::size_t>(layout.count * per_tile));
  for (std::size_t slot = 0; slot < acc.allocated.size(); ++slot) {
    for (int f = 0; f < layout.count; ++f)
      std::copy_n(&host(f, static_cast<std::int64_t>(slot) * per_tile), per_tile,
                  tile.data() + f * per_tile);
    combine_tile(dense, layout, acc.tiles, acc.allocated[slot], tile.data());
  }
  std::int64_t filled = 0;
  return finalize_stats(dense, layout, weighting, stats, &filled);
}

/// Brute force: per granule, per cell, the list of values; then the statistics in long double.
struct Expected {
  std::map<std::int64_t, std::vector<std::vector<double>>> cells;  // cell -> granule -> values
};

Expected brute_force(const std::vector<Pixels>& granules, const GridSpec& grid) {
  Expected e;
  for (std::size_t g = 0; g < granules.size(); ++g) {
    const Pixels& p = granules[g];
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      if (std::isnan(p.values[i]) || std::isnan(p.lat[i])) continue;
      const double col = std::floor((p.lon[i] - grid.x_min) / grid.cell_size);
      const double row = std::floor((grid.y_max - p.lat[i]) / grid.cell_size);
      if (col < 0 || row < 0 || col >= grid.nx || row >= grid.ny) continue;
      auto& per_granule =
          e.cells[static_cast<std::int64_t>(row) * grid.nx + static_cast<std::int64_t>(col)];
      per_granule.resize(granules.size());
      per_granule[g].push_back(p.values[i]);
    }
  }
  return e;
}

/// The observations (value, weight) of one cell under `weighting`.
std::vector<std::pair<double, double>> observations(const std::vector<std::vector<double>>& cell,
                                                    Weighting weighting) {
  std::vector<std::pair<double, double>> obs;
  for (const auto& values : cell) {
    if (values.empty()) continue;
    if (weighting == Weighting::kPixel) {
      for (double v : values) obs.emplace_back(v, 1.0);
      continue;
    }
    long double sum = 0;
    for (double v : values) sum += v;
    const double mean = static_cast<double>(sum / values.size());
    obs.emplace_back(mean, weighting == Weighting::kSqrt ? std::sqrt(values.size()) : 1.0);
  }
  return obs;
}

class RegridKernels : public ::testing::TestWithParam<Weighting> {};

TEST_P(RegridKernels, StatisticsMatchBruteForce) {
  const Weighting weighting = GetParam();
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.25);
  const std::vector<Stat> stats = {Stat::kMean, Stat::kCount, Stat::kStdev,    Stat::kMin,
                                   Stat::kMax,  Stat::kGmean, Stat::kNgranules};
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 4; ++g) granules.push_back(random_pixels(20000, 100 + g));
  BinTotals totals;
  const auto result = run_library(granules, grid, weighting, stats, &totals);
  EXPECT_EQ(totals.binned + totals.invalid + totals.outside_grid + totals.unrepresentable, 20000);
  const Expected expected = brute_force(granules, grid);

  for (std::int64_t c = 0; c < grid.cell_count(); ++c) {
    const auto it = expected.cells.find(c);
    if (it == expected.cells.end()) {
      EXPECT_EQ(result[1].counts[c], 0);
      EXPECT_TRUE(std::isnan(result[0].values[c]));
      continue;
    }
    const auto obs = observations(it->second, weighting);
    std::int64_t pixels = 0, granules_seen = 0;
    for (const auto& values : it->second) {
      pixels += static_cast<std::int64_t>(values.size());
      granules_seen += values.empty() ? 0 : 1;
    }
    long double w = 0, s1 = 0, s2 = 0, sl = 0;
    double lo = 1e30, hi = -1e30;
    for (auto [v, weight] : obs) {
      w += weight;
      s1 += weight * v;
      s2 += weight * v * v;
      sl += weight * std::log(v);
      lo = std::fmin(lo, v);
      hi = std::fmax(hi, v);
    }
    const double mean = static_cast<double>(s1 / w);
    const double stdev = std::sqrt(std::fmax(0.0, static_cast<double>(s2 / w) - mean * mean));
    ASSERT_EQ(result[1].counts[c], pixels) << "cell " << c;
    EXPECT_EQ(result[6].counts[c], granules_seen) << "cell " << c;
    EXPECT_NEAR(result[0].values[c], mean, 2e-6 * mean) << "cell " << c;
    EXPECT_NEAR(result[2].values[c], stdev, 1e-4 * mean + 1e-6) << "cell " << c;
    EXPECT_FLOAT_EQ(result[3].values[c], static_cast<float>(lo)) << "cell " << c;
    EXPECT_FLOAT_EQ(result[4].values[c], static_cast<float>(hi)) << "cell " << c;
    EXPECT_NEAR(result[5].values[c], std::exp(static_cast<double>(sl / w)), 2e-6 * mean)
        << "cell " << c;
  }
}

TEST_P(RegridKernels, ResultIsIndependentOfGranuleAndPixelOrder) {
  const Weighting weighting = GetParam();
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);
  const std::vector<Stat> stats = {Stat::kMean, Stat::kStdev, Stat::kGmean, Stat::kCount};
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 3; ++g) granules.push_back(random_pixels(30000, 7 + g));
  const auto forward = run_library(granules, grid, weighting, stats, nullptr);
  std::reverse(granules.begin(), granules.end());
  for (Pixels& p : granules) {
    std::reverse(p.lon.begin(), p.lon.end());
    std::reverse(p.lat.begin(), p.lat.end());
    std::reverse(p.values.begin(), p.values.end());
  }
  const auto backward = run_library(granules, grid, weighting, stats, nullptr);
  for (std::size_t s = 0; s < stats.size(); ++s) {
    EXPECT_EQ(0, std::memcmp(forward[s].values.data(), backward[s].values.data(),
                             forward[s].values.size() * sizeof(float)));
    EXPECT_EQ(forward[s].counts, backward[s].counts);
  }
}

TEST_P(RegridKernels, ResultIsIndependentOfTileSize) {
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.05);
  const std::vector<Stat> stats = {Stat::kMean, Stat::kCount, Stat::kMin, Stat::kMax};
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 2; ++g) granules.push_back(random_pixels(20000, 40 + g));
  const auto reference = run_library(granules, grid, GetParam(), stats, nullptr, 256);
  for (std::int64_t tile : {1, 7, 33}) {
    const auto tiled = run_library(granules, grid, GetParam(), stats, nullptr, tile);
    for (std::size_t s = 0; s < stats.size(); ++s) {
      EXPECT_EQ(0, std::memcmp(reference[s].values.data(), tiled[s].values.data(),
                               reference[s].values.size() * sizeof(float)))
          << "tile " << tile;
      EXPECT_EQ(reference[s].counts, tiled[s].counts) << "tile " << tile;
    }
  }
}

TEST(Tiles, OnlyTouchedTilesAreAllocated) {
  const GridSpec grid = GridSpec::from_bbox(BBox{-180, -90, 180, 90}, 0.1);
  const FieldLayout layout = FieldLayout::for_stats({Stat::kMean}, Weighting::kPixel, 100.0);
  TiledFields acc(layout, TileGrid(64, grid.nx, grid.ny));
  Pixels p;
  for (float lat : {10.01f, 10.02f, -45.0f}) {  // two tiles
    p.lon.push_back(20.0f);
    p.lat.push_back(lat);
    p.values.push_back(1.0f);
  }
  const auto lon = positions(p.lon), lat = positions(p.lat);
  const RowWindow window = granule_rows(lon, lat, grid);
  const FieldLayout partial_layout = layout.partial_layout();
  Fields partials = make_fields(partial_layout, window.rows() * grid.nx, "partials");
  bin_partials(lon, lat, device(p.values), grid, window, partial_layout, partials);
  fold_partials(partials, partial_layout, window, Weighting::kPixel, acc);
  EXPECT_EQ(acc.allocated.size(), 2u);
  EXPECT_LT(acc.bytes(), 2u * 64 * 64 * layout.count * sizeof(std::int64_t) + 1);
}

INSTANTIATE_TEST_SUITE_P(Weightings, RegridKernels,
                         ::testing::Values(Weighting::kPixel, Weighting::kGranule,
                                           Weighting::kSqrt),
                         [](const auto& info) { return weighting_name(info.param); });

TEST(ExactSum, SplitAndTotalAreExact) {
  const ExactSum scale;
  for (double v : {0.0, 1e-3, 0.5, 99.99, -3.25, 2.0e6, -2.0e6}) {
    const std::int64_t q = scale.quantize(v);
    EXPECT_EQ(ExactSum::high_part(q) * (std::int64_t{1} << 32) + ExactSum::low_part(q), q);
    EXPECT_GE(ExactSum::low_part(q), 0);
    EXPECT_NEAR(scale.total(ExactSum::high_part(q), ExactSum::low_part(q)), v, 1e-12);
  }
  EXPECT_EQ(ExactSum::for_max(100.0).bits, ExactSum::kFinestBits);
  EXPECT_EQ(ExactSum::for_max(1.0e8).bits, 61 - 27);
  EXPECT_GE(ExactSum::for_max(1.0e8).max_abs(), 1.0e8);
}

TEST(OrderedKey, PreservesFloatOrder) {
  const float values[] = {-std::numeric_limits<float>::infinity(),
                          -1e30f,
                          -2.0f,
                          -1.0f,
                          -0.0f,
                          0.0f,
                          1e-30f,
                          1.0f,
                          2.0f,
                          1e30f,
                          std::numeric_limits<float>::infinity()};
  for (std::size_t i = 0; i + 1 < std::size(values); ++i) {
    EXPECT_LE(ordered_key(values[i]), ordered_key(values[i + 1]));
    EXPECT_EQ(from_ordered_key(ordered_key(values[i])), values[i]);
  }
}

TEST(ParseOptions, StatsAndWeights) {
  EXPECT_EQ(parse_stats("mean,count").size(), 2u);
  EXPECT_EQ(parse_stats("mean,mean").size(), 1u);
  EXPECT_THROW(parse_stats("mean,median"), UsageError);
  EXPECT_EQ(parse_weighting("sqrt"), Weighting::kSqrt);
  EXPECT_THROW(parse_weighting("area"), UsageError);
}

}  // namespace
}  // namespace swathgrid
