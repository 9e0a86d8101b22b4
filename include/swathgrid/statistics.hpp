#pragma once
// Final statistics from accumulated cells (after the reduction). Pure Kokkos (host).

#include <cstdint>
#include <vector>

#include "swathgrid/accumulators.hpp"
#include "swathgrid/tiles.hpp"

namespace swathgrid {

/// Statistics written as int32 counts (count, ngranules); the others are floats.
inline bool is_count_stat(Stat stat) { return stat == Stat::kCount || stat == Stat::kNgranules; }

/// One output grid: float statistics (NaN where no data) or int32 counts (count, ngranules).
struct StatGrid {
  Stat stat;
  bool is_count = false;
  std::vector<float> values;
  std::vector<std::int32_t> counts;
};

/// Computes `stats` for every cell of `fields` (layout as accumulated). Counts beyond the int32
/// range of the output throw swathgrid::Error. *cells_with_data: cells with observations.
std::vector<StatGrid> finalize_stats(const HostFields& fields, const FieldLayout& layout,
                                     Weighting weighting, const std::vector<Stat>& stats,
                                     std::int64_t* cells_with_data,
                                     StdevForm stdev_form = StdevForm::kPopulation);

}  // namespace swathgrid
