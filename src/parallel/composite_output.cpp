#include "composite_output.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

namespace {

constexpr int kRoot = 0;

constexpr int kTileTag = 17;

/// One layer's accumulators of one period, combined over all ranks onto the root as a dense
/// grid (the other ranks get an empty view). Every rank sends only the tiles it has; integer
/// sums and min/max keys combine exactly in any order.
HostFields reduce_layer_period(Layer& layer, std::int64_t key, const TileGrid& tiles,
                               MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const FieldLayout& layout = layer.layout;
  const std::int64_t per_tile = tiles.cells_per_tile();
  const auto tile_values = static_cast<int>(layout.count * per_tile);
  std::vector<std::int64_t> ids;
  HostFields local;
  if (auto it = layer.periods.find(key); it != layer.periods.end()) {
    ids = it->second.allocated;
    local = Kokkos::create_mirror_view_and_copy(HostSpace(), it->second.data);
    layer.periods.erase(it);  // release the device copy
  }
  std::vector<std::int64_t> buffer(static_cast<std::size_t>(tile_values));
  auto pack = [&](std::size_t slot) {
    for (int f = 0; f < layout.count; ++f)
      std::copy_n(&local(f, static_cast<std::int64_t>(slot) * per_tile), per_tile,
                  buffer.data() + f * per_tile);
  };
  std::int64_t count = static_cast<std::int64_t>(ids.size());
  if (rank != kRoot) {
    MPI_Send(&count, 1, MPI_INT64_T, kRoot, kTileTag, comm);
    for (std::size_t slot = 0; slot < ids.size(); ++slot) {
      pack(slot);
      MPI_Send(&ids[slot], 1, MPI_INT64_T, kRoot, kTileTag, comm);
      MPI_Send(buffer.data(), tile_values, MPI_INT64_T, kRoot, kTileTag, comm);
    }
    return HostFields();
  }
  HostFields dense = make_dense_identity(layout, tiles.nx * tiles.ny);
  for (std::size_t slot = 0; slot < ids.size(); ++slot) {
    pack(slot);
    combine_tile(dense, layout, tiles, ids[slot], buffer.data());
  }
  for (int r = 1; r < size; ++r) {  // rank order; the result does not depend on it
    MPI_Recv(&count, 1, MPI_INT64_T, r, kTileTag, comm, MPI_STATUS_IGNORE);
    for (std::int64_t i = 0; i < count; ++i) {
      std::int64_t tile = 0;
      MPI_Recv(&tile, 1, MPI_INT64_T, r, kTileTag, comm, MPI_STATUS_IGNORE);
      MPI_Recv(buffer.data(), tile_values, MPI_INT64_T, r, kTileTag, comm, MPI_STATUS_IGNORE);
      combine_tile(dense, layout, tiles, tile, buffer.data());
    }
  }
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
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const std::int64_t cells = grid.spec.cell_count();
  const auto keys = all_period_keys(layers, config.period, comm);
  if (config.period != PeriodKind::kAll)
    for (std::int64_t key : keys) {
      const Period p = period_from_key(key, config.period);
      meta.times.push_back(OutputTime{static_cast<double>(p.start_day),
                                      static_cast<double>(p.end_day), p.label});
    }
  meta.wavelengths_nm = shared_wavelengths(layers);

  std::vector<VariableOutput> outputs(config.variables.size());
  for (const Layer& layer : layers) {
    VariableOutput& out = outputs[layer.variable];
    if (!out.first_layer) out.first_layer = &layer;
    out.bands = layer.bands;
  }
  std::vector<char> has_data;  // root: cells with observations in any period (first layer)
  const std::size_t times = keys.size();
  for (std::size_t t = 0; t < times; ++t) {
    for (Layer& layer : layers) {
      const HostFields host = reduce_layer_period(
          layer, keys[t], TileGrid(config.tile_size, grid.spec.nx, grid.spec.ny), comm);
      if (rank != kRoot) continue;
      std::int64_t filled = 0;
      const auto grids =
          finalize_stats(host, layer.layout, config.weighting, config.stats, &filled);
      if (&layer == &layers.front()) {
        has_data.resize(static_cast<std::size_t>(cells), 0);
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
                        stat_attributes(info, stat), nullptr, nullptr, out.bands > 1};
      if (rank == kRoot) {
        field.values = out.grids[s].values.data();
        field.counts = out.grids[s].counts.data();
      }
      fields.push_back(std::move(field));
    }
  }
  const RowBand band = rank == kRoot ? RowBand{0, grid.spec.ny} : RowBand{};
  write_composite(config.output, grid, meta, fields, band, comm);
  std::int64_t cells_with_data = std::count(has_data.begin(), has_data.end(), 1);
  MPI_Bcast(&cells_with_data, 1, MPI_INT64_T, kRoot, comm);
  return cells_with_data;
}

}  // namespace swathgrid
