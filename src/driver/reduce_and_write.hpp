#pragma once
// After the granule loop, tile row by tile row: combine the ranks' tiles of the row on its
// owner (reduce/tile_exchange.hpp), finalize the statistics and write them with collective
// calls, one output variable per (input variable, statistic) with time and wavelength
// dimensions where the run has them.

#include <mpi.h>

#include <string>
#include <vector>

#include "driver/layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid {

/// What reduce_and_write did on this rank.
struct ReduceWriteResult {
  std::int64_t cells_with_data = 0;  ///< first variable, any period; the same on every rank
  double write_seconds = 0.0;        ///< in PnetCDF (define, write, close); the rest is reduce
  std::int64_t exchange_peak_bytes = 0;  ///< this rank's peak in the tile exchange
};

/// Collective: reduces, finalizes and writes config.output into `staged_output` (its staged
/// file: include/swathgrid/staged_outputs.hpp), synced but not yet renamed.
ReduceWriteResult reduce_and_write(const Config& config, const GridDefinition& grid,
                                   std::vector<Layer>& layers, OutputMetadata meta,
                                   const std::string& staged_output, MPI_Comm comm);

}  // namespace swathgrid
