#include "granule_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "checkpoint.hpp"
#include "progress.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/periods.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;

/// Pixels of the largest OCI/MODIS footprints are well below this: the rows a cell value
/// can reach beyond the rows holding pixel centres (nearest, warp).
constexpr double kMaxFootprintM = 20000.0;
constexpr double kMetresPerDegree = kEarthRadiusM * M_PI / 180.0;
/// Added to the reach of the read region: rounding, the densified edges of a projected
/// grid's lat/lon bounds, geodetic vs spherical distances.
constexpr double kRegionSlackDeg = 0.25;
/// Cells the nearest search of a granule holds at once (its block of rows): 12 bytes each
/// (pixel index, value), so about 200 MB whatever the grid's width.
constexpr std::int64_t kNearestBlockCells = std::int64_t{1} << 24;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// The lat/lon region a pixel must come near to reach the grid (subset reads): the grid's
/// bounds plus the reach of the method. None (read everything) when the bounds fail, and for
/// warp: GDAL builds its backmap from the whole geolocation arrays it is given, so only whole
/// granules keep warp's results those of the notebook by construction.
std::optional<GeoRegion> read_region(const Config& config, const GridDefinition& grid) {
  if (config.method == "warp") return std::nullopt;
  double reach_m = 0.0;  // bin: a pixel only counts where its centre is
  if (config.method != "bin")
    reach_m =
        config.max_distance_m > 0 ? std::min(config.max_distance_m, kMaxReachM) : kMaxFootprintM;
  try {
    return GeoRegion{geographic_bounds(grid), reach_m / kMetresPerDegree + kRegionSlackDeg};
  } catch (const Error&) {
    return std::nullopt;
  }
}

/// Widens the window by the rows a footprint (or --max-distance) can reach.
RowWindow widen(const RowWindow& window, const Config& config, const GridSpec& grid) {
  if (config.method == "bin") return window;
  const double reach_m = config.max_distance_m > 0 ? config.max_distance_m : kMaxFootprintM;
  const auto margin =
      static_cast<std::int64_t>(std::ceil(reach_m / (grid.cell_size * kMetresPerDegree))) + 1;
  return RowWindow{std::max<std::int64_t>(0, window.begin - margin),
                   std::min(grid.ny, window.end + margin)};
}

/// The window's rows as a grid of their own.
GridSpec window_grid(const GridSpec& grid, const RowWindow& window) {
  GridSpec sub = grid;
  sub.y_max = grid.y_max - static_cast<double>(window.begin) * grid.cell_size;
  sub.ny = window.rows();
  return sub;
}

/// The period a granule falls in (key 0 for --period all).
std::int64_t period_key(const Granule& granule, PeriodKind kind) {
  if (kind == PeriodKind::kAll) return 0;
  if (granule.time_coverage_start.empty())
    throw Error("granule " + granule.path + ": time_coverage_start missing (--period " +
                period_name(kind) + " needs it)");
  try {
    return period_of(parse_iso8601_utc(granule.time_coverage_start), kind).key;
  } catch (const Error& e) {
    throw Error("granule " + granule.path + ": time_coverage_start: " + e.what());
  }
}

/// A granule's pixel positions on the device: grid x/y (CRS units), and lon/lat for the
/// nearest method (which measures distances on the sphere).
struct DevicePositions {
  PositionView x, y;
  PixelView lon, lat;
};

DevicePositions device_positions(const Granule& granule, const Projector& projector,
                                 const Config& config) {
  DevicePositions d;
  std::vector<double> x, y;
  if (projector.is_identity()) {
    x.assign(granule.longitude.begin(), granule.longitude.end());
    y.assign(granule.latitude.begin(), granule.latitude.end());
  } else {
    projector.forward(granule.longitude, granule.latitude, x, y);
  }
  copy_to_device(x, d.x, "swathgrid::x");
  copy_to_device(y, d.y, "swathgrid::y");
  if (config.method == "nearest") {
    copy_to_device(granule.longitude, d.lon, "swathgrid::lon");
    copy_to_device(granule.latitude, d.lat, "swathgrid::lat");
  }
  return d;
}

/// Nearest: the window's rows block by block (each cell is in one block), each block's cell
/// values into partials folded at once, so the search never holds window x width cells.
BinTotals nearest_layer(const Granule& granule, const PixelView& values, const DevicePositions& pos,
                        const Config& config, const GridSpec& grid, const RowWindow& window,
                        TiledFields& accumulators) {
  const GridSpec sub = window_grid(grid, window);
  const std::int64_t block_rows = std::max<std::int64_t>(1, kNearestBlockCells / grid.nx);
  BinTotals totals;
  for (std::int64_t row = 0; row < sub.ny; row += block_rows) {
    const CellBlock block{row, std::min(sub.ny, row + block_rows), 0, grid.nx};
    const CellPixelView nearest = nearest_pixel_per_cell(
        pos.lon, pos.lat, granule.lines, granule.pixels, sub, config.max_distance_m, block);
    const CellBlock in_grid{window.begin + block.row_begin, window.begin + block.row_end, 0,
                            grid.nx};
    TiledFields partials(accumulators.layout.partial_layout(), accumulators.tiles);
    totals.binned +=
        cell_value_partials(gather_cell_values(nearest, values), in_grid, partials).binned;
    fold_partials(partials, config.weighting, accumulators);
  }
  return totals;
}

/// Regrids one layer of a granule into partials (sparse tiles: only those it touches) and
/// folds them into `accumulators`. `window`: the rows nearest and warp compute.
BinTotals regrid_layer(const Granule& granule, const std::vector<float>& band_values,
                       const DevicePositions& pos, const Config& config, const GridSpec& grid,
                       const RowWindow& window, TiledFields& accumulators) {
  PixelView values;
  if (config.method == "nearest") {
    copy_to_device(band_values, values, "swathgrid::values");
    return nearest_layer(granule, values, pos, config, grid, window, accumulators);
  }
  TiledFields partials(accumulators.layout.partial_layout(), accumulators.tiles);
  BinTotals totals;
  if (config.method == "bin") {
    copy_to_device(band_values, values, "swathgrid::values");
    totals = bin_partials(pos.x, pos.y, values, grid, partials);
  } else {
    PixelView cell_values;
    copy_to_device(warp_granule(granule.longitude, granule.latitude, band_values, granule.lines,
                                granule.pixels, window_grid(grid, window), config.warp_convention),
                   cell_values, "swathgrid::warped");
    totals =
        cell_value_partials(cell_values, CellBlock{window.begin, window.end, 0, grid.nx}, partials);
  }
  fold_partials(partials, config.weighting, accumulators);
  return totals;
}

/// Regrids one granule into every layer's accumulators of its period.
void regrid_granule(const Granule& granule, const Config& config, const GridSpec& grid,
                    const Projector& projector, std::vector<Layer>& layers, LocalResult& local) {
  const auto start = Clock::now();
  const DevicePositions pos = device_positions(granule, projector, config);
  Kokkos::fence();
  local.project_seconds += seconds_since(start);
  const RowWindow touched = granule_rows(pos.x, pos.y, grid);
  if (touched.empty()) {
    ++local.granules_missing_grid;
    return;
  }
  const RowWindow window = widen(touched, config, grid);
  const std::int64_t period = period_key(granule, config.period);
  const std::size_t plane = granule.lines * granule.pixels;
  std::vector<float> band_values;
  for (Layer& layer : layers) {
    const GranuleVariable& var = granule.variables[layer.variable];
    band_values.assign(var.values.begin() + layer.band * plane,
                       var.values.begin() + (layer.band + 1) * plane);
    const BinTotals totals =
        regrid_layer(granule, band_values, pos, config, grid, window,
                     layer.period_fields(period, TileGrid(config.tile_size, grid.nx, grid.ny)));
    local.pixels_binned += totals.binned;
    local.pixels_outside += totals.outside_grid;
    local.pixels_unrepresentable += totals.unrepresentable;
  }
}

/// True when any value of any variable of the granule is valid (not NaN).
bool has_valid_value(const Granule& granule) {
  for (const auto& var : granule.variables)
    for (float v : var.values)
      if (!std::isnan(v)) return true;
  return false;
}

/// Reads granule `index` and checks what regridding it needs beyond its arrays (its period).
/// --on-error skip: a granule failing here is recorded in local.failed and nullopt returned;
/// nothing of it has reached an accumulator (docs/reliability.md).
std::optional<Granule> read_usable_granule(const Config& config, std::size_t index,
                                           const ReadRequest& request, LocalResult& local) {
  try {
    Granule granule = read_granule(config.granules[index], request);
    if (!granule.skipped_by_bounds) period_key(granule, config.period);  // throws if unusable
    return granule;
  } catch (const Error& e) {
    if (config.on_error != OnError::kSkip) throw;
    local.failed.emplace_back(index, e.what());
    return std::nullopt;
  }
}

/// Keeps the smallest parsable time_coverage_start (others never reach the output).
void note_start_time(const std::string& start, std::string& earliest) {
  try {
    parse_iso8601_utc(start);
  } catch (const Error&) {
    return;
  }
  if (earliest.empty() || start < earliest) earliest = start;
}

}  // namespace

LocalResult regrid_my_granules(const Config& config, const GridDefinition& grid,
                               std::vector<Layer>& layers, Checkpoint& checkpoint, MPI_Comm comm) {
  LocalResult local = checkpoint.restored();
  const Projector projector(grid);
  auto schedule = make_schedule(config.schedule, checkpoint.remaining_sizes(), comm);
  ReadRequest request;
  request.variables = config.variables;
  request.mask_flags = config.mask_flags;
  request.region = read_region(config, grid);
  GranuleProgress progress(checkpoint.remaining().size(), config.schedule, config.quiet, comm);
  std::optional<std::size_t> index;  // reaching next() again means this granule is done
  while (const auto position = checkpoint.next(*schedule, index, layers, local)) {
    progress.claimed(*position);
    index = checkpoint.remaining()[*position];
    try {
      auto start = Clock::now();
      const std::optional<Granule> read = read_usable_granule(config, *index, request, local);
      local.read_seconds += seconds_since(start);
      if (!read) continue;  // --on-error skip: left out, recorded in local.failed
      const Granule& granule = *read;
      local.bytes_read += static_cast<std::int64_t>(granule.bytes_read);
      local.bytes_total += static_cast<std::int64_t>(granule.bytes_total);
      note_start_time(granule.time_coverage_start, local.earliest_start);
      if (granule.skipped_by_bounds) {
        ++local.granules_skipped;
        continue;
      }
      local.pixels_flagged += granule.pixels_flagged;
      ++local.granules_read;
      if (!has_valid_value(granule)) ++local.granules_all_fill;

      start = Clock::now();
      const double projected = local.project_seconds;
      regrid_granule(granule, config, grid.spec, projector, layers, local);
      Kokkos::fence();
      local.regrid_seconds += seconds_since(start) - (local.project_seconds - projected);
    } catch (const std::exception& e) {  // agreed on by the caller: no rank is left waiting
      local.error = e.what();
      break;
    }
  }
  schedule.reset();  // collective: every rank has left its loop
  return local;
}

}  // namespace swathgrid
