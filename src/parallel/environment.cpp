#include "swathgrid/environment.hpp"

#include <Kokkos_Core.hpp>
#include <vector>

namespace swathgrid {

Environment::Environment(int& argc, char**& argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  // Kokkos prints its own help for --help/-h: keep those from it, then give them back to
  // the caller's option parser with the --kokkos-* options removed.
  args_.assign(argv, argv + argc);
  std::vector<char*> for_kokkos;
  bool help = false;
  for (char* arg : args_) {
    const std::string text(arg);
    if (text == "--help" || text == "-h")
      help = true;
    else
      for_kokkos.push_back(arg);
  }
  int kokkos_argc = static_cast<int>(for_kokkos.size());
  for_kokkos.push_back(nullptr);
  Kokkos::initialize(kokkos_argc, for_kokkos.data());
  args_.assign(for_kokkos.begin(), for_kokkos.begin() + kokkos_argc);
  if (help) args_.push_back(const_cast<char*>("--help"));
  argc = static_cast<int>(args_.size());
  args_.push_back(nullptr);
  argv = args_.data();
}

Environment::~Environment() {
  Kokkos::finalize();
  MPI_Finalize();
}

int Environment::threads() const { return Kokkos::DefaultExecutionSpace().concurrency(); }

std::string Environment::backend() const { return Kokkos::DefaultExecutionSpace::name(); }

}  // namespace swathgrid
