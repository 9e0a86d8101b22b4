#include "reduce/tile_exchange.hpp"

#include <algorithm>
#include <climits>
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

std::vector<std::int64_t> exchange_tile_row(const LocalTiles& local, const FieldLayout& layout,
                                            const Ownership& own, std::int64_t step,
                                            MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  inject_fault("exchange", "tile row " + std::to_string(step));
  const std::int64_t per_tile = own.tiles.cells_per_tile();
  std::vector<int> send_counts(size), send_offsets(size), recv_counts(size), recv_offsets(size);
  std::vector<std::int64_t> send;
  std::string error;
  for (int r = 0; r < size; ++r) {
    send_offsets[r] = static_cast<int>(send.size());
    const std::int64_t tile_row = own.first[r] + step;
    const auto it = local.by_tile_row.find(tile_row);
    if (r != rank && tile_row < own.first[r + 1] && it != local.by_tile_row.end()) {
      for (const auto& [tile, slot] : it->second) {
        send.push_back(tile);
        const TileValues values = local.data.tile(slot);
        const std::size_t at = send.size();
        send.resize(at + static_cast<std::size_t>(layout.count * per_tile));
        for (int f = 0; f < layout.count; ++f)
          copy_field(per_tile, values, f, layout, &send[at + f * per_tile]);
      }
    }
    if (send.size() >= static_cast<std::size_t>(INT_MAX)) {
      error = "reduction: more than 2^31 values to send in one exchange; use a smaller --tile";
      send.clear();
      break;
    }
    send_counts[r] = static_cast<int>(send.size()) - send_offsets[r];
  }
  agree_on_error(error, comm);
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, comm);
  std::int64_t total = 0;
  for (int r = 0; r < size; ++r) {
    recv_offsets[r] = static_cast<int>(std::min<std::int64_t>(total, INT_MAX));
    total += recv_counts[r];
  }
  agree_on_error(total < INT_MAX ? ""
                                 : "reduction: more than 2^31 values to receive in one "
                                   "exchange; use a smaller --tile",
                 comm);
  std::vector<std::int64_t> received(static_cast<std::size_t>(total));
  MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_INT64_T, received.data(),
                recv_counts.data(), recv_offsets.data(), MPI_INT64_T, comm);
  return received;
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
