#pragma once
// Root-rank logging (STYLE.md 7): silent off rank 0.

#include <string>

namespace swathgrid {

/// Rank of this process in MPI_COMM_WORLD, 0 when MPI is not initialised.
int world_rank();

/// Prints one line to stderr on rank 0 only, prefixed "swathgrid: ".
void log_root(const std::string& line);

}  // namespace swathgrid
