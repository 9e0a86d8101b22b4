#include "granule_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "checkpoint.hpp"
#include "granule_periods.hpp"
#include "progress.hpp"
#include "swathgrid/environment.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/granule.hpp"
#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/partials.hpp"
#include "swathgrid/periods.hpp"
#include "swathgrid/projection.hpp"
#include "swathgrid/text.hpp"

namespace swathgrid {

namespace {

using Clock = std::chrono::steady_clock;

/// Pixels of the largest OCI/MODIS footprints are well below this: the rows a cell value
/// can reach beyond the rows holding pixel centres (nearest, warp).
constexpr double kMaxFootprintM = 20000.0;
constexpr double kMetresPerDegree = kEarthRadiusM * kPi / 180.0;
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
  if (config.method == Method::kWarp) return std::nullopt;
  double reach_m = 0.0;  // bin: a pixel only counts where its centre is
  if (config.method != Method::kBin)
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
  if (config.method == Method::kBin) return window;
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

/// A granule's pixel positions on the device: grid x/y (CRS units) on projected grids, and
/// lon/lat on lat/lon grids (their x/y: no conversion to double, the kernels widen them
/// exactly) and for the nearest method (which measures distances on the sphere).
struct DevicePositions {
  bool degrees = false;  ///< a lat/lon grid: x/y are empty, lon/lat are the grid positions
  PositionView x, y;
  ConstPixelView lon, lat;

  RowWindow rows(const GridSpec& grid) const {
    return degrees ? granule_rows(lon, lat, grid) : granule_rows(x, y, grid);
  }
  BinTotals bin(const ConstPixelView& values, const GridSpec& grid, TiledFields& fields) const {
    return degrees ? bin_pixels(lon, lat, values, grid, fields)
                   : bin_pixels(x, y, values, grid, fields);
  }
  /// Pixels [begin, end) alone.
  DevicePositions slice(std::size_t begin, std::size_t end) const {
    const std::pair<std::size_t, std::size_t> range(begin, end);
    DevicePositions part = *this;
    if (degrees) {
      part.lon = Kokkos::subview(lon, range);
      part.lat = Kokkos::subview(lat, range);
    } else {
      part.x = Kokkos::subview(x, range);
      part.y = Kokkos::subview(y, range);
    }
    return part;
  }
};

/// Pixels `bin` adds at a time into the dense tiles of `cells` accumulators: the dense tiles
/// then cover the footprint of ~200 lines, not of a granule (a full OCI granule at 0.01
/// degree near the poles touches tiles of ~14 M cells: 230 MB of dense tiles). Global 0.01
/// degree, one rank of two threads: peak RSS 795 MB with 2^16 pixels, 853 with 2^18, 976
/// with 2^20; with 2^18 the run is ~5 % shorter than with 2^16 (6 interleaved runs each: a
/// quarter of the merges and of the parallel regions; docs/performance.md, session 24).
constexpr std::size_t kCellsBinPixels = std::size_t{1} << 18;

/// Heap faulted in ahead of each merge into `cells` accumulators: a few merges' growth (a
/// global 0.01 degree granule adds ~20 MB of cells).
constexpr std::size_t kMergeHeapAhead = std::size_t{32} << 20;

BinTotals& operator+=(BinTotals& total, const BinTotals& part) {
  total.binned += part.binned;
  total.outside_grid += part.outside_grid;
  total.invalid += part.invalid;
  total.unrepresentable += part.unrepresentable;
  total.touches_grid = total.touches_grid || part.touches_grid;
  return total;
}

/// What a rank reuses from granule to granule: grow-only buffers, so that once the largest
/// granule has been seen nothing is allocated (and page-faulted, zero-filled) per granule.
/// Granules differ in size (OCI: 1709 or 1710 lines): the views hold the largest one and
/// each granule uses their first lines * pixels elements.
struct GranuleWorkspace {
  PositionView x_capacity, y_capacity;
  std::vector<double> x_projected, y_projected;  ///< projected grids: PROJ's output
  std::optional<TiledFields> partials;           ///< one layer's partials, cleared per use
  NearestSearch nearest;                         ///< its buffers, reused
  std::optional<TiledFields> dense;  ///< `cells` accumulators: a layer's granule, cleared per use

  /// Where a layer's granule goes: its accumulators, or with `cells` storage cleared dense
  /// tiles of their layout (reusing their storage), merged in by `done`.
  TiledFields& target_for(TiledFields& accumulators) {
    if (!accumulators.cells) return accumulators;
    return cleared(dense, accumulators.layout, accumulators.tiles);
  }
  /// `target` (from target_for) into `accumulators`: nothing to do unless `cells` storage.
  static void done(TiledFields& target, TiledFields& accumulators) {
    if (&target == &accumulators) return;
    // The cells' new storage is carved from the heap's top: faulted in first, on every
    // thread, not one huge page at a time under malloc's lock (docs/performance.md, session
    // 24).
    fault_in_heap_ahead(kMergeHeapAhead);
    accumulators.merge_from(target);
  }

  /// Cleared partials of `accumulators`' grid and partial layout, reusing their storage.
  TiledFields& partials_for(const TiledFields& accumulators) {
    return cleared(partials, accumulators.layout.partial_layout(), accumulators.tiles);
  }

  /// `fields` cleared for `layout` on `tiles`: the same storage when its shape fits (same
  /// fields and grid; the scales are the layer's), else new.
  static TiledFields& cleared(std::optional<TiledFields>& fields, const FieldLayout& layout,
                              const TileGrid& tiles) {
    if (!fields || fields->layout.count != layout.count ||
        fields->tiles.tile_count() != tiles.tile_count() ||
        fields->tiles.tile_size != tiles.tile_size || fields->tiles.nx != tiles.nx) {
      fields.emplace(layout, tiles);
    } else {
      fields->clear();
      fields->layout = layout;
    }
    return *fields;
  }
};

/// The first `n` elements of `buffer`, grown (never shrunk) to hold them.
PositionView first_elements(PositionView& buffer, std::size_t n, const char* label) {
  if (buffer.extent(0) < n) {
    buffer = PositionView();  // free before allocating: the peak is one buffer, not two
    buffer = PositionView(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), n);
  }
  return Kokkos::subview(buffer, std::pair<std::size_t, std::size_t>(0, n));
}

/// `n` floats of host memory as a device view: the memory itself when the device is the
/// host (no copy), a device copy otherwise.
ConstPixelView device_view(const float* host, std::size_t n) {
  return Kokkos::create_mirror_view_and_copy(
      MemSpace(), Kokkos::View<const float*, HostSpace, Kokkos::MemoryUnmanaged>(host, n));
}

void copy_into(const std::vector<double>& host, const PositionView& device) {
  Kokkos::deep_copy(device, Kokkos::View<const double*, HostSpace, Kokkos::MemoryUnmanaged>(
                                host.data(), device.extent(0)));
}

DevicePositions device_positions(const Granule& granule, const Projector& projector,
                                 const Config& config, GranuleWorkspace& work) {
  DevicePositions d;
  const std::size_t n = granule.longitude.size();
  d.degrees = projector.is_identity();
  if (d.degrees || config.method == Method::kNearest) {
    d.lon = device_view(granule.longitude.data(), n);
    d.lat = device_view(granule.latitude.data(), n);
  }
  if (!d.degrees) {
    d.x = first_elements(work.x_capacity, n, "swathgrid::x");
    d.y = first_elements(work.y_capacity, n, "swathgrid::y");
    projector.forward(granule.longitude, granule.latitude, work.x_projected, work.y_projected);
    copy_into(work.x_projected, d.x);
    copy_into(work.y_projected, d.y);
  }
  return d;
}

/// Nearest, every layer of a granule surveyed by work.nearest (on `grid`): the window's rows
/// block by block (each cell is in one
/// block, so the search never holds window x width cells); each block's search (the geometry:
/// which pixel each cell takes) is done once and serves every variable and band, whose cell
/// values go straight into the accumulators where folding would only add them, else into
/// partials folded at once.
void nearest_granule(const Granule& granule, const Config& config, const GridSpec& grid,
                     const RowWindow& window, std::int64_t period, std::vector<Layer>& layers,
                     LocalResult& local, GranuleWorkspace& work) {
  const GridSpec sub = window_grid(grid, window);
  const std::int64_t block_rows = std::max<std::int64_t>(1, kNearestBlockCells / grid.nx);
  const std::size_t plane = granule.lines * granule.pixels;
  for (std::int64_t row = 0; row < sub.ny; row += block_rows) {
    const CellBlock block{row, std::min(sub.ny, row + block_rows), 0, grid.nx};
    auto start = Clock::now();
    const CellPixelView nearest = work.nearest.search(sub, block);
    Kokkos::fence();
    local.nearest_search_seconds += seconds_since(start);
    ++local.nearest_searches;
    start = Clock::now();
    const CellBlock in_grid{window.begin + block.row_begin, window.begin + block.row_end, 0,
                            grid.nx};
    for (Layer& layer : layers) {
      const GranuleVariable& var = granule.variables[layer.variable];
      TiledFields& accumulators =
          layer.period_fields(period, TileGrid(config.tile_size, grid.nx, grid.ny));
      const ConstPixelView values = device_view(var.values.data() + layer.band * plane, plane);
      TiledFields& target = work.target_for(accumulators);
      if (bins_into_accumulators(accumulators.layout, config.weighting) &&
          !accumulators.layout.narrow_high) {
        local.pixels_binned += chosen_pixel_values(nearest, values, in_grid, target).binned;
      } else {
        TiledFields& partials = work.partials_for(accumulators);
        local.pixels_binned += chosen_pixel_values(nearest, values, in_grid, partials).binned;
        fold_partials(partials, config.weighting, target);
      }
      GranuleWorkspace::done(target, accumulators);
    }
    Kokkos::fence();
    local.nearest_values_seconds += seconds_since(start);
  }
}

/// Regrids one layer of a granule (`band_values`: lines * pixels values) into partials (sparse
/// tiles: only those it touches) and folds them into `accumulators`, or bins it into them
/// directly where folding would only add. `window`: the rows warp computes; `warper`: warp's
/// transformer of the granule onto them, shared by its layers. (Not nearest: nearest_granule
/// does every layer of a granule at once.)
BinTotals regrid_layer(const float* band_values, const DevicePositions& pos, const Config& config,
                       const GridSpec& grid, const RowWindow& window, const GranuleWarper* warper,
                       std::size_t plane, TiledFields& accumulators, GranuleWorkspace& work) {
  if (config.method == Method::kBin &&
      bins_into_accumulators(accumulators.layout, config.weighting)) {
    // Pixels add alone: with `cells` accumulators, a block of them at a time.
    const std::size_t block = accumulators.cells ? kCellsBinPixels : plane;
    BinTotals totals;
    for (std::size_t begin = 0; begin < plane; begin += block) {
      const std::size_t end = std::min(plane, begin + block);
      TiledFields& target = work.target_for(accumulators);
      totals +=
          pos.slice(begin, end).bin(device_view(band_values + begin, end - begin), grid, target);
      GranuleWorkspace::done(target, accumulators);
    }
    return totals;
  }
  TiledFields& target = work.target_for(accumulators);
  TiledFields& partials = work.partials_for(accumulators);
  BinTotals totals;
  if (config.method == Method::kBin) {
    totals = pos.bin(device_view(band_values, plane), grid, partials);
  } else {
    PixelView cell_values;
    copy_to_device(warper->warp(band_values), cell_values, "swathgrid::warped");
    totals =
        cell_value_partials(cell_values, CellBlock{window.begin, window.end, 0, grid.nx}, partials);
  }
  fold_partials(partials, config.weighting, target);
  GranuleWorkspace::done(target, accumulators);
  return totals;
}

/// Regrids one granule into every layer's accumulators of period `period`.
void regrid_granule(const Granule& granule, std::int64_t period, const Config& config,
                    const GridSpec& grid, const Projector& projector, std::vector<Layer>& layers,
                    LocalResult& local, GranuleWorkspace& work) {
  const auto start = Clock::now();
  const DevicePositions pos = device_positions(granule, projector, config, work);
  Kokkos::fence();
  local.project_seconds += seconds_since(start);
  // bin needs no window: its first pass finds whether the granule touches the grid.
  const bool bin = config.method == Method::kBin;
  RowWindow window;
  if (config.method == Method::kNearest) {  // one pass: its rows and its candidates
    const auto survey_start = Clock::now();
    work.nearest.survey(pos.lon, pos.lat, granule.lines, granule.pixels, grid,
                        config.max_distance_m);
    Kokkos::fence();
    local.nearest_survey_seconds += seconds_since(survey_start);
  }
  if (!bin) {
    const RowWindow touched =
        config.method == Method::kNearest ? work.nearest.rows() : pos.rows(grid);
    if (touched.empty()) {
      ++local.granules_missing_grid;
      return;
    }
    window = widen(touched, config, grid);
  }
  if (config.method == Method::kNearest) {
    nearest_granule(granule, config, grid, window, period, layers, local, work);
    return;
  }
  const std::size_t plane = granule.lines * granule.pixels;
  std::optional<GranuleWarper> warper;
  if (config.method == Method::kWarp) {
    warper.emplace(granule.longitude, granule.latitude, granule.lines, granule.pixels,
                   window_grid(grid, window), config.warp_convention);
    ++local.warp_transformers;
  }
  bool touches_grid = false;
  for (Layer& layer : layers) {
    const GranuleVariable& var = granule.variables[layer.variable];
    const BinTotals totals = regrid_layer(
        var.values.data() + layer.band * plane, pos, config, grid, window,
        warper ? &*warper : nullptr, plane,
        layer.period_fields(period, TileGrid(config.tile_size, grid.nx, grid.ny)), work);
    local.pixels_binned += totals.binned;
    local.pixels_outside += totals.outside_grid;
    local.pixels_unrepresentable += totals.unrepresentable;
    touches_grid = touches_grid || totals.touches_grid;
  }
  if (bin && !touches_grid) ++local.granules_missing_grid;
}

/// Regrids one granule into its period, or the two parts of a granule that the data day
/// splits each into its own (each part: the granule with the other part's values NaN, so
/// every method sees the whole swath's geometry; it counts as missing the grid only when
/// both parts do).
void regrid_granule_by_period(const Granule& granule, const Config& config, const GridSpec& grid,
                              const Projector& projector, std::vector<Layer>& layers,
                              LocalResult& local, GranuleWorkspace& work) {
  const GranulePeriods periods = granule_periods(granule, config);
  if (periods.first == periods.second) {
    regrid_granule(granule, periods.first, config, grid, projector, layers, local, work);
    return;
  }
  const std::int64_t missing_before = local.granules_missing_grid;
  const std::size_t plane = granule.lines * granule.pixels;
  for (std::uint8_t part = 0; part < 2; ++part) {
    Granule half = granule;
    for (GranuleVariable& var : half.variables)
      for (std::size_t i = 0; i < var.values.size(); ++i)
        if (periods.second_pixels[i % plane] != part)
          var.values[i] = std::numeric_limits<float>::quiet_NaN();
    regrid_granule(half, part == 0 ? periods.first : periods.second, config, grid, projector,
                   layers, local, work);
  }
  local.granules_missing_grid = missing_before + (local.granules_missing_grid - missing_before) / 2;
}

/// True when any value of any variable of the granule is valid (not NaN).
bool has_valid_value(const Granule& granule) {
  for (const auto& var : granule.variables)
    for (float v : var.values)
      if (!std::isnan(v)) return true;
  return false;
}

/// A granule as read: the granule, or (--on-error skip) why it was left out.
struct ReadOutcome {
  std::optional<Granule> granule;
  std::string skipped;  ///< the error, "" when read
};

/// Reads granule `index` and checks what regridding it needs beyond its arrays (its period).
/// --on-error skip: a granule failing here comes back with its error in `skipped`; nothing of
/// it reaches an accumulator (docs/reliability.md). Other errors are thrown.
ReadOutcome read_usable_granule(const Config& config, std::size_t index,
                                const ReadRequest& request) {
  ReadOutcome out;
  try {
    inject_fault("read", "granule " + config.granules[index]);
    Granule granule = read_granule(config.granules[index], request);
    if (!granule.skipped_by_bounds && config.period != PeriodKind::kAll)
      granule_start(granule, config.period);  // throws if unusable
    out.granule = std::move(granule);
  } catch (const Error& e) {
    if (config.on_error != OnError::kSkip) throw;
    out.skipped = e.what();
  }
  return out;
}

/// Reads granules for the loop: in wait() when synchronous, or ahead on a thread of its own
/// (the one thread that calls HDF5 while the loop runs; it inflates chunks without an
/// OpenMP team, the regrid's threads have the cores), one granule at a time.
class GranuleReader {
 public:
  GranuleReader(const Config& config, const ReadRequest& request, bool ahead)
      : config_(config), request_(request) {
    if (ahead) thread_ = std::thread([this] { serve(); });
  }
  GranuleReader(const GranuleReader&) = delete;
  GranuleReader& operator=(const GranuleReader&) = delete;
  ~GranuleReader() {
    if (!thread_.joinable()) return;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return !wanted_; });  // a read under way ends first
      closing_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  /// Starts reading granule `index` (the previous one must have been waited for).
  void start(std::size_t index) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wanted_ = index;
      outcome_.reset();
      error_ = nullptr;
    }
    changed_.notify_all();
  }
  /// The started granule, once read; rethrows the read's error.
  ReadOutcome wait() {
    if (!thread_.joinable()) {
      const std::size_t index = *wanted_;
      wanted_.reset();
      return read_usable_granule(config_, index, request_);
    }
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !wanted_; });
    if (error_) std::rethrow_exception(error_);
    return std::move(*outcome_);
  }

 private:
  void serve() {
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return closing_ || wanted_; });
      if (closing_) return;
      const std::size_t index = *wanted_;
      lock.unlock();
      std::optional<ReadOutcome> outcome;
      std::exception_ptr error;
      try {
        outcome = read_usable_granule(config_, index, request_);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      outcome_ = std::move(outcome);
      error_ = error;
      wanted_.reset();
      changed_.notify_all();
    }
  }

  const Config& config_;
  const ReadRequest& request_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::size_t> wanted_;  ///< being read (or, synchronous, to read in wait())
  std::optional<ReadOutcome> outcome_;
  std::exception_ptr error_;
  bool closing_ = false;
};

/// Keeps the smallest parsable time_coverage_start and the largest time_coverage_end
/// (unparsable ones never reach the output).
void note_times(const Granule& granule, LocalResult& local) {
  const auto parses = [](const std::string& text) {
    try {
      parse_iso8601_utc(text);
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  const std::string& start = granule.time_coverage_start;
  const std::string& end = granule.time_coverage_end;
  if (parses(start) && (local.earliest_start.empty() || start < local.earliest_start))
    local.earliest_start = start;
  if (parses(end) && end > local.latest_end) local.latest_end = end;
}

/// Adds the granule's instrument and platform to those of the run (output metadata).
void note_sensor(const Granule& granule, LocalResult& local) {
  if (!granule.instrument.empty()) local.instruments.insert(granule.instrument);
  if (!granule.platform.empty()) local.platforms.insert(granule.platform);
}

}  // namespace

LocalResult regrid_my_granules(const Config& config, const GridDefinition& grid,
                               std::vector<Layer>& layers, Checkpoint& checkpoint,
                               bool read_ahead, MPI_Comm comm) {
  LocalResult local = checkpoint.restored();
  const Projector projector(grid);
  auto schedule = make_schedule(config.schedule, checkpoint.remaining_sizes(), comm);
  ReadRequest request;
  request.variables = config.variables;
  request.mask_flags = config.mask_flags;
  request.region = read_region(config, grid);
  GranuleProgress progress(checkpoint.remaining().size(), config.schedule, config.quiet, comm);
  GranuleWorkspace workspace;
  {
    local.read_ahead = read_ahead;
    GranuleReader reader(config, request, local.read_ahead);
    std::optional<std::size_t> position = checkpoint.claim(*schedule, local);
    if (position) reader.start(checkpoint.remaining()[*position]);
    while (position) {
      progress.claimed(*position);
      const std::size_t index = checkpoint.remaining()[*position];
      try {
        auto start = Clock::now();
        ReadOutcome read = reader.wait();
        local.read_seconds += seconds_since(start);
        // The next granule is read while this one is regridded (with read-ahead).
        position = checkpoint.claim(*schedule, local);
        if (position) reader.start(checkpoint.remaining()[*position]);
        if (read.granule) {
          const Granule& granule = *read.granule;
          local.bytes_read += static_cast<std::int64_t>(granule.bytes_read);
          local.bytes_total += static_cast<std::int64_t>(granule.bytes_total);
          note_times(granule, local);
          if (granule.skipped_by_bounds) {
            ++local.granules_skipped;
          } else {
            local.pixels_flagged += granule.pixels_flagged;
            ++local.granules_read;
            if (!has_valid_value(granule)) ++local.granules_all_fill;
            start = Clock::now();
            const double projected = local.project_seconds;
            inject_fault("regrid", "granule " + config.granules[index]);
            note_sensor(granule, local);
            regrid_granule_by_period(granule, config, grid.spec, projector, layers, local,
                                     workspace);
            Kokkos::fence();
            local.regrid_seconds += seconds_since(start) - (local.project_seconds - projected);
          }
        } else {  // --on-error skip: left out, recorded
          local.failed.emplace_back(index, read.skipped);
        }
      } catch (const std::exception& e) {  // agreed on by the caller: no rank is left waiting
        local.error = e.what();
        break;
      }
      if (!checkpoint.finish(index, layers, local)) break;
    }
  }  // the reader has finished any read under way
  schedule.reset();  // collective: every rank has left its loop
  return local;
}

}  // namespace swathgrid
