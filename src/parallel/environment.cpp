#include "swathgrid/environment.hpp"

#include <Kokkos_Core.hpp>

namespace swathgrid {

Environment::Environment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  Kokkos::initialize(argc, argv);
}

Environment::~Environment() {
  Kokkos::finalize();
  MPI_Finalize();
}

int Environment::threads() const { return Kokkos::DefaultExecutionSpace().concurrency(); }

std::string Environment::backend() const { return Kokkos::DefaultExecutionSpace::name(); }

}  // namespace swathgrid
