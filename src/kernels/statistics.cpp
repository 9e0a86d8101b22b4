#include "swathgrid/statistics.hpp"

#include <limits>

#include "swathgrid/error.hpp"

namespace swathgrid {

MeanAndCount finalize_mean(const std::int64_t* sum_hi, const std::int64_t* sum_lo,
                           const std::int64_t* count, std::int64_t cells) {
  MeanAndCount out;
  out.mean.resize(static_cast<std::size_t>(cells));
  out.count.resize(static_cast<std::size_t>(cells));
  float* mean = out.mean.data();
  std::int32_t* count32 = out.count.data();
  using Policy =
      Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::IndexType<std::int64_t>>;
  std::int64_t max_count = 0;
  Kokkos::parallel_reduce(
      "swathgrid::max_count", Policy(0, cells),
      [=](const std::int64_t c, std::int64_t& local_max) {
        if (count[c] > local_max) local_max = count[c];
      },
      Kokkos::Max<std::int64_t>(max_count));
  SWATHGRID_REQUIRE(max_count <= std::numeric_limits<std::int32_t>::max(),
                    "statistics: a cell has " << max_count
                                              << " observations, beyond the int32 count output");
  std::int64_t filled = 0;
  Kokkos::parallel_reduce(
      "swathgrid::finalize_mean", Policy(0, cells),
      [=](const std::int64_t c, std::int64_t& local_filled) {
        const std::int64_t n = count[c];
        mean[c] = n > 0 ? static_cast<float>(ExactSum::total(sum_hi[c], sum_lo[c]) /
                                             static_cast<double>(n))
                        : std::numeric_limits<float>::quiet_NaN();
        count32[c] = static_cast<std::int32_t>(n);
        local_filled += n > 0 ? 1 : 0;
      },
      filled);
  out.cells_with_data = filled;
  return out;
}

}  // namespace swathgrid
