#pragma once
// Final statistics from the accumulated cells. Pure Kokkos: no I/O, no MPI.

#include <cstdint>
#include <vector>

#include "swathgrid/bin_kernel.hpp"

namespace swathgrid {

/// Mean (NaN where the count is 0) and count of each cell, on the host, ready to write.
struct MeanAndCount {
  std::vector<float> mean;
  std::vector<std::int32_t> count;
  std::int64_t cells_with_data = 0;
};

/// Computes the mean of each cell from host-resident accumulators (after the reduction).
/// Throws swathgrid::Error when a cell count exceeds the int32 range of the output.
MeanAndCount finalize_mean(const std::int64_t* sum_hi, const std::int64_t* sum_lo,
                           const std::int64_t* count, std::int64_t cells);

}  // namespace swathgrid
