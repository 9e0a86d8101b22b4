// Per-granule kernels: row window, bin into partials, cell values into partials.

#include "swathgrid/partials.hpp"

#include <cmath>
#include <limits>

namespace swathgrid {

namespace {

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

/// Slots of the per-call outcome counts (an array reduction).
enum Outcome : int { kBinned = 0, kOutside = 1, kInvalid = 2, kUnrepresentable = 3, kOutcomes };

/// Adds value v (weight 1) to the partial fields of `cell`.
struct PartialAdder {
  FieldLayout layout;
  Fields partials;

  KOKKOS_INLINE_FUNCTION void add_sum(int hi, int lo, const ExactSum& scale, double v,
                                      std::int64_t cell) const {
    const std::int64_t q = scale.quantize(v);
    Kokkos::atomic_add(&partials(layout.slot[hi], cell), ExactSum::high_part(q));
    Kokkos::atomic_add(&partials(layout.slot[lo], cell), ExactSum::low_part(q));
  }
  KOKKOS_INLINE_FUNCTION bool representable(double v) const {
    return layout.value_scale.representable(v) &&
           (!layout.has(kSqHi) || layout.square_scale.representable(v * v));
  }
  KOKKOS_INLINE_FUNCTION void operator()(float value, std::int64_t cell) const {
    const double v = value;
    Kokkos::atomic_add(&partials(layout.slot[kObservations], cell), std::int64_t{1});
    if (layout.has(kSumHi)) add_sum(kSumHi, kSumLo, layout.value_scale, v, cell);
    if (layout.has(kSqHi)) add_sum(kSqHi, kSqLo, layout.square_scale, v * v, cell);
    if (layout.has(kLogHi) && v > 0.0) {
      add_sum(kLogHi, kLogLo, layout.log_scale, std::log(v), cell);
      add_sum(kLogWeightHi, kLogWeightLo, layout.weight_scale, 1.0, cell);
    }
    if (layout.has(kMinKey))
      Kokkos::atomic_fetch_min(&partials(layout.slot[kMinKey], cell), ordered_key(value));
    if (layout.has(kMaxKey))
      Kokkos::atomic_fetch_max(&partials(layout.slot[kMaxKey], cell), ordered_key(value));
  }
};

struct BinFunctor {
  using value_type = std::int64_t[];
  using size_type = unsigned;

  ConstPositionView lon, lat;  ///< grid x, y
  ConstPixelView values;
  GridSpec grid;
  std::int64_t first_cell;  ///< flat index of the window's first cell
  std::int64_t window_cells;
  PartialAdder add;
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
    const float v = values(i);
    const double x = lon(i), y = lat(i);
    if (!(v == v) || !(x == x) || !(y == y)) {
      ++totals[kInvalid];
      return;
    }
    if (!add.representable(v)) {
      ++totals[kUnrepresentable];
      return;
    }
    const std::int64_t cell = grid.locate(x, y) - first_cell;
    if (cell < 0 || cell >= window_cells) {  // outside the grid, or (never) the window
      ++totals[kOutside];
      return;
    }
    add(v, cell);
    ++totals[kBinned];
  }
};

BinTotals to_totals(const std::int64_t (&totals)[kOutcomes]) {
  BinTotals result;
  result.binned = totals[kBinned];
  result.outside_grid = totals[kOutside];
  result.invalid = totals[kInvalid];
  result.unrepresentable = totals[kUnrepresentable];
  return result;
}

}  // namespace

RowWindow granule_rows(const ConstPositionView& lon, const ConstPositionView& lat,
                       const GridSpec& grid) {
  const std::int64_t n = static_cast<std::int64_t>(lat.extent(0));
  std::int64_t first = grid.ny, last = -1;
  Kokkos::parallel_reduce(
      "swathgrid::granule_rows_min", Policy(0, n),
      KOKKOS_LAMBDA(const std::int64_t i, std::int64_t& row_min) {
        const std::int64_t cell = grid.locate(lon(i), lat(i));
        if (cell >= 0 && cell / grid.nx < row_min) row_min = cell / grid.nx;
      },
      Kokkos::Min<std::int64_t>(first));
  Kokkos::parallel_reduce(
      "swathgrid::granule_rows_max", Policy(0, n),
      KOKKOS_LAMBDA(const std::int64_t i, std::int64_t& row_max) {
        const std::int64_t cell = grid.locate(lon(i), lat(i));
        if (cell >= 0 && cell / grid.nx > row_max) row_max = cell / grid.nx;
      },
      Kokkos::Max<std::int64_t>(last));
  return last < 0 ? RowWindow{} : RowWindow{first, last + 1};
}

BinTotals bin_partials(const ConstPositionView& lon, const ConstPositionView& lat,
                       const ConstPixelView& values, const GridSpec& grid, const RowWindow& window,
                       const FieldLayout& layout, const Fields& partials) {
  const std::int64_t n = static_cast<std::int64_t>(values.extent(0));
  std::int64_t totals[kOutcomes] = {0, 0, 0, 0};
  Kokkos::parallel_reduce("swathgrid::bin", Policy(0, n),
                          BinFunctor{lon, lat, values, grid, window.begin * grid.nx,
                                     window.rows() * grid.nx, PartialAdder{layout, partials}},
                          totals);
  return to_totals(totals);
}

PixelView gather_cell_values(const Kokkos::View<std::int64_t*, MemSpace>& index,
                             const ConstPixelView& values) {
  const std::int64_t cells = static_cast<std::int64_t>(index.extent(0));
  PixelView out(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::cell_values"), cells);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Kokkos::parallel_for(
      "swathgrid::gather_cell_values", Policy(0, cells),
      KOKKOS_LAMBDA(const std::int64_t c) { out(c) = index(c) >= 0 ? values(index(c)) : nan; });
  return out;
}

BinTotals cell_value_partials(const ConstPixelView& cell_values, const FieldLayout& layout,
                              const Fields& partials) {
  const std::int64_t n = static_cast<std::int64_t>(cell_values.extent(0));
  const PartialAdder add{layout, partials};
  std::int64_t binned = 0;
  Kokkos::parallel_reduce(
      "swathgrid::cell_values", Policy(0, n),
      KOKKOS_LAMBDA(const std::int64_t c, std::int64_t& count) {
        const float v = cell_values(c);
        if (v == v && add.representable(v)) {
          add(v, c);
          ++count;
        }
      },
      binned);
  BinTotals totals;
  totals.binned = binned;
  return totals;
}

}  // namespace swathgrid
