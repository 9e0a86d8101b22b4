// The `bin` kernel: drop-in-the-bucket accumulation of pixels into grid cells.

#include "swathgrid/bin_kernel.hpp"

namespace swathgrid {

CellAccumulators::CellAccumulators(std::int64_t cells)
    : sum_hi("swathgrid::sum_hi", cells),
      sum_lo("swathgrid::sum_lo", cells),
      count("swathgrid::count", cells) {}

namespace {

/// Slots of the per-call outcome counts (an array reduction).
enum Outcome : int { kBinned = 0, kOutside = 1, kInvalid = 2, kUnrepresentable = 3, kOutcomes };

struct BinFunctor {
  using value_type = std::int64_t[];
  using size_type = unsigned;
  ConstPixelView lon, lat, values;
  GridSpec grid;
  CellAccumulators acc;
  unsigned value_count = kOutcomes;  ///< length of the reduced array (Kokkos array reduction)

  KOKKOS_INLINE_FUNCTION void init(std::int64_t totals[]) const {
    for (unsigned k = 0; k < value_count; ++k) totals[k] = 0;
  }
  KOKKOS_INLINE_FUNCTION void join(std::int64_t totals[], const std::int64_t other[]) const {
    for (unsigned k = 0; k < value_count; ++k) totals[k] += other[k];
  }
  KOKKOS_INLINE_FUNCTION void join(volatile std::int64_t totals[],
                                   const volatile std::int64_t other[]) const {
    for (unsigned k = 0; k < value_count; ++k) totals[k] += other[k];
  }

  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t i, std::int64_t totals[]) const {
    const double v = values(i);
    const double x = lon(i), y = lat(i);
    if (!(v == v) || !(x == x) || !(y == y)) {
      ++totals[kInvalid];
      return;
    }
    if (!ExactSum::representable(v)) {
      ++totals[kUnrepresentable];
      return;
    }
    const std::int64_t cell = grid.locate(x, y);
    if (cell < 0) {
      ++totals[kOutside];
      return;
    }
    const std::int64_t q = ExactSum::quantize(v);
    Kokkos::atomic_add(&acc.sum_hi(cell), ExactSum::high_part(q));
    Kokkos::atomic_add(&acc.sum_lo(cell), ExactSum::low_part(q));
    Kokkos::atomic_add(&acc.count(cell), std::int64_t{1});
    ++totals[kBinned];
  }
};

}  // namespace

BinTotals bin_pixels(const ConstPixelView& lon, const ConstPixelView& lat,
                     const ConstPixelView& values, const GridSpec& grid,
                     const CellAccumulators& acc) {
  const std::int64_t n = static_cast<std::int64_t>(values.extent(0));
  std::int64_t totals[kOutcomes] = {0, 0, 0, 0};
  Kokkos::parallel_reduce("swathgrid::bin",
                          Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>(0, n),
                          BinFunctor{lon, lat, values, grid, acc}, totals);
  BinTotals result;
  result.binned = totals[kBinned];
  result.outside_grid = totals[kOutside];
  result.invalid = totals[kInvalid];
  result.unrepresentable = totals[kUnrepresentable];
  return result;
}

}  // namespace swathgrid
