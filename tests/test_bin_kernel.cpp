// The bin kernel against a brute-force loop on random pixels: counts exact, sums equal.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "swathgrid/bin_kernel.hpp"

namespace swathgrid {
namespace {

struct Pixels {
  std::vector<float> lon, lat, values;
};

Pixels random_pixels(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> lon(-80.0f, -70.0f), lat(34.0f, 43.0f), val(0.001f, 100.0f);
  std::uniform_int_distribution<int> kind(0, 19);
  Pixels p;
  for (std::size_t i = 0; i < n; ++i) {
    p.lon.push_back(lon(rng));
    p.lat.push_back(lat(rng));
    p.values.push_back(val(rng));
    const int k = kind(rng);
    if (k == 0) p.values.back() = std::numeric_limits<float>::quiet_NaN();
    if (k == 1) p.lat.back() = std::numeric_limits<float>::quiet_NaN();
    if (k == 2) p.values.back() = 5.0e6f;  // beyond the exact-sum range
  }
  return p;
}

ConstPixelView to_device(const std::vector<float>& host, const char* label) {
  PixelView view;
  copy_to_device(host, view, label);
  return view;
}

struct Host {
  std::vector<std::int64_t> hi, lo, count;
};

Host to_host(const CellAccumulators& acc) {
  Host h;
  for (auto [view, out] : {std::pair{acc.sum_hi, &h.hi}, {acc.sum_lo, &h.lo}, {acc.count, &h.count}}) {
    auto mirror = Kokkos::create_mirror_view_and_copy(HostSpace(), view);
    out->assign(mirror.data(), mirror.data() + mirror.extent(0));
  }
  return h;
}

TEST(BinKernel, MatchesBruteForceLoop) {
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.05);
  const Pixels p = random_pixels(200000, 7);
  CellAccumulators acc(grid.cell_count());
  const BinTotals totals = bin_pixels(to_device(p.lon, "lon"), to_device(p.lat, "lat"),
                                      to_device(p.values, "values"), grid, acc);

  // Brute force: cell by explicit floor arithmetic, sums in long double.
  std::map<std::int64_t, std::pair<std::int64_t, long double>> expected;
  std::int64_t invalid = 0, outside = 0, unrepresentable = 0;
  for (std::size_t i = 0; i < p.values.size(); ++i) {
    if (std::isnan(p.values[i]) || std::isnan(p.lat[i])) { ++invalid; continue; }
    if (p.values[i] > 1.0e6f) { ++unrepresentable; continue; }
    const double col = std::floor((p.lon[i] - (-77.0)) / 0.05);
    const double row = std::floor((41.0 - p.lat[i]) / 0.05);
    if (col < 0 || row < 0 || col >= grid.nx || row >= grid.ny) { ++outside; continue; }
    auto& cell = expected[static_cast<std::int64_t>(row) * grid.nx + static_cast<std::int64_t>(col)];
    cell.first += 1;
    cell.second += p.values[i];
  }
  EXPECT_EQ(totals.invalid, invalid);
  EXPECT_EQ(totals.outside_grid, outside);
  EXPECT_EQ(totals.unrepresentable, unrepresentable);
  EXPECT_EQ(totals.binned + totals.invalid + totals.outside_grid + totals.unrepresentable,
            static_cast<std::int64_t>(p.values.size()));

  const Host h = to_host(acc);
  std::int64_t binned = 0;
  for (std::int64_t c = 0; c < grid.cell_count(); ++c) {
    const auto it = expected.find(c);
    const std::int64_t n = it == expected.end() ? 0 : it->second.first;
    ASSERT_EQ(h.count[c], n) << "cell " << c;
    binned += h.count[c];
    if (n == 0) continue;
    const double sum = ExactSum::total(h.hi[c], h.lo[c]);
    EXPECT_NEAR(sum, static_cast<double>(it->second.second), 1e-9 * std::fabs(sum)) << "cell " << c;
  }
  EXPECT_EQ(binned, totals.binned);
}

TEST(BinKernel, ResultIsIndependentOfPixelOrder) {
  const GridSpec grid = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.1);
  Pixels p = random_pixels(50000, 11);
  CellAccumulators forward(grid.cell_count()), backward(grid.cell_count());
  bin_pixels(to_device(p.lon, "lon"), to_device(p.lat, "lat"), to_device(p.values, "v"), grid,
             forward);
  std::reverse(p.lon.begin(), p.lon.end());
  std::reverse(p.lat.begin(), p.lat.end());
  std::reverse(p.values.begin(), p.values.end());
  // The same pixels reversed, added in two calls (second half first).
  const std::size_t half = p.values.size() / 2;
  for (auto [begin, end] : {std::pair{half, p.values.size()}, {std::size_t{0}, half}}) {
    std::vector<float> lon(p.lon.begin() + begin, p.lon.begin() + end);
    std::vector<float> lat(p.lat.begin() + begin, p.lat.begin() + end);
    std::vector<float> val(p.values.begin() + begin, p.values.begin() + end);
    bin_pixels(to_device(lon, "lon"), to_device(lat, "lat"), to_device(val, "v"), grid, backward);
  }
  const Host a = to_host(forward), b = to_host(backward);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.hi, b.hi);
  EXPECT_EQ(a.lo, b.lo);
}

TEST(ExactSum, SplitAndTotalAreExact) {
  for (double v : {0.0, 1e-3, 0.5, 99.99, -3.25, 2.0e6, -2.0e6}) {
    const std::int64_t q = ExactSum::quantize(v);
    EXPECT_EQ(ExactSum::high_part(q) * (std::int64_t{1} << 32) + ExactSum::low_part(q), q);
    EXPECT_GE(ExactSum::low_part(q), 0);
    EXPECT_NEAR(ExactSum::total(ExactSum::high_part(q), ExactSum::low_part(q)), v, 1e-12);
  }
}

}  // namespace
}  // namespace swathgrid
