#pragma once
// The library entry point of the swathgrid program: read, regrid, reduce, write.

#include <cstdint>
#include <string>

#include "swathgrid/config.hpp"
#include "swathgrid/environment.hpp"

namespace swathgrid {

/// What a run did, identical on every rank after return.
struct RunSummary {
  std::int64_t granules = 0;         ///< input granules
  std::int64_t nx = 0, ny = 0;       ///< grid size
  std::int64_t cells_with_data = 0;  ///< cells with count > 0
  std::int64_t pixels_binned = 0;
  std::int64_t pixels_outside = 0;          ///< valid pixels outside the grid
  std::int64_t pixels_unrepresentable = 0;  ///< values beyond the ExactSum range
  std::int64_t pixels_flagged = 0;          ///< pixels masked by the requested l2_flags
  std::int64_t granules_missing_grid = 0;   ///< granules with no pixel inside the grid
  std::int64_t bytes_read = 0;              ///< uncompressed bytes read (subset reads)
  std::int64_t bytes_total = 0;             ///< uncompressed bytes of whole-granule reads
  std::int64_t granules_skipped = 0;        ///< not read: cannot come near the grid
  double seconds = 0.0;                     ///< wall time of the whole run
  double read_seconds_max = 0.0;            ///< phase times, max over ranks
  double regrid_seconds_max = 0.0;
  double reduce_write_seconds = 0.0;  ///< reduction, statistics and output
};

/// Runs the composite described by `config`. Collective over env.comm(). Throws
/// swathgrid::Error (on every rank) when a granule cannot be read or the output not written;
/// the message, on rank 0, names the file and the cause.
RunSummary run_composite(const Config& config, const Environment& env);

/// The one-paragraph summary printed at the end of a run.
std::string format_summary(const Config& config, const Environment& env, const RunSummary& summary);

}  // namespace swathgrid
