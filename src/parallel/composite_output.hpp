#pragma once
// After the granule loop, tile row by tile row: send every accumulator tile to the rank owning
// its rows (root: rank 0 owns all; owner: contiguous blocks of tile rows), compute the
// statistics of that tile row and write it with collective PnetCDF calls, one variable per
// (input variable, statistic) with time and wavelength dimensions where the run has them.
// No rank ever holds more than one tile row of output.

#include <mpi.h>

#include <vector>

#include "layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid {

/// --reduce auto: grids up to this many cells funnel to rank 0; larger ones use owners.
inline constexpr std::int64_t kOwnerReduceMinCells = std::int64_t{1} << 24;

/// The mode --reduce auto stands for on `grid`.
ReduceMode resolve_reduce_mode(ReduceMode mode, const GridSpec& grid);

/// Sorted union of every rank's period keys (for --period all: just 0).
std::vector<std::int64_t> all_period_keys(const std::vector<Layer>& layers, PeriodKind kind,
                                          MPI_Comm comm);

/// What reduce_and_write did on this rank.
struct ReduceWriteResult {
  std::int64_t cells_with_data = 0;  ///< first variable, any period; the same on every rank
  double write_seconds = 0.0;        ///< in PnetCDF (define, write, close); the rest is reduce
};

/// Collective: reduces, finalizes and writes config.output into `staged_output` (its staged
/// file: include/swathgrid/staged_outputs.hpp), synced but not yet renamed.
ReduceWriteResult reduce_and_write(const Config& config, const GridDefinition& grid,
                                   std::vector<Layer>& layers, OutputMetadata meta,
                                   const std::string& staged_output, MPI_Comm comm);

}  // namespace swathgrid
