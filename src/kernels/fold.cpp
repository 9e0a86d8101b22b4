// Folding one granule's partials into the run's accumulators, with the chosen weighting.

#include <cmath>

#include "swathgrid/partials.hpp"

namespace swathgrid {

namespace {

struct FoldFunctor {
  Fields partials;
  FieldLayout from;  ///< partial layout
  Fields acc;        ///< tiled: acc(field, slot * cells_per_tile + offset_in_tile)
  Kokkos::View<const std::int32_t*, MemSpace> slot_of_tile;
  TileGrid tiles;
  FieldLayout to;
  std::int64_t first_cell;  ///< flat grid index of the window's first cell
  Weighting weighting;

  KOKKOS_INLINE_FUNCTION void add_sum(int hi, int lo, const ExactSum& scale, double v,
                                      std::int64_t cell) const {
    const std::int64_t q = scale.quantize(v);
    acc(to.slot[hi], cell) += ExactSum::high_part(q);
    acc(to.slot[lo], cell) += ExactSum::low_part(q);
  }
  KOKKOS_INLINE_FUNCTION void copy_add(int field, std::int64_t c, std::int64_t cell) const {
    if (to.has(static_cast<Field>(field)))
      acc(to.slot[field], cell) += partials(from.slot[field], c);
  }

  // Each window cell maps to exactly one grid cell: plain (non-atomic) updates are safe.
  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t c) const {
    const std::int64_t n = partials(from.slot[kObservations], c);
    if (n == 0) return;
    const std::int64_t grid_cell = first_cell + c;
    const std::int64_t cell = slot_of_tile(tiles.tile_of(grid_cell)) * tiles.cells_per_tile() +
                              tiles.offset_in_tile(grid_cell);
    acc(to.slot[kObservations], cell) += n;
    if (to.has(kGranules)) acc(to.slot[kGranules], cell) += 1;
    if (weighting == Weighting::kPixel) {
      for (int f : {kSumHi, kSumLo, kSqHi, kSqLo, kLogHi, kLogLo, kLogWeightHi, kLogWeightLo})
        copy_add(f, c, cell);
      if (to.has(kMinKey) && partials(from.slot[kMinKey], c) < acc(to.slot[kMinKey], cell))
        acc(to.slot[kMinKey], cell) = partials(from.slot[kMinKey], c);
      if (to.has(kMaxKey) && partials(from.slot[kMaxKey], c) > acc(to.slot[kMaxKey], cell))
        acc(to.slot[kMaxKey], cell) = partials(from.slot[kMaxKey], c);
      return;
    }
    // The granule's cell mean m counts once, with weight w.
    const double m =
        from.value_scale.total(partials(from.slot[kSumHi], c), partials(from.slot[kSumLo], c)) /
        static_cast<double>(n);
    const double w = weighting == Weighting::kSqrt ? std::sqrt(static_cast<double>(n)) : 1.0;
    if (to.has(kSumHi)) add_sum(kSumHi, kSumLo, to.value_scale, w * m, cell);
    if (to.has(kSqHi)) add_sum(kSqHi, kSqLo, to.square_scale, w * m * m, cell);
    if (to.has(kLogHi) && m > 0.0) {
      add_sum(kLogHi, kLogLo, to.log_scale, w * std::log(m), cell);
      add_sum(kLogWeightHi, kLogWeightLo, to.weight_scale, w, cell);
    }
    if (to.has(kWeightHi)) add_sum(kWeightHi, kWeightLo, to.weight_scale, w, cell);
    const std::int64_t key = ordered_key(static_cast<float>(m));
    if (to.has(kMinKey) && key < acc(to.slot[kMinKey], cell)) acc(to.slot[kMinKey], cell) = key;
    if (to.has(kMaxKey) && key > acc(to.slot[kMaxKey], cell)) acc(to.slot[kMaxKey], cell) = key;
  }
};

}  // namespace

void fold_partials(const Fields& partials, const FieldLayout& partial_layout,
                   const RowWindow& window, Weighting weighting, TiledFields& accumulators) {
  const std::int64_t nx = accumulators.tiles.nx;
  accumulators.ensure_tiles(partials, partial_layout, window.begin * nx, window.rows() * nx);
  Kokkos::parallel_for(
      "swathgrid::fold",
      Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>(0, window.rows() * nx),
      FoldFunctor{partials, partial_layout, accumulators.data, accumulators.slot_of_tile,
                  accumulators.tiles, accumulators.layout, window.begin * nx, weighting});
}

}  // namespace swathgrid
