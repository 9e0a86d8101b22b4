// run_composite: schedule -> read -> regrid -> fold (granule_loop.cpp) -> reduce -> finalize
// -> write (composite_output.cpp), with one timer per phase.

#include "swathgrid/composite.hpp"

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "composite_output.hpp"
#include "granule_loop.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> base_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const auto& p : paths) names.push_back(std::filesystem::path(p).filename().string());
  return names;
}

std::string earliest_start(const std::string& local, MPI_Comm comm) {
  std::string earliest;
  for (const auto& text : allgather_strings(local, comm))
    if (!text.empty() && (earliest.empty() || text < earliest)) earliest = text;
  return earliest;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

}  // namespace

RunSummary run_composite(const Config& config, const Environment& env) {
  const auto run_start = Clock::now();
  const MPI_Comm comm = env.comm();
  SWATHGRID_REQUIRE(!config.granules.empty(), "no input granules given");
  SWATHGRID_REQUIRE(config.grid.geographic || config.method == "bin",
                    "--method " << config.method << ": only on lat/lon grids for now (use "
                                << "--method bin with --crs " << config.grid.crs << ")");
  // Every rank describes the first granule the same way (or fails the same way).
  std::vector<Layer> layers =
      make_layers(describe_variables(config.granules.front(), config.variables), config);

  const LocalResult local = regrid_my_granules(config, config.grid, layers, comm);
  agree_on_error(local.error, comm);

  RunSummary summary;
  summary.granules = static_cast<std::int64_t>(config.granules.size());
  summary.nx = config.grid.spec.nx;
  summary.ny = config.grid.spec.ny;
  summary.granules_missing_grid = allreduce_sum(local.granules_missing_grid, comm);
  summary.pixels_binned = allreduce_sum(local.pixels_binned, comm);
  summary.pixels_outside = allreduce_sum(local.pixels_outside, comm);
  summary.pixels_unrepresentable = allreduce_sum(local.pixels_unrepresentable, comm);
  summary.pixels_flagged = allreduce_sum(local.pixels_flagged, comm);
  summary.bytes_read = allreduce_sum(local.bytes_read, comm);
  summary.bytes_total = allreduce_sum(local.bytes_total, comm);
  summary.granules_skipped = allreduce_sum(local.granules_skipped, comm);
  summary.read_seconds_max = allreduce_max(local.read_seconds, comm);
  summary.regrid_seconds_max = allreduce_max(local.regrid_seconds, comm);

  OutputMetadata meta;
  meta.title = "swathgrid composite of " + join(config.variables);
  meta.history = config.history;
  meta.method = config.method;
  meta.granules = base_names(config.granules);
  meta.extra = {{"weighting", weighting_name(config.weighting)},
                {"l2_flags_masked", config.flags_text},
                {"period", period_name(config.period)},
                {"time_coverage_start", earliest_start(local.earliest_start, comm)}};
  if (config.method == "warp")
    meta.extra.emplace_back("warp_convention", warp_convention_name(config.warp_convention));
  const auto start = Clock::now();
  summary.cells_with_data = reduce_and_write(config, config.grid, layers, meta, comm);
  summary.reduce_write_seconds = seconds_since(start);
  summary.seconds = allreduce_max(seconds_since(run_start), comm);
  return summary;
}

std::string format_summary(const Config& config, const Environment& env, const RunSummary& s) {
  std::ostringstream out;
  const GridSpec& g = config.grid.spec;
  std::vector<std::string> stats;
  for (Stat st : config.stats) stats.push_back(stat_name(st));
  const double cells = static_cast<double>(s.nx) * static_cast<double>(s.ny);
  out << std::setprecision(6) << "wrote " << config.output << ": " << join(config.variables) << " ("
      << join(stats) << "; method " << config.method << ", weight "
      << weighting_name(config.weighting) << ", period " << period_name(config.period) << ") from "
      << s.granules << " granules on a " << s.nx << " x " << s.ny << " grid (" << config.grid.crs
      << ", cells of " << g.cell_size << ", x " << g.x_min << ".." << g.x_max() << ", y "
      << g.y_min() << ".." << g.y_max << "); " << std::fixed << std::setprecision(2)
      << s.cells_with_data << " cells with data ("
      << (cells > 0 ? 100.0 * s.cells_with_data / cells : 0.0) << " %); " << s.pixels_binned
      << " values gridded, " << s.pixels_outside << " valid pixels outside the grid, "
      << s.pixels_flagged << " pixels masked by l2_flags (" << config.flags_text << ")";
  if (s.granules_missing_grid > 0)
    out << ", " << s.granules_missing_grid << " granules do not touch the grid";
  if (s.pixels_unrepresentable > 0)
    out << ", " << s.pixels_unrepresentable << " values beyond the exact-sum range skipped";
  out << "; " << std::setprecision(1) << s.bytes_read / 1.0e6 << " MB read of "
      << s.bytes_total / 1.0e6 << " MB ("
      << (s.bytes_total > 0 ? 100.0 * s.bytes_read / s.bytes_total : 0.0) << " %), "
      << s.granules_skipped << " granules skipped by bounds; " << std::setprecision(3) << s.seconds
      << " s on " << env.size() << " rank(s) x " << env.threads() << " thread(s) (" << env.backend()
      << ").\n"
      << "PERFORMANCE seconds=" << s.seconds << " read_max=" << s.read_seconds_max
      << " regrid_max=" << s.regrid_seconds_max << " reduce_write=" << s.reduce_write_seconds
      << " ranks=" << env.size() << " threads=" << env.threads();
  return out.str();
}

}  // namespace swathgrid
