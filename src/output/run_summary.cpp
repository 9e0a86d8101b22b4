// The run summary in its two forms: the text printed at the end of a run and the JSON of
// --report (the same numbers), plus the phase-time statistics both show.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "swathgrid/composite.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/text.hpp"
#include "swathgrid/version.hpp"

namespace swathgrid {

namespace {

/// The --report document, keys in the order written.
using Json = nlohmann::ordered_json;

std::vector<std::string> stat_names(const Config& config) {
  std::vector<std::string> names;
  for (Stat stat : config.stats) names.push_back(stat_name(stat));
  return names;
}

std::int64_t max_of(const std::vector<std::int64_t>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

std::string reduce_name(ReduceMode mode) {
  switch (mode) {
    case ReduceMode::kRoot:
      return "root";
    case ReduceMode::kOwner:
      return "owner";
    case ReduceMode::kAuto:
      break;
  }
  return "auto";
}

double percent(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

}  // namespace

PhaseTimes make_phase_times(const std::string& name, std::vector<double> per_rank) {
  PhaseTimes phase;
  phase.name = name;
  phase.per_rank = per_rank;
  if (per_rank.empty()) return phase;
  std::sort(per_rank.begin(), per_rank.end());
  const std::size_t n = per_rank.size();
  phase.min = per_rank.front();
  phase.max = per_rank.back();
  phase.median = n % 2 ? per_rank[n / 2] : 0.5 * (per_rank[n / 2 - 1] + per_rank[n / 2]);
  return phase;
}

const PhaseTimes& RunSummary::phase(const std::string& name) const {
  static const PhaseTimes none;
  for (const auto& p : phases)
    if (p.name == name) return p;
  return none;
}

std::string format_summary(const Config& config, const Environment& env, const RunSummary& s) {
  std::ostringstream out;
  const GridSpec& g = config.grid.spec;
  const double cells = static_cast<double>(s.nx) * static_cast<double>(s.ny);
  out << std::setprecision(6) << "wrote " << config.output << ": " << join(config.variables) << " ("
      << join(stat_names(config)) << "; method " << method_name(config.method) << ", weight "
      << weighting_name(config.weighting) << ", period " << period_name(config.period) << ") from "
      << s.granules << " granules on a " << s.nx << " x " << s.ny << " grid (" << config.grid.crs
      << ", cells of " << g.cell_size << ", x " << g.x_min << ".." << g.x_max() << ", y "
      << g.y_min() << ".." << g.y_max << "); " << std::fixed << std::setprecision(2)
      << s.cells_with_data << " cells with data (" << percent(s.cells_with_data, cells) << " %); "
      << s.pixels_binned << " values gridded, " << s.pixels_outside
      << " valid pixels outside the grid, " << s.pixels_flagged << " pixels masked by l2_flags ("
      << config.flags_text << ")";
  if (s.granules_missing_grid > 0)
    out << ", " << s.granules_missing_grid << " granules do not touch the grid";
  if (s.granules_all_fill > 0)
    out << ", " << s.granules_all_fill
        << " granule(s) with no valid value (all fill or masked: they add nothing)";
  if (s.pixels_unrepresentable > 0)
    out << ", " << s.pixels_unrepresentable << " values beyond the exact-sum range skipped";
  out << "; " << std::setprecision(1) << s.bytes_read / 1.0e6 << " MB read of "
      << s.bytes_total / 1.0e6 << " MB (" << percent(s.bytes_read, s.bytes_total) << " %), "
      << s.granules_skipped << " granules skipped by bounds; " << s.accumulators
      << " accumulators, " << max_of(s.tile_bytes_per_rank) / 1.0e6
      << " MB of tiles on the rank holding most; " << std::setprecision(3) << s.seconds << " s on "
      << env.size() << " rank(s) x " << env.threads() << " thread(s) (" << env.backend()
      << (s.ranks_reading_ahead > 0 ? ", reading ahead" : "")
      << (env.huge_pages() != "no" ? ", huge pages" : "") << ").\n";
  if (!s.granules_failed.empty()) {
    out << "left out " << s.granules_failed.size()
        << " granule(s) that cannot be used (--on-error skip):\n";
    for (const auto& message : s.granules_failed) out << "  " << message << "\n";
  }
  const std::pair<const char*, const std::string*> extras[] = {
      {"--geotiff", &config.geotiff_path},
      {"--quicklook", &config.quicklook_path},
      {"--report", &config.report_path}};
  for (const auto& [option, path] : extras)
    if (!path->empty()) out << "also wrote " << *path << " (" << option << ")\n";
  out << "seconds over " << env.size() << " rank(s):   min  median     max\n";
  for (const auto& p : s.phases)
    out << "  " << std::left << std::setw(14) << p.name << std::right << std::setw(8) << p.min
        << std::setw(8) << p.median << std::setw(8) << p.max << "\n";
  out << "PERFORMANCE seconds=" << s.seconds << " read_max=" << s.phase("read").max
      << " project_max=" << s.phase("project").max << " regrid_max=" << s.phase("regrid").max
      << " reduce_max=" << s.phase("reduce").max << " write_max=" << s.phase("write").max
      << " wait_max=" << s.phase("wait").max << " granules=" << s.granules
      << " pixels=" << s.pixels_binned << " ranks=" << env.size() << " threads=" << env.threads();
  return out.str();
}

std::string format_json_report(const Config& config, const Environment& env, const RunSummary& s) {
  const GridSpec& g = config.grid.spec;
  // NaN and infinities, which JSON cannot hold, are written as null.
  const auto number = [](double value) { return std::isfinite(value) ? Json(value) : Json(); };
  const auto numbers = [&number](const std::vector<double>& values) {
    Json array = Json::array();
    for (double value : values) array.push_back(number(value));
    return array;
  };
  Json phases = Json::object();
  for (const auto& p : s.phases)
    phases[p.name] = {{"min", number(p.min)},
                      {"median", number(p.median)},
                      {"max", number(p.max)},
                      {"per_rank", numbers(p.per_rank)}};
  const Json report = {
      {"program", "swathgrid"},
      {"version", kVersion},
      {"command", config.history},
      {"output", config.output},
      {"format", config.encoding.format == OutputFormat::kNetcdf4 ? "netcdf4" : "classic"},
      {"variables", config.variables},
      {"stats", stat_names(config)},
      {"method", method_name(config.method)},
      {"weight", weighting_name(config.weighting)},
      {"period", period_name(config.period)},
      {"day", day_kind_name(config.day)},
      {"flags", config.flags_text},
      {"schedule", to_string(config.schedule)},
      {"reduce", reduce_name(config.reduce)},
      {"ranks", env.size()},
      {"threads", env.threads()},
      {"ranks_reading_ahead", s.ranks_reading_ahead},
      {"backend", env.backend()},
      {"huge_pages", env.huge_pages()},
      {"mpi_point_to_point", env.point_to_point()},
      {"grid",
       {{"crs", config.grid.crs},
        {"nx", s.nx},
        {"ny", s.ny},
        {"cells", s.nx * s.ny},
        {"cell_size", number(g.cell_size)},
        {"x_min", number(g.x_min)},
        {"x_max", number(g.x_max())},
        {"y_min", number(g.y_min())},
        {"y_max", number(g.y_max)},
        {"tile", config.tile_size}}},
      {"granules",
       {{"total", s.granules},
        {"read", s.granules_read},
        {"skipped_by_bounds", s.granules_skipped},
        {"missing_grid", s.granules_missing_grid},
        {"all_fill", s.granules_all_fill},
        {"failed_skipped", s.granules_failed},
        {"per_rank", s.granules_per_rank}}},
      {"pixels",
       {{"binned", s.pixels_binned},
        {"outside_grid", s.pixels_outside},
        {"flagged", s.pixels_flagged},
        {"unrepresentable", s.pixels_unrepresentable}}},
      {"nearest_searches", s.nearest_searches},
      {"warp_transformers", s.warp_transformers},
      {"cells_with_data", s.cells_with_data},
      {"bytes_read", s.bytes_read},
      {"bytes_whole_granules", s.bytes_total},
      {"accumulators", {{"kind", s.accumulators}, {"tile_bytes_per_rank", s.tile_bytes_per_rank}}},
      {"mpi_per_rank",
       {{"collectives", s.mpi_collectives_per_rank},
        {"messages", s.mpi_messages_per_rank},
        {"bytes_sent", s.mpi_bytes_sent_per_rank},
        {"bytes_received", s.mpi_bytes_received_per_rank},
        {"io_collectives", s.mpi_io_collectives_per_rank},
        {"io_bytes", s.mpi_io_bytes_per_rank}}},
      {"direct_write_bytes_per_rank", s.direct_write_bytes_per_rank},
      {"peak_rss_bytes_per_rank", s.peak_rss_bytes_per_rank},
      {"exchange_peak_bytes_per_rank", s.exchange_peak_bytes_per_rank},
      {"seconds", number(s.seconds)},
      {"granules_per_second", number(s.seconds > 0 ? s.granules / s.seconds : 0.0)},
      {"phases", phases}};
  // Paths and command lines need not be UTF-8: invalid bytes become U+FFFD, not an exception.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

void write_json_report(const std::string& path, const std::string& staged, const Config& config,
                       const Environment& env, const RunSummary& summary) {
  const std::string text = format_json_report(config, env, summary);
  std::FILE* file = std::fopen(staged.c_str(), "wb");
  if (!file) throw Error("--report " + path + ": cannot write: " + std::strerror(errno));
  const bool written =
      std::fwrite(text.data(), 1, text.size(), file) == text.size() && std::fflush(file) == 0;
  const std::string cause = written ? std::string() : std::strerror(errno);
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed)
    throw Error("--report " + path + ": cannot write: " + (written ? std::strerror(errno) : cause));
}

}  // namespace swathgrid
