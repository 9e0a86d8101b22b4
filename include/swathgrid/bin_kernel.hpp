#pragma once
// The `bin` regrid kernel: every valid pixel whose centre falls in a cell adds to that
// cell. Pure Kokkos: no I/O, no MPI (STYLE.md 2).

#include <cstdint>

#include "swathgrid/exact_sum.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/types.hpp"

namespace swathgrid {

/// Per-cell accumulators of the grid (dense for now): exact sum of the values and count.
struct CellAccumulators {
  CellView sum_hi;  ///< ExactSum high words
  CellView sum_lo;  ///< ExactSum low words
  CellView count;   ///< pixels binned

  explicit CellAccumulators(std::int64_t cells = 0);
  std::int64_t size() const { return static_cast<std::int64_t>(count.extent(0)); }
};

/// What happened to the pixels of one call.
struct BinTotals {
  std::int64_t binned = 0;         ///< added to a cell
  std::int64_t outside_grid = 0;   ///< valid, but outside the grid
  std::int64_t invalid = 0;        ///< value or position NaN (fill, out of valid range)
  std::int64_t unrepresentable = 0;  ///< |value| beyond the exact-sum range (see ExactSum)
};

/// Bins pixels (lon[i], lat[i], value[i]) into `acc` on `grid`. Thread-safe scatter with
/// atomics; results do not depend on the order of the additions (ExactSum).
BinTotals bin_pixels(const ConstPixelView& lon, const ConstPixelView& lat,
                     const ConstPixelView& values, const GridSpec& grid, const CellAccumulators& acc);

}  // namespace swathgrid
