// The bin kernel, folding with each weighting and the final statistics, against brute-force
// loops over random pixels of several "granules": counts exact, statistics equal; the tiled
// partials and accumulators against a dense brute-force loop, bit for bit, whatever the tile
// size; and a granule allocates only the tiles it touches.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>

#include "swathgrid/error.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// Bitwise equality (NaN equals NaN); empty vectors compare equal (memcmp of null is UB).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

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

/// The library's path for `granules`: bin each into tiled partials and fold them into the
/// accumulators, or (where the library does: bins_into_accumulators, unless `use_partials`)
/// bin straight into the accumulators. `cells`: accumulators of the cells with data, each
/// granule added into dense tiles first and merged in (as the granule loop does: the same
/// dense tiles cleared and reused, which merge_from leaves at the identity).
TiledFields accumulate(const std::vector<Pixels>& granules, const GridSpec& grid,
                       const FieldLayout& layout, Weighting weighting, std::int64_t tile_size,
                       BinTotals* first_totals = nullptr, bool use_partials = false,
                       bool cells = false) {
  TiledFields acc(layout, TileGrid(tile_size, grid.nx, grid.ny), cells);
  const bool direct = !use_partials && bins_into_accumulators(layout, weighting);
  TiledFields granule(layout, acc.tiles);
  for (std::size_t g = 0; g < granules.size(); ++g) {
    TiledFields partials(layout.partial_layout(), acc.tiles);
    granule.clear();
    TiledFields& target = cells ? granule : acc;
    const BinTotals totals =
        bin_pixels(positions(granules[g].lon), positions(granules[g].lat),
                   device(granules[g].values), grid, direct ? target : partials);
    if (g == 0 && first_totals) *first_totals = totals;
    if (!direct) fold_partials(partials, weighting, target);
    if (cells) acc.merge_from(granule);
  }
  return acc;
}

/// The tiles of `fields` as one dense host grid (as the owner ranks combine them).
HostFields densify(const TiledFields& fields) {
  const FieldLayout& layout = fields.layout;
  HostFields dense = make_dense_identity(layout, fields.tiles.nx * fields.tiles.ny);
  const HostTiles host(fields);
  const std::int64_t per_tile = fields.tiles.cells_per_tile();
  std::vector<std::int64_t> tile(static_cast<std::size_t>(layout.count * per_tile));
  for (std::size_t slot = 0; slot < fields.allocated.size(); ++slot) {
    host.expand(static_cast<std::int64_t>(slot), tile.data());
    combine_tile(dense, layout, fields.tiles, fields.allocated[slot], tile.data());
  }
  return dense;
}

/// Runs the library's path for `granules` and returns the finalized statistics.
std::vector<StatGrid> run_library(const std::vector<Pixels>& granules, const GridSpec& grid,
                                  Weighting weighting, const std::vector<Stat>& stats,
                                  BinTotals* first_totals, std::int64_t tile_size = 256) {
  const FieldLayout layout = FieldLayout::for_stats(stats, weighting, 100.0);
  HostFields dense =
      densify(accumulate(granules, grid, layout, weighting, tile_size, first_totals));
  std::int64_t filled = 0;
  return finalize_stats(dense, layout, weighting, stats, &filled);
}

/// `layout` with every field in a slot of its own (no PackedCount word).
FieldLayout unpacked(const FieldLayout& layout) {
  FieldLayout plain = layout;
  plain.packed = false;
  plain.count = 0;
  for (int f = 0; f < kFieldCount; ++f) plain.slot[f] = layout.has(Field(f)) ? plain.count++ : -1;
  return plain;
}

/// `dense` (fields of `layout`) in unpacked(layout), every (hi, lo) sum normalised to lo in
/// [0, 2^32): packed and unpacked accumulators of the same exact sums compare equal.
HostFields canonical(const HostFields& dense, const FieldLayout& layout) {
  const FieldLayout plain = unpacked(layout);
  const auto cells = static_cast<std::int64_t>(dense.extent(1));
  HostFields out("canonical", plain.count, cells);
  for (std::int64_t c = 0; c < cells; ++c) {
    for (int f = 0; f < kFieldCount; ++f)
      if (layout.has(Field(f))) out(plain.slot[f], c) = dense(layout.slot[f], c);
    out(plain.slot[kObservations], c) = layout.observations(dense(layout.slot[kObservations], c));
    for (Field hi : {kSumHi, kSqHi, kLogHi, kLogWeightHi, kWeightHi}) {
      if (!layout.has(hi)) continue;
      const Field lo = Field(hi + 1);
      const __int128 total = static_cast<__int128>(dense(layout.slot[hi], c)) * (__int128{1} << 32) +
                             layout.low_of(hi, dense(layout.slot[lo], c));
      out(plain.slot[hi], c) = static_cast<std::int64_t>(total >> 32);
      out(plain.slot[lo], c) = static_cast<std::int64_t>(total & 0xffffffff);
    }
  }
  return out;
}

/// Asserts that two dense grids hold the same exact accumulators.
void expect_same_accumulators(const HostFields& actual, const FieldLayout& actual_layout,
                              const HostFields& expected, const FieldLayout& expected_layout,
                              const std::string& what) {
  const HostFields a = canonical(actual, actual_layout), e = canonical(expected, expected_layout);
  ASSERT_EQ(a.extent(0), e.extent(0));
  ASSERT_EQ(a.extent(1), e.extent(1));
  for (std::size_t f = 0; f < a.extent(0); ++f)
    for (std::size_t c = 0; c < a.extent(1); ++c)
      ASSERT_EQ(a(f, c), e(f, c)) << what << " field " << f << " cell " << c;
}

/// Adds the quantized v to the (hi, lo) fields of one dense cell, as the kernels do.
void add_exact(HostFields& f, const FieldLayout& layout, Field hi, Field lo, const ExactSum& scale,
               double v, std::int64_t cell) {
  const std::int64_t q = scale.quantize(v);
  f(layout.slot[hi], cell) += ExactSum::high_part(q);
  f(layout.slot[lo], cell) += ExactSum::low_part(q);
}

/// Adds q² to the four limbs of Σ q² of one dense cell.
void add_square(HostFields& f, const FieldLayout& layout, std::int64_t q, std::int64_t cell) {
  std::int64_t limb[SquareLimbs::kLimbs];
  SquareLimbs::split(q, limb);
  for (int k = 0; k < SquareLimbs::kLimbs; ++k) f(layout.slot[kSquare0 + k], cell) += limb[k];
}

/// Brute force on dense grids: the int64 accumulators the whole run must end with. Each
/// granule's pixel-level partials cover the whole grid, then each cell is folded with the
/// weighting's rule (DESIGN.md 3, docs/architecture.md "Reproducibility"), one loop per cell.
/// The result has the fields of unpacked(accumulator_layout).
HostFields dense_reference(const std::vector<Pixels>& granules, const GridSpec& grid,
                           const FieldLayout& accumulator_layout, Weighting weighting) {
  const FieldLayout layout = unpacked(accumulator_layout);
  const FieldLayout part = layout.partial_layout();
  HostFields acc = make_dense_identity(layout, grid.cell_count());
  for (const Pixels& p : granules) {
    HostFields partial = make_dense_identity(part, grid.cell_count());
    for (std::size_t i = 0; i < p.values.size(); ++i) {
      const double v = p.values[i];
      if (std::isnan(v) || !part.value_scale.representable(v) ||
          (part.has(kSqHi) && !part.square_scale.representable(v * v)))
        continue;
      const std::int64_t cell = grid.locate(p.lon[i], p.lat[i]);
      if (cell < 0) continue;
      partial(part.slot[kObservations], cell) += 1;
      add_exact(partial, part, kSumHi, kSumLo, part.value_scale, v, cell);
      if (part.has(kSqHi)) add_exact(partial, part, kSqHi, kSqLo, part.square_scale, v * v, cell);
      if (part.has(kSquare0)) add_square(partial, part, part.value_scale.quantize(v), cell);
      if (part.has(kLogHi) && v > 0.0) {
        add_exact(partial, part, kLogHi, kLogLo, part.log_scale, std::log(v), cell);
        add_exact(partial, part, kLogWeightHi, kLogWeightLo, part.weight_scale, 1.0, cell);
      }
      const std::int64_t key = ordered_key(p.values[i]);
      if (part.has(kMinKey))
        partial(part.slot[kMinKey], cell) = std::min(partial(part.slot[kMinKey], cell), key);
      if (part.has(kMaxKey))
        partial(part.slot[kMaxKey], cell) = std::max(partial(part.slot[kMaxKey], cell), key);
    }
    for (std::int64_t cell = 0; cell < grid.cell_count(); ++cell) {
      const std::int64_t n = partial(part.slot[kObservations], cell);
      if (n == 0) continue;
      acc(layout.slot[kObservations], cell) += n;
      if (layout.has(kGranules)) acc(layout.slot[kGranules], cell) += 1;
      std::int64_t lowest = 0, highest = 0;
      if (weighting == Weighting::kPixel) {
        for (int f = kSumHi; f < kFieldCount; ++f)
          if (layout.has(static_cast<Field>(f)) && (f <= kLogWeightLo || f >= kSquare0))
            acc(layout.slot[f], cell) += partial(part.slot[f], cell);
        if (layout.has(kMinKey)) lowest = partial(part.slot[kMinKey], cell);
        if (layout.has(kMaxKey)) highest = partial(part.slot[kMaxKey], cell);
      } else {
        const double m = part.value_scale.total(partial(part.slot[kSumHi], cell),
                                                partial(part.slot[kSumLo], cell)) /
                         static_cast<double>(n);
        const double w = weighting == Weighting::kSqrt ? std::sqrt(static_cast<double>(n)) : 1.0;
        if (layout.has(kSumHi))
          add_exact(acc, layout, kSumHi, kSumLo, layout.value_scale, w * m, cell);
        if (layout.has(kSquare0)) add_square(acc, layout, layout.value_scale.quantize(m), cell);
        if (layout.has(kSqHi))
          add_exact(acc, layout, kSqHi, kSqLo, layout.square_scale,
                    part.square_scale.total(partial(part.slot[kSqHi], cell),
                                            partial(part.slot[kSqLo], cell)) /
                        w,
                    cell);
        const double positives =
            layout.has(kLogHi) ? part.weight_scale.total(partial(part.slot[kLogWeightHi], cell),
                                                         partial(part.slot[kLogWeightLo], cell))
                               : 0.0;
        if (positives > 0.0) {
          const double logs = part.log_scale.total(partial(part.slot[kLogHi], cell),
                                                   partial(part.slot[kLogLo], cell));
          const double lw = weighting == Weighting::kSqrt ? std::sqrt(positives) : 1.0;
          add_exact(acc, layout, kLogHi, kLogLo, layout.log_scale,
                    logs / (weighting == Weighting::kSqrt ? lw : positives), cell);
          add_exact(acc, layout, kLogWeightHi, kLogWeightLo, layout.weight_scale, lw, cell);
        }
        if (layout.has(kWeightHi))
          add_exact(acc, layout, kWeightHi, kWeightLo, layout.weight_scale, w, cell);
        lowest = highest = ordered_key(static_cast<float>(m));
      }
      if (layout.has(kMinKey))
        acc(layout.slot[kMinKey], cell) = std::min(acc(layout.slot[kMinKey], cell), lowest);
      if (layout.has(kMaxKey))
        acc(layout.slot[kMaxKey], cell) = std::max(acc(layout.slot[kMaxKey], cell), highest);
    }
  }
  return acc;
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
    long double w = 0, s1 = 0, s2 = 0;
    double lo = 1e30, hi = -1e30;
    for (auto [v, weight] : obs) {
      w += weight;
      s1 += weight * v;
      s2 += weight * v * v;
      lo = std::fmin(lo, v);
      hi = std::fmax(hi, v);
    }
    const double mean = static_cast<double>(s1 / w);
    double stdev = std::sqrt(std::fmax(0.0, static_cast<double>(s2 / w) - mean * mean));
    // gmean: ln of every pixel, then weighted as the mean (l2bin's geometric averaging).
    long double log_sum = 0, log_weight = 0, nasa_s2 = 0;
    for (const auto& values : it->second) {
      if (values.empty()) continue;
      long double logs = 0, squares = 0;
      for (double v : values) {
        logs += std::log(static_cast<long double>(v));
        squares += static_cast<long double>(v) * v;
      }
      const long double n = values.size();
      if (weighting == Weighting::kPixel) {
        log_sum += logs;
        log_weight += n;
      } else if (weighting == Weighting::kGranule) {
        log_sum += logs / n;
        log_weight += 1;
      } else {
        log_sum += logs / std::sqrt(n);
        log_weight += std::sqrt(n);
        nasa_s2 += squares / std::sqrt(n);
      }
    }
    if (weighting == Weighting::kSqrt) {  // libbin L3Bin::getVariance
      const long double nasa_mean = s1 / w, scenes = static_cast<long double>(granules_seen);
      const long double variance =
          w * w > scenes ? (nasa_s2 / w - nasa_mean * nasa_mean) * w * w / (w * w - scenes) : 0;
      stdev = static_cast<double>(std::sqrt(std::fmax(0.0L, variance)));
    }
    ASSERT_EQ(result[1].counts[c], pixels) << "cell " << c;
    EXPECT_EQ(result[6].counts[c], granules_seen) << "cell " << c;
    EXPECT_NEAR(result[0].values[c], mean, 2e-6 * mean) << "cell " << c;
    EXPECT_NEAR(result[2].values[c], stdev, 1e-4 * mean + 1e-6) << "cell " << c;
    EXPECT_FLOAT_EQ(result[3].values[c], static_cast<float>(lo)) << "cell " << c;
    EXPECT_FLOAT_EQ(result[4].values[c], static_cast<float>(hi)) << "cell " << c;
    EXPECT_NEAR(result[5].values[c], std::exp(static_cast<double>(log_sum / log_weight)),
                2e-6 * mean)
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
    EXPECT_TRUE(same_bits(forward[s].values, backward[s].values));
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
      EXPECT_TRUE(same_bits(reference[s].values, tiled[s].values)) << "tile " << tile;
      EXPECT_EQ(reference[s].counts, tiled[s].counts) << "tile " << tile;
    }
  }
}

TEST_P(RegridKernels, TiledAccumulatorsEqualDenseBruteForce) {
  const Weighting weighting = GetParam();
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);  // 40 x 50 cells
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 3; ++g) granules.push_back(random_pixels(20000, 300 + g));
  // With a granule count every weighting folds partials; without, pixel weighting bins
  // straight into the accumulators (and must equal its partials and fold too).
  // Without a mean the observations are a count of their own (no PackedCount word).
  for (bool ngranules : {true, false})
    for (bool mean : {true, false}) {
      std::vector<Stat> stats = {Stat::kCount, Stat::kMin, Stat::kMax};
      if (mean) stats.insert(stats.end(), {Stat::kMean, Stat::kStdev, Stat::kGmean});
      if (ngranules) stats.push_back(Stat::kNgranules);
      const FieldLayout layout = FieldLayout::for_stats(stats, weighting, 100.0);
      if (!mean) EXPECT_FALSE(layout.packed);
      const HostFields expected = dense_reference(granules, grid, layout, weighting);
      std::int64_t observed = 0;
      for (std::int64_t c = 0; c < grid.cell_count(); ++c)
        observed += expected(unpacked(layout).slot[kObservations], c);
      ASSERT_GT(observed, 20000) << observed;  // about 60000 * 0.9 * 20 / 42 pixels fall in
      // Tiles of 7, 16 and 33 do not divide 40 x 50: edge tiles reach past the grid.
      for (std::int64_t tile : {1, 7, 16, 33, 64})
        for (bool use_partials : {false, true})
          for (bool cells : {false, true}) {
            const TiledFields acc =
                accumulate(granules, grid, layout, weighting, tile, nullptr, use_partials, cells);
            const std::string what = "tile " + std::to_string(tile) + " ngranules " +
                                     std::to_string(ngranules) + " mean " + std::to_string(mean) +
                                     " partials " + std::to_string(use_partials) + " cells " +
                                     std::to_string(cells);
            expect_same_accumulators(densify(acc), layout, expected, unpacked(layout), what);
            if (!cells) continue;
            // Storage follows the data: 2 bytes of offset and the fields of each cell with
            // data, the high sums of a mean as int32s (these values never need more).
            std::int64_t with_data = 0;
            for (std::int64_t c = 0; c < grid.cell_count(); ++c)
              with_data += expected(unpacked(layout).slot[kObservations], c) > 0;
            const std::size_t narrow = mean ? sizeof(std::int32_t) : 0;
            EXPECT_EQ(acc.bytes(),
                      static_cast<std::size_t>(with_data) *
                          (sizeof(std::uint16_t) + layout.count * sizeof(std::int64_t) - narrow))
                << what;
          }
    }
}

TEST(CellAccumulators, CombineCheckpointTilesLikeDenseOnes) {
  // A checkpoint's tiles (dense, wide) combined into both storages twice over: the same.
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);
  const FieldLayout layout = FieldLayout::for_stats(
      {Stat::kMean, Stat::kCount, Stat::kStdev, Stat::kMin, Stat::kMax}, Weighting::kPixel, 100.0);
  const TiledFields source =
      accumulate({random_pixels(20000, 41)}, grid, layout, Weighting::kPixel, 16);
  const HostTiles host(source);
  const std::int64_t per_tile = source.tiles.cells_per_tile();
  const auto n = static_cast<std::int64_t>(source.allocated.size());
  std::vector<std::int64_t> values(static_cast<std::size_t>(n * per_tile * layout.count));
  for (std::int64_t slot = 0; slot < n; ++slot)
    for (int f = 0; f < layout.count; ++f)
      host.expand_field(slot, f, &values[(f * n + slot) * per_tile]);
  TiledFields dense(layout, source.tiles), cells(layout, source.tiles, true);
  for (int twice = 0; twice < 2; ++twice) {
    dense.combine_host(source.allocated, values.data(), n * per_tile);
    cells.combine_host(source.allocated, values.data(), n * per_tile);
  }
  const HostFields a = densify(dense), b = densify(cells);
  for (int f = 0; f < layout.count; ++f)
    for (std::int64_t c = 0; c < grid.cell_count(); ++c)
      ASSERT_EQ(a(f, c), b(f, c)) << "field " << f << " cell " << c;
}

TEST(CellAccumulators, HighSumsWidenExactlyWhenTheyPassAnInt32) {
  // Cells tiles keep their high sums as int32s while they fit. 6 x 2 cells in three tiles of
  // 2 x 2: a first granule puts small values into tiles 0 and 2 and one cell of tile 1;
  // then 100000 values of ~98 (a high sum of ~2^31.2 at chlor_a's quantum of 2^-40) into a
  // cell tile 0 has (widened in place) and into a cell tile 1 lacks (widened while it
  // grows). Tile 2 stays narrow.
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 6, 2}, 1.0);
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kCount, Stat::kMax}, Weighting::kPixel, 100.0);
  ASSERT_TRUE(narrow_cells(layout));
  const auto pixels = [](std::initializer_list<std::pair<float, float>> cells, int each,
                         float value) {
    Pixels p;
    for (const auto& [lon, lat] : cells)
      for (int i = 0; i < each; ++i) {
        p.lon.push_back(lon + 0.2f + 0.6f * static_cast<float>(i % 97) / 97.0f);
        p.lat.push_back(lat + 0.2f + 0.6f * static_cast<float>(i % 89) / 89.0f);
        p.values.push_back(value * (1.0f + static_cast<float>(i % 13) / 64.0f));
      }
    return p;
  };
  const std::vector<Pixels> granules = {
      pixels({{0, 0}, {1, 1}, {2, 0}, {4, 0}, {5, 1}}, 10, 0.5f),
      pixels({{0, 0}}, 100000, 90.0f),
      pixels({{3, 1}}, 100000, 90.0f),
  };
  const TiledFields acc =
      accumulate(granules, grid, layout, Weighting::kPixel, 2, nullptr, false, true);
  expect_same_accumulators(densify(acc), layout,
                           dense_reference(granules, grid, layout, Weighting::kPixel),
                           unpacked(layout), "widened");
  const auto narrow_of = [&](std::int64_t tile) {
    return (*acc.cell_tiles)[static_cast<std::size_t>(acc.slot_of_tile_host[tile])].narrow;
  };
  EXPECT_FALSE(narrow_of(0));
  EXPECT_FALSE(narrow_of(1));
  EXPECT_TRUE(narrow_of(2));
  // 6 cells with data: 4 of them in the wide tiles (2 + 3 x 8 bytes), 2 in the narrow one
  // (4 bytes fewer).
  EXPECT_EQ(acc.bytes(), 4 * 26 + 2 * 22u);
}

TEST_P(RegridKernels, AccumulatorsGrowingInChunksEqualDenseBruteForce) {
  // Granules in strips that move north one after another: every fold brings new tiles, so
  // the accumulators grow chunk by chunk; the tiles already there must not move or change.
  const Weighting weighting = GetParam();
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);  // 40 x 50 cells
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kCount, Stat::kMax}, weighting, 100.0);
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 6; ++g) {
    Pixels p = random_pixels(4000, 700 + g);
    for (float& lat : p.lat) lat = 36.0f + static_cast<float>(g) * 0.8f + (lat - 35.0f) / 7.0f;
    granules.push_back(p);
  }
  const HostFields expected = dense_reference(granules, grid, layout, weighting);
  const TiledFields acc = accumulate(granules, grid, layout, weighting, 4);
  EXPECT_GE(acc.chunks.size(), 3U) << "the strips should have grown the storage in chunks";
  EXPECT_EQ(acc.bytes(),
            acc.allocated.size() * static_cast<std::size_t>(layout.count * 16) * sizeof(std::int64_t));
  expect_same_accumulators(densify(acc), layout, expected, unpacked(layout), "chunked");
}

TEST(DirectBinning, PackedWordsStayExactWhenThreadsHitTheSameCells) {
  // 200000 pixels in 2 x 2 cells: the threads' compare-and-swap loops on each cell's
  // PackedCount word keep every observation and every carry.
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 2, 2}, 1.0);
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kCount}, Weighting::kPixel, 100.0);
  ASSERT_TRUE(layout.packed && bins_into_accumulators(layout, Weighting::kPixel));
  Pixels p;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> where(0.01f, 1.99f), value(0.0f, 99.0f);
  for (int i = 0; i < 200000; ++i) {
    p.lon.push_back(where(rng));
    p.lat.push_back(where(rng));
    p.values.push_back(value(rng));
  }
  const HostFields expected = dense_reference({p}, grid, layout, Weighting::kPixel);
  const TiledFields acc = accumulate({p}, grid, layout, Weighting::kPixel, 1);
  expect_same_accumulators(densify(acc), layout, expected, unpacked(layout), "contended");
}

/// The compact accumulators (FieldLayout::narrow_high) of mean,count,stdev,min,max for values
/// within [-100, 100].
FieldLayout compact_layout() {
  const FieldLayout layout = FieldLayout::for_stats(
      {Stat::kMean, Stat::kCount, Stat::kStdev, Stat::kMin, Stat::kMax}, Weighting::kPixel,
      100.0, true);
  EXPECT_TRUE(layout.narrow_high && layout.packed);
  return layout;
}

TEST(CompactAccumulators, EqualDenseBruteForceWhateverTheTiles) {
  // Int32 high sums in the first half of their row, chunk after chunk: the exact sums of a
  // dense brute-force loop, for tiles that do and do not divide the grid.
  const FieldLayout layout = compact_layout();
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);  // 40 x 50 cells
  std::vector<Pixels> granules;
  for (unsigned g = 0; g < 6; ++g) {  // strips moving north: the tiles grow in chunks
    Pixels p = random_pixels(8000, 900 + g);
    for (float& lat : p.lat) lat = 36.0f + static_cast<float>(g) * 0.8f + (lat - 35.0f) / 7.0f;
    granules.push_back(p);
  }
  const HostFields expected = dense_reference(granules, grid, layout, Weighting::kPixel);
  for (std::int64_t tile : {1, 4, 7, 16, 64}) {
    const TiledFields acc = accumulate(granules, grid, layout, Weighting::kPixel, tile);
    if (tile == 4) EXPECT_GE(acc.chunks.size(), 3U);
    EXPECT_EQ(acc.bytes(), acc.allocated.size() * static_cast<std::size_t>(tile * tile) *
                               (layout.count * 8 - 4));
    expect_same_accumulators(densify(acc), layout, expected, unpacked(layout),
                             "compact, tile " + std::to_string(tile));
  }
}

TEST(CompactAccumulators, StayExactWhenThreadsHitTheSameCells) {
  const FieldLayout layout = compact_layout();
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 2, 2}, 1.0);
  Pixels p;
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<float> where(0.01f, 1.99f), value(-99.0f, 99.0f);
  for (int i = 0; i < 200000; ++i) {
    p.lon.push_back(where(rng));
    p.lat.push_back(where(rng));
    p.values.push_back(value(rng));
  }
  const HostFields expected = dense_reference({p}, grid, layout, Weighting::kPixel);
  expect_same_accumulators(densify(accumulate({p}, grid, layout, Weighting::kPixel, 2)), layout,
                           expected, unpacked(layout), "contended compact");
}

TEST(CompactAccumulators, RefuseACellBeyondTheirCapacity) {
  // The largest values, as many as a compact cell holds: exact. One more: an error naming
  // the way out, and the cell as it was.
  const FieldLayout layout = FieldLayout::for_stats({Stat::kMean}, Weighting::kPixel, 100.0, true);
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 1, 1}, 1.0);
  const auto full = static_cast<std::size_t>(FieldLayout::kCompactObservations);
  TiledFields acc(layout, TileGrid(1, 1, 1));
  const ConstPositionView at = positions(std::vector<float>(full, 0.5f));
  EXPECT_EQ(bin_pixels(at, at, device(std::vector<float>(full, 100.0f)), grid, acc).binned,
            static_cast<std::int64_t>(full));
  const HostFields dense = densify(acc);
  const std::int64_t word = dense(layout.slot[kObservations], 0);
  EXPECT_EQ(PackedCount::observations(word), static_cast<std::int64_t>(full));
  EXPECT_EQ(layout.value_scale.total(dense(layout.slot[kSumHi], 0), PackedCount::low_sum(word)),
            100.0 * static_cast<double>(full));
  const ConstPositionView one = positions({0.5f});
  try {
    bin_pixels(one, one, device({1.0f}), grid, acc);
    ADD_FAILURE() << "no error for a full cell";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--accumulators wide"), std::string::npos) << e.what();
  }
  EXPECT_EQ(densify(acc)(layout.slot[kObservations], 0), word);
  // Combining two copies (the owner reduction, a checkpoint) into compact tiles: the same.
  const HostTiles host(acc);
  std::vector<std::int64_t> values(1);
  std::int32_t high = 0;
  EXPECT_THROW(combine_values(layout, 1, TileAddress{values.data(), 1, &high}, host.tile(0));
               combine_values(layout, 1, TileAddress{values.data(), 1, &high}, host.tile(0)),
               Error);
}

TEST(CompactAccumulators, OnlyWithASum) {
  const FieldLayout layout = compact_layout();
  EXPECT_EQ(layout.value_scale.bits, 33);  // 100 <= 2^7: |q| <= 2^40
  EXPECT_GE(layout.value_scale.max_abs(), 100.0);
  EXPECT_EQ(layout.square_scale.bits, FieldLayout::for_stats({Stat::kStdev}, Weighting::kPixel,
                                                             100.0).square_scale.bits);
  EXPECT_FALSE(layout.partial_layout().narrow_high);
  EXPECT_FALSE(
      FieldLayout::for_stats({Stat::kCount, Stat::kMax}, Weighting::kPixel, 100.0, true).narrow_high);
}

TEST(BinPixels, TellsWhetherAnyPositionIsInTheGrid) {
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 10, 10}, 0.5);
  const FieldLayout layout = FieldLayout::for_stats({Stat::kMean}, Weighting::kPixel, 100.0);
  Pixels p;
  for (int i = 0; i < 5000; ++i) {  // all outside the grid
    p.lon.push_back(20.0f + static_cast<float>(i % 50) * 0.1f);
    p.lat.push_back(5.0f);
    p.values.push_back(1.0f);
  }
  TiledFields acc(layout, TileGrid(4, grid.nx, grid.ny));
  BinTotals totals = bin_pixels(positions(p.lon), positions(p.lat), device(p.values), grid, acc);
  EXPECT_FALSE(totals.touches_grid);
  EXPECT_EQ(totals.outside_grid, 5000);
  // One pixel in the grid, without a value: the granule touches the grid, nothing is binned.
  p.lon[4321] = 3.0f;
  p.values[4321] = kNaN;
  totals = bin_pixels(positions(p.lon), positions(p.lat), device(p.values), grid, acc);
  EXPECT_TRUE(totals.touches_grid);
  EXPECT_EQ(totals.binned, 0);
  EXPECT_TRUE(acc.allocated.empty());
}

TEST(BinPixels, FloatDegreesBinLikeTheirDoubleWidening) {
  // Lat/lon grids bin the granule's float lon/lat as they are; projected grids pass doubles.
  // Positions on cell edges, the grid's own edges and outside it included.
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.01);
  Pixels p = random_pixels(300000, 21);
  for (std::size_t i = 0; i < p.lon.size(); i += 7) {  // snap to the edges between cells
    p.lon[i] = static_cast<float>(-77.0 + 0.01 * std::round((p.lon[i] + 77.0) / 0.01));
    p.lat[i] = static_cast<float>(36.0 + 0.01 * std::round((p.lat[i] - 36.0) / 0.01));
  }
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kMin, Stat::kMax}, Weighting::kPixel, 100.0);
  const ConstPixelView lon(device(p.lon)), lat(device(p.lat)), values(device(p.values));
  TiledFields from_float(layout, TileGrid(64, grid.nx, grid.ny));
  TiledFields from_double(layout, TileGrid(64, grid.nx, grid.ny));
  const BinTotals a = bin_pixels(lon, lat, values, grid, from_float);
  const BinTotals b = bin_pixels(positions(p.lon), positions(p.lat), values, grid, from_double);
  EXPECT_GT(a.binned, 100000);
  EXPECT_GT(a.outside_grid, 10000);
  EXPECT_EQ(a.binned, b.binned);
  EXPECT_EQ(a.outside_grid, b.outside_grid);
  EXPECT_EQ(a.invalid, b.invalid);
  EXPECT_EQ(a.touches_grid, b.touches_grid);
  EXPECT_EQ(from_float.allocated, from_double.allocated);
  const HostFields x = densify(from_float), y = densify(from_double);
  ASSERT_EQ(x.size(), y.size());
  EXPECT_TRUE(std::equal(x.data(), x.data() + x.size(), y.data()));
  const RowWindow rows_float = granule_rows(lon, lat, grid);
  const RowWindow rows_double = granule_rows(positions(p.lon), positions(p.lat), grid);
  EXPECT_EQ(rows_float.begin, rows_double.begin);
  EXPECT_EQ(rows_float.end, rows_double.end);
}

/// The tiles of `tiles` holding the valid pixels of `p` (as bin_pixels classifies them).
std::set<std::int64_t> tiles_of_pixels(const Pixels& p, const GridSpec& grid,
                                       const TileGrid& tiles) {
  std::set<std::int64_t> touched;
  for (std::size_t i = 0; i < p.values.size(); ++i) {
    const std::int64_t cell = grid.locate(p.lon[i], p.lat[i]);
    if (!std::isnan(p.values[i]) && cell >= 0) touched.insert(tiles.tile_of(cell));
  }
  return touched;
}

TEST(TiledPartials, CornerGranuleAllocatesOnlyItsTiles) {
  // A global 0.01 degree grid (36000 x 18000 cells): rows x width partials of a granule
  // spanning 150 rows would take 150 * 36000 cells per field.
  const GridSpec grid = GridSpec::from_bbox(BBox{-180, -90, 180, 90}, 0.01);
  const FieldLayout layout = FieldLayout::for_stats({Stat::kMean}, Weighting::kPixel, 100.0);
  const TileGrid tiles(256, grid.nx, grid.ny);  // 256 does not divide 36000 or 18000
  std::mt19937_64 rng(5);
  // North-west corner, and south-east corner (whose tiles are cut by the grid's edges).
  for (const BBox corner : {BBox{-180, 88.5, -178.3, 90}, BBox{178.3, -90, 180, -88.5}}) {
    std::uniform_real_distribution<float> lon(corner.west, corner.east),
        lat(corner.south, corner.north);
    Pixels p;
    for (int i = 0; i < 20000; ++i) {
      p.lon.push_back(lon(rng));
      p.lat.push_back(lat(rng));
      p.values.push_back(i % 10 == 0 ? kNaN : 1.0f);
    }
    const std::set<std::int64_t> expected = tiles_of_pixels(p, grid, tiles);
    ASSERT_GE(expected.size(), 1u);
    ASSERT_LE(expected.size(), 4u);

    TiledFields partials(layout.partial_layout(), tiles);
    const BinTotals totals =
        bin_pixels(positions(p.lon), positions(p.lat), device(p.values), grid, partials);
    EXPECT_EQ(totals.binned + totals.outside_grid, 18000);
    EXPECT_EQ(std::set<std::int64_t>(partials.allocated.begin(), partials.allocated.end()),
              expected);
    EXPECT_EQ(partials.allocated.size(), expected.size());
    const std::size_t tile_bytes =
        static_cast<std::size_t>(tiles.cells_per_tile()) * partials.layout.count * 8;
    EXPECT_EQ(partials.bytes(), expected.size() * tile_bytes);
    const RowWindow rows = granule_rows(positions(p.lon), positions(p.lat), grid);
    EXPECT_LT(partials.bytes() * 10,
              static_cast<std::size_t>(rows.rows() * grid.nx) * partials.layout.count * 8);

    TiledFields acc(layout, tiles);
    fold_partials(partials, Weighting::kPixel, acc);
    EXPECT_EQ(acc.allocated, partials.allocated);
    const auto host = Kokkos::create_mirror_view_and_copy(HostSpace(), acc.contiguous());
    std::int64_t observations = 0;
    for (std::int64_t c = 0;
         c < static_cast<std::int64_t>(acc.allocated.size()) * tiles.cells_per_tile(); ++c)
      observations += layout.observations(host(layout.slot[kObservations], c));
    EXPECT_EQ(observations, totals.binned);
  }
}

TEST(TiledPartials, CellValuesAllocateOnlyTilesWithValues) {
  const GridSpec grid = GridSpec::from_bbox(BBox{0, 0, 10, 8}, 0.1);  // 100 x 80 cells
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kMax}, Weighting::kGranule, 100.0);
  const TileGrid tiles(16, grid.nx, grid.ny);
  const CellBlock block{5, 45, 30, 90};  // rows 5..44, columns 30..89 of the grid
  std::vector<float> values(static_cast<std::size_t>(block.cells()), kNaN);
  std::map<std::int64_t, float> expected;  // grid cell -> value
  for (std::int64_t c :
       {std::int64_t{0}, std::int64_t{61}, block.cells() - 1, std::int64_t{1234}}) {
    values[static_cast<std::size_t>(c)] = 0.5f + static_cast<float>(c);
    expected[block.grid_cell(c, grid.nx)] = values[static_cast<std::size_t>(c)];
  }
  TiledFields partials(layout.partial_layout(), tiles);
  EXPECT_EQ(cell_value_partials(device(values), block, partials).binned, 4);
  std::set<std::int64_t> expected_tiles;
  for (const auto& [cell, v] : expected) expected_tiles.insert(tiles.tile_of(cell));
  EXPECT_EQ(std::set<std::int64_t>(partials.allocated.begin(), partials.allocated.end()),
            expected_tiles);

  TiledFields acc(layout, tiles);
  fold_partials(partials, Weighting::kGranule, acc);
  const HostFields dense = densify(acc);
  for (std::int64_t cell = 0; cell < grid.cell_count(); ++cell) {
    const auto it = expected.find(cell);
    ASSERT_EQ(layout.observations(dense(layout.slot[kObservations], cell)),
              it == expected.end() ? 0 : 1);
    if (it != expected.end()) {
      EXPECT_EQ(dense(layout.slot[kGranules], cell), 1);
      EXPECT_EQ(dense(layout.slot[kMaxKey], cell), ordered_key(it->second));
    }
  }
}

/// A regular swath lattice of lines x pixels centred near (lon0, lat0), tilted, spacing
/// `step` degrees; longitudes wrapped to [-180, 180).
Pixels lattice(std::size_t lines, std::size_t pixels, double lon0, double lat0, double step) {
  Pixels p;
  for (std::size_t l = 0; l < lines; ++l)
    for (std::size_t k = 0; k < pixels; ++k) {
      double lon = lon0 + step * (static_cast<double>(k) + 0.2 * static_cast<double>(l));
      lon -= 360.0 * std::floor((lon + 180.0) / 360.0);
      p.lon.push_back(static_cast<float>(lon));
      p.lat.push_back(static_cast<float>(lat0 + step * (static_cast<double>(l) - 0.1 * k)));
      p.values.push_back(1.0f);
    }
  return p;
}

TEST(NearestBlocks, EqualTheWholeGridSearch) {
  // Across the antimeridian on a global grid (columns wrap) and on a window of rows.
  const GridSpec global = GridSpec::from_bbox(BBox{-180, -90, 180, 90}, 0.5);
  const Pixels p = lattice(40, 30, 176.0, 5.0, 0.3);
  const auto lon = device(p.lon), lat = device(p.lat);
  for (double max_distance_m : {0.0, 40000.0}) {
    const CellPixelView whole = nearest_pixel_per_cell(lon, lat, 40, 30, global, max_distance_m);
    const auto whole_host = Kokkos::create_mirror_view_and_copy(HostSpace(), whole);
    std::int64_t found = 0;
    for (std::size_t c = 0; c < whole_host.extent(0); ++c) found += whole_host(c) >= 0;
    ASSERT_GT(found, 100);
    for (const CellBlock block : {CellBlock{0, global.ny, 0, global.nx}, CellBlock{150, 175, 0, 12},
                                  CellBlock{160, 190, global.nx - 9, global.nx},
                                  CellBlock{171, 172, 3, 700}, CellBlock{100, 200, 0, global.nx}}) {
      const auto part = Kokkos::create_mirror_view_and_copy(
          HostSpace(), nearest_pixel_per_cell(lon, lat, 40, 30, global, max_distance_m, block));
      ASSERT_EQ(static_cast<std::int64_t>(part.extent(0)), block.cells());
      for (std::int64_t c = 0; c < block.cells(); ++c)
        ASSERT_EQ(part(c), whole_host(block.grid_cell(c, global.nx)))
            << "block cell " << c << " reach " << max_distance_m;
    }
  }
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

TEST(PackedCount, CarriesTheLowSumIntoTheHighPart) {
  // Observations and a low sum that overflows 32 bits many times: the word keeps the count
  // and the low 32 bits, the carries hold the rest, exactly.
  std::int64_t word = 0, high = 0;
  const std::int64_t low = (std::int64_t{1} << 32) - 7;
  for (int i = 0; i < 1000; ++i) high += PackedCount::add(word, 3, low);
  EXPECT_EQ(PackedCount::observations(word), 3000);
  EXPECT_EQ(high * (std::int64_t{1} << 32) + PackedCount::low_sum(word), 1000 * low);
  // Adding a whole packed word (as combining two tiles does).
  std::int64_t other = 0, other_high = 0;
  other_high += PackedCount::add(other, 5, 12345);
  high += other_high + PackedCount::add(word, PackedCount::observations(other),
                                        PackedCount::low_sum(other));
  EXPECT_EQ(PackedCount::observations(word), 3005);
  EXPECT_EQ(high * (std::int64_t{1} << 32) + PackedCount::low_sum(word), 1000 * low + 12345);
}

TEST(FieldLayout, MeanAndCountTakeTwoWordsPerCell) {
  const FieldLayout layout =
      FieldLayout::for_stats({Stat::kMean, Stat::kCount}, Weighting::kPixel, 100.0);
  EXPECT_TRUE(layout.packed);
  EXPECT_EQ(layout.count, 2);
  EXPECT_EQ(layout.slot[kSumLo], layout.slot[kObservations]);
  const FieldLayout partial = layout.partial_layout();  // binning adds atomically: unpacked
  EXPECT_FALSE(partial.packed);
  EXPECT_EQ(partial.count, 3);
  EXPECT_FALSE(FieldLayout::for_stats({Stat::kCount, Stat::kMax}, Weighting::kPixel, 1.0).packed);
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
