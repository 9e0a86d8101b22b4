#include "swathgrid/tiles.hpp"

#include <algorithm>
#include <limits>

namespace swathgrid {

TiledFields::TiledFields(const FieldLayout& field_layout, const TileGrid& tile_grid)
    : layout(field_layout),
      tiles(tile_grid),
      data("swathgrid::tiles", field_layout.count, 0),
      slot_of_tile("swathgrid::slot_of_tile", tile_grid.tile_count()),
      slot_of_tile_host(static_cast<std::size_t>(tile_grid.tile_count()), -1) {
  Kokkos::deep_copy(slot_of_tile, -1);
}

TileFlags TiledFields::make_flags() const {
  return TileFlags("swathgrid::touched_tiles", tiles.tile_count());
}

void TiledFields::ensure_tiles(const TileFlags& touched) {
  auto touched_host = Kokkos::create_mirror_view_and_copy(HostSpace(), touched);
  const std::size_t before = allocated.size();
  for (std::int64_t t = 0; t < tiles.tile_count(); ++t) {
    if (touched_host(t) && slot_of_tile_host[t] < 0) {
      slot_of_tile_host[t] = static_cast<std::int32_t>(allocated.size());
      allocated.push_back(t);
    }
  }
  if (allocated.size() == before) return;
  const std::int64_t per_tile = tiles.cells_per_tile();
  const auto needed = static_cast<std::int64_t>(allocated.size()) * per_tile;
  if (needed > static_cast<std::int64_t>(data.extent(1))) {
    // Grow geometrically so that n tiles cost O(n) copies in all.
    const std::int64_t capacity =
        std::max<std::int64_t>(needed, 2 * static_cast<std::int64_t>(data.extent(1)));
    Fields grown(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tiles"), layout.count,
                 capacity);
    // Only the tiles in use (the rest of the old capacity holds nothing), field by field: each
    // is one contiguous run, copied at memory speed (a 2-D strided copy goes element by element).
    const std::pair<std::int64_t, std::int64_t> used(0,
                                                     static_cast<std::int64_t>(before) * per_tile);
    for (int f = 0; f < layout.count && used.second > 0; ++f)
      Kokkos::deep_copy(Kokkos::subview(grown, f, used), Kokkos::subview(data, f, used));
    data = grown;
  }
  // The new tiles start at the identity.
  const auto begin = static_cast<std::int64_t>(before) * per_tile;
  reset_fields(layout, Kokkos::subview(data, Kokkos::ALL,
                                       std::pair<std::int64_t, std::int64_t>(begin, needed)));
  auto slots = Kokkos::View<const std::int32_t*, HostSpace, Kokkos::MemoryUnmanaged>(
      slot_of_tile_host.data(), slot_of_tile_host.size());
  Kokkos::deep_copy(slot_of_tile, slots);
}

void TiledFields::clear() {
  if (allocated.empty()) return;
  for (const std::int64_t t : allocated) slot_of_tile_host[t] = -1;
  allocated.clear();
  Kokkos::deep_copy(slot_of_tile, -1);
}

HostFields make_dense_identity(const FieldLayout& layout, std::int64_t cells) {
  HostFields dense(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::dense"),
                   layout.count, cells);
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (int f = 0; f < layout.count; ++f) {
    const std::int64_t identity = f == layout.slot[kMinKey]   ? ordered_key(kInf)
                                  : f == layout.slot[kMaxKey] ? ordered_key(-kInf)
                                                              : 0;
    std::fill_n(&dense(f, 0), cells, identity);
  }
  return dense;
}

void combine_tile(HostFields& dense, const FieldLayout& layout, const TileGrid& tiles,
                  std::int64_t tile, const std::int64_t* values, std::int64_t first_cell) {
  const std::int64_t per_tile = tiles.cells_per_tile();
  for (int f = 0; f < layout.count; ++f) {
    const std::int64_t* field = values + f * per_tile;
    const bool is_min = f == layout.slot[kMinKey], is_max = f == layout.slot[kMaxKey];
    for (std::int64_t offset = 0; offset < per_tile; ++offset) {
      const std::int64_t cell = tiles.cell_of(tile, offset) - first_cell;
      if (cell < 0 || cell >= static_cast<std::int64_t>(dense.extent(1))) continue;
      std::int64_t& target = dense(f, cell);
      const std::int64_t v = field[offset];
      target = is_min ? std::min(target, v) : is_max ? std::max(target, v) : target + v;
    }
  }
}

Kokkos::View<std::int64_t*, MemSpace> TiledFields::tile_of_slot() const {
  const auto ids = Kokkos::View<const std::int64_t*, HostSpace, Kokkos::MemoryUnmanaged>(
      allocated.data(), allocated.size());
  Kokkos::View<std::int64_t*, MemSpace> device(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tile_of_slot"), allocated.size());
  Kokkos::deep_copy(device, ids);
  return device;
}

std::size_t TiledFields::bytes() const {
  return data.extent(0) * data.extent(1) * sizeof(std::int64_t);
}

}  // namespace swathgrid
