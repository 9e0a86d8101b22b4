#pragma once
// What this rank asked of MPI (docs/performance.md, scaling): counted for every caller in the
// process — swathgrid, PnetCDF, ROMIO — through MPI's profiling interface (PMPI), by the
// wrappers in src/parallel/mpi_traffic.cpp, which the program links.

#include <cstdint>

namespace swathgrid {

struct MpiTraffic {
  std::int64_t collectives = 0;     ///< collective calls (barriers, reductions, gathers, ...)
  std::int64_t messages = 0;        ///< point-to-point exchanges (MPI_Sendrecv) and sends
  std::int64_t bytes_sent = 0;      ///< payload of this rank's send buffers, per destination
  std::int64_t bytes_received = 0;  ///< payload of its receive buffers, per source
  std::int64_t io_collectives = 0;  ///< collective MPI-IO calls (MPI_File_*_all)
  std::int64_t io_bytes = 0;        ///< bytes this rank handed to MPI-IO writes and reads
};

/// The counts so far on this rank.
MpiTraffic mpi_traffic();

}  // namespace swathgrid
