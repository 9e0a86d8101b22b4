#include "reduce/tile_exchange.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <sstream>
#include <string>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

ReduceMode resolve_reduce_mode(ReduceMode mode, const GridSpec& grid) {
  if (mode != ReduceMode::kAuto) return mode;
  return grid.cell_count() > kOwnerReduceMinCells ? ReduceMode::kOwner : ReduceMode::kRoot;
}

std::vector<std::int64_t> all_period_keys(const std::vector<Layer>& layers, PeriodKind kind,
                                          MPI_Comm comm) {
  if (kind == PeriodKind::kAll) return {0};
  std::ostringstream mine;
  for (const auto& [key, fields] : layers.front().periods) mine << key << ' ';
  std::set<std::int64_t> keys;
  for (const auto& text : allgather_strings(mine.str(), comm)) {
    std::istringstream in(text);
    for (std::int64_t key; in >> key;) keys.insert(key);
  }
  return {keys.begin(), keys.end()};
}

LocalTiles local_tiles(Layer& layer, std::int64_t key, const TileGrid& tiles) {
  LocalTiles local;
  const auto it = layer.periods.find(key);
  if (it == layer.periods.end()) return local;
  local.data = HostTiles(it->second);
  const std::vector<std::int64_t>& ids = it->second.allocated;
  for (std::size_t slot = 0; slot < ids.size(); ++slot)
    local.by_tile_row[ids[slot] / tiles.tiles_x].emplace_back(ids[slot],
                                                              static_cast<std::int64_t>(slot));
  layer.periods.erase(it);  // on a device, releases the device copy
  return local;
}

namespace {

/// Tiles of other ranks' rows on their way to their owners: id -> layout.count * per_tile
/// values (field-major, wide), each the combination of the copies met so far.
using HeldTiles = std::map<std::int64_t, std::vector<std::int64_t>>;

/// Elements per point-to-point message: far below 2^31, so any amount goes in pieces.
constexpr std::int64_t kPieceElements = std::int64_t{1} << 27;

/// The rank owning tile row `tile_row`.
int owner_of(const Ownership& own, std::int64_t tile_row) {
  const auto it = std::upper_bound(own.first.begin(), own.first.end(), tile_row);
  return static_cast<int>(it - own.first.begin()) - 1;
}

/// Serializes the tiles of `held` for which `goes(owner)` into records (tile id, values) and
/// removes them from `held`.
template <class Goes>
std::vector<std::int64_t> take_records(HeldTiles& held, const Ownership& own, Goes goes) {
  std::vector<std::int64_t> records;
  for (auto it = held.begin(); it != held.end();) {
    if (!goes(owner_of(own, it->first / own.tiles.tiles_x))) {
      ++it;
      continue;
    }
    records.push_back(it->first);
    records.insert(records.end(), it->second.begin(), it->second.end());
    it = held.erase(it);
  }
  return records;
}

/// Combines records (tile id, values) into `held`: a tile met before adds to its values.
void merge_records(const std::vector<std::int64_t>& records, const FieldLayout& layout,
                   std::int64_t per_tile, HeldTiles& held) {
  const std::int64_t record = 1 + layout.count * per_tile;
  for (std::size_t at = 0; at < records.size(); at += static_cast<std::size_t>(record)) {
    const std::int64_t* values = &records[at + 1];
    auto [it, fresh] = held.try_emplace(records[at]);
    if (fresh) {
      it->second.assign(values, values + record - 1);
    } else {
      combine_values(layout, per_tile, TileAddress{it->second.data(), per_tile, nullptr},
                     TileValues{values, per_tile, nullptr});
    }
  }
}

/// Sends `send` to `partner` and returns what `partner` sent (any size: in pieces); a
/// negative partner on either side: that side is left out.
std::vector<std::int64_t> swap_with(const std::vector<std::int64_t>& send, int send_to,
                                    int receive_from, MPI_Comm comm) {
  constexpr int kCountTag = 71, kDataTag = 72;
  std::int64_t send_count = static_cast<std::int64_t>(send.size()), receive_count = 0;
  MPI_Sendrecv(
      &send_count, send_to >= 0 ? 1 : 0, MPI_INT64_T, send_to >= 0 ? send_to : MPI_PROC_NULL,
      kCountTag, &receive_count, receive_from >= 0 ? 1 : 0, MPI_INT64_T,
      receive_from >= 0 ? receive_from : MPI_PROC_NULL, kCountTag, comm, MPI_STATUS_IGNORE);
  if (send_to < 0) send_count = 0;
  if (receive_from < 0) receive_count = 0;
  std::vector<std::int64_t> received(static_cast<std::size_t>(receive_count));
  for (std::int64_t done_sent = 0, done_received = 0;
       done_sent < send_count || done_received < receive_count;) {
    const int out = static_cast<int>(std::min(kPieceElements, send_count - done_sent));
    const int in = static_cast<int>(std::min(kPieceElements, receive_count - done_received));
    MPI_Sendrecv(send.data() + done_sent, out, MPI_INT64_T, out > 0 ? send_to : MPI_PROC_NULL,
                 kDataTag, received.data() + done_received, in, MPI_INT64_T,
                 in > 0 ? receive_from : MPI_PROC_NULL, kDataTag, comm, MPI_STATUS_IGNORE);
    done_sent += out;
    done_received += in;
  }
  return received;
}

}  // namespace

std::vector<std::int64_t> exchange_tile_row(const LocalTiles& local, const FieldLayout& layout,
                                            const Ownership& own, std::int64_t step,
                                            MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  inject_fault("exchange", "tile row " + std::to_string(step));
  const std::int64_t per_tile = own.tiles.cells_per_tile();
  // This rank's tiles of the other owners' step-th rows (its own stay where they are).
  HeldTiles held;
  for (int r = 0; r < size; ++r) {
    const std::int64_t tile_row = own.first[r] + step;
    const auto it = local.by_tile_row.find(tile_row);
    if (r == rank || tile_row >= own.first[r + 1] || it == local.by_tile_row.end()) continue;
    for (const auto& [tile, slot] : it->second) {
      std::vector<std::int64_t>& values = held[tile];
      values.resize(static_cast<std::size_t>(layout.count * per_tile));
      for (int f = 0; f < layout.count; ++f)
        copy_field(per_tile, local.data.tile(slot), f, layout, &values[f * per_tile]);
    }
  }
  // Recursive halving over the largest power of two p2 <= size ranks; rank g < p2 gathers
  // the tiles of owner g and of owner g + p2 (an "extra" rank), which first hands it all it
  // holds and at the end gets its own row's tiles back. Per rank: log2(p2) + 2 messages per
  // step, each at most the tiles it holds (combined copies), whatever the number of ranks.
  int p2 = 1;
  while (p2 * 2 <= size) p2 *= 2;
  const auto gatherer = [p2](int owner) { return owner < p2 ? owner : owner - p2; };
  if (rank >= p2) {
    swap_with(take_records(held, own, [](int) { return true; }), rank - p2, -1, comm);
  } else if (rank + p2 < size) {
    merge_records(swap_with({}, -1, rank + p2, comm), layout, per_tile, held);
  }
  if (rank < p2) {
    for (int bit = p2 / 2; bit >= 1; bit /= 2) {
      const int partner = rank ^ bit;
      const std::vector<std::int64_t> outgoing = take_records(
          held, own, [&](int owner) { return (gatherer(owner) & bit) != (rank & bit); });
      merge_records(swap_with(outgoing, partner, partner, comm), layout, per_tile, held);
    }
  }
  // Now rank g < p2 holds only owner g's and owner g + p2's tiles.
  if (rank < p2 && rank + p2 < size) {
    swap_with(take_records(held, own, [&](int owner) { return owner == rank + p2; }), rank + p2, -1,
              comm);
  } else if (rank >= p2) {
    merge_records(swap_with({}, -1, rank - p2, comm), layout, per_tile, held);
  }
  return take_records(held, own, [](int) { return true; });
}

void finalize_tile_row(const LocalTiles& local, std::int64_t tile_row,
                       const std::vector<std::int64_t>& received, const FieldLayout& layout,
                       const TileGrid& tiles, const Config& config, RowBlock& block,
                       std::vector<char>* has_data) {
  inject_fault("reduce", "tile row " + std::to_string(tile_row));
  const std::int64_t per_tile = tiles.cells_per_tile();
  const std::int64_t record = 1 + layout.count * per_tile;
  const std::int64_t first_cell = block.rows.row_begin * tiles.nx;
  const std::size_t cells = static_cast<std::size_t>(block.rows.row_count * tiles.nx);
  for (std::size_t s = 0; s < config.stats.size(); ++s) {
    block.values[s].assign(cells, std::numeric_limits<float>::quiet_NaN());
    block.counts[s].assign(cells, 0);
  }
  // Several ranks may hold the same tile: group the copies by tile.
  std::map<std::int64_t, std::vector<TileValues>> copies_of_tile;
  if (const auto it = local.by_tile_row.find(tile_row); it != local.by_tile_row.end())
    for (const auto& [id, slot] : it->second) copies_of_tile[id].push_back(local.data.tile(slot));
  for (std::int64_t at = 0; at < static_cast<std::int64_t>(received.size()); at += record)
    copies_of_tile[received[at]].push_back(TileValues{&received[at + 1], per_tile});
  const HostFields identity = make_dense_identity(layout, per_tile);
  HostFields tile(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tile"), layout.count,
                  per_tile);
  for (const auto& [id, copies] : copies_of_tile) {
    Kokkos::deep_copy(tile, identity);
    for (const TileValues& copy : copies)
      combine_values(layout, per_tile, TileAddress{tile.data(), per_tile}, copy);
    std::int64_t filled = 0;
    const std::vector<StatGrid> grids =
        finalize_stats(tile, layout, config.weighting, config.stats, &filled, config.stdev_form);
    for (std::int64_t offset = 0; offset < per_tile; ++offset) {
      const std::int64_t cell = tiles.cell_of(id, offset);
      if (cell < 0) continue;  // past the grid's edge
      const auto at = static_cast<std::size_t>(cell - first_cell);
      for (std::size_t s = 0; s < grids.size(); ++s) {
        if (grids[s].is_count)
          block.counts[s][at] = grids[s].counts[offset];
        else
          block.values[s][at] = grids[s].values[offset];
      }
      if (has_data && layout.observations(tile(layout.slot[kObservations], offset)) > 0)
        (*has_data)[at] = 1;
    }
  }
}

}  // namespace swathgrid
