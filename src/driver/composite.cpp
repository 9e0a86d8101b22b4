// run_composite: schedule -> read -> regrid -> fold (granule_loop.cpp) -> reduce -> finalize
// -> write (reduce_and_write.cpp) -> GeoTIFF / quicklook (src/output, src/gdal), with one
// timer per phase; the summary's text and JSON forms are in src/output/run_summary.cpp.

#include "swathgrid/composite.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "checkpoint.hpp"
#include "driver/reduce_and_write.hpp"
#include "granule_loop.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/export.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/mpi_traffic.hpp"
#include "swathgrid/staged_outputs.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

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

std::string latest_end(const std::string& local, MPI_Comm comm) {
  std::string latest;
  for (const auto& text : allgather_strings(local, comm))
    if (text > latest) latest = text;
  return latest;
}

/// The distinct names of all ranks' granules, sorted, comma-separated ("" when none): a
/// composite of several sensors names them all rather than one of them.
std::string distinct_names(const std::set<std::string>& local, MPI_Comm comm) {
  std::string mine;
  for (const std::string& name : local) mine += name + '\n';
  std::set<std::string> all;
  for (const std::string& text : allgather_strings(mine, comm)) {
    std::size_t begin = 0;
    for (std::size_t end = text.find('\n'); end != std::string::npos;
         begin = end + 1, end = text.find('\n', begin))
      all.insert(text.substr(begin, end - begin));
  }
  return join(std::vector<std::string>(all.begin(), all.end()));
}

/// What --geotiff and --quicklook show: the first variable's mean, or its first statistic
/// when the mean was not asked for (netCDF names as the writer gives them); counts have
/// units of 1.
ExportSource export_source(const Config& config, const std::vector<Layer>& layers) {
  ExportSource source{config.output, config.variables.front(), layers.front().info.units,
                      config.grid.crs};
  if (std::find(config.stats.begin(), config.stats.end(), Stat::kMean) != config.stats.end())
    return source;
  const Stat first = config.stats.front();
  source.variable += "_" + stat_name(first);
  if (first == Stat::kCount || first == Stat::kNgranules) source.units = "1";
  return source;
}

/// Every file the run publishes, as (label for messages, path); the netCDF output first.
std::vector<std::pair<std::string, std::string>> output_files(const Config& config) {
  std::vector<std::pair<std::string, std::string>> files{{"output", config.output}};
  if (!config.geotiff_path.empty()) files.emplace_back("--geotiff", config.geotiff_path);
  if (!config.quicklook_path.empty()) files.emplace_back("--quicklook", config.quicklook_path);
  if (!config.report_path.empty()) files.emplace_back("--report", config.report_path);
  return files;
}

/// --geotiff / --quicklook: rank 0 reads the finished (still staged) netCDF back with GDAL.
/// Collective: every rank throws when the export failed.
void export_pictures(const Config& config, const std::vector<Layer>& layers,
                     const StagedOutputs& outputs, MPI_Comm comm) {
  if (config.geotiff_path.empty() && config.quicklook_path.empty()) return;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string error;
  if (rank == 0) {
    try {
      ExportSource source = export_source(config, layers);
      source.netcdf_path = outputs.staged(config.output);
      if (!config.geotiff_path.empty())
        write_geotiff(source, {config.geotiff_path, outputs.staged(config.geotiff_path)});
      if (!config.quicklook_path.empty())
        write_quicklook(source, {config.quicklook_path, outputs.staged(config.quicklook_path)});
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree_on_error(error, comm);
}

/// The variables as described by the first granule that can be; its l2_flags must define
/// every --flags name (UsageError otherwise). --on-error skip: a bad granule before it is
/// passed over (the loop reports it).
std::vector<GranuleVariable> describe_first_granule(const Config& config) {
  std::string first_error;
  for (const auto& path : config.granules) {
    try {
      return describe_variables(path, config.variables, config.mask_flags);
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      if (config.on_error != OnError::kSkip) throw;
      if (first_error.empty()) first_error = e.what();
    }
  }
  throw Error("no granule can be read (--on-error skip); the first: " + first_error);
}

Json describe_as_json(const std::vector<GranuleVariable>& described) {
  Json variables = Json::array();
  for (const GranuleVariable& var : described)
    variables.push_back({{"name", var.info.name},
                         {"units", var.info.units},
                         {"long_name", var.info.long_name},
                         {"standard_name", var.info.standard_name},
                         {"has_valid_range", var.info.has_valid_range},
                         {"valid_min", var.info.valid_min},
                         {"valid_max", var.info.valid_max},
                         {"bands", var.bands},
                         {"wavelengths", var.wavelengths}});
  return variables;
}

std::vector<GranuleVariable> described_from_json(const Json& variables) {
  std::vector<GranuleVariable> described;
  for (const Json& v : variables) {
    GranuleVariable var;
    var.info.name = v.at("name").get<std::string>();
    var.info.units = v.at("units").get<std::string>();
    var.info.long_name = v.at("long_name").get<std::string>();
    var.info.standard_name = v.at("standard_name").get<std::string>();
    var.info.has_valid_range = v.at("has_valid_range").get<bool>();
    var.info.valid_min = v.at("valid_min").get<double>();
    var.info.valid_max = v.at("valid_max").get<double>();
    var.bands = v.at("bands").get<std::size_t>();
    var.wavelengths = v.at("wavelengths").get<std::vector<double>>();
    described.push_back(std::move(var));
  }
  return described;
}

/// Collective: the layers, from the first granule that can be described (above). Only rank 0
/// opens granules for it and broadcasts what it found, or its error, which every rank then
/// throws alike: a thousand ranks do not open one file at once (a metadata storm on a
/// parallel file system). Doubles go through JSON as the shortest text that reads back the
/// same value, so every rank's layers are rank 0's, bit for bit.
std::vector<Layer> describe_layers(const Config& config, MPI_Comm comm) {
  std::string text;
  if (rank_of(comm) == 0) {
    Json found;
    try {
      found["variables"] = describe_as_json(describe_first_granule(config));
    } catch (const UsageError& e) {
      found = {{"usage_error", e.what()}};
    } catch (const Error& e) {
      found = {{"error", e.what()}};
    }
    text = found.dump();
  }
  broadcast_string(text, 0, comm);
  const Json found = Json::parse(text);
  if (found.contains("usage_error")) throw UsageError(found["usage_error"].get<std::string>());
  if (found.contains("error")) throw Error(found["error"].get<std::string>());
  return make_layers(described_from_json(found.at("variables")), config);
}

/// Collective: the granules every rank left out (--on-error skip), in input order, as
/// (index, message naming the file and the cause).
std::vector<std::pair<std::size_t, std::string>> gather_failed(const LocalResult& local,
                                                               MPI_Comm comm) {
  std::string mine;
  for (auto [index, message] : local.failed) {
    std::replace(message.begin(), message.end(), '\n', ' ');
    mine += std::to_string(index) + "\t" + message + "\n";
  }
  std::vector<std::pair<std::size_t, std::string>> failed;
  for (const auto& text : allgather_strings(mine, comm)) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      const auto tab = line.find('\t');
      failed.emplace_back(std::stoull(line.substr(0, tab)), line.substr(tab + 1));
    }
  }
  std::sort(failed.begin(), failed.end());
  return failed;
}

/// The output's skipped_granules attribute: one "file name: cause" line per granule left out.
std::string skipped_attribute(const Config& config,
                              const std::vector<std::pair<std::size_t, std::string>>& failed) {
  std::string text;
  for (const auto& [index, message] : failed) {
    const std::string& path = config.granules[index];
    const std::string prefix = "granule " + path + ": ";
    const std::string cause =
        message.compare(0, prefix.size(), prefix) == 0 ? message.substr(prefix.size()) : message;
    text +=
        (text.empty() ? "" : "\n") + std::filesystem::path(path).filename().string() + ": " + cause;
  }
  return text;
}

}  // namespace

RunSummary run_composite(const Config& config, const Environment& env) {
  const auto run_start = Clock::now();
  const MPI_Comm comm = env.comm();
  SWATHGRID_REQUIRE(!config.granules.empty(), "no input granules given");
  SWATHGRID_REQUIRE(config.grid.geographic || config.method == Method::kBin,
                    "--method " << method_name(config.method)
                                << ": only on lat/lon grids for now (use "
                                << "--method bin with --crs " << config.grid.crs << ")");
  // Every output is created (under its temporary name) and the checkpoint directory checked
  // before any granule is read: a typo in a directory fails now, not after the gridding.
  StagedOutputs outputs(output_files(config), !config.checkpoint_dir.empty(), comm);
  Checkpoint::prepare_directory(config, comm);
  // Rank 0 describes the first granule for all (or all fail the same way).
  std::vector<Layer> layers = describe_layers(config, comm);

  // --checkpoint: what earlier attempts saved is in `layers`; only the rest is scheduled.
  Checkpoint checkpoint(config, layers, comm);

  auto start = Clock::now();
  // --read-ahead auto: collective (every rank of a node decides alike).
  const bool read_ahead = config.read_ahead == ReadAhead::kAuto
                              ? env.spare_core_on_node()
                              : config.read_ahead == ReadAhead::kOn;
  const LocalResult local =
      regrid_my_granules(config, config.grid, layers, checkpoint, read_ahead, comm);
  granule_blocks::release();  // no granule arrays after the loop: the memory to the reduce
  const double loop_seconds = seconds_since(start);
  start = Clock::now();
  agree_on_error(local.error, comm);  // the first collective after the loop: waits for all
  const double wait_seconds = seconds_since(start);
  checkpoint.after_loop(layers, local);  // saves; throws Interrupted (every rank) after SIGTERM

  RunSummary summary;
  summary.granules = static_cast<std::int64_t>(config.granules.size());
  summary.nx = config.grid.spec.nx;
  summary.ny = config.grid.spec.ny;
  summary.granules_per_rank = allgather(local.granules_read, comm);
  for (std::int64_t n : summary.granules_per_rank) summary.granules_read += n;
  summary.granules_missing_grid = allreduce_sum(local.granules_missing_grid, comm);
  summary.pixels_binned = allreduce_sum(local.pixels_binned, comm);
  summary.pixels_outside = allreduce_sum(local.pixels_outside, comm);
  summary.pixels_unrepresentable = allreduce_sum(local.pixels_unrepresentable, comm);
  summary.pixels_flagged = allreduce_sum(local.pixels_flagged, comm);
  summary.bytes_read = allreduce_sum(local.bytes_read, comm);
  summary.bytes_total = allreduce_sum(local.bytes_total, comm);
  summary.granules_skipped = allreduce_sum(local.granules_skipped, comm);
  summary.granules_all_fill = allreduce_sum(local.granules_all_fill, comm);
  summary.nearest_searches = allreduce_sum(local.nearest_searches, comm);
  summary.warp_transformers = allreduce_sum(local.warp_transformers, comm);
  summary.ranks_reading_ahead = allreduce_sum(std::int64_t{local.read_ahead ? 1 : 0}, comm);
  std::int64_t tile_bytes = 0;
  std::size_t compact_layers = 0;
  for (const Layer& layer : layers) {
    compact_layers += layer.layout.narrow_high;
    for (const auto& [key, fields] : layer.periods)
      tile_bytes += static_cast<std::int64_t>(fields.bytes());
  }
  summary.tile_bytes_per_rank = allgather(tile_bytes, comm);
  summary.accumulators = !layers.empty() && layers.front().cells ? "cells"
                         : compact_layers == 0                   ? "wide"
                         : compact_layers == layers.size()       ? "compact"
                                                                 : "wide and compact";
  const auto failed = gather_failed(local, comm);
  SWATHGRID_REQUIRE(failed.size() < config.granules.size(),
                    "every granule failed (--on-error skip); the first: " << failed.front().second);
  for (const auto& entry : failed) summary.granules_failed.push_back(entry.second);

  OutputMetadata meta;
  meta.title = "swathgrid composite of " + join(config.variables);
  meta.history = config.history;
  meta.method = method_name(config.method);
  meta.granules = base_names(config.granules);
  meta.extra = {{"weighting", weighting_name(config.weighting)},
                {"l2_flags_masked", config.flags_text},
                {"period", period_name(config.period)},
                {"time_coverage_start", earliest_start(local.earliest_start, comm)},
                {"time_coverage_end", latest_end(local.latest_end, comm)},
                {"processing_level", "L3 Mapped"},
                {"product_name", std::filesystem::path(config.output).filename().string()}};
  if (config.period != PeriodKind::kAll) meta.extra.emplace_back("day", day_kind_name(config.day));
  for (const auto& [name, names] :
       {std::pair{"instrument", &local.instruments}, std::pair{"platform", &local.platforms}})
    if (const std::string text = distinct_names(*names, comm); !text.empty())
      meta.extra.emplace_back(name, text);
  if (!config.mask_flags.empty())  // as NASA's L3m files: the flags applied, comma-separated
    meta.extra.emplace_back("l2_flag_names", join(config.mask_flags));
  if (!failed.empty())
    meta.extra.emplace_back("skipped_granules", skipped_attribute(config, failed));
  if (config.method == Method::kWarp)
    meta.extra.emplace_back("warp_convention", warp_convention_name(config.warp_convention));
  start = Clock::now();
  const ReduceWriteResult output =
      reduce_and_write(config, config.grid, layers, meta, outputs.staged(config.output), comm);
  summary.cells_with_data = output.cells_with_data;
  summary.exchange_peak_bytes_per_rank = allgather(output.exchange_peak_bytes, comm);
  const double reduce_seconds = seconds_since(start) - output.write_seconds;

  start = Clock::now();
  export_pictures(config, layers, outputs, comm);
  const double export_seconds = seconds_since(start);

  // MPI traffic up to here (gathering it below is not counted in it).
  const MpiTraffic traffic = mpi_traffic();
  summary.mpi_collectives_per_rank = allgather(traffic.collectives, comm);
  summary.mpi_messages_per_rank = allgather(traffic.messages, comm);
  summary.mpi_bytes_sent_per_rank = allgather(traffic.bytes_sent, comm);
  summary.mpi_bytes_received_per_rank = allgather(traffic.bytes_received, comm);
  summary.mpi_io_collectives_per_rank = allgather(traffic.io_collectives, comm);
  summary.mpi_io_bytes_per_rank = allgather(traffic.io_bytes, comm);
  summary.direct_write_bytes_per_rank = allgather(bytes_stored_directly(), comm);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  constexpr std::int64_t kBytesPerKibibyte = 1024;  // Linux gives ru_maxrss in KiB
  summary.peak_rss_bytes_per_rank =
      allgather(static_cast<std::int64_t>(usage.ru_maxrss) * kBytesPerKibibyte, comm);
  const std::pair<const char*, double> phases[] = {{"read", local.read_seconds},
                                                   {"project", local.project_seconds},
                                                   {"regrid", local.regrid_seconds},
                                                   {"loop", loop_seconds},
                                                   {"wait", wait_seconds},
                                                   {"reduce", reduce_seconds},
                                                   {"write", output.write_seconds},
                                                   {"export", export_seconds},
                                                   {"total", seconds_since(run_start)}};
  for (const auto& [name, seconds] : phases) {
    summary.phases.push_back(make_phase_times(name, allgather(seconds, comm)));
    if (config.method != Method::kNearest || std::string(name) != "regrid") continue;
    // nearest: the regrid's parts (every rank takes part in these allgathers, or none)
    const std::pair<const char*, double> parts[] = {
        {"nearest_survey", local.nearest_survey_seconds},
        {"nearest_search", local.nearest_search_seconds},
        {"nearest_values", local.nearest_values_seconds}};
    for (const auto& [part, part_seconds] : parts)
      summary.phases.push_back(make_phase_times(part, allgather(part_seconds, comm)));
  }
  summary.seconds = summary.phase("total").max;
  std::string error;
  if (env.rank() == 0 && !config.report_path.empty()) {
    try {
      write_json_report(config.report_path, outputs.staged(config.report_path), config, env,
                        summary);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree_on_error(error, comm);
  outputs.publish();    // every output complete and synced: all appear at their paths
  checkpoint.remove();  // the outputs are complete
  return summary;
}

}  // namespace swathgrid
