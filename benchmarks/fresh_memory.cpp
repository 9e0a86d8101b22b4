// fresh_memory: what first-touching memory costs on this machine, the part of a composite's
// CPU that neither reading nor regridding explains (docs/performance.md, session 22). Maps
// MB of anonymous memory, asks for transparent huge pages or not, writes one byte a 4 KiB
// page on the process's OpenMP threads, and prints one JSON line: MB, huge, threads, seconds,
// GB/s. Run it twice in a row and after a pause: on a VM that hands free memory back to its
// host, memory freed a moment ago is touched far faster than memory the host took back.
//
//   OMP_NUM_THREADS=2 fresh_memory [MB (800)] [huge 0|1 (1)]

#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifdef _OPENMP
#include <omp.h>
#endif

int main(int argc, char** argv) {
  const std::size_t megabytes = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 800;
  const bool huge = argc > 2 ? std::atoi(argv[2]) != 0 : true;
  const std::size_t bytes = megabytes << 20;
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) {
    std::perror("fresh_memory: mmap");
    return 1;
  }
  auto* memory = static_cast<unsigned char*>(mapped);
  if (huge) madvise(memory, bytes, MADV_HUGEPAGE);
  constexpr std::int64_t kPage = 4096;
  const auto pages = static_cast<std::int64_t>(bytes) / kPage;
  const auto start = std::chrono::steady_clock::now();
#pragma omp parallel for schedule(static)
  for (std::int64_t p = 0; p < pages; ++p) memory[p * kPage] = 1;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int threads = 1;
#ifdef _OPENMP
  threads = omp_get_max_threads();
#endif
  std::printf(
      "{\"MB\": %zu, \"huge\": %d, \"threads\": %d, \"seconds\": %.3f, \"GB_per_s\": %.2f}\n",
      megabytes, huge ? 1 : 0, threads, seconds, static_cast<double>(bytes) / seconds / 1e9);
  munmap(memory, bytes);
  return 0;
}
