#pragma once
// One RAII object for the process: MPI_Init_thread + Kokkos::initialize, finalised in reverse.

#include <mpi.h>

#include <string>

namespace swathgrid {

class Environment {
 public:
  /// Initialises MPI (funneled threads) and Kokkos; Kokkos removes its own --kokkos-* options
  /// from argc/argv.
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int threads() const;               ///< Kokkos execution-space concurrency
  std::string backend() const;       ///< e.g. "OpenMP", "Serial"

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace swathgrid
