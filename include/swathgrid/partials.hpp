#pragma once
// Per-granule kernels (pure Kokkos: no I/O, no MPI). A granule is regridded into partials kept
// in sparse tiles (only the tiles it puts values in exist), then folded tile by tile into the
// run's accumulators with the chosen weighting.

#include <cstdint>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/tiles.hpp"
#include "swathgrid/types.hpp"

namespace swathgrid {

/// The rows holding at least one pixel with valid navigation (empty when none falls in).
/// x, y: pixel positions in grid CRS units.
RowWindow granule_rows(const ConstPositionView& x, const ConstPositionView& y,
                       const GridSpec& grid);
/// The same from a lat/lon grid's positions as the granule holds them (float degrees).
RowWindow granule_rows(const ConstPixelView& lon, const ConstPixelView& lat, const GridSpec& grid);

/// What happened to the pixels of one `bin` call.
struct BinTotals {
  std::int64_t binned = 0;           ///< added to a cell
  std::int64_t outside_grid = 0;     ///< valid, but outside the grid
  std::int64_t invalid = 0;          ///< value or position NaN (fill, out of range, flagged)
  std::int64_t unrepresentable = 0;  ///< beyond the exact-sum range (see ExactSum)
  bool touches_grid = false;  ///< bin_pixels: a pixel's position, value or not, is in the grid
};

/// `bin`: every pixel with a finite value and position adds to the fields of the cell holding
/// its centre. `fields` (tiles of `grid`) gets the tiles those cells lie in, and no others:
/// a granule's partials (a partial layout), or, where folding would only add the partials
/// (bins_into_accumulators), the run's accumulators themselves.
BinTotals bin_pixels(const ConstPositionView& x, const ConstPositionView& y,
                     const ConstPixelView& values, const GridSpec& grid, TiledFields& fields);
/// The same from a lat/lon grid's positions as the granule holds them (float degrees): no
/// pass converting them to double first, half the bytes read; the same cells (float to double
/// is exact).
BinTotals bin_pixels(const ConstPixelView& lon, const ConstPixelView& lat,
                     const ConstPixelView& values, const GridSpec& grid, TiledFields& fields);

/// Whether `bin` with `weighting` may add pixels straight into accumulators of `layout`:
/// pixel weighting and no granule count (nothing per granule), so no partials are needed.
inline bool bins_into_accumulators(const FieldLayout& layout, Weighting weighting) {
  return weighting == Weighting::kPixel && !layout.has(kGranules);
}

/// One value per cell of `block`, a block of the partials' grid (nearest, warp; NaN = none),
/// into `partials` (a partial layout), which gets the tiles of the cells with a value.
BinTotals cell_value_partials(const ConstPixelView& cell_values, const CellBlock& block,
                              TiledFields& partials);

/// The nearest method's cell values, values[pixel[c]] for every cell c of `block` whose pixel
/// is not -1 (a fill or masked value there gives the cell nothing), into `fields`: a granule's
/// partials (a partial layout), or, where folding would only add them (bins_into_accumulators,
/// and not compact), the run's accumulators themselves: one value per cell, so the same sums.
BinTotals chosen_pixel_values(const Kokkos::View<const std::int64_t*, MemSpace>& pixel,
                              const ConstPixelView& values, const CellBlock& block,
                              TiledFields& fields);

/// Adds one granule's partials, tile by tile, into `accumulators` (sparse tiles of the same
/// grid, allocating the tiles holding observations), weighting as asked: pixel (partials added
/// as they are), granule (the partial mean counts once), sqrt (the partial mean with weight
/// sqrt(pixels)). A cell must not be in two calls' partials for one granule.
void fold_partials(const TiledFields& partials, Weighting weighting, TiledFields& accumulators);

}  // namespace swathgrid
