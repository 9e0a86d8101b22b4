#pragma once
// Sparse tiles of accumulators: the grid is cut into tile_size x tile_size tiles and a rank
// allocates only the tiles its granules put observations in (docs/architecture.md, "Tiles").

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/float_array.hpp"

namespace swathgrid {

/// Default --tile: 128 x 128 cells (128 KiB per int64 field): at 1 km, tiles of 256 hold
/// 12 % more cells that never get a value (docs/architecture.md, "Memory per rank").
inline constexpr std::int64_t kDefaultTileSize = 128;

/// How grid cells map to tiles.
struct TileGrid {
  std::int64_t tile_size = kDefaultTileSize;
  std::int64_t nx = 0, ny = 0;  ///< grid size in cells
  std::int64_t tiles_x = 0, tiles_y = 0;

  TileGrid() = default;
  TileGrid(std::int64_t tile, std::int64_t grid_nx, std::int64_t grid_ny)
      : tile_size(tile),
        nx(grid_nx),
        ny(grid_ny),
        tiles_x((grid_nx + tile - 1) / tile),
        tiles_y((grid_ny + tile - 1) / tile) {}

  std::int64_t tile_count() const { return tiles_x * tiles_y; }
  KOKKOS_INLINE_FUNCTION std::int64_t cells_per_tile() const { return tile_size * tile_size; }
  KOKKOS_INLINE_FUNCTION std::int64_t tile_of(std::int64_t cell) const {
    return (cell / nx) / tile_size * tiles_x + (cell % nx) / tile_size;
  }
  /// The grid cell at `offset` of tile `tile`, or -1 past the grid's edge.
  KOKKOS_INLINE_FUNCTION std::int64_t cell_of(std::int64_t tile, std::int64_t offset) const {
    const std::int64_t row = tile / tiles_x * tile_size + offset / tile_size;
    const std::int64_t col = tile % tiles_x * tile_size + offset % tile_size;
    return row < ny && col < nx ? row * nx + col : -1;
  }
};

/// One flag per tile of a TileGrid, on the device: non-zero where a kernel puts something.
using TileFlags = Kokkos::View<std::int32_t*, MemSpace>;

/// Where one allocated tile's values are (or one cell's, from TileSlots::cell): field f's
/// cells start at values + f * field_stride, except the high sums of a narrow_high layout,
/// which are int32s at `high` (their row of the chunk holds them in its first half).
struct TileAddress {
  std::int64_t* values = nullptr;
  std::int64_t field_stride = 0;
  std::int32_t* high = nullptr;  ///< narrow_high layouts only
};

/// Where slot `index` of a chunk of tiles of `layout` is: a chunk is (field, slot *
/// per_tile + offset), field-major, on the device or its host mirror; narrow high sums are
/// int32s filling the first half of their field's row. Plain pointer arithmetic (device
/// pointers are not dereferenced).
template <class Chunk>
TileAddress tile_address(const FieldLayout& layout, const Chunk& chunk, std::int64_t index,
                         std::int64_t per_tile) {
  std::int64_t* values = chunk.data();
  const auto stride = static_cast<std::int64_t>(chunk.extent(1));
  std::int32_t* high =
      layout.narrow_high
          ? reinterpret_cast<std::int32_t*>(values + layout.slot[kSumHi] * stride) + index * per_tile
          : nullptr;
  return TileAddress{values + index * per_tile, stride, high};
}

/// Where a grid cell lives in sparse tiles, whichever chunk holds its tile (a copy a kernel
/// can hold).
struct TileSlots {
  TileGrid tiles;
  Kokkos::View<const std::int32_t*, MemSpace> slot_of_tile;  ///< -1: tile not allocated
  Kokkos::View<const TileAddress*, MemSpace> address_of_slot;

  /// Where the cell at `offset` (row-major within its tile) of tile `tile` is; the tile must
  /// be allocated. No division.
  KOKKOS_INLINE_FUNCTION TileAddress in_tile(std::int64_t tile, std::int64_t offset) const {
    const TileAddress a = address_of_slot(slot_of_tile(tile));
    return TileAddress{a.values + offset, a.field_stride, a.high ? a.high + offset : nullptr};
  }
};

/// The largest --tile whose cells the `cells` storage can number (uint16 offsets).
inline constexpr std::int64_t kMaxCellStorageTile = 256;

/// One tile in the `cells` storage (--storage cells, docs/architecture.md "Memory per rank"):
/// only the cells that have data, by offset in the tile, ascending, and their values
/// field-major, n = offsets.size() of each field. A `narrow` tile keeps its Σ w·v high sums
/// as int32s in `high` (14 bytes per cell for mean,count instead of 18) and every other field
/// as a row of n int64s in `values` (the rows in slot order, the high sum's left out); a wide
/// tile has every field in `values`. A tile starts narrow where its layout allows
/// (narrow_cells) and is widened, exactly, by the merge whose sum would not fit an int32 (at
/// the finest quantum, 2^-40, a cell's total must pass 2^23: 8.4 M mg m^-3 of chlor_a). A tile is
/// rebuilt at its exact new size with every element written once: resize() leaves them
/// uninitialised (zeroing first was a second pass over fresh memory in each merge).
struct CellTile {
  std::vector<std::uint16_t, UninitializedAllocator<std::uint16_t>> offsets;
  std::vector<std::int64_t, UninitializedAllocator<std::int64_t>> values;
  std::vector<std::int32_t, UninitializedAllocator<std::int32_t>> high;  ///< narrow only
  bool narrow = false;

  /// Field f's row in `values` (not a narrow tile's high sums).
  const std::int64_t* row(const FieldLayout& layout, int f) const {
    const int high_slot = layout.slot[kSumHi];
    return values.data() +
           static_cast<std::size_t>(narrow && f > high_slot ? f - 1 : f) * offsets.size();
  }
  std::int64_t* row(const FieldLayout& layout, int f) {
    return const_cast<std::int64_t*>(static_cast<const CellTile&>(*this).row(layout, f));
  }
  /// Field f of every cell, widened, into out[offsets.size()].
  void copy_field(const FieldLayout& layout, int f, std::int64_t* out) const;
  /// Field f of cell k, widened.
  std::int64_t value(const FieldLayout& layout, int f, std::size_t k) const {
    return narrow && f == layout.slot[kSumHi] ? high[k] : row(layout, f)[k];
  }
  /// The same cells with every field an int64 row of `values`.
  void widen(const FieldLayout& layout);
};

/// Whether a `cells` tile of `layout` starts narrow: its Σ w·v high sums as int32s (a
/// layout with a PackedCount word and wide high sums).
inline bool narrow_cells(const FieldLayout& layout) {
  return layout.packed && layout.has(kSumHi) && !layout.narrow_high;
}

/// Where a slot's values are: chunk `chunk`, slot `index` within it.
struct SlotPlace {
  std::size_t chunk = 0;
  std::int64_t index = 0;
};

/// Fields of one grid in sparse tiles: a (layer, period)'s accumulators, or one granule's
/// partials. Tiles are numbered by slot in the order they were allocated; slot_of_tile maps a
/// tile to its slot, -1 while not allocated. The slots live in chunks, each a Fields of
/// (field, slot_in_chunk * cells_per_tile + the cell's offset in its tile): growing adds a chunk
/// and never copies, so memory is the tiles' own (plus the unused tail of the last chunk, which is
/// never written and so, on a host, never resident).
/// With `cells` storage the accumulators keep only the cells with data of each tile, on the
/// host (CellTile): kernels add a granule into dense tiles (a tile-storage TiledFields,
/// reused), which merge_from() then combines in. Memory follows the data, not the tiles.
struct TiledFields {
  FieldLayout layout;
  TileGrid tiles;
  bool cells = false;  ///< `cells` storage: cell_tiles by slot; no chunks, no device lookup
  std::shared_ptr<std::vector<CellTile>> cell_tiles;  ///< `cells` storage, one per slot
  std::vector<Fields> chunks;
  std::vector<std::int64_t> chunk_first_slot;  ///< first slot of each chunk
  Kokkos::View<std::int32_t*, MemSpace> slot_of_tile;  ///< device
  Kokkos::View<TileAddress*, MemSpace> address_of_slot;  ///< device, one per allocated tile
  std::vector<std::int32_t> slot_of_tile_host;
  std::vector<std::int64_t> allocated;  ///< tile ids in slot order
  /// Tile storage: slots [allocated.size(), identity_end) hold every field's identity (for
  /// the layout whose identities are `identity_values`), so ensure_tiles hands them out
  /// without resetting them; merge_from leaves the dense tiles it merged so.
  std::int64_t identity_end = 0;
  bool allocated_at_identity = false;  ///< every allocated slot is back at the identity
  std::array<std::int64_t, kFieldCount> identity_values{};
  /// bin's place of each pixel of a granule, kept from call to call (grow-only): a fresh
  /// view per granule was page-faulted in serially (docs/performance.md, session 24).
  Kokkos::View<std::int64_t*, MemSpace> pixel_places;

  TiledFields(const FieldLayout& field_layout, const TileGrid& tile_grid,
              bool cell_storage = false);

  /// A cleared flag per tile of this grid: the same view each call (valid until the next),
  /// cleared again, not allocated per granule (docs/performance.md, session 24).
  TileFlags make_flags() const;
  /// Allocates (at identity) every tile flagged in `touched` that does not exist yet, in tile
  /// order. A first call allocates exactly what it needs (one chunk); a later one that needs
  /// room adds a chunk of at least half the capacity so far (few chunks, no copies).
  void ensure_tiles(const TileFlags& touched);
  /// Forgets every tile, as if newly made, but keeps the storage for the next ensure_tiles
  /// (which resets the tiles it hands out): partials reused from granule to granule.
  void clear();
  /// The storage when it is one chunk (partials: after a clear() or on the first call,
  /// ensure_tiles keeps them in one chunk), index slot * cells_per_tile + offset; an empty
  /// Fields before any tile.
  Fields contiguous() const;
  /// Device-side cell -> its values (valid until the next ensure_tiles or clear; tile
  /// storage only).
  TileSlots slots() const { return TileSlots{tiles, slot_of_tile, address_of_slot}; }
  /// Combines every tile of `dense` (tile storage, this layout and grid) into these fields,
  /// allocating the tiles (and, with `cells` storage, the cells) that get observations. On a
  /// host, `dense`'s cells with observations are then put back at the identity (every cell
  /// a kernel changes has observations: merge_cells takes no other), so that its next
  /// ensure_tiles after a clear() resets nothing it hands out again.
  void merge_from(TiledFields& dense);
  /// Combines `ids.size()` tiles of wide values (tile i's field f at values + f *
  /// field_stride + i * cells_per_tile) into these fields, allocating them: checkpoints.
  void combine_host(const std::vector<std::int64_t>& ids, const std::int64_t* values,
                    std::int64_t field_stride);
  /// Where slot `slot` lives.
  SlotPlace place(std::int64_t slot) const;
  /// Slots the chunks can hold.
  std::int64_t capacity_slots() const;
  std::size_t bytes() const;  ///< of the allocated tiles (or cells)

 private:
  mutable TileFlags flags_;  ///< make_flags()'s
  /// The slot of `tile` in `cells` storage, allocated (empty) when new.
  std::int32_t slot_for(std::int64_t tile);
};

/// One tile's values on the host: field f's cells_per_tile values start at
/// values + f * field_stride; the high sums at `high` when they are narrow (as TileAddress).
struct TileValues {
  const std::int64_t* values = nullptr;
  std::int64_t field_stride = 0;
  const std::int32_t* high = nullptr;
};

/// Adds one tile's values `from` into the tile at `to` (either may have narrow high sums):
/// sums add, min/max keys take the min/max. Exact and order-independent. Throws Error when a
/// cell of a narrow `to` would get more than FieldLayout::kCompactObservations observations.
void combine_values(const FieldLayout& layout, std::int64_t cells_per_tile, const TileAddress& to,
                    const TileValues& from);

/// Field `slot` of tile `from` as cells_per_tile int64s into `out` (narrow high sums widened):
/// the tile's fields as checkpoints and the owner exchange carry them.
void copy_field(std::int64_t cells_per_tile, const TileValues& from, int slot,
                const FieldLayout& layout, std::int64_t* out);

/// Combines the cells with observations of a wide tile `from` (field f's cells at from +
/// f * from_stride) into the `cells` tile `tile`, which gains the cells it did not have yet.
/// `reset`: `from` again, writable, whose cells with observations are then set to the
/// identity (nullptr: left as they are).
void merge_cells(const FieldLayout& layout, std::int64_t per_tile, const std::int64_t* from,
                 std::int64_t from_stride, CellTile& tile, std::int64_t* reset = nullptr);

/// Combines the `cells` tile `from` into the wide tile at `to` (field f's cells at to + f *
/// to_stride), as combine_values does a whole tile.
void combine_cells(const FieldLayout& layout, const CellTile& from, std::int64_t* to,
                   std::int64_t to_stride);

/// TiledFields' chunks on the host (the device's own memory when the device is the host).
struct HostTiles {
  std::vector<Kokkos::View<std::int64_t**, Kokkos::LayoutRight, HostSpace>> chunks;
  std::vector<std::int64_t> chunk_first_slot;
  std::vector<std::int64_t> allocated;  ///< tile ids in slot order
  std::int64_t cells_per_tile = 0;
  FieldLayout layout;

  std::shared_ptr<const std::vector<CellTile>> cell_tiles;  ///< `cells` storage (shared)

  explicit HostTiles(const TiledFields& fields);
  HostTiles() = default;
  /// Slot `slot`'s values (tile storage only).
  TileValues tile(std::int64_t slot) const;
  /// Slot `slot`'s values, wide, field-major, every cell (the identity where a `cells` tile
  /// has no data), into out[layout.count * cells_per_tile].
  void expand(std::int64_t slot, std::int64_t* out) const;
  /// Field `f` of slot `slot` alone, as expand() writes it, into out[cells_per_tile].
  void expand_field(std::int64_t slot, int f, std::int64_t* out) const;
};

/// Accumulated fields of a whole grid on the host: dense(slot, cell).
using HostFields = Kokkos::View<std::int64_t**, Kokkos::LayoutRight, HostSpace>;

/// A dense host grid of `cells` cells at the identity of every field.
HostFields make_dense_identity(const FieldLayout& layout, std::int64_t cells);

/// Combines one tile's values (layout.count x cells_per_tile, field-major) into `dense`, which
/// holds the grid's cells from `first_cell` on: sums add, min/max keys take the min/max.
/// Exact and order-independent.
void combine_tile(HostFields& dense, const FieldLayout& layout, const TileGrid& tiles,
                  std::int64_t tile, const std::int64_t* values, std::int64_t first_cell = 0);

}  // namespace swathgrid
