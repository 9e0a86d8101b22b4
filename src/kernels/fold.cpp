// Folding one granule's partials into the run's accumulators, with the chosen weighting: tile
// by tile, each partial tile into the accumulator tile of the same grid cells.

#include <cassert>
#include <cmath>
#include <utility>
#include <vector>

#include "swathgrid/partials.hpp"

namespace swathgrid {

namespace {

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

/// Pairs (partial slot, slot within one accumulator chunk) of the tiles one fold pass adds.
using SlotPairs = Kokkos::View<std::int64_t* [2], MemSpace>;

struct FoldFunctor {
  Fields partials;   ///< tiled: partials(field, partial slot * cells_per_tile + offset in tile)
  FieldLayout from;  ///< partial layout
  SlotPairs pairs;
  Fields acc;  ///< one chunk of the accumulators: acc(field, slot * cells_per_tile + offset)
  std::int64_t cells_per_tile;
  FieldLayout to;
  Weighting weighting;

  /// Adds (high, low) to the sum in fields (hi, lo) of `cell`; the packed low sum carries.
  KOKKOS_INLINE_FUNCTION void add_parts(int hi, int lo, std::int64_t high, std::int64_t low,
                                        std::int64_t cell) const {
    if (to.packed && lo == kSumLo)
      high += PackedCount::add(acc(to.slot[lo], cell), 0, low);
    else
      acc(to.slot[lo], cell) += low;
    acc(to.slot[hi], cell) += high;
  }
  KOKKOS_INLINE_FUNCTION void add_sum(int hi, int lo, const ExactSum& scale, double v,
                                      std::int64_t cell) const {
    const std::int64_t q = scale.quantize(v);
    add_parts(hi, lo, ExactSum::high_part(q), ExactSum::low_part(q), cell);
  }
  KOKKOS_INLINE_FUNCTION void copy_sum(int hi, int lo, std::int64_t c, std::int64_t cell) const {
    if (to.has(static_cast<Field>(hi)))
      add_parts(hi, lo, partials(from.slot[hi], c), partials(from.slot[lo], c), cell);
  }

  // i: the offset-th cell of the p-th pair's tiles. Each partial cell maps to exactly one
  // grid cell, so to one cell of the accumulators: plain (non-atomic) updates are safe.
  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t i) const {
    const std::int64_t p = i / cells_per_tile, offset = i % cells_per_tile;
    const std::int64_t c = pairs(p, 0) * cells_per_tile + offset;
    const std::int64_t n = partials(from.slot[kObservations], c);
    if (n == 0) return;
    const std::int64_t cell = pairs(p, 1) * cells_per_tile + offset;
    acc(to.slot[kObservations], cell) += to.packed ? n << 32 : n;  // PackedCount: the high half
    if (to.has(kGranules)) acc(to.slot[kGranules], cell) += 1;
    if (weighting == Weighting::kPixel) {
      copy_sum(kSumHi, kSumLo, c, cell);
      copy_sum(kSqHi, kSqLo, c, cell);
      copy_sum(kLogHi, kLogLo, c, cell);
      copy_sum(kLogWeightHi, kLogWeightLo, c, cell);
      if (to.has(kSquare0))
        for (int k = kSquare0; k <= kSquare3; ++k)
          acc(to.slot[k], cell) += partials(from.slot[k], c);
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
    const std::int64_t q = to.value_scale.quantize(w * m);
    if (to.has(kSumHi))
      add_parts(kSumHi, kSumLo, ExactSum::high_part(q), ExactSum::low_part(q), cell);
    if (to.has(kSquare0)) {  // granule weighting: Σ q², the means' exact squares
      std::int64_t limb[SquareLimbs::kLimbs];
      SquareLimbs::split(q, limb);
      for (int k = 0; k < SquareLimbs::kLimbs; ++k) acc(to.slot[kSquare0 + k], cell) += limb[k];
    }
    if (to.has(kSqHi)) {  // sqrt weighting, as l2bin: Σ v² / sqrt(n) of the granule's pixels
      const double squares =
          from.square_scale.total(partials(from.slot[kSqHi], c), partials(from.slot[kSqLo], c));
      add_sum(kSqHi, kSqLo, to.square_scale, squares / w, cell);
    }
    if (to.has(kLogHi)) {  // as l2bin's geometric mean: ln of every pixel, weighted as the mean
      const double positives = from.weight_scale.total(partials(from.slot[kLogWeightHi], c),
                                                       partials(from.slot[kLogWeightLo], c));
      if (positives > 0.0) {
        const double logs =
            from.log_scale.total(partials(from.slot[kLogHi], c), partials(from.slot[kLogLo], c));
        // sqrt: Σ ln v / sqrt(n+) with weight sqrt(n+); granule: the mean of ln v, weight 1.
        const double lw = weighting == Weighting::kSqrt ? std::sqrt(positives) : 1.0;
        const double divisor = weighting == Weighting::kSqrt ? lw : positives;
        add_sum(kLogHi, kLogLo, to.log_scale, logs / divisor, cell);
        add_sum(kLogWeightHi, kLogWeightLo, to.weight_scale, lw, cell);
      }
    }
    if (to.has(kWeightHi)) add_sum(kWeightHi, kWeightLo, to.weight_scale, w, cell);
    const std::int64_t key = ordered_key(static_cast<float>(m));
    if (to.has(kMinKey) && key < acc(to.slot[kMinKey], cell)) acc(to.slot[kMinKey], cell) = key;
    if (to.has(kMaxKey) && key > acc(to.slot[kMaxKey], cell)) acc(to.slot[kMaxKey], cell) = key;
  }
};

}  // namespace

void fold_partials(const TiledFields& partials, Weighting weighting, TiledFields& accumulators) {
  assert(!accumulators.layout.narrow_high);  // only bin adds into compact accumulators
  assert(partials.tiles.tile_size == accumulators.tiles.tile_size &&
         partials.tiles.nx == accumulators.tiles.nx && partials.tiles.ny == accumulators.tiles.ny);
  const std::int64_t per_tile = partials.tiles.cells_per_tile();
  const std::int64_t cells = static_cast<std::int64_t>(partials.allocated.size()) * per_tile;
  if (cells == 0) return;
  // The accumulators get the tiles holding observations.
  const TileFlags touched = accumulators.make_flags();
  const Fields from = partials.contiguous();
  const int obs = partials.layout.slot[kObservations];
  const auto ids = Kokkos::View<const std::int64_t*, HostSpace, Kokkos::MemoryUnmanaged>(
      partials.allocated.data(), partials.allocated.size());
  const auto tile_of_slot = Kokkos::create_mirror_view_and_copy(MemSpace(), ids);
  Kokkos::parallel_for(
      "swathgrid::fold_touched_tiles", Policy(0, cells), KOKKOS_LAMBDA(const std::int64_t c) {
        if (from(obs, c) > 0) Kokkos::atomic_exchange(&touched(tile_of_slot(c / per_tile)), 1);
      });
  accumulators.ensure_tiles(touched);
  // One pass per accumulator chunk that receives tiles (a few chunks in all).
  std::vector<std::vector<std::pair<std::int64_t, std::int64_t>>> by_chunk(
      accumulators.chunks.size());
  for (std::size_t slot = 0; slot < partials.allocated.size(); ++slot) {
    const std::int32_t to = accumulators.slot_of_tile_host[partials.allocated[slot]];
    if (to < 0) continue;  // a tile without observations
    const SlotPlace place = accumulators.place(to);
    by_chunk[place.chunk].emplace_back(static_cast<std::int64_t>(slot), place.index);
  }
  for (std::size_t k = 0; k < by_chunk.size(); ++k) {
    const auto& list = by_chunk[k];
    if (list.empty()) continue;
    SlotPairs pairs(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::fold_pairs"),
                    list.size());
    const auto host = Kokkos::create_mirror_view(pairs);
    for (std::size_t p = 0; p < list.size(); ++p) {
      host(p, 0) = list[p].first;
      host(p, 1) = list[p].second;
    }
    Kokkos::deep_copy(pairs, host);
    Kokkos::parallel_for(
        "swathgrid::fold", Policy(0, static_cast<std::int64_t>(list.size()) * per_tile),
        FoldFunctor{from, partials.layout, pairs, accumulators.chunks[k], per_tile,
                    accumulators.layout, weighting});
  }
}

}  // namespace swathgrid
