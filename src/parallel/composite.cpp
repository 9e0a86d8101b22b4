// run_composite: schedule -> read -> regrid -> reduce -> finalize -> write.

#include "swathgrid/composite.hpp"

#include <chrono>
#include <climits>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "swathgrid/bin_kernel.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/netcdf_writer.hpp"
#include "swathgrid/statistics.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// What one rank accumulated from its granules.
struct LocalResult {
  std::int64_t pixels_binned = 0, pixels_outside = 0, pixels_unrepresentable = 0;
  std::int64_t bytes_read = 0;
  double read_seconds = 0.0, regrid_seconds = 0.0;
  int first_granule = INT_MAX;  ///< lowest index read, whose attributes describe the output
  VariableInfo info;
  std::string earliest_start;   ///< smallest time_coverage_start (ISO strings sort by time)
  std::string error;            ///< first failure, "" when none
};

/// Static round-robin schedule: rank r takes granules r, r + size, ...
LocalResult regrid_my_granules(const Config& config, const GridSpec& grid, const Environment& env,
                               const CellAccumulators& acc) {
  LocalResult local;
  PixelView lon, lat, values;
  const int n = static_cast<int>(config.granules.size());
  for (int i = env.rank(); i < n; i += env.size()) {
    try {
      auto start = Clock::now();
      const Granule granule = read_granule(config.granules[i], ReadRequest{{config.variable}, {}});
      copy_to_device(granule.longitude, lon, "swathgrid::lon");
      copy_to_device(granule.latitude, lat, "swathgrid::lat");
      copy_to_device(granule.variables[0].values, values, "swathgrid::values");
      local.read_seconds += seconds_since(start);
      local.bytes_read += static_cast<std::int64_t>(granule.bytes_read);

      start = Clock::now();
      const BinTotals totals = bin_pixels(lon, lat, values, grid, acc);
      Kokkos::fence();
      local.regrid_seconds += seconds_since(start);
      local.pixels_binned += totals.binned;
      local.pixels_outside += totals.outside_grid;
      local.pixels_unrepresentable += totals.unrepresentable;
      if (i < local.first_granule) {
        local.first_granule = i;
        local.info = granule.variables[0].info;
      }
      if (local.earliest_start.empty() || granule.time_coverage_start < local.earliest_start)
        local.earliest_start = granule.time_coverage_start;
    } catch (const std::exception& e) {  // agreed on below, so no rank is left waiting
      local.error = e.what();
      break;
    }
  }
  return local;
}

/// The variable's attributes as read by the rank that read the first granule, on every rank.
VariableInfo shared_variable_info(const LocalResult& local, MPI_Comm comm) {
  VariableInfo info = local.info;
  const int owner = rank_of_min(local.first_granule, comm);
  for (std::string* text : {&info.name, &info.units, &info.long_name, &info.standard_name})
    broadcast_string(*text, owner, comm);
  return info;
}

std::vector<std::pair<std::string, std::string>> mean_attributes(const VariableInfo& info) {
  std::vector<std::pair<std::string, std::string>> attrs;
  if (!info.long_name.empty()) attrs.emplace_back("long_name", info.long_name);
  if (!info.standard_name.empty()) attrs.emplace_back("standard_name", info.standard_name);
  if (!info.units.empty()) attrs.emplace_back("units", info.units);
  attrs.emplace_back("cell_methods", "area: mean time: mean");
  return attrs;
}

std::vector<std::string> base_names(const std::vector<std::string>& paths) {
  std::vector<std::string> names;
  for (const auto& p : paths) names.push_back(std::filesystem::path(p).filename().string());
  return names;
}

}  // namespace

RunSummary run_composite(const Config& config, const Environment& env) {
  const auto run_start = Clock::now();
  const MPI_Comm comm = env.comm();
  SWATHGRID_REQUIRE(!config.granules.empty(), "no input granules given");
  const GridSpec grid = GridSpec::from_bbox(config.bbox, config.cell_size);
  SWATHGRID_REQUIRE(config.method == "bin", "--method: '" << config.method
                                                          << "' is not available (use bin)");

  CellAccumulators acc(grid.cell_count());
  LocalResult local = regrid_my_granules(config, grid, env, acc);
  agree_on_error(local.error, comm);

  RunSummary summary;
  summary.granules = static_cast<std::int64_t>(config.granules.size());
  summary.nx = grid.nx;
  summary.ny = grid.ny;
  summary.pixels_binned = allreduce_sum(local.pixels_binned, comm);
  summary.pixels_outside = allreduce_sum(local.pixels_outside, comm);
  summary.pixels_unrepresentable = allreduce_sum(local.pixels_unrepresentable, comm);
  summary.bytes_read = allreduce_sum(local.bytes_read, comm);
  summary.read_seconds_max = allreduce_max(local.read_seconds, comm);
  summary.regrid_seconds_max = allreduce_max(local.regrid_seconds, comm);
  const VariableInfo info = shared_variable_info(local, comm);
  std::string earliest = local.earliest_start;
  broadcast_string(earliest, rank_of_min(local.first_granule, comm), comm);

  auto start = Clock::now();
  auto sum_hi = Kokkos::create_mirror_view_and_copy(HostSpace(), acc.sum_hi);
  auto sum_lo = Kokkos::create_mirror_view_and_copy(HostSpace(), acc.sum_lo);
  auto count = Kokkos::create_mirror_view_and_copy(HostSpace(), acc.count);
  acc = CellAccumulators();  // release the device copies
  constexpr int kRoot = 0;
  for (auto* view : {&sum_hi, &sum_lo, &count})
    reduce_sum_to_root(view->data(), grid.cell_count(), kRoot, comm);
  summary.reduce_seconds = seconds_since(start);

  start = Clock::now();
  MeanAndCount result;
  RowBand band;
  if (env.rank() == kRoot) {
    result = finalize_mean(sum_hi.data(), sum_lo.data(), count.data(), grid.cell_count());
    band = RowBand{0, grid.ny};
  }
  OutputMetadata meta;
  meta.title = "swathgrid composite of " + info.name;
  meta.history = config.history;
  meta.method = config.method;
  meta.granules = base_names(config.granules);
  meta.extra = {{"swathgrid_variable", info.name},
                {"l2_flags_masked", "none (fill values and valid range only)"},
                {"time_coverage_start", earliest}};
  const std::string count_long_name =
      "number of " + (info.long_name.empty() ? info.name : info.long_name) + " observations";
  std::vector<OutputField> fields{
      {info.name, false, mean_attributes(info), result.mean.data(), nullptr},
      {info.name + "_count", true, {{"long_name", count_long_name}, {"units", "1"}}, nullptr,
       result.count.data()}};
  write_composite(config.output, grid, meta, fields, band, comm);
  summary.write_seconds = seconds_since(start);

  std::int64_t filled = result.cells_with_data;
  MPI_Bcast(&filled, 1, MPI_INT64_T, kRoot, comm);
  summary.cells_with_data = filled;
  summary.seconds = allreduce_max(seconds_since(run_start), comm);
  return summary;
}

std::string format_summary(const Config& config, const Environment& env,
                           const RunSummary& s) {
  std::ostringstream out;
  const double cells = static_cast<double>(s.nx) * static_cast<double>(s.ny);
  out << std::fixed << std::setprecision(2);
  out << "wrote " << config.output << ": " << config.variable << " mean and count from "
      << s.granules << " granules on a " << s.nx << " x " << s.ny << " grid ("
      << config.cell_size << " deg cells, bbox " << config.bbox.west << "," << config.bbox.south
      << "," << config.bbox.east << "," << config.bbox.north << "); " << s.cells_with_data
      << " cells with data (" << (cells > 0 ? 100.0 * s.cells_with_data / cells : 0.0)
      << " %), " << s.pixels_binned << " pixels binned, " << s.pixels_outside
      << " valid pixels outside the grid";
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
