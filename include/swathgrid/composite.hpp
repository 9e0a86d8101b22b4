#pragma once
// The library entry point of the swathgrid program: read, regrid, reduce, write.

#include <cstdint>
#include <string>
#include <vector>

#include "swathgrid/config.hpp"
#include "swathgrid/environment.hpp"

namespace swathgrid {

/// Seconds one phase took on each rank, and their spread (STYLE.md 8).
struct PhaseTimes {
  /// read, project, regrid (with nearest: then nearest_survey, nearest_search, nearest_values,
  /// its parts), loop, wait, reduce, write, export, total
  std::string name;
  std::vector<double> per_rank;   ///< seconds, in rank order
  double min = 0.0, median = 0.0, max = 0.0;
};

/// min/median/max of `per_rank` (median of an even count: the mean of the middle two).
PhaseTimes make_phase_times(const std::string& name, std::vector<double> per_rank);

/// What a run did, identical on every rank after return.
struct RunSummary {
  std::int64_t granules = 0;         ///< input granules
  std::int64_t granules_read = 0;    ///< granules read and regridded (not skipped by bounds)
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
  std::int64_t granules_all_fill = 0;       ///< read, but no valid value: contribute nothing
  std::int64_t nearest_searches = 0;        ///< nearest: geometry searches (granule blocks)
  std::int64_t warp_transformers = 0;       ///< warp: GDAL transformers (one per granule)
  /// --on-error skip: "path: cause" of every granule left out, in input order.
  std::vector<std::string> granules_failed;
  std::vector<std::int64_t> granules_per_rank;  ///< granules each rank read, in rank order
  std::int64_t ranks_reading_ahead = 0;         ///< --read-ahead: ranks that did
  /// Bytes of accumulator tiles each rank held after its granules (TiledFields::bytes), in
  /// rank order: the memory --tile and --accumulators decide.
  std::vector<std::int64_t> tile_bytes_per_rank;
  std::string accumulators;  ///< "wide", "compact" (every layer), "wide and compact", "cells"
  /// MPI traffic of each rank up to the end of the output (swathgrid/mpi_traffic.hpp), in
  /// rank order: collective calls, point-to-point exchanges, bytes sent and received,
  /// collective MPI-IO calls and bytes.
  std::vector<std::int64_t> mpi_collectives_per_rank, mpi_messages_per_rank,
      mpi_bytes_sent_per_rank, mpi_bytes_received_per_rank, mpi_io_collectives_per_rank,
      mpi_io_bytes_per_rank;
  /// Bytes each rank stored in the NetCDF-4 output through HDF5 itself (bytes_stored_directly).
  std::vector<std::int64_t> direct_write_bytes_per_rank;
  std::vector<std::int64_t> peak_rss_bytes_per_rank;  ///< getrusage's ru_maxrss, each rank
  /// Each rank's peak of tile values in flight in the combine (reduce/tile_exchange.hpp).
  std::vector<std::int64_t> exchange_peak_bytes_per_rank;
  double seconds = 0.0;                     ///< wall time of the whole run (max over ranks)
  /// Per-phase seconds over ranks: read (HDF5 reads, scaling, masking; reading ahead, the
  /// time the loop waited for them), project (pixel
  /// positions to grid coordinates), regrid (kernels, folding into tiles), loop (the whole
  /// granule loop, claims included), wait (for the slowest rank after the loop), reduce
  /// (exchange of tiles, combination, statistics), write (PnetCDF), export (GeoTIFF /
  /// quicklook, rank 0), total.
  std::vector<PhaseTimes> phases;
  /// The phase called `name`; one with zeros when there is none.
  const PhaseTimes& phase(const std::string& name) const;
};

/// Runs the composite described by `config`. Collective over env.comm(). Throws
/// swathgrid::Error (on every rank) when a granule cannot be read or the output not written;
/// the message, on rank 0, names the file and the cause.
RunSummary run_composite(const Config& config, const Environment& env);

/// The summary printed at the end of a run: one paragraph, a table of phase times
/// (min/median/max over ranks) and a grep-able PERFORMANCE line.
std::string format_summary(const Config& config, const Environment& env, const RunSummary& summary);

/// The same as JSON (--report): run settings, ranks, threads, grid, granules, pixels, bytes,
/// cells, and every phase's per-rank seconds with min/median/max.
std::string format_json_report(const Config& config, const Environment& env,
                               const RunSummary& summary);

/// Writes format_json_report into `staged` (the run's temporary for --report `path`, renamed
/// with the other outputs), closed and checked. Throws swathgrid::Error naming `path` and the
/// OS cause when it cannot.
void write_json_report(const std::string& path, const std::string& staged, const Config& config,
                       const Environment& env, const RunSummary& summary);

}  // namespace swathgrid
