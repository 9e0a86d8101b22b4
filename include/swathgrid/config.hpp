#pragma once
// Everything a composite run needs, filled from the command line (src/app) or by tests.

#include <string>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/data_day.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/grid.hpp"
#include "swathgrid/netcdf_writer.hpp"
#include "swathgrid/periods.hpp"
#include "swathgrid/projection.hpp"
#include "swathgrid/schedule.hpp"
#include "swathgrid/tiles.hpp"

namespace swathgrid {

/// Default --res: 0.01 degree (~1.1 km), close to OCI's ~1.2 km pixel spacing at nadir.
inline constexpr const char* kDefaultResolution = "0.01";

/// --read-ahead: read the next granule on a thread of its own while this one is regridded.
enum class ReadAhead { kAuto, kOn, kOff };

/// --reduce: how accumulators are combined across ranks (docs/architecture.md).
enum class ReduceMode { kAuto, kRoot, kOwner };

/// --accumulators (docs/architecture.md, "Memory per rank"): every cell of a touched tile, 16
/// bytes per cell for mean,count (wide) or 12 (compact: a 32-bit high sum); or only the cells
/// with data (cells: wide sums + a 2-byte offset per cell with data); auto: cells from
/// kCompactGridCells grid cells on (where --tile allows), wide below.
enum class Accumulators { kAuto, kWide, kCompact, kCells };
inline constexpr std::int64_t kCompactGridCells = std::int64_t{1} << 27;

/// --on-error: what a granule that cannot be used does (docs/reliability.md): fail the run
/// (exit 1), or be left out and listed in the summary and the output's skipped_granules.
enum class OnError { kFail, kSkip };

/// --checkpoint-every: save after this many granules or this many seconds, whichever is given
/// (docs/reliability.md). Default: every 600 s.
struct CheckpointInterval {
  std::int64_t granules = 0;  ///< > 0: every N granules a rank finishes
  double seconds = 600.0;     ///< > 0: when this many seconds passed since the rank's last save
};

struct Config {
  std::vector<std::string> granules;              ///< input paths, in the order given
  std::string output;                             ///< output netCDF path
  std::vector<std::string> variables{"chlor_a"};  ///< variables of geophysical_data to grid
  GridDefinition grid;                            ///< from --crs/--bbox/--res or --grid-like
  Method method = Method::kBin;                   ///< --method
  double max_distance_m = 0.0;                    ///< nearest: reach; <= 0: the pixel footprint
  WarpConvention warp_convention = WarpConvention::kTopLeftCorner;  ///< warp: as the notebook
  Weighting weighting = Weighting::kPixel;                          ///< --weight
  PeriodKind period = PeriodKind::kAll;                             ///< --period
  DayKind day = DayKind::kData;  ///< --day: the day a pixel counts in (day, 8day, month)
  std::vector<Stat> stats{Stat::kMean, Stat::kCount};
  StdevForm stdev_form = StdevForm::kPopulation;  ///< --stdev (pixel and granule weighting)
  std::vector<std::string> mask_flags;  ///< l2_flags names; empty: mask nothing
  std::string flags_text = "none";      ///< --flags as given (for the output's metadata)
  ScheduleKind schedule = ScheduleKind::kDynamic;
  std::int64_t tile_size = kDefaultTileSize;  ///< --tile: accumulator tiles of N x N cells
  ReduceMode reduce = ReduceMode::kAuto;      ///< --reduce
  ReadAhead read_ahead = ReadAhead::kAuto;    ///< --read-ahead
  Accumulators accumulators = Accumulators::kAuto;  ///< --accumulators
  OutputEncoding encoding;                    ///< --format, --deflate (chunk rows follow --tile)
  std::string history;                        ///< the command line, for the output's history
  bool quiet = false;                         ///< no progress, no summary
  std::string report_path;    ///< --report: JSON run report (rank 0), "" for none
  std::string geotiff_path;   ///< --geotiff: Cloud-Optimised GeoTIFF of the first variable
  std::string quicklook_path; ///< --quicklook: PNG picture of the first variable
  OnError on_error = OnError::kFail;  ///< --on-error fail|skip
  std::string checkpoint_dir;         ///< --checkpoint: directory of the run's checkpoint, "" none
  CheckpointInterval checkpoint_every;  ///< --checkpoint-every
};

}  // namespace swathgrid
