#include "checkpoint_identity.hpp"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "checkpoint_file.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/text.hpp"
#include "swathgrid/version.hpp"

namespace fs = std::filesystem;

namespace swathgrid {

namespace {

std::string hash_text(const std::string& text) {
  return hex(fnv1a(kFnvOffsetBasis, text.data(), text.size()));
}

}  // namespace

std::vector<std::string> checkpoint_identity(const Config& config,
                                             const std::vector<std::uint64_t>& sizes) {
  std::string granules;
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  for (std::size_t i = 0; i < config.granules.size(); ++i) {
    fs::path path(config.granules[i]);
    if (path.is_relative() && !error) path = cwd / path;
    granules += path.lexically_normal().string() + '\0' + std::to_string(sizes[i]) + '\n';
  }
  std::vector<std::string> stats;
  for (Stat s : config.stats) stats.push_back(stat_name(s));
  const GridSpec& g = config.grid.spec;
  std::ostringstream grid;
  grid << std::setprecision(17) << g.x_min << ' ' << g.y_max << ' ' << g.cell_size << ' ' << g.nx
       << ' ' << g.ny << " crs " << hash_text(config.grid.crs + '\n' + config.grid.crs_wkt);
  std::ostringstream distance;
  distance << std::setprecision(17) << config.max_distance_m;
  return {
      "version " + std::string(kVersion),
      "granules " + std::to_string(config.granules.size()) + " " + hash_text(granules),
      "variables " + join(config.variables),
      "grid " + grid.str(),
      "method " + method_name(config.method),
      "max_distance " + distance.str(),
      std::string("warp_convention ") + warp_convention_name(config.warp_convention),
      "weighting " + weighting_name(config.weighting),
      "period " + period_name(config.period) +
          (config.period == PeriodKind::kAll ? "" : " (" + day_kind_name(config.day) + " day)"),
      "stats " + join(stats) + (config.stdev_form == StdevForm::kSample ? " (stdev sample)" : ""),
      "flags " + config.flags_text,
      "tile " + std::to_string(config.tile_size),
      std::string("accumulators ") + (config.accumulators == Accumulators::kAuto      ? "auto"
                                      : config.accumulators == Accumulators::kWide    ? "wide"
                                      : config.accumulators == Accumulators::kCompact ? "compact"
                                                                                      : "cells"),
      "on_error " + std::string(config.on_error == OnError::kSkip ? "skip" : "fail")};
}

void check_same_run(const std::vector<std::string>& saved, const std::vector<std::string>& ours,
                    const std::string& dir) {
  for (std::size_t i = 0; i < std::max(saved.size(), ours.size()); ++i) {
    const std::string a = i < saved.size() ? saved[i] : "", b = i < ours.size() ? ours[i] : "";
    if (a == b) continue;
    const std::string key = (a.empty() ? b : a).substr(0, (a.empty() ? b : a).find(' '));
    throw UsageError("--checkpoint " + dir + ": holds the checkpoint of a run with other " +
                     "arguments (" + key + ": '" + a.substr(std::min(a.size(), key.size() + 1)) +
                     "' there, '" + b.substr(std::min(b.size(), key.size() + 1)) +
                     "' here); rerun with the same arguments, or use another directory");
  }
}

std::string hex(std::uint64_t value) {
  std::ostringstream text;
  text << std::hex << std::setw(16) << std::setfill('0') << value;
  return text.str();
}

}  // namespace swathgrid
