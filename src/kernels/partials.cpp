// Per-granule kernels: row window, bin into tiled partials (or straight into the accumulators),
// cell values into tiled partials.
// Each fills partials in two passes: flag the tiles that get a value, allocate exactly those,
// then add.

#include "swathgrid/partials.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <type_traits>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;

/// Slots of the per-call outcome counts (an array reduction).
enum Outcome : int {
  kBinned = 0,
  kOutside = 1,
  kInvalid = 2,
  kUnrepresentable = 3,
  kInGridNoValue = 4,  ///< not binned but positioned in the grid (each thread stops at one)
  kOutcomes
};

/// Whether v fits the exact sums of `layout` (ExactSum's range); others are not added.
KOKKOS_INLINE_FUNCTION bool representable(const FieldLayout& layout, double v) {
  return layout.value_scale.representable(v) &&
         (!layout.has(kSqHi) || layout.square_scale.representable(v * v));
}

/// Adds value v (weight 1) to the fields of a grid cell: partials, or the
/// accumulators of pixel weighting (whose PackedCount word takes a compare-and-swap loop).
/// Returns false, adding nothing, when the cell of a narrow_high layout is full.
/// Where one thread alone adds to the cells (`alone`: a rank of one thread, as in MPI-only
/// runs, bin's adding pass split by tiles among host threads, or one value per cell) it adds with
/// plain instructions: the same integers, without the locked ones' cost (~20 cycles each, two or
/// more per pixel).
struct CellAdder {
  FieldLayout layout;
  TileSlots slots;
  bool alone;  ///< the only thread adding to these cells

  explicit CellAdder(const TiledFields& fields)
      : layout(fields.layout), slots(fields.slots()), alone(ExecSpace().concurrency() == 1) {}

  KOKKOS_INLINE_FUNCTION std::int64_t* field(const TileAddress& cell, int f) const {
    return cell.values + layout.slot[f] * cell.field_stride;
  }
  KOKKOS_INLINE_FUNCTION void add(std::int64_t* to, std::int64_t v) const {
    if (alone)
      *to += v;
    else
      Kokkos::atomic_add(to, v);
  }
  /// Int32 high sums add modulo 2^32 (the final total fits; see add_packed).
  KOKKOS_INLINE_FUNCTION void add(std::int32_t* to, std::int32_t v) const {
    if (alone)
      *to = wrapping_add(*to, v);
    else
      Kokkos::atomic_add(to, v);
  }
  KOKKOS_INLINE_FUNCTION void add_sum(int hi, int lo, const ExactSum& scale, double v,
                                      const TileAddress& cell) const {
    const std::int64_t q = scale.quantize(v);
    add(field(cell, hi), ExactSum::high_part(q));
    add(field(cell, lo), ExactSum::low_part(q));
  }
  /// q² into the four limbs of Σ q² (exact; SquareLimbs).
  KOKKOS_INLINE_FUNCTION void add_square(std::int64_t q, const TileAddress& cell) const {
    std::int64_t limb[SquareLimbs::kLimbs];
    SquareLimbs::split(q, limb);
    for (int k = 0; k < SquareLimbs::kLimbs; ++k)
      if (limb[k] != 0) add(field(cell, kSquare0 + k), limb[k]);
  }
  /// One observation and its value's quantum into the PackedCount word, the carry and the
  /// high part into kSumHi (an int32 when narrow: |high part + carry| <= 2^8 + 1, and the
  /// cell's total fits while it is not full; atomic adds wrap, so the order does not matter).
  KOKKOS_INLINE_FUNCTION bool add_packed(double v, const TileAddress& cell) const {
    const std::int64_t q = layout.value_scale.quantize(v);
    std::int64_t* word = field(cell, kObservations);
    std::int64_t seen = alone ? *word : 0, carry = 0;  // 0: a first value needs one exchange
    for (;;) {
      if (layout.narrow_high &&
          PackedCount::observations(seen) >= FieldLayout::kCompactObservations)
        return false;
      std::int64_t next = seen;
      carry = PackedCount::add(next, 1, ExactSum::low_part(q));
      if (alone) {
        *word = next;
        break;
      }
      const std::int64_t was = Kokkos::atomic_compare_exchange(word, seen, next);
      if (was == seen) break;
      seen = was;
    }
    if (layout.narrow_high)
      add(cell.high, static_cast<std::int32_t>(ExactSum::high_part(q) + carry));
    else
      add(field(cell, kSumHi), ExactSum::high_part(q) + carry);
    return true;
  }
  /// Asks the host's cache for the cell's first two fields (the PackedCount word and the
  /// high sum of the default layouts); a hint only, nothing on a device.
  KOKKOS_INLINE_FUNCTION void prefetch(const TileAddress& cell) const {
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
    __builtin_prefetch(field(cell, kObservations), 1);
    if (layout.narrow_high)
      __builtin_prefetch(cell.high, 1);
    else if (layout.has(kSumHi))
      __builtin_prefetch(field(cell, kSumHi), 1);
#endif
  }
  /// Adds `value` to the cell at `cell` (TileSlots::in_tile).
  KOKKOS_INLINE_FUNCTION bool operator()(float value, const TileAddress& cell) const {
    const double v = value;
    if (layout.packed) {
      if (!add_packed(v, cell)) return false;
    } else {
      add(field(cell, kObservations), std::int64_t{1});
      if (layout.has(kSumHi)) add_sum(kSumHi, kSumLo, layout.value_scale, v, cell);
    }
    if (layout.has(kSqHi)) add_sum(kSqHi, kSqLo, layout.square_scale, v * v, cell);
    if (layout.has(kSquare0)) add_square(layout.value_scale.quantize(v), cell);
    if (layout.has(kLogHi) && v > 0.0) {
      add_sum(kLogHi, kLogLo, layout.log_scale, device::log(v), cell);
      add_sum(kLogWeightHi, kLogWeightLo, layout.weight_scale, 1.0, cell);
    }
    const std::int64_t key = ordered_key(value);
    if (layout.has(kMinKey)) {
      std::int64_t* least = field(cell, kMinKey);
      if (!alone)
        Kokkos::atomic_fetch_min(least, key);
      else if (key < *least)
        *least = key;
    }
    if (layout.has(kMaxKey)) {
      std::int64_t* most = field(cell, kMaxKey);
      if (!alone)
        Kokkos::atomic_fetch_max(most, key);
      else if (key > *most)
        *most = key;
    }
    return true;
  }
};

/// Where pixel i goes: kBinned (its grid cell's row and column), or why it does not.
/// Positions: grid x, y as double (ConstPositionView) or, on lat/lon grids, the granule's float
/// lon/lat (ConstPixelView; widened to double exactly, so the same cells).
template <class Positions>
struct PixelClassifier {
  Positions lon, lat;  ///< grid x, y
  ConstPixelView values;
  GridSpec grid;
  FieldLayout layout;

  KOKKOS_INLINE_FUNCTION Outcome operator()(const std::int64_t i, std::int64_t& row,
                                            std::int64_t& col) const {
    const float v = values(i);
    const double x = lon(i), y = lat(i);
    if (!(v == v) || !(x == x) || !(y == y)) return kInvalid;
    if (!representable(layout, v)) return kUnrepresentable;
    return grid.locate(x, y, row, col) ? kBinned : kOutside;
  }
};

/// A binned pixel's place, (tile << offset_bits) | offset in the tile, for the adding pass:
/// two 32-bit divisions here instead of TileSlots::cell's three 64-bit ones there (with the
/// tile's, five per pixel were most of a global run's bin; docs/performance.md).
struct TilePlace {
  TileGrid tiles;
  int offset_bits = 0;  ///< bits of an offset in a tile: 2^offset_bits >= tile_size^2

  explicit TilePlace(const TileGrid& grid) : tiles(grid) {
    while ((std::int64_t{1} << offset_bits) < tiles.cells_per_tile()) ++offset_bits;
  }
  /// Grids and tiles are far below 2^31 cells a side (the views would not fit in memory).
  KOKKOS_INLINE_FUNCTION std::int64_t key(std::int64_t row, std::int64_t col) const {
    const auto size = static_cast<std::uint32_t>(tiles.tile_size);
    const std::uint32_t tile_row = static_cast<std::uint32_t>(row) / size;
    const std::uint32_t tile_col = static_cast<std::uint32_t>(col) / size;
    const std::int64_t offset =
        (row - tile_row * std::int64_t{size}) * size + (col - tile_col * std::int64_t{size});
    return ((tile_row * tiles.tiles_x + tile_col) << offset_bits) | offset;
  }
  KOKKOS_INLINE_FUNCTION std::int64_t tile_of_key(std::int64_t key) const {
    return key >> offset_bits;
  }
  KOKKOS_INLINE_FUNCTION std::int64_t offset_of_key(std::int64_t key) const {
    return key & ((std::int64_t{1} << offset_bits) - 1);
  }
};

/// bin's first pass: classifies each pixel once, keeps its place (TilePlace key; -1: not
/// binned) for the second pass, flags the tiles that get a value, and counts the outcomes.
template <class Positions>
struct ClassifyPass {
  using value_type = std::int64_t[];
  using size_type = unsigned;

  PixelClassifier<Positions> classify;
  Kokkos::View<std::int64_t*, MemSpace> places;
  TileFlags touched;
  TilePlace place;
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
    std::int64_t row = 0, col = 0;
    const Outcome outcome = classify(i, row, col);
    ++totals[outcome];
    if (outcome == kBinned) {
      const std::int64_t key = place.key(row, col);
      places(i) = key;
      // Most pixels fall in a tile already flagged: a plain read spares the atomic.
      std::int32_t& flag = touched(place.tile_of_key(key));
      if (*static_cast<volatile std::int32_t*>(&flag) == 0) Kokkos::atomic_exchange(&flag, 1);
      return;
    }
    places(i) = -1;
    if (outcome != kOutside && totals[kBinned] == 0 && totals[kInGridNoValue] == 0) {
      // Whether the granule touches the grid at all, value or not (until a thread knows).
      const double x = classify.lon(i), y = classify.lat(i);
      if (x == x && y == y && classify.grid.locate(x, y) >= 0) ++totals[kInGridNoValue];
    }
  }
};

/// How many parts bin's adding pass splits the tiles into on a host backend, one thread each
/// (a power of two: the tile index's low bits choose its part): its threads, up to 8, where
/// every thread then reads every pixel's place (1 on one thread). On the global 0.01 degree
/// case, one rank of two threads, the locked adds took ~2.5x the CPU of plain ones
/// (docs/performance.md). A device takes one pass over the pixels with atomic adds.
std::int64_t tile_parts() {
  if (!std::is_same_v<ExecSpace, Kokkos::DefaultHostExecutionSpace>) return 1;
  const std::int64_t threads = std::min(ExecSpace().concurrency(), 8);
  std::int64_t parts = 1;
  while (parts * 2 <= threads) parts *= 2;
  return parts;
}

BinTotals to_totals(const std::int64_t (&totals)[kOutcomes]) {
  BinTotals result;
  result.binned = totals[kBinned];
  result.outside_grid = totals[kOutside];
  result.invalid = totals[kInvalid];
  result.unrepresentable = totals[kUnrepresentable];
  return result;
}

}  // namespace

// Templates over the position type, with external linkage (CUDA's extended lambdas may not
// be defined in functions of internal linkage).
namespace position_kernels {

template <class Positions>
RowWindow rows_of(const Positions& lon, const Positions& lat, const GridSpec& grid) {
  const std::int64_t n = static_cast<std::int64_t>(lat.extent(0));
  Kokkos::MinMaxScalar<std::int64_t> rows;  // one pass for both ends
  Kokkos::parallel_reduce(
      "swathgrid::granule_rows", Policy(0, n),
      KOKKOS_LAMBDA(const std::int64_t i, Kokkos::MinMaxScalar<std::int64_t>& window) {
        const std::int64_t cell = grid.locate(lon(i), lat(i));
        if (cell < 0) return;
        const std::int64_t row = cell / grid.nx;
        if (row < window.min_val) window.min_val = row;
        if (row > window.max_val) window.max_val = row;
      },
      Kokkos::MinMax<std::int64_t>(rows));
  return rows.max_val < 0 ? RowWindow{} : RowWindow{rows.min_val, rows.max_val + 1};
}

template <class Positions>
BinTotals bin(const Positions& lon, const Positions& lat, const ConstPixelView& values,
              const GridSpec& grid, TiledFields& fields) {
  const std::int64_t n = static_cast<std::int64_t>(values.extent(0));
  if (static_cast<std::int64_t>(fields.pixel_places.extent(0)) < n)
    fields.pixel_places = Kokkos::View<std::int64_t*, MemSpace>(
        Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::pixel_places"), n + n / 8);
  const Kokkos::View<std::int64_t*, MemSpace> places = fields.pixel_places;
  const TileFlags touched = fields.make_flags();
  const TilePlace place(fields.tiles);
  std::int64_t totals[kOutcomes] = {};
  Kokkos::parallel_reduce(
      "swathgrid::bin_classify", Policy(0, n),
      ClassifyPass<Positions>{PixelClassifier<Positions>{lon, lat, values, grid, fields.layout},
                              places, touched, place},
      totals);
  fields.ensure_tiles(touched);
  // Second pass: the values into the places the first found.
  CellAdder add(fields);
  const TileSlots slots = add.slots;
  std::int64_t over_capacity = 0;
  if (std::is_same_v<ExecSpace, Kokkos::DefaultHostExecutionSpace>) {
    // Each host thread adds the pixels of its own tiles (tile index modulo parts), with
    // plain instructions: every thread reads every place, but no add is a locked one. The
    // cells' words are fetched kAhead pixels early: a scattered add waited on its two
    // fields' cache misses (~85 % of its samples, global 0.01 degree; docs/performance.md).
    const std::int64_t parts = tile_parts();
    constexpr std::int64_t kAhead = 16;
    add.alone = true;
    Kokkos::parallel_reduce(
        "swathgrid::bin_by_tile", Policy(0, parts),
        KOKKOS_LAMBDA(const std::int64_t part, std::int64_t& refused) {
          const auto mine = [&](std::int64_t key) {
            return key >= 0 && (place.tile_of_key(key) & (parts - 1)) == part;
          };
          for (std::int64_t i = 0; i < n; ++i) {
            if (i + kAhead < n && mine(places(i + kAhead))) {
              const std::int64_t ahead = places(i + kAhead);
              add.prefetch(slots.in_tile(place.tile_of_key(ahead), place.offset_of_key(ahead)));
            }
            const std::int64_t key = places(i);
            if (!mine(key)) continue;
            const std::int64_t tile = place.tile_of_key(key);
            if (!add(values(i), slots.in_tile(tile, place.offset_of_key(key)))) ++refused;
          }
        },
        over_capacity);
  } else {
    Kokkos::parallel_reduce(
        "swathgrid::bin", Policy(0, n),
        KOKKOS_LAMBDA(const std::int64_t i, std::int64_t& refused) {
          const std::int64_t key = places(i);
          if (key >= 0 &&
              !add(values(i), slots.in_tile(place.tile_of_key(key), place.offset_of_key(key))))
            ++refused;
        },
        over_capacity);
  }
  SWATHGRID_REQUIRE(over_capacity == 0,
                    compact_capacity_error() << " (" << over_capacity << " pixels refused)");
  BinTotals result = to_totals(totals);
  result.touches_grid = totals[kBinned] + totals[kInGridNoValue] > 0;
  return result;
}

}  // namespace position_kernels

RowWindow granule_rows(const ConstPositionView& x, const ConstPositionView& y,
                       const GridSpec& grid) {
  return position_kernels::rows_of(x, y, grid);
}

RowWindow granule_rows(const ConstPixelView& lon, const ConstPixelView& lat, const GridSpec& grid) {
  return position_kernels::rows_of(lon, lat, grid);
}

BinTotals bin_pixels(const ConstPositionView& x, const ConstPositionView& y,
                     const ConstPixelView& values, const GridSpec& grid, TiledFields& fields) {
  return position_kernels::bin(x, y, values, grid, fields);
}

BinTotals bin_pixels(const ConstPixelView& lon, const ConstPixelView& lat,
                     const ConstPixelView& values, const GridSpec& grid, TiledFields& fields) {
  return position_kernels::bin(lon, lat, values, grid, fields);
}

namespace position_kernels {

/// One value per cell of `block` (value_of(c): NaN = none) into `fields`, which gets the tiles
/// of the cells with a value. Two passes, as bin's: the tiles, then the values. A row of the
/// block per work item, so that no cell needs a 64-bit division for its grid index or tile
/// (four per cell, ~5 ns, were most of the first pass); the first pass reads a value only
/// where the cell's tile has no flag yet, and steps over the rest of a flagged tile's row.
template <class CellValue>
BinTotals cell_values_into(const CellValue& value_of, const CellBlock& block, TiledFields& fields) {
  const std::int64_t cols = block.cols();
  const FieldLayout layout = fields.layout;
  const TileGrid tiles = fields.tiles;
  const TileFlags touched = fields.make_flags();
  const Policy rows(block.row_begin, block.row_end);
  Kokkos::parallel_for(
      "swathgrid::cell_values_touched_tiles", rows, KOKKOS_LAMBDA(const std::int64_t row) {
        const std::int64_t first_tile = row / tiles.tile_size * tiles.tiles_x;
        for (std::int64_t col = block.col_begin; col < block.col_end;) {
          const std::int64_t tile_col = col / tiles.tile_size;
          const std::int64_t tile_end_col = (tile_col + 1) * tiles.tile_size;
          const std::int64_t end = tile_end_col < block.col_end ? tile_end_col : block.col_end;
          std::int32_t& flag = touched(first_tile + tile_col);
          for (; col < end; ++col) {
            // Most cells fall in a tile already flagged: a plain read spares the atomic.
            if (*static_cast<volatile std::int32_t*>(&flag) != 0) {
              col = end;
              break;
            }
            const float v = value_of((row - block.row_begin) * cols + (col - block.col_begin));
            if (v == v && representable(layout, v)) Kokkos::atomic_exchange(&flag, 1);
          }
        }
      });
  fields.ensure_tiles(touched);
  // Second pass: the values, the columns walked tile by tile as in the first, each cell's
  // place from its tile and offset (TileSlots::cell took three 64-bit divisions a cell).
  // One value per cell and a row per work item: no two threads add to a cell, so plain adds
  // (the locked ones made this pass ~4x longer on two threads; issue 17, session 19).
  CellAdder add(fields);
  add.alone = true;
  const TileSlots slots = add.slots;
  std::int64_t binned = 0;
  Kokkos::parallel_reduce(
      "swathgrid::cell_values", rows,
      KOKKOS_LAMBDA(const std::int64_t row, std::int64_t& count) {
        const std::int64_t first = (row - block.row_begin) * cols - block.col_begin;
        const std::int64_t size = tiles.tile_size;
        const std::int64_t tile_row = row / size;
        const std::int64_t row_offset = (row - tile_row * size) * size;
        for (std::int64_t col = block.col_begin; col < block.col_end;) {
          const std::int64_t tile_col = col / size;
          const std::int64_t tile_first_col = tile_col * size;
          const std::int64_t end =
              tile_first_col + size < block.col_end ? tile_first_col + size : block.col_end;
          const std::int64_t tile = tile_row * tiles.tiles_x + tile_col;
          const std::int64_t offset = row_offset - tile_first_col;  // + col: the cell's
          for (; col < end; ++col) {
            const float v = value_of(first + col);
            if (v == v && representable(layout, v)) {
              add(v, slots.in_tile(tile, offset + col));
              ++count;
            }
          }
        }
      },
      binned);
  BinTotals totals;
  totals.binned = binned;
  return totals;
}

/// The value of a block cell: given per cell.
struct GivenValue {
  ConstPixelView cell_values;
  KOKKOS_INLINE_FUNCTION float operator()(std::int64_t c) const { return cell_values(c); }
};

/// The value of a block cell: its chosen pixel's (NaN when none).
struct ChosenPixelValue {
  Kokkos::View<const std::int64_t*, MemSpace> pixel;
  ConstPixelView values;
  float none = std::numeric_limits<float>::quiet_NaN();
  KOKKOS_INLINE_FUNCTION float operator()(std::int64_t c) const {
    const std::int64_t i = pixel(c);
    return i >= 0 ? values(i) : none;
  }
};

}  // namespace position_kernels

BinTotals cell_value_partials(const ConstPixelView& cell_values, const CellBlock& block,
                              TiledFields& partials) {
  return position_kernels::cell_values_into(position_kernels::GivenValue{cell_values}, block,
                                            partials);
}

BinTotals chosen_pixel_values(const Kokkos::View<const std::int64_t*, MemSpace>& pixel,
                              const ConstPixelView& values, const CellBlock& block,
                              TiledFields& fields) {
  assert(!fields.layout.narrow_high);
  return position_kernels::cell_values_into(position_kernels::ChosenPixelValue{pixel, values},
                                            block, fields);
}

}  // namespace swathgrid
