#include "swathgrid/environment.hpp"

#include <sched.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

/// Keeps granule-sized buffers (8-35 MB each, freed and allocated again for every granule)
/// in the heap, instead of glibc unmapping them and the next granule page-faulting them in
/// again: a third fewer page faults, and reading 32 global granules 25 % faster
/// (docs/performance.md). The environment's MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_
/// win when set.
/// One malloc arena for every thread: glibc gives each thread that allocates an arena of its
/// own (up to 8 a core), in 64 MB heaps that it extends with mprotect.
/// Only a heap's first pages are asked for huge pages (the extensions are other mappings), so
/// the OpenMP threads' tiles, grown by merge_cells, were faulted in 4 KiB at a time: ~47,000
/// of the ~52,000 page faults of a global 0.01 degree run on one rank of two threads, each a
/// trip through the hypervisor on a VM (docs/performance.md, session 22). The threads
/// allocate rarely (~20,000 times in that run, against ~40 M pixels), so one arena's lock
/// costs nothing measurable. MALLOC_ARENA_MAX wins when set.
void keep_large_buffers() {
#if defined(__GLIBC__)
  if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 256 << 20);
  if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);
  // The heap grows by 64 MB past each request: room that fault_in_heap_ahead faults in on
  // every thread before malloc carves it.
  if (!std::getenv("MALLOC_TOP_PAD_")) mallopt(M_TOP_PAD, 64 << 20);
#endif
}

constexpr const char* kHugePageTunable = "glibc.malloc.hugetlb=1";

/// glibc's malloc is the one in use (AddressSanitizer brings its own).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcMalloc = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kGlibcMalloc = false;
#else
constexpr bool kGlibcMalloc = true;
#endif
#else
constexpr bool kGlibcMalloc = true;
#endif

/// The kernel's transparent huge page mode: "always", "madvise", "never", or "" (none).
std::string transparent_huge_page_mode() {
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(file, text);
  const auto open = text.find('['), close = text.find(']');
  return open == std::string::npos || close == std::string::npos || close < open
             ? ""
             : text.substr(open + 1, close - open - 1);
}

/// glibc >= 2.35, which has the tunable glibc.malloc.hugetlb, and its malloc in use.
bool glibc_malloc_has_hugetlb() {
#if defined(__GLIBC__)
  int major = 0, minor = 0;
  return kGlibcMalloc && std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) == 2 &&
         major * 1000 + minor >= 2035;
#else
  return false;
#endif
}

/// GLIBC_TUNABLES as set ("" when not).
std::string glibc_tunables() {
  const char* value = std::getenv("GLIBC_TUNABLES");
  return value != nullptr ? value : "";
}

/// Starts this program again, once, with glibc's malloc asked to back its heap with
/// transparent huge pages (the tunable glibc.malloc.hugetlb=1 of glibc >= 2.35, which glibc
/// reads only when a program starts) when the kernel gives huge pages only to memory that
/// asks for them (mode "madvise": Debian's and Ubuntu's default; "always" needs nothing,
/// "never" allows nothing). Not when the user set the tunable (any value: theirs wins), nor
/// with SWATHGRID_HUGE_PAGES=off, nor under valgrind or AddressSanitizer (their malloc is
/// not glibc's). Called first thing, before MPI and before any thread: the process (same
/// pid, same arguments, same environment plus the tunable) begins again; only the loading of
/// the shared libraries is paid twice (~0.03 s). If it cannot restart, it goes on as it is.
///
/// Why: granule arrays, per-pixel cells, tiles and the output are tens to hundreds of MB,
/// streamed through for every granule; in 4 KiB pages that is a page fault per 4 KiB as the
/// heap grows and a TLB miss per 4 KiB on every pass, both far dearer under virtualisation.
/// On the development VM (docs/performance.md, session 7) page faults fell tenfold and the
/// global 4 km case on 2 ranks went from 3.25 to 2.75 s (under pml ob1: ~3.0 to ~2.1 s).
void restart_with_huge_page_heap(char** argv) {
#if defined(__GLIBC__) && defined(__linux__)
  const char* choice = std::getenv("SWATHGRID_HUGE_PAGES");
  if (choice != nullptr && std::string(choice) == "off") return;
  if (!glibc_malloc_has_hugetlb() || transparent_huge_page_mode() != "madvise") return;
  const std::string before = glibc_tunables();
  if (before.find("glibc.malloc.hugetlb") != std::string::npos) return;  // the user's, or ours
  const char* preload = std::getenv("LD_PRELOAD");
  if (preload != nullptr && std::string(preload).find("vgpreload") != std::string::npos) return;
  const std::string after = before.empty() ? kHugePageTunable : before + ":" + kHugePageTunable;
  if (setenv("GLIBC_TUNABLES", after.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not restarted (no /proc, or the program file replaced meanwhile): as it was.
  if (before.empty())
    unsetenv("GLIBC_TUNABLES");
  else
    setenv("GLIBC_TUNABLES", before.c_str(), 1);
#else
  (void)argv;
#endif
}

/// The error handler of MPI_COMM_WORLD (and the communicators made from it): one line naming
/// the rank, the MPI error and its class, then MPI_Abort, instead of MPI's default message.
void report_mpi_error(MPI_Comm* comm, int* code, ...) {
  (void)comm;
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(*code, text, &length);
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr, "swathgrid: rank %d: error: MPI call failed: %s (ending all ranks)\n", rank,
               text);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, kExitFailure);
}

/// Open MPI 4.x's own MPI-IO component (OMPIO) prints a failed pwritev ("No space left on
/// device") and then reports the collective write as done: PnetCDF, and so swathgrid, would
/// call a file full of holes a success. ROMIO, shipped in the same Open MPI, returns the error.
/// So ROMIO is asked for, before MPI_Init reads the MCA variables, unless the user chose an io
/// component (OMPI_MCA_io) themselves (docs/reliability.md).
void prefer_romio_for_mpi_io() {
#if defined(OPEN_MPI) && OMPI_MAJOR_VERSION == 4
  setenv("OMPI_MCA_io", "romio321", 0);
#endif
}

/// The value of environment variable `name`, or "" when unset.
std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

/// Whether every rank of this job is known, before MPI_Init, to run on this one node: Open
/// MPI's launcher says so (OMPI_COMM_WORLD_SIZE == OMPI_COMM_WORLD_LOCAL_SIZE), or Slurm's
/// srun does (SLURM_STEP_NUM_NODES=1), or no launcher is there at all (a singleton).
bool job_on_one_node() {
  const std::string size = env_or_empty("OMPI_COMM_WORLD_SIZE");
  if (!size.empty()) return size == env_or_empty("OMPI_COMM_WORLD_LOCAL_SIZE");
  const std::string nodes = env_or_empty("SLURM_STEP_NUM_NODES");
  if (!nodes.empty()) return nodes == "1";
  return env_or_empty("PMIX_RANK").empty() && env_or_empty("PMI_RANK").empty();
}

/// Open MPI's point-to-point layer for a job on one node: ob1 over shared memory. Its default
/// there, UCX, probes every network device of the machine in MPI_Init (0.40 s against 0.19 s
/// for MPI_Init + MPI_Finalize alone on the development VM, docs/performance.md), and a
/// composite of a month of granules takes 2 s. Across nodes UCX stays (InfiniBand, ...); the
/// user's own choice (OMPI_MCA_pml, or mpiexec --mca pml) always wins. Returns what the run
/// uses, for the report: "ob1 (one node)", "<value> (user's)" or "Open MPI's default".
std::string choose_point_to_point() {
#if defined(OPEN_MPI)
  const std::string users = env_or_empty("OMPI_MCA_pml");
  if (!users.empty()) return users + " (user's)";
  if (job_on_one_node() && setenv("OMPI_MCA_pml", "ob1", 0) == 0) return "ob1 (one node)";
  return "Open MPI's default";
#else
  return "the MPI library's default";
#endif
}

/// Kokkos' option that keeps its initialisation warnings (OMP_PROC_BIND not set, "likely
/// oversubscribing", ...) to itself: they went to stdout, once per rank, even with --help,
/// --version and -q. Our own binding_warning() says what matters, once, from rank 0. Kokkos
/// 3.x and 4.x both accept it (4.x also as InitializationSettings::set_disable_warnings,
/// which would drop the command line's other --kokkos-* options).
char disable_warnings[] = "--kokkos-disable-warnings";

/// The user chose about Kokkos' warnings: KOKKOS_DISABLE_WARNINGS set (Kokkos 3.x stops when
/// it and the option disagree), or the option given; theirs wins.
bool kokkos_warnings_chosen(const std::vector<char*>& args) {
  if (std::getenv("KOKKOS_DISABLE_WARNINGS") != nullptr) return true;
  return std::any_of(args.begin(), args.end(), [](const char* arg) {
    return std::string(arg).rfind(disable_warnings, 0) == 0;
  });
}

}  // namespace

namespace {
/// fault_in_heap_ahead's: the end of the heap it has faulted in (pages below the top chunk are
/// in use or were, so faulted in too); reset when the heap is trimmed.
char* heap_faulted_end = nullptr;
/// The heap's end when fault_in_heap_ahead last looked up its top, and its calls since:
/// mallinfo2 walks every free chunk of the arena (~0.4 ms a call once the cells' regrown
/// tiles have left their old vectors free, on one thread while the others wait), so the top
/// is looked up only when the heap has grown or on every kTopLookup-th call.
char* heap_end_looked_up = nullptr;
int calls_since_lookup = 0;
constexpr int kTopLookup = 4;
}  // namespace

void release_free_memory() {
#if defined(__GLIBC__)
  if (kGlibcMalloc) malloc_trim(0);
  heap_faulted_end = nullptr;
  heap_end_looked_up = nullptr;
#endif
}

void fault_in_heap_ahead(std::size_t ahead) {
#if defined(__GLIBC__) && defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (!kGlibcMalloc) return;
  constexpr std::uintptr_t kBlock = std::uintptr_t{2} << 20;  // a huge page
  char* const end_of_heap = static_cast<char*>(sbrk(0));
  if (end_of_heap == heap_end_looked_up && ++calls_since_lookup < kTopLookup) return;
  heap_end_looked_up = end_of_heap;
  calls_since_lookup = 0;
  char* const top_start = end_of_heap - mallinfo2().keepcost;
  if (heap_faulted_end < top_start) heap_faulted_end = top_start;
  if (heap_faulted_end >= top_start + ahead / 2) return;  // room enough until the next call
  const auto begin = reinterpret_cast<std::uintptr_t>(heap_faulted_end) / kBlock * kBlock;
  const auto end = std::min(reinterpret_cast<std::uintptr_t>(end_of_heap),
                            reinterpret_cast<std::uintptr_t>(top_start + ahead)) &
                   ~std::uintptr_t{4095};
  if (end <= begin) return;
  const auto blocks = static_cast<std::int64_t>((end - begin + kBlock - 1) / kBlock);
  Kokkos::parallel_for(
      "swathgrid::fault_in_heap",
      Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::Schedule<Kokkos::Dynamic>>(
          0, blocks),
      [=](const std::int64_t b) {
        const std::uintptr_t from = begin + static_cast<std::uintptr_t>(b) * kBlock;
        // Only a hint: memory that cannot be faulted in now is faulted in where it is used.
        (void)madvise(reinterpret_cast<void*>(from), std::min(kBlock, end - from),
                      MADV_POPULATE_WRITE);
      });
  Kokkos::DefaultHostExecutionSpace().fence();
  heap_faulted_end = reinterpret_cast<char*>(end);
#else
  (void)ahead;
#endif
}

Environment::Environment(int& argc, char**& argv) {
  restart_with_huge_page_heap(argv);
  keep_large_buffers();
  prefer_romio_for_mpi_io();
  point_to_point_ = choose_point_to_point();
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  if (provided < MPI_THREAD_FUNNELED) {
    if (rank_ == 0)
      std::fprintf(stderr,
                   "swathgrid: error: this MPI library gives thread level %d, swathgrid needs "
                   "MPI_THREAD_FUNNELED (%d)\n",
                   provided, MPI_THREAD_FUNNELED);
    MPI_Abort(MPI_COMM_WORLD, kExitFailure);
  }
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Errhandler handler = MPI_ERRHANDLER_NULL;
  MPI_Comm_create_errhandler(report_mpi_error, &handler);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, handler);
  MPI_Errhandler_free(&handler);
  MPI_Comm_dup(MPI_COMM_WORLD, &failure_comm_);
  set_failure_comm(failure_comm_);
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
  if (!kokkos_warnings_chosen(args_)) for_kokkos.push_back(disable_warnings);
  int kokkos_argc = static_cast<int>(for_kokkos.size());
  for_kokkos.push_back(nullptr);
  Kokkos::initialize(kokkos_argc, for_kokkos.data());
  args_.assign(for_kokkos.begin(), for_kokkos.begin() + kokkos_argc);
  if (help) args_.push_back(const_cast<char*>("--help"));
  argc = static_cast<int>(args_.size());
  args_.push_back(nullptr);
  argv = args_.data();
}

int Environment::fail(int code, const std::string& message) const {
  fail_together(code, message);  // returns only when every rank fails
  if (rank_ == 0) std::fprintf(stderr, "swathgrid: %s\n", message.c_str());
  return code;
}

Environment::~Environment() {
  set_failure_comm(MPI_COMM_NULL);
  if (failure_comm_ != MPI_COMM_NULL) MPI_Comm_free(&failure_comm_);
  Kokkos::finalize();
  MPI_Finalize();
}

int Environment::threads() const { return Kokkos::DefaultExecutionSpace().concurrency(); }

std::string Environment::backend() const { return Kokkos::DefaultExecutionSpace::name(); }

std::string Environment::huge_pages() const {
  const std::string mode = transparent_huge_page_mode();
  if (mode == "always") return "kernel";
  if (mode == "madvise" && glibc_malloc_has_hugetlb() &&
      glibc_tunables().find(kHugePageTunable) != std::string::npos)
    return "malloc";
  return "no";
}

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
