#include "composite_output.hpp"

#include <algorithm>
#include <climits>
#include <set>
#include <sstream>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

namespace {

/// The rows each rank owns: rank r owns tile rows [first[r], first[r + 1]). `root`: rank 0
/// owns all; `owner`: contiguous blocks of tile rows, as even as whole tile rows allow.
struct Ownership {
  TileGrid tiles;
  std::vector<std::int64_t> first;  ///< size ranks + 1, in tile rows

  Ownership(const TileGrid& tile_grid, ReduceMode mode, int ranks) : tiles(tile_grid) {
    for (int r = 0; r <= ranks; ++r)
      first.push_back(mode == ReduceMode::kRoot ? (r == 0 ? 0 : tiles.tiles_y)
                                                : tiles.tiles_y * r / ranks);
  }
  int owner_of(std::int64_t tile) const {
    const std::int64_t tile_row = tile / tiles.tiles_x;
    int r = 0;
    while (first[r + 1] <= tile_row) ++r;
    return r;
  }
  RowBand rows_of(int rank) const {
    const std::int64_t begin = std::min(tiles.ny, first[rank] * tiles.tile_size);
    const std::int64_t end = std::min(tiles.ny, first[rank + 1] * tiles.tile_size);
    return RowBand{begin, end - begin};
  }
};

/// One layer's accumulators of one period, combined over all ranks: every tile goes to the
/// rank owning its rows (MPI_Alltoallv of the tiles that exist), which combines them into a
/// dense band of its rows. Integer sums and min/max keys combine exactly in any order.
HostFields exchange_to_owners(Layer& layer, std::int64_t key, const Ownership& own, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const FieldLayout& layout = layer.layout;
  const TileGrid& tiles = own.tiles;
  const std::int64_t per_tile = tiles.cells_per_tile();
  const std::int64_t record = 1 + layout.count * per_tile;  // tile id, then its fields
  std::vector<std::int64_t> ids;
  HostFields local;
  if (auto it = layer.periods.find(key); it != layer.periods.end()) {
    ids = it->second.allocated;
    local = Kokkos::create_mirror_view_and_copy(HostSpace(), it->second.data);
    layer.periods.erase(it);  // release the device copy
  }
  // Pack the tiles grouped by owner.
  std::vector<std::vector<std::size_t>> by_owner(static_cast<std::size_t>(size));
  for (std::size_t slot = 0; slot < ids.size(); ++slot)
    by_owner[own.owner_of(ids[slot])].push_back(slot);
  std::vector<int> send_counts(size), send_offsets(size), recv_counts(size), recv_offsets(size);
  std::vector<std::int64_t> send;
  send.reserve(ids.size() * static_cast<std::size_t>(record));
  for (int r = 0; r < size; ++r) {
    send_offsets[r] = static_cast<int>(send.size());
    for (std::size_t slot : by_owner[r]) {
      send.push_back(ids[slot]);
      for (int f = 0; f < layout.count; ++f)
        send.insert(send.end(), &local(f, static_cast<std::int64_t>(slot) * per_tile),
                    &local(f, static_cast<std::int64_t>(slot) * per_tile) + per_tile);
    }
    const auto count = static_cast<std::int64_t>(send.size()) - send_offsets[r];
    SWATHGRID_REQUIRE(send.size() < static_cast<std::size_t>(INT_MAX),
                      "reduction: more than 2^31 values to send in one exchange; use more "
                      "ranks or --reduce owner with smaller --tile");
    send_counts[r] = static_cast<int>(count);
  }
  MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, comm);
  std::int64_t total = 0;
  for (int r = 0; r < size; ++r) {
    recv_offsets[r] = static_cast<int>(total);
    total += recv_counts[r];
  }
  SWATHGRID_REQUIRE(total < INT_MAX,
                    "reduction: more than 2^31 values to receive in one "
                    "exchange; use --reduce owner or more ranks");
  std::vector<std::int64_t> received(static_cast<std::size_t>(total));
  MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_INT64_T, received.data(),
                recv_counts.data(), recv_offsets.data(), MPI_INT64_T, comm);
  const RowBand band = own.rows_of(rank);
  HostFields dense = make_dense_identity(layout, band.row_count * tiles.nx);
  for (std::int64_t at = 0; at < total; at += record)
    combine_tile(dense, layout, tiles, received[at], &received[at + 1], band.row_begin * tiles.nx);
  return dense;
}

std::vector<std::pair<std::string, std::string>> stat_attributes(const VariableInfo& info,
                                                                 Stat stat) {
  const std::string what = info.long_name.empty() ? info.name : info.long_name;
  if (stat == Stat::kCount)
    return {{"long_name", "number of observations of " + what}, {"units", "1"}};
  if (stat == Stat::kNgranules)
    return {{"long_name", "number of granules observing " + what}, {"units", "1"}};
  const std::string method = stat == Stat::kStdev   ? "standard_deviation"
                             : stat == Stat::kMin   ? "minimum"
                             : stat == Stat::kMax   ? "maximum"
                             : stat == Stat::kGmean ? "mean (geometric)"
                                                    : "mean";
  std::vector<std::pair<std::string, std::string>> attrs;
  attrs.emplace_back("long_name", stat == Stat::kMean ? what : what + ", " + stat_name(stat));
  if (!info.standard_name.empty() && stat != Stat::kStdev)
    attrs.emplace_back("standard_name", info.standard_name);
  if (!info.units.empty()) attrs.emplace_back("units", info.units);
  attrs.emplace_back("cell_methods", "area: " + method + " time: " + method);
  return attrs;
}

/// The wavelengths of the banded variables (all must share them).
std::vector<double> shared_wavelengths(const std::vector<Layer>& layers) {
  std::vector<double> wavelengths;
  std::size_t variable_of_axis = 0;
  for (std::size_t v = 0; !layers.empty() && v <= layers.back().variable; ++v) {
    std::vector<double> mine;
    for (const Layer& layer : layers)
      if (layer.variable == v && layer.bands > 1) mine.push_back(layer.wavelength_nm);
    if (mine.empty()) continue;
    if (!wavelengths.empty() && mine != wavelengths)
      throw Error("--var: 3-D variables " + layers[variable_of_axis].info.name + " and " +
                  layers[v].info.name + " have different wavelengths; grid them in two runs");
    wavelengths = mine;
    variable_of_axis = v;
  }
  return wavelengths;
}

/// Output buffers of one variable: one per statistic, [time][band][cell].
struct VariableOutput {
  const Layer* first_layer = nullptr;
  std::size_t bands = 1;
  std::vector<StatGrid> grids;
};

}  // namespace

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

std::int64_t reduce_and_write(const Config& config, const GridDefinition& grid,
                              std::vector<Layer>& layers, OutputMetadata meta, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const Ownership own(TileGrid(config.tile_size, grid.spec.nx, grid.spec.ny),
                      resolve_reduce_mode(config.reduce, grid.spec), size);
  const RowBand band = own.rows_of(rank);
  const std::int64_t cells = band.row_count * grid.spec.nx;  // this rank's rows
  const auto keys = all_period_keys(layers, config.period, comm);
  if (config.period != PeriodKind::kAll)
    for (std::int64_t key : keys) {
      const Period p = period_from_key(key, config.period);
      meta.times.push_back(
          OutputTime{static_cast<double>(p.start_day), static_cast<double>(p.end_day), p.label});
    }
  meta.wavelengths_nm = shared_wavelengths(layers);

  std::vector<VariableOutput> outputs(config.variables.size());
  for (const Layer& layer : layers) {
    VariableOutput& out = outputs[layer.variable];
    if (!out.first_layer) out.first_layer = &layer;
    out.bands = layer.bands;
  }
  std::vector<char> has_data(static_cast<std::size_t>(cells), 0);  // any period, first layer
  const std::size_t times = keys.size();
  for (std::size_t t = 0; t < times; ++t) {
    for (Layer& layer : layers) {
      const HostFields host = exchange_to_owners(layer, keys[t], own, comm);
      std::int64_t filled = 0;
      const auto grids =
          finalize_stats(host, layer.layout, config.weighting, config.stats, &filled);
      if (&layer == &layers.front()) {
        for (std::int64_t c = 0; c < cells; ++c)
          has_data[c] |= host(layer.layout.slot[kObservations], c) > 0 ? 1 : 0;
      }
      VariableOutput& out = outputs[layer.variable];
      const std::size_t plane = static_cast<std::size_t>(cells);
      const std::size_t offset = (t * out.bands + layer.band) * plane;
      if (out.grids.empty()) {
        for (const StatGrid& g : grids) {
          StatGrid whole{g.stat, g.is_count, {}, {}};
          (g.is_count ? whole.counts.resize(times * out.bands * plane)
                      : whole.values.resize(times * out.bands * plane));
          out.grids.push_back(std::move(whole));
        }
      }
      for (std::size_t s = 0; s < grids.size(); ++s) {
        if (grids[s].is_count)
          std::copy(grids[s].counts.begin(), grids[s].counts.end(),
                    out.grids[s].counts.begin() + offset);
        else
          std::copy(grids[s].values.begin(), grids[s].values.end(),
                    out.grids[s].values.begin() + offset);
      }
    }
  }

  std::vector<OutputField> fields;
  for (const VariableOutput& out : outputs) {
    for (std::size_t s = 0; s < config.stats.size(); ++s) {
      const Stat stat = config.stats[s];
      const VariableInfo& info = out.first_layer->info;
      OutputField field{stat == Stat::kMean ? info.name : info.name + "_" + stat_name(stat),
                        stat == Stat::kCount || stat == Stat::kNgranules,
                        stat_attributes(info, stat),
                        nullptr,
                        nullptr,
                        out.bands > 1};
      if (cells > 0) {
        field.values = out.grids[s].values.data();
        field.counts = out.grids[s].counts.data();
      }
      fields.push_back(std::move(field));
    }
  }
  write_composite(config.output, grid, meta, fields, band, comm);
  return allreduce_sum(std::count(has_data.begin(), has_data.end(), 1), comm);
}

}  // namespace swathgrid
