// run_composite: schedule -> read -> regrid -> fold -> reduce -> finalize -> write.

#include "swathgrid/composite.hpp"

#include <chrono>
#include <climits>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "layers.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/netcdf_writer.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/schedule.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// What one rank did with its granules.
struct LocalResult {
  std::int64_t granules_read = 0, granules_missing_grid = 0;
  std::int64_t pixels_binned = 0, pixels_outside = 0, pixels_unrepresentable = 0;
  std::int64_t pixels_flagged = 0, bytes_read = 0;
  double read_seconds = 0.0, regrid_seconds = 0.0;
  std::string earliest_start;  ///< smallest time_coverage_start (ISO strings sort by time)
  std::string error;           ///< first failure, "" when none
};

/// Regrids one granule into every layer's accumulators.
void regrid_granule(const Granule& granule, const Config& config, const GridSpec& grid,
                    std::vector<Layer>& layers, LocalResult& local) {
  PixelView lon, lat, values;
  copy_to_device(granule.longitude, lon, "swathgrid::lon");
  copy_to_device(granule.latitude, lat, "swathgrid::lat");
  const RowWindow window = granule_rows(lon, lat, grid);
  if (window.empty()) {
    ++local.granules_missing_grid;
    return;
  }
  const std::size_t plane = granule.lines * granule.pixels;
  std::vector<float> band_values;
  for (Layer& layer : layers) {
    const GranuleVariable& var = granule.variables[layer.variable];
    band_values.assign(var.values.begin() + layer.band * plane,
                       var.values.begin() + (layer.band + 1) * plane);
    copy_to_device(band_values, values, "swathgrid::values");
    const FieldLayout partial_layout = layer.layout.partial_layout();
    const Fields partials =
        make_fields(partial_layout, window.rows() * grid.nx, "swathgrid::partials");
    const BinTotals totals =
        bin_partials(lon, lat, values, grid, window, partial_layout, partials);
    fold_partials(partials, partial_layout, window, grid.nx, config.weighting, layer.layout,
                  layer.accumulators);
    local.pixels_binned += totals.binned;
    local.pixels_outside += totals.outside_grid;
    local.pixels_unrepresentable += totals.unrepresentable;
  }
}

LocalResult regrid_my_granules(const Config& config, const GridSpec& grid,
                               std::vector<Layer>& layers, MPI_Comm comm) {
  LocalResult local;
  auto schedule = make_schedule(config.schedule, granule_sizes(config.granules, comm), comm);
  const ReadRequest request{config.variables, config.mask_flags};
  while (const auto index = schedule->next()) {
    try {
      auto start = Clock::now();
      const Granule granule = read_granule(config.granules[*index], request);
      local.read_seconds += seconds_since(start);
      local.bytes_read += static_cast<std::int64_t>(granule.bytes_read);
      local.pixels_flagged += granule.pixels_flagged;
      ++local.granules_read;
      if (local.earliest_start.empty() || granule.time_coverage_start < local.earliest_start)
        local.earliest_start = granule.time_coverage_start;

      start = Clock::now();
      regrid_granule(granule, config, grid, layers, local);
      Kokkos::fence();
      local.regrid_seconds += seconds_since(start);
    } catch (const std::exception& e) {  // agreed on below, so no rank is left waiting
      local.error = e.what();
      break;
    }
  }
  schedule.reset();  // collective: every rank has left its loop
  return local;
}

/// Earliest time_coverage_start over all ranks.
std::string earliest_start(const std::string& local, MPI_Comm comm) {
  std::string earliest;
  for (const auto& text : allgather_strings(local, comm))
    if (!text.empty() && (earliest.empty() || text < earliest)) earliest = text;
  return earliest;
}

std::vector<std::pair<std::string, std::string>> stat_attributes(const Layer& layer, Stat stat) {
  const VariableInfo& info = layer.info;
  const std::string what = info.long_name.empty() ? info.name : info.long_name;
  std::vector<std::pair<std::string, std::string>> attrs;
  if (stat == Stat::kCount)
    return {{"long_name", "number of observations of " + what}, {"units", "1"}};
  if (stat == Stat::kNgranules)
    return {{"long_name", "number of granules observing " + what}, {"units", "1"}};
  const std::string method = stat == Stat::kStdev   ? "standard_deviation"
                             : stat == Stat::kMin   ? "minimum"
                             : stat == Stat::kMax   ? "maximum"
                             : stat == Stat::kGmean ? "mean (geometric)"
                                                    : "mean";
  attrs.emplace_back("long_name", stat == Stat::kMean ? what : what + ", " + stat_name(stat));
  if (!info.standard_name.empty() && stat != Stat::kStdev)
    attrs.emplace_back("standard_name", info.standard_name);
  if (!info.units.empty()) attrs.emplace_back("units", info.units);
  attrs.emplace_back("cell_methods", "area: " + method + " time: " + method);
  if (layer.wavelength_nm > 0)
    attrs.emplace_back("wavelength", std::to_string(layer.wavelength_nm) + " nm");
  return attrs;
}

std::string output_name(const Layer& layer, Stat stat) {
  return stat == Stat::kMean ? layer.name : layer.name + "_" + stat_name(stat);
}

std::vector<std::string> base_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const auto& p : paths) names.push_back(std::filesystem::path(p).filename().string());
  return names;
}

/// MPI operation combining one accumulated field across ranks.
MPI_Op reduction_op(const FieldLayout& layout, int slot) {
  if (slot == layout.slot[kMinKey]) return MPI_MIN;
  if (slot == layout.slot[kMaxKey]) return MPI_MAX;
  return MPI_SUM;
}

}  // namespace

RunSummary run_composite(const Config& config, const Environment& env) {
  const auto run_start = Clock::now();
  const MPI_Comm comm = env.comm();
  constexpr int kRoot = 0;
  SWATHGRID_REQUIRE(!config.granules.empty(), "no input granules given");
  const GridSpec grid = GridSpec::from_bbox(config.bbox, config.cell_size);
  // Every rank describes the first granule the same way (or fails the same way).
  std::vector<Layer> layers =
      make_layers(describe_variables(config.granules.front(), config.variables), config,
                  grid.cell_count());

  const LocalResult local = regrid_my_granules(config, grid, layers, comm);
  agree_on_error(local.error, comm);

  RunSummary summary;
  summary.granules = static_cast<std::int64_t>(config.granules.size());
  summary.nx = grid.nx;
  summary.ny = grid.ny;
  summary.granules_missing_grid = allreduce_sum(local.granules_missing_grid, comm);
  summary.pixels_binned = allreduce_sum(local.pixels_binned, comm);
  summary.pixels_outside = allreduce_sum(local.pixels_outside, comm);
  summary.pixels_unrepresentable = allreduce_sum(local.pixels_unrepresentable, comm);
  summary.pixels_flagged = allreduce_sum(local.pixels_flagged, comm);
  summary.bytes_read = allreduce_sum(local.bytes_read, comm);
  summary.read_seconds_max = allreduce_max(local.read_seconds, comm);
  summary.regrid_seconds_max = allreduce_max(local.regrid_seconds, comm);
  const std::string earliest = earliest_start(local.earliest_start, comm);

  auto start = Clock::now();
  std::vector<HostFields> reduced;
  for (Layer& layer : layers) {
    HostFields host = Kokkos::create_mirror_view_and_copy(HostSpace(), layer.accumulators);
    layer.accumulators = Fields();  // release the device copy
    for (int slot = 0; slot < layer.layout.count; ++slot)
      reduce_to_root(&host(slot, 0), grid.cell_count(), reduction_op(layer.layout, slot), kRoot,
                     comm);
    reduced.push_back(host);
  }
  summary.reduce_seconds = seconds_since(start);

  start = Clock::now();
  std::vector<std::vector<StatGrid>> results(layers.size());
  std::vector<OutputField> fields;
  RowBand band;
  if (env.rank() == kRoot) band = RowBand{0, grid.ny};
  for (std::size_t l = 0; l < layers.size(); ++l) {
    std::int64_t filled = 0;
    if (env.rank() == kRoot)
      results[l] = finalize_stats(reduced[l], layers[l].layout, config.weighting, config.stats,
                                  &filled);
    if (l == 0) summary.cells_with_data = filled;
    for (std::size_t s = 0; s < config.stats.size(); ++s) {
      const Stat stat = config.stats[s];
      const StatGrid* result = env.rank() == kRoot ? &results[l][s] : nullptr;
      OutputField field{output_name(layers[l], stat), stat == Stat::kCount || stat == Stat::kNgranules,
                        stat_attributes(layers[l], stat), nullptr, nullptr};
      if (result) {
        field.values = result->values.data();
        field.counts = result->counts.data();
      }
      fields.push_back(std::move(field));
    }
  }
  OutputMetadata meta;
  meta.title = "swathgrid composite of " + layers.front().info.name;
  meta.history = config.history;
  meta.method = config.method;
  meta.granules = base_names(config.granules);
  meta.extra = {{"weighting", weighting_name(config.weighting)},
                {"l2_flags_masked", config.flags_text},
                {"time_coverage_start", earliest}};
  write_composite(config.output, wgs84_grid(grid), meta, fields, band, comm);
  summary.write_seconds = seconds_since(start);

  MPI_Bcast(&summary.cells_with_data, 1, MPI_INT64_T, kRoot, comm);
  summary.seconds = allreduce_max(seconds_since(run_start), comm);
  return summary;
}

std::string format_summary(const Config& config, const Environment& env,
                           const RunSummary& s) {
  std::ostringstream out;
  const double cells = static_cast<double>(s.nx) * static_cast<double>(s.ny);
  std::string variables;
  for (const auto& v : config.variables) variables += (variables.empty() ? "" : ",") + v;
  std::string stats;
  for (Stat st : config.stats) stats += (stats.empty() ? "" : ",") + stat_name(st);
  out << std::fixed << std::setprecision(2);
  out << "wrote " << config.output << ": " << variables << " (" << stats << ", method "
      << config.method << ", weight " << weighting_name(config.weighting) << ") from "
      << s.granules << " granules on a " << s.nx << " x " << s.ny << " grid ("
      << config.cell_size << " deg cells, bbox " << config.bbox.west << "," << config.bbox.south
      << "," << config.bbox.east << "," << config.bbox.north << "); " << s.cells_with_data
      << " cells with data (" << (cells > 0 ? 100.0 * s.cells_with_data / cells : 0.0)
      << " %); " << s.pixels_binned << " pixel values binned, " << s.pixels_outside
      << " valid outside the grid, " << s.pixels_flagged << " pixels masked by l2_flags ("
      << config.flags_text << ")";
  if (s.granules_missing_grid > 0)
    out << ", " << s.granules_missing_grid << " granules do not touch the grid";
  if (s.pixels_unrepresentable > 0)
    out << ", " << s.pixels_unrepresentable << " values beyond the exact-sum range skipped";
  out << "; " << std::setprecision(1) << s.bytes_read / 1.0e6 << " MB read; "
      << std::setprecision(3) << s.seconds << " s on " << env.size() << " rank(s) x "
      << env.threads() << " thread(s) (" << env.backend() << ").\n"
      << "PERFORMANCE seconds=" << s.seconds << " read_max=" << s.read_seconds_max
      << " regrid_max=" << s.regrid_seconds_max << " reduce=" << s.reduce_seconds
      << " write=" << s.write_seconds << " ranks=" << env.size()
      << " threads=" << env.threads();
  return out.str();
}

}  // namespace swathgrid
