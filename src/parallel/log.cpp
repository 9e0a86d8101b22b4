#include "swathgrid/log.hpp"

#include <mpi.h>

#include <iostream>

namespace swathgrid {

int world_rank() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  int rank = 0;
  if (initialized) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

void log_root(const std::string& line) {
  if (world_rank() == 0) std::cerr << "swathgrid: " << line << std::endl;
}

}  // namespace swathgrid
