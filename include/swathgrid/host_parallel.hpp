#pragma once
// Plain passes over large host arrays on every OpenMP thread (serial where OpenMP is off):
// the row blocks of the reduce and the write (a tile row of the global 0.01 degree grid: 4.6 M
// cells, ~140 per field), which one thread filled and scanned while the others waited (with the
// finalize's tiny per-tile kernels: the global run's reduce 1.08 -> 0.75 s on one rank of two
// threads; docs/performance.md, session 16).

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace swathgrid {

/// Elements per piece: large enough that a piece costs far more than handing it out.
inline constexpr std::int64_t kHostPiece = std::int64_t{1} << 16;

/// std::fill_n(first, n, value) in pieces on every thread.
template <typename T>
void parallel_fill(T* first, std::size_t n, T value) {
  const auto pieces = static_cast<std::int64_t>((n + kHostPiece - 1) / kHostPiece);
#pragma omp parallel for schedule(static)
  for (std::int64_t p = 0; p < pieces; ++p) {
    const auto begin = static_cast<std::size_t>(p * kHostPiece);
    std::fill_n(first + begin, std::min(n - begin, static_cast<std::size_t>(kHostPiece)), value);
  }
}

/// How many of first[0, n) satisfy `pred`, counted on every thread.
template <typename T, typename Pred>
std::int64_t parallel_count_if(const T* first, std::size_t n, Pred pred) {
  const auto pieces = static_cast<std::int64_t>((n + kHostPiece - 1) / kHostPiece);
  std::int64_t count = 0;
#pragma omp parallel for schedule(static) reduction(+ : count)
  for (std::int64_t p = 0; p < pieces; ++p) {
    const auto begin = static_cast<std::size_t>(p * kHostPiece);
    const std::size_t end = std::min(n, begin + static_cast<std::size_t>(kHostPiece));
    count += std::count_if(first + begin, first + end, pred);
  }
  return count;
}

}  // namespace swathgrid
