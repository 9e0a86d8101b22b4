#pragma once
// After the granule loop: combine the layers' accumulators across ranks, compute the
// statistics on the root rank and write them, one variable per (input variable, statistic)
// with time and wavelength dimensions where the run has them.

#include <mpi.h>

#include <vector>

#include "layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid {

/// Sorted union of every rank's period keys (for --period all: just 0).
std::vector<std::int64_t> all_period_keys(const std::vector<Layer>& layers, PeriodKind kind,
                                          MPI_Comm comm);

/// Collective: reduces, finalizes and writes. Returns, on every rank, the cells where the
/// first variable has observations in any period.
std::int64_t reduce_and_write(const Config& config, const GridDefinition& grid,
                              std::vector<Layer>& layers, OutputMetadata meta, MPI_Comm comm);

}  // namespace swathgrid
