// Folding one granule's partials into the run's accumulators, with the chosen weighting: tile
// by tile, each partial tile into the accumulator tile of the same grid cells.

#include <cassert>
#include <cmath>

#include "swathgrid/partials.hpp"

namespace swathgrid {

namespace {

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

struct FoldFunctor {
  Fields partials;   ///< tiled: partials(field, partial slot * cells_per_tile + offset_in_tile)
  FieldLayout from;  ///< partial layout
  Kokkos::View<const std::int64_t*, MemSpace> tile_of_partial_slot;
  Fields acc;  ///< tiled: acc(field, slot * cells_per_tile + offset_in_tile)
  Kokkos::View<const std::int32_t*, MemSpace> slot_of_tile;  ///< of the accumulators
  std::int64_t cells_per_tile;
  FieldLayout to;
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

  // c: a cell of the partials' storage. Each maps to exactly one grid cell, so to one cell of
  // the accumulators' storage: plain (non-atomic) updates are safe.
  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t c) const {
    const std::int64_t n = partials(from.slot[kObservations], c);
    if (n == 0) return;
    const std::int64_t tile = tile_of_partial_slot(c / cells_per_tile);
    const std::int64_t cell = slot_of_tile(tile) * cells_per_tile + c % cells_per_tile;
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

void fold_partials(const TiledFields& partials, Weighting weighting, TiledFields& accumulators) {
  assert(partials.tiles.tile_size == accumulators.tiles.tile_size &&
         partials.tiles.nx == accumulators.tiles.nx && partials.tiles.ny == accumulators.tiles.ny);
  const std::int64_t per_tile = partials.tiles.cells_per_tile();
  const std::int64_t cells = static_cast<std::int64_t>(partials.allocated.size()) * per_tile;
  if (cells == 0) return;
  const Kokkos::View<const std::int64_t*, MemSpace> tile_of_slot = partials.tile_of_slot();
  // The accumulators get the tiles holding observations.
  const TileFlags touched = accumulators.make_flags();
  const Fields from = partials.data;
  const int obs = partials.layout.slot[kObservations];
  Kokkos::parallel_for(
      "swathgrid::fold_touched_tiles", Policy(0, cells), KOKKOS_LAMBDA(const std::int64_t c) {
        if (from(obs, c) > 0) Kokkos::atomic_exchange(&touched(tile_of_slot(c / per_tile)), 1);
      });
  accumulators.ensure_tiles(touched);
  Kokkos::parallel_for(
      "swathgrid::fold", Policy(0, cells),
      FoldFunctor{partials.data, partials.layout, tile_of_slot, accumulators.data,
                  accumulators.slot_of_tile, per_tile, accumulators.layout, weighting});
}

}  // namespace swathgrid
