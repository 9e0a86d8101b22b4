#include "options.hpp"

#include <boost/program_options.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/projection.hpp"
#include "swathgrid/version.hpp"

namespace po = boost::program_options;

namespace swathgrid {

namespace {

constexpr const char* kUsage =
    "usage: swathgrid [options] GRANULE... -o OUTPUT.nc\n"
    "       mpirun -n N swathgrid --input-list granules.txt -o OUTPUT.nc [options]\n\n"
    "Grids Level-2 swath granules (OB.DAAC / PACE OCI NetCDF4) onto one map grid and\n"
    "writes the composite (mean, count and other statistics per cell) as CF-1.8 netCDF.\n\n"
    "Exit codes: 0 success, 1 failure (bad granule, unwritable output), 2 bad option,\n"
    "3 stopped by SIGTERM with --checkpoint (checkpoint written; rerun to resume).\n";

/// Collective: the granule paths of the list file, read by rank 0 alone and broadcast (a
/// thousand ranks do not open one file at once); every rank throws alike when it cannot be.
std::vector<std::string> read_input_list(const std::string& list_path, MPI_Comm comm) {
  std::string text, failed;
  if (rank_of(comm) == 0) {
    std::ifstream in(list_path, std::ios::binary);
    if (in) {
      std::ostringstream content;
      content << in.rdbuf();  // an empty file sets content's failbit: no granules, not an error
      text = content.str();
    } else {
      failed = "1";
    }
  }
  broadcast_string(failed, 0, comm);
  if (!failed.empty()) throw UsageError("--input-list: cannot read " + list_path);
  broadcast_string(text, 0, comm);
  std::istringstream in(text);
  std::vector<std::string> paths;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    paths.push_back(line.substr(first, last - first + 1));
  }
  return paths;
}

/// --grid-like FILE read on rank 0 alone and sent to the others: one open of the file, not
/// one per rank (a metadata storm at thousands of ranks). A failure is every rank's error.
GridDefinition grid_like_from_root(const std::string& path, MPI_Comm comm) {
  GridDefinition grid;
  std::string failure;
  if (rank_of(comm) == 0) {
    try {
      grid = swathgrid::grid_like(path);
    } catch (const Error& error) {
      failure = error.what();
    }
  }
  broadcast_string(failure, 0, comm);
  if (!failure.empty()) throw Error(failure);
  broadcast_string(grid.crs, 0, comm);
  broadcast_string(grid.crs_wkt, 0, comm);
  std::int64_t sizes[2] = {grid.spec.nx, grid.spec.ny};
  double place[3] = {grid.spec.x_min, grid.spec.y_max, grid.spec.cell_size};
  int flags[2] = {grid.geographic ? 1 : 0, grid.spec.periodic_x ? 1 : 0};
  MPI_Bcast(sizes, 2, MPI_INT64_T, 0, comm);
  MPI_Bcast(place, 3, MPI_DOUBLE, 0, comm);
  MPI_Bcast(flags, 2, MPI_INT, 0, comm);
  grid.spec.nx = sizes[0];
  grid.spec.ny = sizes[1];
  grid.spec.x_min = place[0];
  grid.spec.y_max = place[1];
  grid.spec.cell_size = place[2];
  grid.geographic = flags[0] != 0;
  grid.spec.periodic_x = flags[1] != 0;
  return grid;
}

/// Splits "a,b,c" (and repeated options) into names; empty items are an error of `option`.
std::vector<std::string> split_list(const std::vector<std::string>& texts,
                                    const std::string& option) {
  std::vector<std::string> items;
  for (const auto& text : texts) {
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) {
      if (item.empty()) throw UsageError(option + ": empty name in '" + text + "'");
      items.push_back(item);
    }
  }
  return items;
}

/// --flags: names, "default" (NASA l2bin's list) or "none".
std::vector<std::string> parse_flags(const std::string& text) {
  if (text == "none") return {};
  std::vector<std::string> flags;
  for (const auto& name : split_list({text}, "--flags")) {
    if (name == "default") {
      const auto& defaults = l2bin_default_flags();
      flags.insert(flags.end(), defaults.begin(), defaults.end());
    } else if (name == "none") {
      throw UsageError("--flags: 'none' cannot be combined with flag names");
    } else {
      for (char c : name)
        if (!std::isupper(static_cast<unsigned char>(c)) &&
            !std::isdigit(static_cast<unsigned char>(c)) && c != '_')
          throw UsageError("--flags: '" + name + "' is not an l2_flags name (e.g. LAND,CLDICE)");
      flags.push_back(name);
    }
  }
  return flags;
}

/// --on-error fail|skip.
OnError parse_on_error(const std::string& text) {
  if (text == "fail") return OnError::kFail;
  if (text == "skip") return OnError::kSkip;
  throw UsageError("--on-error: unknown policy '" + text + "' (available: fail, skip)");
}

/// --read-ahead auto|on|off.
ReadAhead parse_read_ahead(const std::string& text) {
  if (text == "auto") return ReadAhead::kAuto;
  if (text == "on") return ReadAhead::kOn;
  if (text == "off") return ReadAhead::kOff;
  throw UsageError("--read-ahead: unknown value '" + text + "' (available: auto, on, off)");
}

Accumulators parse_accumulators(const std::string& text) {
  if (text == "auto") return Accumulators::kAuto;
  if (text == "wide") return Accumulators::kWide;
  if (text == "compact") return Accumulators::kCompact;
  if (text == "cells") return Accumulators::kCells;
  throw UsageError("--accumulators: unknown value '" + text +
                   "' (available: auto, wide, compact, cells)");
}

/// --checkpoint-every: "N" granules, or seconds as "Ns", "Nmin", "Nh".
CheckpointInterval parse_checkpoint_every(const std::string& text) {
  const std::string error =
      "--checkpoint-every: expected a number of granules (50) or of seconds (600s, 10min, 1h), "
      "got '" + text + "'";
  std::size_t used = 0;
  double number = 0.0;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    throw UsageError(error);
  }
  const std::string unit = text.substr(used);
  CheckpointInterval every;
  every.seconds = 0.0;
  if (unit.empty() && number >= 1 && number == std::floor(number) && number < 1e15)
    every.granules = static_cast<std::int64_t>(number);
  else if ((unit == "s" || unit == "min" || unit == "h") && number > 0)
    every.seconds = number * (unit == "s" ? 1.0 : unit == "min" ? 60.0 : 3600.0);
  else
    throw UsageError(error);
  return every;
}

/// A granule listed twice would be counted twice: an input error (docs/reliability.md). Paths
/// are compared made absolute and lexically normal (a.nc, ./a.nc and $PWD/a.nc are the same;
/// symbolic links are not followed: no file-system calls per granule on every rank).
void reject_duplicate_granules(const std::vector<std::string>& granules) {
  std::unordered_map<std::string, std::size_t> first_position;
  std::error_code error;
  const auto cwd = std::filesystem::current_path(error);
  for (std::size_t i = 0; i < granules.size(); ++i) {
    std::filesystem::path path(granules[i]);
    if (path.is_relative() && !error) path = cwd / path;
    const auto [it, inserted] = first_position.emplace(path.lexically_normal().string(), i);
    if (!inserted)
      throw UsageError("duplicate granule " + granules[i] + ": listed as input " +
                       std::to_string(it->second + 1) + " and again as input " +
                       std::to_string(i + 1) + " (it would be counted twice)");
  }
}

std::string quote_if_needed(const std::string& arg) {
  if (arg.find_first_of(" \t\"'") == std::string::npos && !arg.empty()) return arg;
  return "'" + arg + "'";
}

std::string join_command_line(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) line += (i ? " " : "") + quote_if_needed(argv[i]);
  return line;
}

}  // namespace

std::optional<Config> parse_command_line(int argc, char** argv, std::string& message,
                                         MPI_Comm comm) {
  Config config;
  std::string stdev_text;
  std::string bbox_text, input_list, stats_text, weight_text, schedule_text, crs_text, res_text,
      grid_like, convention_text, period_text, reduce_text, on_error_text, checkpoint_every_text,
      read_ahead_text, accumulators_text, format_text, method_text, latlon_text, day_text;
  bool bbox_in_crs_units = false;
  double write_buffer_mib = 0;
  std::vector<std::string> positional, variable_texts;
  po::options_description visible("options");
  visible.add_options()("help,h", "print this help and exit")(
      "version", "print the version and exit")("output,o", po::value<std::string>(&config.output),
                                               "output netCDF file (required)")(
      "input-list", po::value<std::string>(&input_list),
      "file with one granule path per line ('#' comments allowed)")(
      "var", po::value<std::vector<std::string>>(&variable_texts)->composing(),
      "variable(s) of group geophysical_data to grid, comma-separated or repeated; 3-D "
      "variables (Rrs) get a wavelength dimension (default chlor_a)")(
      "crs", po::value<std::string>(&crs_text)->default_value(kDefaultCrs),
      "grid CRS, anything PROJ understands (EPSG:3413, EPSG:6933, +proj=..., WKT)")(
      "bbox", po::value<std::string>(&bbox_text),
      "grid extent W,S,E,N in degrees (default: the globe, or the CRS's area of use)")(
      "bbox-crs", po::bool_switch(&bbox_in_crs_units),
      "--bbox is XMIN,YMIN,XMAX,YMAX in CRS units")(
      "res", po::value<std::string>(&res_text)->default_value(kDefaultResolution),
      "cell size in CRS units, or an l3mapgen name: 4km, 9km, 1km, hkm, qkm, 0.1deg ... "
      "(default 0.01 degree, ~ OCI pixel spacing)")(
      "grid-like", po::value<std::string>(&grid_like),
      "use the grid (and CRS) of an existing swathgrid output file")(
      "method", po::value<std::string>(&method_text)->default_value("bin"),
      "gridding method: bin (every valid pixel adds to the cell holding its centre), nearest "
      "(each cell takes its nearest pixel per granule), warp (GDAL's geolocation warper, "
      "as the notebook)")(
      "max-distance", po::value<double>(&config.max_distance_m),
      "nearest: largest pixel-to-cell distance in metres (default: each pixel's footprint)")(
      "warp-convention", po::value<std::string>(&convention_text)->default_value("top-left-corner"),
      "warp: top-left-corner (GDAL's default, what the notebook gets) or pixel-center "
      "(correct registration of L2 pixel centres)")(
      "period", po::value<std::string>(&period_text)->default_value("all"),
      "composite per period: all, day, 8day (NASA's), month")(
      "day", po::value<std::string>(&day_text)->default_value("data"),
      "the day of a pixel for --period day/8day/month: data (NASA's data day: a granule across "
      "180 degrees near 00 UTC split by local time, as l2bin) or utc (the UTC day of "
      "time_coverage_start)")(
      "weight", po::value<std::string>(&weight_text)->default_value("pixel"),
      "bin weighting: pixel (each pixel counts 1), granule (per-granule cell means averaged "
      "equally, the notebook's time mean), sqrt (per-granule means weighted by sqrt of their "
      "pixel count, as NASA l2bin)")(
      "stats", po::value<std::string>(&stats_text)->default_value("mean,count"),
      "statistics: mean,count,stdev,min,max,gmean,ngranules")(
      "stdev", po::value<std::string>(&stdev_text)->default_value("population"),
      "stdev with pixel or granule weights: population (divide by n, ddof 0) or sample "
      "(n - 1, ddof 1); sqrt weights have NASA's bias-corrected form")(
      "flags", po::value<std::string>(&config.flags_text)->default_value("default"),
      "l2_flags masking a pixel: names (LAND,CLDICE,...), 'default' (the list of NASA's L3 "
      "ocean-colour products, their l2_flag_names) or 'none' (fill values only, as the notebook)")(
      "tile", po::value<std::int64_t>(&config.tile_size)->default_value(kDefaultTileSize),
      "accumulate in sparse tiles of N x N cells (only tiles with data are allocated)")(
      "reduce", po::value<std::string>(&reduce_text)->default_value("auto"),
      "combine ranks' tiles on rank 0 (root), or on the ranks owning each block of rows, "
      "which then all write (owner); auto: owner above 2^24 cells")(
      "accumulators", po::value<std::string>(&accumulators_text)->default_value("auto"),
      "per-cell sums: wide (every cell of a tile with data; 16 bytes per cell for mean,count), "
      "compact (12: at most 8388607 observations per cell; bin, pixel weighting, a variable "
      "with a valid range within +-1024) or cells (only the cells with data: 14 bytes each "
      "for mean,count; --tile up to 256); auto: cells from 2^27 grid cells on, else wide")(
      "format", po::value<std::string>(&format_text)->default_value("netcdf4"),
      "output encoding: netcdf4 (NetCDF-4/HDF5, fields chunked and compressed with shuffle + "
      "deflate on every rank, stored by rank 0, as NASA's L3m files) or classic (CDF-2, "
      "CDF-5 beyond 4 GiB per variable, through PnetCDF; uncompressed)")(
      "deflate", po::value<int>(&config.encoding.deflate_level)->default_value(1),
      "netcdf4: deflate level 1 (fastest) to 9 (smallest)")(
      "write-buffer", po::value<double>(&write_buffer_mib)->default_value(128),
      "MiB per rank in which row blocks wait to be written together in one collective call "
      "(classic: any blocks; netcdf4: a field's consecutive periods or bands); 0: each block "
      "its own call")(
      "latlon-coordinates", po::value<std::string>(&latlon_text)->default_value("on"),
      "projected grids: 2-D lat(y,x)/lon(y,x) of the cell centres (CF auxiliary coordinates, "
      "float64, 16 bytes a cell) so that xarray/Panoply locate cells without PROJ; off leaves "
      "them out")(
      "read-ahead", po::value<std::string>(&read_ahead_text)->default_value("auto"),
      "read the next granule on a thread of its own while this one is regridded; auto: when "
      "the node has a core no rank's threads use")(
      "schedule", po::value<std::string>(&schedule_text)->default_value("dynamic"),
      "granules to ranks: static (round-robin), size (largest first, greedy), dynamic "
      "(ranks claim the next granule from a shared counter)")(
      "geotiff", po::value<std::string>(&config.geotiff_path),
      "also write the first variable (its mean) as a Cloud-Optimised GeoTIFF (GDAL COG: CRS, "
      "nodata, one band per period/wavelength)")(
      "quicklook", po::value<std::string>(&config.quicklook_path),
      "also write a PNG picture of the first variable: log colour scale for chlorophyll "
      "(mg m^-3), linear otherwise, no data transparent, colour bar")(
      "report", po::value<std::string>(&config.report_path),
      "write the run summary as JSON (ranks, threads, grid, granules, per-phase seconds "
      "min/median/max over ranks) for scaling studies")("quiet,q", po::bool_switch(&config.quiet),
                                                        "no progress and no summary")(
      "on-error", po::value<std::string>(&on_error_text)->default_value("fail"),
      "a granule that cannot be read: fail (exit 1) or skip (leave it out, list it in the "
      "summary and in the output's skipped_granules attribute)")(
      "checkpoint", po::value<std::string>(&config.checkpoint_dir),
      "save the accumulated grids in DIR as the run goes and on SIGTERM (then exit 3); the "
      "same command resumes from them and writes the same file (docs/reliability.md)")(
      "checkpoint-every", po::value<std::string>(&checkpoint_every_text)->default_value("600s"),
      "with --checkpoint: save every N granules a rank finishes (50), or every N seconds "
      "(600s, 10min, 1h)");
  po::options_description hidden;
  hidden.add_options()("granule", po::value<std::vector<std::string>>(&positional));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional_spec;
  positional_spec.add("granule", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional_spec).run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    std::ostringstream text;
    text << kUsage << "\n" << visible;
    message = text.str();
    return std::nullopt;
  }
  if (vm.count("version")) {
    message = std::string("swathgrid ") + kVersion;
    return std::nullopt;
  }
  if (config.output.empty()) throw UsageError("-o/--output is required");
  config.method = parse_method(method_text);
  if (vm.count("max-distance") && !(config.max_distance_m > 0.0))
    throw UsageError("--max-distance: must be a positive number of metres");
  if (config.tile_size < 1 || config.tile_size > 4096)
    throw UsageError("--tile: must be 1 to 4096 cells, got " + std::to_string(config.tile_size));
  if (config.accumulators == Accumulators::kCells && config.tile_size > kMaxCellStorageTile)
    throw UsageError("--accumulators cells: --tile must be at most " +
                     std::to_string(kMaxCellStorageTile) + ", got " +
                     std::to_string(config.tile_size));
  config.on_error = parse_on_error(on_error_text);
  config.read_ahead = parse_read_ahead(read_ahead_text);
  config.accumulators = parse_accumulators(accumulators_text);
  config.checkpoint_every = parse_checkpoint_every(checkpoint_every_text);
  if (!vm["checkpoint-every"].defaulted() && config.checkpoint_dir.empty())
    throw UsageError("--checkpoint-every: needs --checkpoint DIR");
  if (format_text == "netcdf4")
    config.encoding.format = OutputFormat::kNetcdf4;
  else if (format_text == "classic")
    config.encoding.format = OutputFormat::kClassic;
  else
    throw UsageError("--format: unknown encoding '" + format_text +
                     "' (available: netcdf4, classic)");
  constexpr double kMaxWriteBufferMib = 65536;  // 64 GiB: beyond any node's memory per rank
  if (!(write_buffer_mib >= 0 && write_buffer_mib <= kMaxWriteBufferMib)) {
    std::ostringstream got;
    got << write_buffer_mib;
    throw UsageError("--write-buffer: must be 0 to " +
                     std::to_string(static_cast<int>(kMaxWriteBufferMib)) + " MiB, got " +
                     got.str());
  }
  config.encoding.write_buffer_bytes = static_cast<std::int64_t>(write_buffer_mib * 1048576.0);
  if (config.encoding.deflate_level < 1 || config.encoding.deflate_level > 9)
    throw UsageError("--deflate: must be 1 to 9, got " +
                     std::to_string(config.encoding.deflate_level));
  if (!vm["deflate"].defaulted() && config.encoding.format != OutputFormat::kNetcdf4)
    throw UsageError("--deflate: only with --format netcdf4");
  if (latlon_text != "on" && latlon_text != "off")
    throw UsageError("--latlon-coordinates: must be on or off, got '" + latlon_text + "'");
  config.encoding.latlon_coordinates = latlon_text == "on";
  if (reduce_text == "auto")
    config.reduce = ReduceMode::kAuto;
  else if (reduce_text == "root")
    config.reduce = ReduceMode::kRoot;
  else if (reduce_text == "owner")
    config.reduce = ReduceMode::kOwner;
  else
    throw UsageError("--reduce: unknown mode '" + reduce_text + "' (available: auto, root, owner)");
  config.warp_convention = parse_warp_convention(convention_text);
  config.period = parse_period(period_text);
  config.day = parse_day_kind(day_text);
  if (!variable_texts.empty()) config.variables = split_list(variable_texts, "--var");
  config.weighting = parse_weighting(weight_text);
  config.stats = parse_stats(stats_text);
  if (stdev_text == "sample")
    config.stdev_form = StdevForm::kSample;
  else if (stdev_text != "population")
    throw UsageError("--stdev: unknown form '" + stdev_text + "' (available: population, sample)");
  if (config.stdev_form == StdevForm::kSample && config.weighting == Weighting::kSqrt)
    throw UsageError("--stdev sample: --weight sqrt has NASA's bias-corrected form already");
  config.mask_flags = parse_flags(config.flags_text);
  config.schedule = parse_schedule(schedule_text);
  if (!grid_like.empty()) {
    if (vm.count("bbox") || !vm["res"].defaulted() || !vm["crs"].defaulted())
      throw UsageError("--grid-like: cannot be combined with --crs, --bbox or --res");
    config.grid = grid_like_from_root(grid_like, comm);
  } else {
    std::optional<BBox> bbox;
    if (vm.count("bbox"))
      bbox = bbox_in_crs_units ? parse_crs_bbox(bbox_text) : parse_bbox(bbox_text);
    config.grid =
        make_grid(crs_text, bbox, bbox_in_crs_units, parse_resolution(res_text, crs_text));
  }
  config.granules = positional;
  if (!input_list.empty()) {
    const auto listed = read_input_list(input_list, comm);
    config.granules.insert(config.granules.end(), listed.begin(), listed.end());
  }
  if (config.granules.empty() && !input_list.empty())
    throw UsageError("--input-list " + input_list + ": lists no granules (and none given as "
                     "arguments)");
  reject_duplicate_granules(config.granules);
  if (config.granules.empty())
    throw UsageError("no input granules (give paths as arguments or --input-list FILE)");
  config.history = join_command_line(argc, argv);
  return config;
}

}  // namespace swathgrid
