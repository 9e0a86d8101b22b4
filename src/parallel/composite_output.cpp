#include "composite_output.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/periods.hpp"
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
};

/// One layer's accumulators of one period on this rank, on the host (the device copy itself
/// when the device is the host), indexed by tile row.
struct LocalTiles {
  HostTiles data;
  /// (tile id, slot) of the tiles of each tile row.
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> by_tile_row;
};

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

/// Step `step` of the exchange: every rank sends each other owner the tiles it holds of that
/// owner's step-th tile row (MPI_Alltoallv of the tiles that exist) and receives those of its
/// own from the others (its own tiles stay where they are). Returns records (tile id, then
/// layout.count x cells_per_tile values, field-major).
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
  agree_on_error(total < INT_MAX ? "" : "reduction: more than 2^31 values to receive in one "
                                        "exchange; use a smaller --tile",
                 comm);
  std::vector<std::int64_t> received(static_cast<std::size_t>(total));
  MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_INT64_T, received.data(),
                recv_counts.data(), recv_offsets.data(), MPI_INT64_T, comm);
  return received;
}

/// The statistics of one layer and period over one block of rows, ready to write:
/// stat s of cell (row - rows.row_begin) * nx + column.
struct RowBlock {
  RowBand rows;
  std::vector<std::vector<float>> values;         ///< per float statistic (NaN: no data)
  std::vector<std::vector<std::int32_t>> counts;  ///< per count statistic (0: no data)
};

/// Combines the copies of the tiles of one tile row (this rank's own, from `local`, and those
/// `received` from the others) tile by tile and finalizes their statistics into `block`;
/// marks the cells with observations in `has_data` (when given).
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

/// CF cell_methods (CF 1.8, 7.3) of a statistic, true to how it is made (docs/user-guide.md,
/// "Output metadata"). bin with pixel weights takes one statistic over every pixel of the cell
/// and period ("area: time:"); with granule weights, each granule's cell mean first, then the
/// statistic over granules; l2bin's sqrt weights weigh pixels by granule. nearest and warp
/// sample a point (the nearest pixel) per granule, then combine granules over time.
std::string cell_methods(const std::string& method, Weighting weighting, Stat stat) {
  const std::string name = stat == Stat::kStdev ? "standard_deviation"
                           : stat == Stat::kMin ? "minimum"
                           : stat == Stat::kMax ? "maximum"
                                                : "mean";
  const std::string geometric = stat == Stat::kGmean ? " (geometric)" : "";
  if (method != "bin") return "area: point time: " + name + geometric;
  if (weighting == Weighting::kPixel) return "area: time: " + name + geometric;
  if (weighting == Weighting::kGranule)
    return "area: mean" + geometric + " time: " + name + geometric;
  const std::string sqrt_weights = "granules weighted by sqrt of their pixels, as l2bin";
  if (stat == Stat::kStdev)
    return "area: time: standard_deviation (" + sqrt_weights + ", bias-corrected)";
  if (stat == Stat::kMean || stat == Stat::kGmean)
    return "area: time: mean (" + (stat == Stat::kGmean ? "geometric, " : std::string()) +
           sqrt_weights + ")";
  return "area: mean time: " + name;  // min, max of the granule means
}

std::vector<std::pair<std::string, std::string>> stat_attributes(const VariableInfo& info,
                                                                 const Config& config, Stat stat) {
  const std::string what = info.long_name.empty() ? info.name : info.long_name;
  if (stat == Stat::kCount)
    return {{"long_name", "number of observations of " + what}, {"units", "1"}};
  if (stat == Stat::kNgranules)
    return {{"long_name", "number of granules observing " + what}, {"units", "1"}};
  std::vector<std::pair<std::string, std::string>> attrs;
  attrs.emplace_back("long_name", stat == Stat::kMean ? what : what + ", " + stat_name(stat));
  if (!info.standard_name.empty() && stat != Stat::kStdev)
    attrs.emplace_back("standard_name", info.standard_name);
  if (!info.units.empty()) attrs.emplace_back("units", info.units);
  std::string methods = cell_methods(config.method, config.weighting, stat);
  if (stat == Stat::kStdev && config.stdev_form == StdevForm::kSample)
    methods += " (sample form, divided by n - 1)";
  attrs.emplace_back("cell_methods", methods);
  return attrs;
}

/// time_coverage_start/end: the bounds of the composite's periods (as NASA's L3m files).
void set_time_coverage(OutputMetadata& meta) {
  if (meta.times.empty()) return;  // --period all: the granules' earliest start (composite.cpp)
  double first = meta.times.front().start_day, last = meta.times.front().end_day;
  for (const OutputTime& t : meta.times) {
    first = std::min(first, t.start_day);
    last = std::max(last, t.end_day);
  }
  const std::pair<std::string, std::string> coverage[] = {
      {"time_coverage_start", day_start_iso8601(static_cast<std::int64_t>(first))},
      {"time_coverage_end", day_start_iso8601(static_cast<std::int64_t>(last))}};
  for (const auto& [name, value] : coverage) {
    const auto at = std::find_if(meta.extra.begin(), meta.extra.end(),
                                 [&name = name](const auto& entry) { return entry.first == name; });
    if (at != meta.extra.end())
      at->second = value;
    else
      meta.extra.emplace_back(name, value);
  }
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

namespace {

/// reduce_and_write's work, with the writer owned by the caller.
ReduceWriteResult reduce_and_write_into(const Config& config, const GridDefinition& grid,
                                        std::vector<Layer>& layers, OutputMetadata meta,
                                        const std::string& staged_output, MPI_Comm comm,
                                        std::optional<CompositeWriter>& writer) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const TileGrid tiles(config.tile_size, grid.spec.nx, grid.spec.ny);
  const Ownership own(tiles, resolve_reduce_mode(config.reduce, grid.spec), size);
  const auto keys = all_period_keys(layers, config.period, comm);
  if (config.period != PeriodKind::kAll)
    for (std::int64_t key : keys) {
      const Period p = period_from_key(key, config.period);
      meta.times.push_back(
          OutputTime{static_cast<double>(p.start_day), static_cast<double>(p.end_day), p.label});
    }
  set_time_coverage(meta);
  meta.wavelengths_nm = shared_wavelengths(layers);

  // One output field per (variable, statistic), in that order.
  const std::size_t stat_count = config.stats.size();
  std::vector<OutputField> fields;
  for (std::size_t v = 0; v < config.variables.size(); ++v) {
    const auto first = std::find_if(layers.begin(), layers.end(),
                                    [v](const Layer& layer) { return layer.variable == v; });
    for (Stat stat : config.stats) {
      const VariableInfo& info = first->info;
      fields.push_back(
          OutputField{stat == Stat::kMean ? info.name : info.name + "_" + stat_name(stat),
                      stat == Stat::kCount || stat == Stat::kNgranules,
                      stat_attributes(info, config, stat), nullptr, nullptr, first->bands > 1});
    }
  }
  ReduceWriteResult result;
  auto write_start = std::chrono::steady_clock::now();
  const auto add_write_time = [&result, &write_start] {
    result.write_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
  };
  writer.emplace(config.output, grid, meta, fields, comm, staged_output);
  add_write_time();

  // local[t][l]: this rank's tiles of layer l in period t.
  std::vector<std::vector<LocalTiles>> local(keys.size());
  for (std::size_t t = 0; t < keys.size(); ++t)
    for (Layer& layer : layers) local[t].push_back(local_tiles(layer, keys[t], tiles));

  // Tile row by tile row: every rank takes as many steps as the rank owning the most tile
  // rows, so that all make the same collective calls; a rank past its own rows takes part
  // with nothing. Memory: one tile row of statistics, never the whole band.
  const std::int64_t owned = own.first[rank + 1] - own.first[rank];
  const auto steps = static_cast<std::int64_t>(allreduce_max(static_cast<double>(owned), comm));
  std::int64_t cells_with_data = 0;
  RowBlock block;
  block.values.resize(stat_count);
  block.counts.resize(stat_count);
  std::vector<char> has_data;  // any period, first layer
  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t tile_row = step < owned ? own.first[rank] + step : -1;  // -1: none
    block.rows = RowBand{};
    if (tile_row >= 0) {
      block.rows.row_begin = tile_row * tiles.tile_size;
      block.rows.row_count = std::min(tiles.tile_size, tiles.ny - block.rows.row_begin);
    }
    has_data.assign(static_cast<std::size_t>(block.rows.row_count * tiles.nx), 0);
    for (std::size_t t = 0; t < keys.size(); ++t) {
      for (std::size_t l = 0; l < layers.size(); ++l) {
        const Layer& layer = layers[l];
        const std::vector<std::int64_t> received =
            exchange_tile_row(local[t][l], layer.layout, own, step, comm);
        std::string error;
        try {
          finalize_tile_row(local[t][l], tile_row, received, layer.layout, tiles, config, block,
                            l == 0 ? &has_data : nullptr);
        } catch (const std::exception& e) {
          error = e.what();
        }
        agree_on_error(error, comm);
        write_start = std::chrono::steady_clock::now();
        for (std::size_t s = 0; s < stat_count; ++s) {
          const std::size_t field = layer.variable * stat_count + s;
          if (fields[field].is_count)
            writer->write_rows(field, t, layer.band, block.rows, block.counts[s].data());
          else
            writer->write_rows(field, t, layer.band, block.rows, block.values[s].data());
        }
        add_write_time();
      }
    }
    cells_with_data += std::count(has_data.begin(), has_data.end(), 1);
  }
  write_start = std::chrono::steady_clock::now();
  writer->commit();
  add_write_time();
  result.cells_with_data = allreduce_sum(cells_with_data, comm);
  return result;
}

}  // namespace

ReduceWriteResult reduce_and_write(const Config& config, const GridDefinition& grid,
                                   std::vector<Layer>& layers, OutputMetadata meta,
                                   const std::string& staged_output, MPI_Comm comm) {
  // The writer's destructor makes collective calls: a rank failing here alone (outside the
  // agreed steps: the tile exchange, an unexpected exception) must not reach it while the
  // others wait in another collective call, so it is destroyed after this check.
  std::optional<CompositeWriter> writer;
  try {
    return reduce_and_write_into(config, grid, layers, std::move(meta), staged_output, comm,
                                 writer);
  } catch (const std::exception& e) {
    fail_together(kExitFailure, std::string("error: ") + e.what());
    throw;
  }
}

}  // namespace swathgrid
