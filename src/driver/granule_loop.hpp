#pragma once
// The per-rank loop: claim a granule, read it, regrid every layer into its period's
// accumulators. No MPI inside the regridding; errors are collected, not thrown.

#include <mpi.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

class Checkpoint;

/// What one rank did with its granules.
struct LocalResult {
  std::int64_t granules_read = 0, granules_missing_grid = 0;
  std::int64_t pixels_binned = 0, pixels_outside = 0, pixels_unrepresentable = 0;
  std::int64_t pixels_flagged = 0, bytes_read = 0;
  std::int64_t bytes_total = 0;       ///< what reading every granule whole would take
  std::int64_t granules_skipped = 0;  ///< left unread: cannot come near the grid
  /// Seconds: read (HDF5, scaling, masking; with read-ahead, the wait for it), project (pixel positions to grid coordinates),
  /// regrid (kernels and folding into tiles, projection excluded).
  double read_seconds = 0.0, project_seconds = 0.0, regrid_seconds = 0.0;
  std::string earliest_start;  ///< smallest time_coverage_start (ISO strings sort by time)
  std::string latest_end;      ///< largest time_coverage_end
  std::set<std::string> instruments, platforms;  ///< of the granules regridded (attributes)
  std::string error;           ///< first failure, "" when none
  /// --on-error skip: the granules this rank left out, (input index, message naming the file
  /// and the cause). Nothing of them reached an accumulator.
  std::vector<std::pair<std::size_t, std::string>> failed;
  std::int64_t granules_all_fill = 0;  ///< read, but no valid value where read: add nothing
  bool read_ahead = false;             ///< granules read on a thread of their own
  /// nearest: searches of a block of a granule's rows, each serving every layer (variable,
  /// band) of the granule; not checkpointed (it counts this run's work).
  std::int64_t nearest_searches = 0;
  /// nearest: the regrid's seconds split into its survey of the granule's pixels, its searches
  /// (which pixel each cell takes) and the cell values of every layer (docs/user-guide.md,
  /// --report); parts of regrid_seconds, not checkpointed.
  double nearest_survey_seconds = 0.0, nearest_search_seconds = 0.0, nearest_values_seconds = 0.0;
  /// warp: GDAL geolocation transformers built, one per granule touching the grid, each
  /// serving every layer; not checkpointed.
  std::int64_t warp_transformers = 0;
};

/// Regrids the granules the schedule gives this rank among checkpoint.remaining(), starting
/// from what the checkpoint restored; `read_ahead`: read the next granule on a thread of its
/// own while this one is regridded. Collective only at its start and end (schedule creation
/// and release).
LocalResult regrid_my_granules(const Config& config, const GridDefinition& grid,
                               std::vector<Layer>& layers, Checkpoint& checkpoint,
                               bool read_ahead, MPI_Comm comm);

}  // namespace swathgrid
