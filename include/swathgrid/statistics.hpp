#pragma once
// Final statistics from accumulated cells (after the reduction). Pure Kokkos (host).

#include <cstdint>
#include <limits>
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

/// The mean of pixel weighting of a cell from its exact sum's two parts, as finalize_stats
/// gives it (its generic path's operations in the same order: the same float): the parts'
/// scales computed once for a run of cells, not per cell.
class PixelMean {
 public:
  explicit PixelMean(const ExactSum& scale)
      : high_scale_(ExactSum::power_of_two(32 - scale.bits)),
        low_scale_(ExactSum::power_of_two(-scale.bits)) {}
  /// `observations` of the cell, `high` and `low` (>= 0) the parts of its Σ v; NaN without
  /// observations.
  float operator()(std::int64_t observations, std::int64_t high, std::int64_t low) const {
    const double total =
        static_cast<double>(high) * high_scale_ + static_cast<double>(low) * low_scale_;
    return observations > 0 ? static_cast<float>(total / static_cast<double>(observations))
                            : std::numeric_limits<float>::quiet_NaN();
  }

 private:
  double high_scale_, low_scale_;
};

/// Computes `stats` for every cell of `fields` (layout as accumulated). Counts beyond the int32
/// range of the output throw swathgrid::Error. *cells_with_data: cells with observations.
std::vector<StatGrid> finalize_stats(const HostFields& fields, const FieldLayout& layout,
                                     Weighting weighting, const std::vector<Stat>& stats,
                                     std::int64_t* cells_with_data,
                                     StdevForm stdev_form = StdevForm::kPopulation);

}  // namespace swathgrid
