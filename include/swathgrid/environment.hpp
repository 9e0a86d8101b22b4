#pragma once
// One RAII object for the process: MPI_Init_thread + Kokkos::initialize, finalised in reverse.

#include <mpi.h>

#include <cstddef>
#include <string>
#include <vector>

namespace swathgrid {

/// Hands the heap's free pages back to the system (glibc's malloc_trim; nothing elsewhere).
/// The thresholds Environment sets keep freed buffers in the heap for the granule loop's
/// reuse; after it, what the loop freed would otherwise stay in the
/// rank's resident memory, under the reduction's peak.
void release_free_memory();

/// Makes sure the heap's free top has at least `ahead` bytes already faulted in (glibc's
/// malloc on Linux; nothing elsewhere), faulting what is missing on every host thread at
/// once. Called on the main thread before a parallel pass that allocates (merge_from): the
/// first touch of fresh heap otherwise happens inside malloc, under its one arena's lock
/// (the chunk header it writes past each allocation), one huge page at a time while the
/// other threads wait (docs/performance.md, session 24).
void fault_in_heap_ahead(std::size_t ahead);

class Environment {
 public:
  /// Initialises MPI (funneled threads) and Kokkos; afterwards argc/argv hold the program's
  /// arguments without Kokkos's own --kokkos-* options (--help stays for the program).
  /// Before that, where the kernel gives transparent huge pages only on request and glibc
  /// can ask for them, the process restarts itself once so that glibc's malloc does
  /// (environment.cpp; SWATHGRID_HUGE_PAGES=off keeps it from doing so).
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int threads() const;          ///< Kokkos execution-space concurrency
  std::string backend() const;  ///< e.g. "OpenMP", "Serial"
  /// Whether the heap is in transparent huge pages: "kernel" (the kernel's mode is "always"),
  /// "malloc" (glibc's malloc asks for them: see the restart in the constructor), or "no".
  std::string huge_pages() const;
  /// Open MPI's point-to-point layer as chosen before MPI_Init: "ob1 (one node)" where every
  /// rank is known to be on one node and the user chose none, else the user's or the default.
  const std::string& point_to_point() const { return point_to_point_; }
  /// CPUs this process may run on (its affinity mask; Open MPI binds a rank to one core by
  /// default when there are few ranks).
  int cores() const;
  /// Collective: a one-line warning when any rank has more threads than cores to run them
  /// on ("" when none), naming the fix.
  std::string binding_warning() const;
  /// Collective: true on every rank of a node where each rank may run on more cores than its
  /// threads and the node's ranks' threads together leave a core free (--read-ahead auto).
  bool spare_core_on_node() const;

  /// How main ends a run that failed with `code` and the one-line `message` ("error: ..."):
  /// when every rank fails together (an agreed failure), rank 0 prints "swathgrid:
  /// <message>" and the code is returned; a rank that fails alone ends the whole job
  /// (fail_together in swathgrid/comm.hpp), so no rank is left waiting.
  int fail(int code, const std::string& message) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  MPI_Comm failure_comm_ = MPI_COMM_NULL;  ///< a duplicate of the world for fail()'s barrier
  std::string point_to_point_;
  std::vector<char*> args_;  ///< the program's arguments less Kokkos's (argv points here)
};

}  // namespace swathgrid
