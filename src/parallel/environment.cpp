#include "swathgrid/environment.hpp"

#include <sched.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace swathgrid {

namespace {

/// Keeps granule-sized buffers (8-35 MB each, freed and allocated again for every granule)
/// in the heap, instead of glibc unmapping them and the next granule page-faulting them in
/// again: a third fewer page faults, and reading 32 global granules 25 % faster
/// (docs/performance.md). The environment's MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_
/// win when set.
void keep_large_buffers() {
#if defined(__GLIBC__)
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 256 << 20);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace

Environment::Environment(int& argc, char**& argv) {
  keep_large_buffers();
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

int Environment::cores() const {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) return CPU_COUNT(&mask);
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

std::string Environment::binding_warning() const {
  const int mine[2] = {threads(), cores()};
  int worst[2] = {0, 0};  // (threads, cores) of a rank with too few cores, or (0, 0)
  const int short_of = mine[0] > mine[1] ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&short_of, &any, 1, MPI_INT, MPI_MAX, comm());
  if (any == 0) return "";
  // The first rank short of cores tells its figures.
  int first = short_of ? rank_ : size_;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm());
  if (rank_ == first) std::copy(mine, mine + 2, worst);
  MPI_Allreduce(MPI_IN_PLACE, worst, 2, MPI_INT, MPI_MAX, comm());
  return "warning: rank " + std::to_string(first) + " has " + std::to_string(worst[0]) +
         " threads but may run on " + std::to_string(worst[1]) +
         " core(s); give it its cores (mpiexec --bind-to none, or --map-by slot:PE=N; srun "
         "--cpus-per-task=N)";
}

bool Environment::spare_core_on_node() const {
  MPI_Comm node;
  MPI_Comm_split_type(comm(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  const int mine = threads(), room = cores() > mine ? 1 : 0;
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  int busy = 0, node_cores = 0, all_have_room = 0;
  MPI_Allreduce(&mine, &busy, 1, MPI_INT, MPI_SUM, node);
  MPI_Allreduce(&hardware, &node_cores, 1, MPI_INT, MPI_MAX, node);
  MPI_Allreduce(&room, &all_have_room, 1, MPI_INT, MPI_MIN, node);
  MPI_Comm_free(&node);
  return all_have_room == 1 && busy < node_cores;
}

}  // namespace swathgrid
