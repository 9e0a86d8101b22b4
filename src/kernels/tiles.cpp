#include "swathgrid/tiles.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <limits>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

/// Sets cells [begin, end) of every field of `chunk` to its identity, field by field (each a
/// contiguous run that Kokkos fills at memory speed). Narrow high sums take their int32 range
/// only: the rest of their row is never touched, so never resident on a host.
void reset_cells(const FieldLayout& layout, const Fields& chunk, std::int64_t begin,
                 std::int64_t end) {
  for (int f = 0; f < layout.count; ++f) {
    if (layout.narrow_high && f == layout.slot[kSumHi])
      Kokkos::deep_copy(Kokkos::View<std::int32_t*, MemSpace, Kokkos::MemoryUnmanaged>(
                            tile_address(layout, chunk, begin, 1).high, end - begin),  // cell begin
                        0);
    else
      Kokkos::deep_copy(Kokkos::subview(chunk, f, std::pair<std::int64_t, std::int64_t>(begin, end)),
                        identity_of(layout, f));
  }
}

}  // namespace

TiledFields::TiledFields(const FieldLayout& field_layout, const TileGrid& tile_grid,
                         bool cell_storage)
    : layout(field_layout),
      tiles(tile_grid),
      cells(cell_storage),
      slot_of_tile("swathgrid::slot_of_tile", tile_grid.tile_count()),
      slot_of_tile_host(static_cast<std::size_t>(tile_grid.tile_count()), -1) {
  if (cells) {
    SWATHGRID_REQUIRE(
        tiles.tile_size <= kMaxCellStorageTile && !layout.narrow_high,
        "cells storage needs tiles of at most " << kMaxCellStorageTile << " cells and wide sums");
    cell_tiles = std::make_shared<std::vector<CellTile>>();
  }
  Kokkos::deep_copy(slot_of_tile, -1);
}

TileFlags TiledFields::make_flags() const {
  if (static_cast<std::int64_t>(flags_.extent(0)) != tiles.tile_count())
    flags_ = TileFlags("swathgrid::touched_tiles", tiles.tile_count());
  else
    Kokkos::deep_copy(flags_, 0);
  return flags_;
}

void TiledFields::ensure_tiles(const TileFlags& touched) {
  allocated_at_identity = false;  // a kernel writes next (every one calls this first)
  auto touched_host = Kokkos::create_mirror_view_and_copy(HostSpace(), touched);
  const std::size_t before = allocated.size();
  for (std::int64_t t = 0; t < tiles.tile_count(); ++t) {
    if (touched_host(t) && slot_of_tile_host[t] < 0) {
      slot_of_tile_host[t] = static_cast<std::int32_t>(allocated.size());
      allocated.push_back(t);
    }
  }
  if (allocated.size() == before) return;
  if (cells) {
    cell_tiles->resize(allocated.size());
    return;
  }
  const std::int64_t per_tile = tiles.cells_per_tile();
  const auto needed = static_cast<std::int64_t>(allocated.size());
  const std::int64_t capacity = capacity_slots();
  if (needed > capacity && before == 0) {
    // Nothing in use (new, or cleared partials): one chunk, with room to spare when reused.
    const std::int64_t slots = capacity == 0 ? needed : std::max(needed, capacity + capacity / 2);
    chunks.clear();
    chunk_first_slot.clear();
    chunks.emplace_back(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tiles"),
                        layout.count, slots * per_tile);
    chunk_first_slot.push_back(0);
    identity_end = 0;
  } else if (needed > capacity) {
    // A new chunk of at least half the capacity so far: O(log n) chunks for n tiles, and the
    // existing tiles stay where they are.
    const std::int64_t slots = std::max(needed - capacity, capacity / 2);
    chunks.emplace_back(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tiles"),
                        layout.count, slots * per_tile);
    chunk_first_slot.push_back(capacity);
  }
  // The new tiles start at the identity: those of slots [before, identity_end) are at it
  // already (for this layout's identities).
  std::array<std::int64_t, kFieldCount> identities{};
  for (int f = 0; f < layout.count; ++f) identities[f] = identity_of(layout, f);
  if (identities != identity_values) identity_end = 0;
  identity_values = identities;
  const std::int64_t at_identity = std::max(static_cast<std::int64_t>(before), identity_end);
  identity_end = std::max(identity_end, needed);
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    const std::int64_t first = chunk_first_slot[k];
    const std::int64_t end = first + static_cast<std::int64_t>(chunks[k].extent(1)) / per_tile;
    const std::int64_t from = std::max<std::int64_t>(first, at_identity);
    const std::int64_t to = std::min(end, needed);
    if (from < to) reset_cells(layout, chunks[k], (from - first) * per_tile, (to - first) * per_tile);
  }
  auto slots = Kokkos::View<const std::int32_t*, HostSpace, Kokkos::MemoryUnmanaged>(
      slot_of_tile_host.data(), slot_of_tile_host.size());
  Kokkos::deep_copy(slot_of_tile, slots);
  address_of_slot = Kokkos::View<TileAddress*, MemSpace>(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tile_addresses"), needed);
  const auto addresses = Kokkos::create_mirror_view(address_of_slot);
  for (std::int64_t slot = 0; slot < needed; ++slot) {
    const SlotPlace at = place(slot);
    addresses(slot) = tile_address(layout, chunks[at.chunk], at.index, per_tile);
  }
  Kokkos::deep_copy(address_of_slot, addresses);
}

void TiledFields::clear() {
  if (allocated.empty()) return;
  if (!allocated_at_identity) identity_end = 0;  // [0, identity_end) at the identity, or none
  allocated_at_identity = false;
  for (const std::int64_t t : allocated) slot_of_tile_host[t] = -1;
  allocated.clear();
  if (cells) cell_tiles->clear();
  Kokkos::deep_copy(slot_of_tile, -1);
}

namespace {

/// Combines one cell's values `from` (field f at from[f * from_stride], wide) into `to`
/// (field f at to[f * to_stride], wide), as combine_values does a tile's.
void combine_cell(const FieldLayout& layout, std::int64_t* to, std::int64_t to_stride,
                  const std::int64_t* from, std::int64_t from_stride) {
  for (int f = 0; f < layout.count; ++f) {
    const std::int64_t v = from[f * from_stride];
    std::int64_t& target = to[f * to_stride];
    if (layout.packed && f == layout.slot[kObservations])
      to[layout.slot[kSumHi] * to_stride] +=
          PackedCount::add(target, PackedCount::observations(v), PackedCount::low_sum(v));
    else if (f == layout.slot[kMinKey])
      target = std::min(target, v);
    else if (f == layout.slot[kMaxKey])
      target = std::max(target, v);
    else
      target += v;
  }
}

/// Combines the values of the dense tile's cells `hits` (field f at from[f * from_stride +
/// hits[h]]) into the cells `at` of `to`, as combine_cell does one cell's, a field at a time:
/// each a tight loop over both sides in ascending order. A narrow tile's new high sums are
/// first computed wide into `new_high` (by hit) and stored only when every one fits an int32:
/// returns false, having stored none of them, when one does not (the caller widens the tile).
bool combine_hits(const FieldLayout& layout, const std::uint16_t* hits, const std::uint32_t* at,
                  std::size_t count, const std::int64_t* from, std::int64_t from_stride,
                  CellTile& to, std::vector<std::int64_t>& new_high) {
  const int high_slot = layout.slot[kSumHi];
  bool outside = false;
  for (int f = 0; f < layout.count; ++f) {
    if (to.narrow && f == high_slot) continue;  // with the observations' word, below
    const std::int64_t* source = from + f * from_stride;
    std::int64_t* target = to.row(layout, f);
    if (layout.packed && f == layout.slot[kObservations] && to.narrow) {
      const std::int64_t* source_high = from + high_slot * from_stride;
      const std::int32_t* high = to.high.data();
      new_high.resize(count);
      for (std::size_t h = 0; h < count; ++h) {
        const std::int64_t v = source[hits[h]];
        const std::int64_t sum =
            high[at[h]] + source_high[hits[h]] +
            PackedCount::add(target[at[h]], PackedCount::observations(v), PackedCount::low_sum(v));
        new_high[h] = sum;
        outside |= static_cast<std::uint64_t>(sum) + 0x80000000u > 0xffffffffu;
      }
    } else if (layout.packed && f == layout.slot[kObservations]) {
      std::int64_t* high = to.row(layout, high_slot);
      for (std::size_t h = 0; h < count; ++h) {
        const std::int64_t v = source[hits[h]];
        high[at[h]] +=
            PackedCount::add(target[at[h]], PackedCount::observations(v), PackedCount::low_sum(v));
      }
    } else if (f == layout.slot[kMinKey]) {
      for (std::size_t h = 0; h < count; ++h)
        target[at[h]] = std::min(target[at[h]], source[hits[h]]);
    } else if (f == layout.slot[kMaxKey]) {
      for (std::size_t h = 0; h < count; ++h)
        target[at[h]] = std::max(target[at[h]], source[hits[h]]);
    } else {
      for (std::size_t h = 0; h < count; ++h) target[at[h]] += source[hits[h]];
    }
  }
  if (!to.narrow) return true;
  if (outside) return false;
  for (std::size_t h = 0; h < count; ++h) to.high[at[h]] = static_cast<std::int32_t>(new_high[h]);
  return true;
}

/// `old` (old_n elements) into `grown` with `fresh_value` inserted at the ascending positions
/// `fresh_at` of `grown` (the old elements keep their order): runs copied between them.
template <class T, class FreshValue>
void spread(const T* old, std::size_t old_n, const std::vector<std::uint32_t>& fresh_at,
            const FreshValue& fresh_value, T* grown) {
  std::size_t k = 0, i = 0;
  for (std::size_t j = 0; j < fresh_at.size(); ++j) {
    const std::size_t p = fresh_at[j];
    std::copy(old + i, old + i + (p - k), grown + k);
    i += p - k;
    grown[p] = fresh_value(j);
    k = p + 1;
  }
  std::copy(old + i, old + old_n, grown + k);
}

}  // namespace

void merge_cells(const FieldLayout& layout, std::int64_t per_tile, const std::int64_t* from,
                 std::int64_t from_stride, CellTile& tile, std::int64_t* reset) {
  // One scan of the dense tile for its cells with data (branch-free, groups of 8 without any
  // skipped at once: a granule's block fills a band of each tile's rows), then merges of
  // sorted offset lists: the work follows the cells with data, not the tile's size (three
  // scans of the whole tile per merge were ~15 % of a global run's CPU; docs/performance.md).
  thread_local std::vector<std::uint16_t> hits;
  hits.resize(static_cast<std::size_t>(per_tile));
  const std::int64_t* observations = from + layout.slot[kObservations] * from_stride;
  const int shift = layout.packed ? 32 : 0;  // PackedCount::observations, or the count itself
  std::size_t hit_count = 0;
  constexpr std::int64_t kGroup = 8;
  for (std::int64_t begin = 0; begin < per_tile; begin += kGroup) {
    const std::int64_t end = std::min(per_tile, begin + kGroup);
    std::int64_t any = 0;
    for (std::int64_t o = begin; o < end; ++o) any |= observations[o] >> shift;
    if (any == 0) continue;
    for (std::int64_t o = begin; o < end; ++o) {
      hits[hit_count] = static_cast<std::uint16_t>(o);
      hit_count += (observations[o] >> shift) > 0;
    }
  }
  if (hit_count == 0) return;
  if (tile.offsets.empty()) tile.narrow = narrow_cells(layout);
  // Where each hit goes in the merged tile (the old cells before it and the fresh hits
  // before it), and the places of the fresh ones.
  thread_local std::vector<std::uint32_t> at, fresh_at;
  thread_local std::vector<std::uint16_t> fresh_offsets;
  at.resize(hit_count);
  fresh_at.clear();
  fresh_offsets.clear();
  const std::size_t old_n = tile.offsets.size();
  for (std::size_t h = 0, i = 0; h < hit_count; ++h) {
    while (i < old_n && tile.offsets[i] < hits[h]) ++i;
    at[h] = static_cast<std::uint32_t>(i + fresh_at.size());
    if (i == old_n || tile.offsets[i] != hits[h]) {
      fresh_at.push_back(at[h]);
      fresh_offsets.push_back(hits[h]);
    }
  }
  // The tile's cells, or (the tile grows) a copy rebuilt at its exact new size, every
  // element written once (old runs copied, fresh cells at the identity), then the hits
  // combined in.
  CellTile grown;
  CellTile& into = fresh_at.empty() ? tile : grown;
  if (!fresh_at.empty()) {
    const std::size_t n = old_n + fresh_at.size();
    grown.narrow = tile.narrow;
    grown.offsets.resize(n);
    grown.values.resize(n * static_cast<std::size_t>(layout.count - (tile.narrow ? 1 : 0)));
    spread(
        tile.offsets.data(), old_n, fresh_at, [](std::size_t j) { return fresh_offsets[j]; },
        grown.offsets.data());
    for (int f = 0; f < layout.count; ++f) {
      if (tile.narrow && f == layout.slot[kSumHi]) {
        grown.high.resize(n);
        spread(
            tile.high.data(), old_n, fresh_at, [](std::size_t) { return std::int32_t{0}; },
            grown.high.data());
        continue;
      }
      const std::int64_t identity = identity_of(layout, f);
      spread(
          tile.row(layout, f), old_n, fresh_at, [identity](std::size_t) { return identity; },
          grown.row(layout, f));
    }
  }
  thread_local std::vector<std::int64_t> new_high;
  if (!combine_hits(layout, hits.data(), at.data(), hit_count, from, from_stride, into, new_high)) {
    // A high sum past the int32s: the tile widened, every value exact, and those stored.
    into.widen(layout);
    std::int64_t* high = into.row(layout, layout.slot[kSumHi]);
    for (std::size_t h = 0; h < hit_count; ++h) high[at[h]] = new_high[h];
  }
  if (!fresh_at.empty()) tile = std::move(grown);
  if (reset != nullptr) {  // the cells with observations back to the identity
    for (int f = 0; f < layout.count; ++f) {
      const std::int64_t identity = identity_of(layout, f);
      std::int64_t* field = reset + f * from_stride;
      for (std::size_t h = 0; h < hit_count; ++h) field[hits[h]] = identity;
    }
  }
}

void combine_cells(const FieldLayout& layout, const CellTile& from, std::int64_t* to,
                   std::int64_t to_stride) {
  const std::size_t n = from.offsets.size();
  if (!from.narrow) {
    for (std::size_t k = 0; k < n; ++k)
      combine_cell(layout, to + from.offsets[k], to_stride, &from.values[k],
                   static_cast<std::int64_t>(n));
    return;
  }
  std::array<std::int64_t, kFieldCount> cell{};  // one cell's fields, widened
  for (std::size_t k = 0; k < n; ++k) {
    for (int f = 0; f < layout.count; ++f)
      cell[static_cast<std::size_t>(f)] = from.value(layout, f, k);
    combine_cell(layout, to + from.offsets[k], to_stride, cell.data(), 1);
  }
}

void CellTile::copy_field(const FieldLayout& layout, int f, std::int64_t* out) const {
  if (narrow && f == layout.slot[kSumHi])
    std::copy(high.begin(), high.end(), out);
  else
    std::copy_n(row(layout, f), offsets.size(), out);
}

void CellTile::widen(const FieldLayout& layout) {
  if (!narrow) return;
  const std::size_t n = offsets.size();
  decltype(values) wide(n * static_cast<std::size_t>(layout.count));
  for (int f = 0; f < layout.count; ++f) copy_field(layout, f, wide.data() + f * n);
  values = std::move(wide);
  decltype(high)().swap(high);
  narrow = false;
}

std::int32_t TiledFields::slot_for(std::int64_t tile) {
  std::int32_t& slot = slot_of_tile_host[static_cast<std::size_t>(tile)];
  if (slot < 0) {
    slot = static_cast<std::int32_t>(allocated.size());
    allocated.push_back(tile);
    cell_tiles->emplace_back();
  }
  return slot;
}

void TiledFields::merge_from(TiledFields& dense) {
  SWATHGRID_REQUIRE(cells && !dense.cells, "merge_from: into cells storage from tiles");
  if (dense.allocated.empty()) return;
  const HostTiles host(dense);
  const std::int64_t per_tile = tiles.cells_per_tile();
  std::vector<std::int32_t> to(dense.allocated.size());
  for (std::size_t s = 0; s < to.size(); ++s) to[s] = slot_for(dense.allocated[s]);
  std::vector<CellTile>& cell = *cell_tiles;
  const FieldLayout& fields = layout;
  // The dense tiles' cells with data are put back at the identity where `host` is their own
  // memory (a host backend): the next granule's ensure_tiles then resets nothing it reuses
  // (a whole-tile fill per tile and block of pixels was ~4 % of a global run's CPU).
  bool reset = !dense.layout.narrow_high && host.chunks.size() == dense.chunks.size();
  for (std::size_t k = 0; reset && k < dense.chunks.size(); ++k)
    reset = host.chunks[k].data() == dense.chunks[k].data();
  // Tile by tile (each slot of `dense` is a different tile), in parallel on the host; dealt
  // out one by one (a swath's tiles hold from one cell with data to all).
  Kokkos::parallel_for(
      "swathgrid::merge_cells",
      Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(
          0, static_cast<int>(to.size())),
      [&](const int s) {
        const TileValues from = host.tile(s);
        merge_cells(fields, per_tile, from.values, from.field_stride, cell[to[s]],
                    reset ? const_cast<std::int64_t*>(from.values) : nullptr);  // dense's own
      });
  Kokkos::DefaultHostExecutionSpace().fence();
  dense.allocated_at_identity = reset;
}

void TiledFields::combine_host(const std::vector<std::int64_t>& ids, const std::int64_t* values,
                               std::int64_t field_stride) {
  if (ids.empty()) return;
  const std::int64_t per_tile = tiles.cells_per_tile();
  if (cells) {
    for (std::size_t i = 0; i < ids.size(); ++i)
      merge_cells(layout, per_tile, values + i * per_tile, field_stride,
                  (*cell_tiles)[slot_for(ids[i])]);
    return;
  }
  const TileFlags flags = make_flags();
  auto flags_host = Kokkos::create_mirror_view(flags);
  Kokkos::deep_copy(flags_host, 0);
  for (std::int64_t id : ids) flags_host(id) = 1;
  Kokkos::deep_copy(flags, flags_host);
  ensure_tiles(flags);
  std::vector<Kokkos::View<std::int64_t**, Kokkos::LayoutRight, HostSpace>> host;
  for (const Fields& chunk : chunks)
    host.push_back(Kokkos::create_mirror_view_and_copy(HostSpace(), chunk));
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const SlotPlace at = place(slot_of_tile_host[static_cast<std::size_t>(ids[i])]);
    combine_values(layout, per_tile, tile_address(layout, host[at.chunk], at.index, per_tile),
                   TileValues{values + i * per_tile, field_stride});
  }
  for (std::size_t k = 0; k < host.size(); ++k) Kokkos::deep_copy(chunks[k], host[k]);
}

HostFields make_dense_identity(const FieldLayout& layout, std::int64_t cells) {
  HostFields dense(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::dense"),
                   layout.count, cells);
  for (int f = 0; f < layout.count; ++f) std::fill_n(&dense(f, 0), cells, identity_of(layout, f));
  return dense;
}

void combine_tile(HostFields& dense, const FieldLayout& layout, const TileGrid& tiles,
                  std::int64_t tile, const std::int64_t* values, std::int64_t first_cell) {
  const std::int64_t per_tile = tiles.cells_per_tile();
  for (int f = 0; f < layout.count; ++f) {
    const std::int64_t* field = values + f * per_tile;
    const bool is_min = f == layout.slot[kMinKey], is_max = f == layout.slot[kMaxKey];
    const bool is_packed = layout.packed && f == layout.slot[kObservations];
    for (std::int64_t offset = 0; offset < per_tile; ++offset) {
      const std::int64_t cell = tiles.cell_of(tile, offset) - first_cell;
      if (cell < 0 || cell >= static_cast<std::int64_t>(dense.extent(1))) continue;
      std::int64_t& target = dense(f, cell);
      const std::int64_t v = field[offset];
      if (is_packed)
        dense(layout.slot[kSumHi], cell) += PackedCount::add(
            target, PackedCount::observations(v), PackedCount::low_sum(v));
      else
        target = is_min ? std::min(target, v) : is_max ? std::max(target, v) : target + v;
    }
  }
}

Fields TiledFields::contiguous() const {
  assert(chunks.size() <= 1);
  return chunks.empty() ? Fields("swathgrid::tiles", layout.count, 0) : chunks.front();
}

namespace {
/// The chunk holding `slot`, given each chunk's first slot.
SlotPlace place_in(const std::vector<std::int64_t>& chunk_first_slot, std::int64_t slot) {
  const auto next = std::upper_bound(chunk_first_slot.begin(), chunk_first_slot.end(), slot);
  const auto chunk = static_cast<std::size_t>(next - chunk_first_slot.begin()) - 1;
  return SlotPlace{chunk, slot - chunk_first_slot[chunk]};
}
}  // namespace

SlotPlace TiledFields::place(std::int64_t slot) const { return place_in(chunk_first_slot, slot); }

std::int64_t TiledFields::capacity_slots() const {
  if (chunks.empty()) return 0;
  return chunk_first_slot.back() +
         static_cast<std::int64_t>(chunks.back().extent(1)) / tiles.cells_per_tile();
}

std::size_t TiledFields::bytes() const {
  if (cells) {
    std::size_t total = 0;
    for (const CellTile& t : *cell_tiles)
      total += t.offsets.size() * sizeof(std::uint16_t) + t.values.size() * sizeof(std::int64_t) +
               t.high.size() * sizeof(std::int32_t);
    return total;
  }
  const std::size_t per_cell =
      layout.count * sizeof(std::int64_t) - (layout.narrow_high ? sizeof(std::int32_t) : 0);
  return allocated.size() * static_cast<std::size_t>(tiles.cells_per_tile()) * per_cell;
}

HostTiles::HostTiles(const TiledFields& fields)
    : chunk_first_slot(fields.chunk_first_slot),
      allocated(fields.allocated),
      cells_per_tile(fields.tiles.cells_per_tile()),
      layout(fields.layout),
      cell_tiles(fields.cell_tiles) {
  for (const Fields& chunk : fields.chunks)
    chunks.push_back(Kokkos::create_mirror_view_and_copy(HostSpace(), chunk));
}

void HostTiles::expand_field(std::int64_t slot, int f, std::int64_t* out) const {
  if (!cell_tiles) {
    copy_field(cells_per_tile, tile(slot), f, layout, out);
    return;
  }
  const CellTile& t = (*cell_tiles)[static_cast<std::size_t>(slot)];
  const std::size_t n = t.offsets.size();
  std::fill_n(out, cells_per_tile, identity_of(layout, f));
  for (std::size_t k = 0; k < n; ++k) out[t.offsets[k]] = t.value(layout, f, k);
}

void HostTiles::expand(std::int64_t slot, std::int64_t* out) const {
  for (int f = 0; f < layout.count; ++f) expand_field(slot, f, out + f * cells_per_tile);
}

TileValues HostTiles::tile(std::int64_t slot) const {
  const SlotPlace place = place_in(chunk_first_slot, slot);
  const TileAddress at = tile_address(layout, chunks[place.chunk], place.index, cells_per_tile);
  return TileValues{at.values, at.field_stride, at.high};
}

void copy_field(std::int64_t cells_per_tile, const TileValues& from, int slot,
                const FieldLayout& layout, std::int64_t* out) {
  if (from.high && slot == layout.slot[kSumHi])
    std::copy_n(from.high, cells_per_tile, out);  // widened
  else
    std::copy_n(from.values + slot * from.field_stride, cells_per_tile, out);
}

void combine_values(const FieldLayout& layout, std::int64_t cells_per_tile, const TileAddress& to,
                    const TileValues& from) {
  const int high_slot = layout.slot[kSumHi];
  // The high sums: int64, or int32 (narrow, added modulo 2^32: a cell's total fits while its
  // observations stay within kCompactObservations, checked below).
  const auto add_high = [&](std::int64_t c, std::int64_t v) {
    if (to.high)
      to.high[c] = wrapping_add(to.high[c], v);
    else
      to.values[high_slot * to.field_stride + c] += v;
  };
  for (int f = 0; f < layout.count; ++f) {
    const std::int64_t* field = from.values + f * from.field_stride;
    std::int64_t* target = to.values + f * to.field_stride;
    if (f == high_slot) {
      for (std::int64_t c = 0; c < cells_per_tile; ++c)
        add_high(c, from.high ? from.high[c] : field[c]);
    } else if (layout.packed && f == layout.slot[kObservations]) {
      for (std::int64_t c = 0; c < cells_per_tile; ++c)
        add_high(c, PackedCount::add(target[c], PackedCount::observations(field[c]),
                                     PackedCount::low_sum(field[c])));
      if (to.high)
        for (std::int64_t c = 0; c < cells_per_tile; ++c)
          SWATHGRID_REQUIRE(
              PackedCount::observations(target[c]) <= FieldLayout::kCompactObservations,
              compact_capacity_error());
    } else if (f == layout.slot[kMinKey])
      for (std::int64_t c = 0; c < cells_per_tile; ++c) target[c] = std::min(target[c], field[c]);
    else if (f == layout.slot[kMaxKey])
      for (std::int64_t c = 0; c < cells_per_tile; ++c) target[c] = std::max(target[c], field[c]);
    else
      for (std::int64_t c = 0; c < cells_per_tile; ++c) target[c] += field[c];
  }
}

}  // namespace swathgrid
