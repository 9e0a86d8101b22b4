// The standard deviation as finalize_stats gives it, through the library's own path (bin, fold,
// combine), against exact integer rationals for the pixel and granule forms: exactly 0 for one
// observation or equal values, otherwise the correctly rounded float, population and sample
// (docs/user-guide.md, "Statistics"); 0 for one pixel with sqrt weights. NASA's sqrt-weighted
// stdev and gmean are checked against long-double brute force in test_regrid_kernels.cpp and,
// through the program on synthetic granules, in tests/mpi/test_features.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "swathgrid/exact_stdev.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {
namespace {

using Granule = std::vector<float>;  ///< the values one granule puts in the single cell
using Cell = std::vector<Granule>;   ///< granules seen by the cell (one cell per test grid)

/// A 1 x 1 grid over [0, 1) x [0, 1): every pixel at (0.5, 0.5) falls in its cell.
const GridSpec kOneCell = GridSpec::from_bbox(BBox{0, 0, 1, 1}, 1.0);

/// The library's path (tests/test_regrid_kernels.cpp `accumulate`): bin each granule into
/// tiles, fold with the weighting (or straight into the accumulators), combine densely and
/// finalize `stat` of the one cell.
float library_stat(const Cell& cell, Weighting weighting, Stat stat,
                   StdevForm form = StdevForm::kPopulation) {
  const std::vector<Stat> stats = {Stat::kMean, stat};
  const FieldLayout layout = FieldLayout::for_stats(stats, weighting, 100.0);
  TiledFields acc(layout, TileGrid(16, kOneCell.nx, kOneCell.ny));
  const bool direct = bins_into_accumulators(layout, weighting);
  for (const Granule& values : cell) {
    PixelView v, x, y;
    copy_to_device(values, v, "values");
    copy_to_device(std::vector<float>(values.size(), 0.5f), x, "x");
    copy_to_device(std::vector<float>(values.size(), 0.5f), y, "y");
    TiledFields partials(layout.partial_layout(), acc.tiles);
    bin_pixels(ConstPixelView(x), ConstPixelView(y), ConstPixelView(v), kOneCell,
               direct ? acc : partials);
    if (!direct) fold_partials(partials, weighting, acc);
  }
  HostFields dense = make_dense_identity(layout, 1);
  const HostTiles host(acc);
  const std::int64_t per_tile = acc.tiles.cells_per_tile();
  std::vector<std::int64_t> tile(static_cast<std::size_t>(layout.count * per_tile));
  for (std::size_t slot = 0; slot < acc.allocated.size(); ++slot) {
    const TileValues values = host.tile(static_cast<std::int64_t>(slot));
    for (int f = 0; f < layout.count; ++f)
      copy_field(per_tile, values, f, layout, tile.data() + f * per_tile);
    combine_tile(dense, layout, acc.tiles, acc.allocated[slot], tile.data());
  }
  std::int64_t filled = 0;
  return finalize_stats(dense, layout, weighting, stats, &filled, form)[1].values[0];
}

/// The float nearest to sqrt(d / divisor) / 2^40, d and divisor exact integers, ties to even:
/// found by comparing squares of float midpoints with d exactly (in __int128), with no
/// floating-point arithmetic in the decision.
float correctly_rounded_stdev(unsigned __int128 d, std::int64_t divisor) {
  if (d == 0) return 0.0f;
  // Does mid = m * 2^e lie below sqrt(d) / (n 2^40)?  (m n)^2 2^(2e + 80) < d.
  const auto bit_length = [](unsigned __int128 x) {
    int bits = 0;
    for (; x != 0; x >>= 1) ++bits;
    return bits;
  };
  const auto below = [&](std::int64_t m, int e) -> int {  // -1 below, 0 equal, 1 above
    unsigned __int128 lhs = static_cast<unsigned __int128>(m) * static_cast<unsigned>(m) *
                            static_cast<unsigned __int128>(divisor),
                      rhs = d;  // m < 2^26, divisor < 2^14 here: lhs < 2^66
    const int shift = 2 * e + 80;
    if (shift >= 0) {
      if (bit_length(lhs) + shift > 127) return 1;  // >= 2^127 > d
      lhs <<= shift;
    } else {
      if (bit_length(rhs) - shift > 127) return -1;  // > 2^127 > lhs
      rhs <<= -shift;
    }
    return lhs < rhs ? -1 : lhs > rhs ? 1 : 0;
  };
  float f = static_cast<float>(std::sqrt(static_cast<long double>(d) / divisor) / 1099511627776.0L);
  for (int step = 0; step < 8; ++step) {
    int e = 0;
    const float fr = std::frexp(f, &e);                               // f = fr 2^e, fr in [0.5, 1)
    const auto mant = static_cast<std::int64_t>(std::ldexp(fr, 24));  // f = mant 2^(e - 24)
    const int up = below(2 * mant + 1, e - 25);                       // midpoint to the next float
    const int down = mant == (1 << 23) ? below(4 * mant - 1, e - 26) : below(2 * mant - 1, e - 25);
    if (up < 0 || (up == 0 && (mant & 1)))
      f = std::nextafter(f, std::numeric_limits<float>::infinity());
    else if (down > 0 || (down == 0 && (mant & 1)))
      f = std::nextafter(f, 0.0f);
    else
      return f;
  }
  ADD_FAILURE() << "no float brackets the exact value";
  return f;
}

/// The exact stdev of values v_i = q_i 2^-40 (floats >= 2^-17 are exact there):
/// sqrt((n sum q^2 - (sum q)^2) / (n (n - ddof))) / 2^40, correctly rounded.
float reference_stdev(const std::vector<double>& values, int ddof = 0) {
  __int128 s1 = 0, s2 = 0;
  for (double v : values) {
    const auto q = static_cast<__int128>(std::ldexp(v, 40));
    EXPECT_EQ(static_cast<double>(q), std::ldexp(v, 40)) << "value not on the 2^-40 grid";
    s1 += q;
    s2 += q * q;
  }
  const auto n = static_cast<std::int64_t>(values.size());
  return correctly_rounded_stdev(static_cast<unsigned __int128>(n * s2 - s1 * s1), n * (n - ddof));
}

/// The per-granule means the granule weighting averages, quantized as the fold does.
std::vector<double> granule_means(const Cell& cell) {
  std::vector<double> means;
  for (const Granule& g : cell) {
    long double sum = 0;
    for (float v : g) sum += v;
    means.push_back(
        std::ldexp(std::nearbyint(std::ldexp(static_cast<double>(sum / g.size()), 40)), -40));
  }
  return means;
}

TEST(SquareLimbs, SplitQSquaredExactly) {
  std::mt19937_64 rng(7);
  const std::int64_t top = std::int64_t{1} << 61;
  std::vector<std::int64_t> qs = {0, 1, -1, top, -top, top - 1, 0xffffffff, -0x100000000};
  for (int i = 0; i < 10000; ++i)
    qs.push_back(static_cast<std::int64_t>(rng() % (2 * static_cast<std::uint64_t>(top) + 1)) -
                 top);
  for (std::int64_t q : qs) {
    std::int64_t limb[SquareLimbs::kLimbs];
    SquareLimbs::split(q, limb);
    unsigned __int128 total = 0;
    for (int k = 0; k < SquareLimbs::kLimbs; ++k) {
      ASSERT_GE(limb[k], 0) << q;
      ASSERT_LT(limb[k], std::int64_t{1} << 32) << q;
      total += static_cast<unsigned __int128>(limb[k]) << (32 * k);
    }
    const auto magnitude = static_cast<unsigned __int128>(q < 0 ? -static_cast<__int128>(q) : q);
    ASSERT_TRUE(total == magnitude * magnitude) << q;
  }
}

/// exact_stdev of n copies of each of `values` (quanta at 2^-bits), sums formed as the
/// accumulators hold them.
float stdev_of_copies(const std::vector<std::int64_t>& values, std::int64_t n, int bits) {
  __int128 sum = 0;
  std::int64_t limbs[SquareLimbs::kLimbs] = {};
  for (std::int64_t q : values) {
    sum += static_cast<__int128>(q) * n;
    std::int64_t limb[SquareLimbs::kLimbs];
    SquareLimbs::split(q, limb);
    for (int k = 0; k < SquareLimbs::kLimbs; ++k) limbs[k] += limb[k] * n;
  }
  const auto count = static_cast<std::int64_t>(values.size()) * n;
  return exact_stdev(count, static_cast<std::int64_t>(sum >> 32),
                     static_cast<std::int64_t>(sum & 0xffffffff), limbs, bits, 0);
}

TEST(Stdev, StaysExactAtTheLimitsOfTheSums) {
  const std::int64_t top = std::int64_t{1} << 61, most = (std::int64_t{1} << 30) - 1;
  // n Σq² reaches ~2^183 here: only the 256-bit path holds it.
  EXPECT_EQ(stdev_of_copies({top}, most, 0), 0.0f);
  EXPECT_EQ(stdev_of_copies({-top}, most, 0), 0.0f);
  EXPECT_EQ(stdev_of_copies({top, -top}, most, 0), std::ldexp(1.0f, 61));  // mean 0, |q| = 2^61
  EXPECT_EQ(stdev_of_copies({top, -top}, 1, 40), std::ldexp(1.0f, 21));
  // Values q and q + 1, equally often: stdev exactly 1/2 of the quantum, whatever q.
  EXPECT_EQ(stdev_of_copies({top - 1, top - 2}, most, 40), std::ldexp(1.0f, -41));
}

TEST(Stdev, IsExactlyZeroForOneObservation) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> value(0.001f, 100.0f);
  for (int trial = 0; trial < 50; ++trial) {
    const float v = value(rng);
    for (Weighting w : {Weighting::kPixel, Weighting::kGranule, Weighting::kSqrt})
      EXPECT_EQ(library_stat({{v}}, w, Stat::kStdev), 0.0f)
          << "value " << v << " weighting " << weighting_name(w);
  }
}

TEST(Stdev, SampleFormOfOneObservationIsUndefined) {
  EXPECT_TRUE(
      std::isnan(library_stat({{0.3f}}, Weighting::kPixel, Stat::kStdev, StdevForm::kSample)));
  EXPECT_TRUE(std::isnan(
      library_stat({{0.3f, 0.4f}}, Weighting::kGranule, Stat::kStdev, StdevForm::kSample)));
  EXPECT_EQ(library_stat({{0.3f}, {0.3f}}, Weighting::kPixel, Stat::kStdev, StdevForm::kSample),
            0.0f);
}

TEST(Stdev, IsExactlyZeroForEqualValues) {
  const Cell cell = {{0.3f, 0.3f, 0.3f}, {0.3f}, {0.3f, 0.3f}};
  EXPECT_EQ(library_stat(cell, Weighting::kPixel, Stat::kStdev), 0.0f);
  EXPECT_EQ(library_stat(cell, Weighting::kGranule, Stat::kStdev), 0.0f);
}

TEST(Stdev, PixelAndGranuleFormsAreCorrectlyRounded) {
  std::mt19937_64 rng(19);
  std::lognormal_distribution<float> value(-0.5f, 1.0f);
  std::uniform_int_distribution<int> count(1, 40);
  for (int trial = 0; trial < 300; ++trial) {
    Cell cell(3);
    std::vector<double> all;
    for (Granule& g : cell) {
      for (int i = count(rng); i > 0; --i) {
        g.push_back(std::fmin(std::fmax(value(rng), 0.001f), 100.0f));
        all.push_back(g.back());
      }
    }
    // Nearly equal values: the cancellation a difference of doubles suffers.
    if (trial % 3 == 0) {
      all.clear();
      for (Granule& g : cell)
        for (float& v : g) {
          v = 1.5f + std::ldexp(static_cast<float>(rng() % 4), -22);  // a few ulps apart
          all.push_back(v);
        }
    }
    ASSERT_EQ(library_stat(cell, Weighting::kPixel, Stat::kStdev), reference_stdev(all))
        << "trial " << trial;
    ASSERT_EQ(library_stat(cell, Weighting::kGranule, Stat::kStdev),
              reference_stdev(granule_means(cell)))
        << "trial " << trial;
    ASSERT_EQ(library_stat(cell, Weighting::kPixel, Stat::kStdev, StdevForm::kSample),
              reference_stdev(all, 1))
        << "trial " << trial;
    ASSERT_EQ(library_stat(cell, Weighting::kGranule, Stat::kStdev, StdevForm::kSample),
              reference_stdev(granule_means(cell), 1))
        << "trial " << trial;
  }
}

}  // namespace
}  // namespace swathgrid
