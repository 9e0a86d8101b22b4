// The run summary in its two forms: the text printed at the end of a run and the JSON of
// --report (the same numbers), plus the phase-time statistics both show.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <type_traits>
#include <utility>

#include "swathgrid/composite.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/text.hpp"
#include "swathgrid/version.hpp"

namespace swathgrid {

namespace {

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

/// A JSON string literal.
std::string quoted(const std::string& text) {
  std::ostringstream out;
  out << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      out << '\\' << c;
    else if (c == '\n')
      out << "\\n";
    else if (c < 0x20)
      out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << static_cast<int>(c)
          << std::dec;
    else
      out << c;
  }
  out << '"';
  return out.str();
}

/// A JSON number (null for NaN/infinity, which JSON cannot hold).
std::string number(double value) {
  if (!std::isfinite(value)) return "null";
  std::ostringstream out;
  out << std::setprecision(9) << value;
  return out.str();
}

template <typename T>
std::string array(const std::vector<T>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) text += ", ";
    if constexpr (std::is_floating_point_v<T>)
      text += number(values[i]);
    else
      text += std::to_string(values[i]);
  }
  return text + "]";
}

std::string string_array(const std::vector<std::string>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + quoted(values[i]);
  return text + "]";
}

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
  std::ostringstream out;
  out << "{\n"
      << "  \"program\": \"swathgrid\",\n"
      << "  \"version\": " << quoted(kVersion) << ",\n"
      << "  \"command\": " << quoted(config.history) << ",\n"
      << "  \"output\": " << quoted(config.output) << ",\n"
      << "  \"variables\": " << string_array(config.variables) << ",\n"
      << "  \"stats\": " << string_array(stat_names(config)) << ",\n"
      << "  \"method\": " << quoted(method_name(config.method)) << ",\n"
      << "  \"weight\": " << quoted(weighting_name(config.weighting)) << ",\n"
      << "  \"period\": " << quoted(period_name(config.period)) << ",\n"
      << "  \"flags\": " << quoted(config.flags_text) << ",\n"
      << "  \"schedule\": " << quoted(to_string(config.schedule)) << ",\n"
      << "  \"reduce\": " << quoted(reduce_name(config.reduce)) << ",\n"
      << "  \"ranks\": " << env.size() << ",\n"
      << "  \"threads\": " << env.threads() << ",\n"
      << "  \"ranks_reading_ahead\": " << s.ranks_reading_ahead << ",\n"
      << "  \"backend\": " << quoted(env.backend()) << ",\n"
      << "  \"huge_pages\": " << quoted(env.huge_pages()) << ",\n"
      << "  \"grid\": {\"crs\": " << quoted(config.grid.crs) << ", \"nx\": " << s.nx
      << ", \"ny\": " << s.ny << ", \"cells\": " << s.nx * s.ny
      << ", \"cell_size\": " << number(g.cell_size) << ", \"x_min\": " << number(g.x_min)
      << ", \"x_max\": " << number(g.x_max()) << ", \"y_min\": " << number(g.y_min())
      << ", \"y_max\": " << number(g.y_max) << ", \"tile\": " << config.tile_size << "},\n"
      << "  \"granules\": {\"total\": " << s.granules << ", \"read\": " << s.granules_read
      << ", \"skipped_by_bounds\": " << s.granules_skipped
      << ", \"missing_grid\": " << s.granules_missing_grid
      << ", \"all_fill\": " << s.granules_all_fill
      << ", \"failed_skipped\": " << string_array(s.granules_failed)
      << ", \"per_rank\": " << array(s.granules_per_rank) << "},\n"
      << "  \"pixels\": {\"binned\": " << s.pixels_binned
      << ", \"outside_grid\": " << s.pixels_outside << ", \"flagged\": " << s.pixels_flagged
      << ", \"unrepresentable\": " << s.pixels_unrepresentable << "},\n"
      << "  \"nearest_searches\": " << s.nearest_searches << ",\n"
      << "  \"cells_with_data\": " << s.cells_with_data << ",\n"
      << "  \"bytes_read\": " << s.bytes_read << ",\n"
      << "  \"bytes_whole_granules\": " << s.bytes_total << ",\n"
      << "  \"accumulators\": {\"kind\": " << quoted(s.accumulators)
      << ", \"tile_bytes_per_rank\": " << array(s.tile_bytes_per_rank) << "},\n"
      << "  \"mpi_per_rank\": {\"collectives\": " << array(s.mpi_collectives_per_rank)
      << ", \"bytes_sent\": " << array(s.mpi_bytes_sent_per_rank)
      << ", \"bytes_received\": " << array(s.mpi_bytes_received_per_rank)
      << ", \"io_collectives\": " << array(s.mpi_io_collectives_per_rank)
      << ", \"io_bytes\": " << array(s.mpi_io_bytes_per_rank) << "},\n"
      << "  \"peak_rss_bytes_per_rank\": " << array(s.peak_rss_bytes_per_rank) << ",\n"
      << "  \"seconds\": " << number(s.seconds) << ",\n"
      << "  \"granules_per_second\": " << number(s.seconds > 0 ? s.granules / s.seconds : 0.0)
      << ",\n"
      << "  \"phases\": {";
  for (std::size_t i = 0; i < s.phases.size(); ++i) {
    const auto& p = s.phases[i];
    out << (i ? "," : "") << "\n    " << quoted(p.name) << ": {\"min\": " << number(p.min)
        << ", \"median\": " << number(p.median) << ", \"max\": " << number(p.max)
        << ", \"per_rank\": " << array(p.per_rank) << "}";
  }
  out << "\n  }\n}\n";
  return out.str();
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
