#include "swathgrid/statistics.hpp"

#include <cmath>
#include <limits>

#include "swathgrid/error.hpp"
#include "swathgrid/exact_stdev.hpp"

namespace swathgrid {

namespace {

using HostPolicy =
    Kokkos::RangePolicy<Kokkos::DefaultHostExecutionSpace, Kokkos::IndexType<std::int64_t>>;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// Reads the exact sums and weights of one cell.
struct CellReader {
  HostFields f;
  FieldLayout layout;
  Weighting weighting;
  bool sample_stdev;  ///< --stdev sample: ddof 1 (pixel and granule weighting)

  double sum(Field hi, Field lo, const ExactSum& scale, std::int64_t c) const {
    return scale.total(f(layout.slot[hi], c), layout.low_of(hi, f(layout.slot[lo], c)));
  }
  std::int64_t observations(std::int64_t c) const {
    return layout.observations(f(layout.slot[kObservations], c));
  }
  /// Σ w: observations (pixel), granules (granule), Σ sqrt(n) (sqrt).
  double weight(std::int64_t c) const {
    switch (weighting) {
      case Weighting::kPixel:
        return static_cast<double>(observations(c));
      case Weighting::kGranule:
        return static_cast<double>(f(layout.slot[kGranules], c));
      case Weighting::kSqrt:
        return sum(kWeightHi, kWeightLo, layout.weight_scale, c);
    }
    return 0.0;
  }
  /// Pixel and granule weighting: the population (ddof 0) or sample (ddof 1) stdev of the
  /// values (pixels or granule means) whose exact quanta fill Σ q and Σ q², rounded once.
  float exact_stdev(std::int64_t c) const {
    const std::int64_t n =
        weighting == Weighting::kPixel ? observations(c) : f(layout.slot[kGranules], c);
    std::int64_t limbs[SquareLimbs::kLimbs];
    for (int k = 0; k < SquareLimbs::kLimbs; ++k) limbs[k] = f(layout.slot[kSquare0 + k], c);
    return swathgrid::exact_stdev(n, f(layout.slot[kSumHi], c),
                                  layout.sum_low(f(layout.slot[kSumLo], c)), limbs,
                                  layout.value_scale.bits, sample_stdev ? 1 : 0);
  }
  /// sqrt weighting, as NASA's L3 bin files give it (libbin L3Bin::getVariance): with the
  /// weight W = Σ sqrt(n_g) and nscenes G, var = (S2/W - mean²) W² / (W² - G), 0 when
  /// W² <= G (a single pixel).
  float l2bin_stdev(double mean, double w, std::int64_t c) const {
    const double scenes = static_cast<double>(f(layout.slot[kGranules], c));
    if (!(w * w > scenes)) return 0.0f;
    const double spread = sum(kSqHi, kSqLo, layout.square_scale, c) / w - mean * mean;
    const double variance = spread * w * w / (w * w - scenes);
    return static_cast<float>(std::sqrt(variance > 0.0 ? variance : 0.0));
  }
  float value(Stat stat, std::int64_t c) const {
    const double w = weight(c);
    if (observations(c) == 0 || !(w > 0.0)) return kNaN;
    const double mean = stat == Stat::kMean || stat == Stat::kStdev
                            ? sum(kSumHi, kSumLo, layout.value_scale, c) / w
                            : 0.0;
    switch (stat) {
      case Stat::kMean:
        return static_cast<float>(mean);
      case Stat::kStdev:
        return weighting == Weighting::kSqrt ? l2bin_stdev(mean, w, c) : exact_stdev(c);
      case Stat::kGmean: {
        const double log_weight = sum(kLogWeightHi, kLogWeightLo, layout.weight_scale, c);
        if (!(log_weight > 0.0)) return kNaN;
        return static_cast<float>(std::exp(sum(kLogHi, kLogLo, layout.log_scale, c) / log_weight));
      }
      case Stat::kMin:
        return from_ordered_key(f(layout.slot[kMinKey], c));
      case Stat::kMax:
        return from_ordered_key(f(layout.slot[kMaxKey], c));
      default:
        return kNaN;
    }
  }
};

/// The mean of pixel weighting of every cell (PixelMean), in a loop of its own: no switch on
/// the statistic or the weighting per cell (the finalize of a global 0.01 degree grid spent
/// ~30 cycles a cell in CellReader::value, three divisions among them; docs/performance.md,
/// session 22).
void pixel_means(const HostFields& fields, const FieldLayout& layout, float* out) {
  const auto cells = static_cast<std::int64_t>(fields.extent(1));
  const auto stride = static_cast<std::int64_t>(fields.stride(0));
  const std::int64_t* words = fields.data() + layout.slot[kObservations] * stride;
  const std::int64_t* high = fields.data() + layout.slot[kSumHi] * stride;
  const std::int64_t* low = fields.data() + layout.slot[kSumLo] * stride;
  const PixelMean mean(layout.value_scale);
  Kokkos::parallel_for("swathgrid::pixel_means", HostPolicy(0, cells), [=](const std::int64_t c) {
    out[c] = mean(layout.observations(words[c]), high[c], layout.sum_low(low[c]));
  });
}

}  // namespace

std::vector<StatGrid> finalize_stats(const HostFields& fields, const FieldLayout& layout,
                                     Weighting weighting, const std::vector<Stat>& stats,
                                     std::int64_t* cells_with_data, StdevForm stdev_form) {
  const std::int64_t cells = static_cast<std::int64_t>(fields.extent(1));
  const CellReader reader{fields, layout, weighting, stdev_form == StdevForm::kSample};
  std::vector<StatGrid> grids;
  for (Stat stat : stats) {
    StatGrid grid;
    grid.stat = stat;
    grid.is_count = is_count_stat(stat);
    if (grid.is_count) {
      const bool observations = stat == Stat::kCount;
      const int slot = layout.slot[observations ? kObservations : kGranules];
      const auto count = [&](std::int64_t c) {
        return observations ? reader.observations(c) : fields(slot, c);
      };
      std::int64_t largest = 0;
      Kokkos::parallel_reduce(
          "swathgrid::largest_count", HostPolicy(0, cells),
          [&](const std::int64_t c, std::int64_t& local) {
            if (count(c) > local) local = count(c);
          },
          Kokkos::Max<std::int64_t>(largest));
      SWATHGRID_REQUIRE(largest <= std::numeric_limits<std::int32_t>::max(),
                        "statistics: a cell has " << largest << " " << stat_name(stat)
                                                  << ", beyond the int32 output");
      grid.counts.resize(static_cast<std::size_t>(cells));
      std::int32_t* out = grid.counts.data();
      Kokkos::parallel_for("swathgrid::counts", HostPolicy(0, cells), [&](const std::int64_t c) {
        out[c] = static_cast<std::int32_t>(count(c));
      });
    } else if (stat == Stat::kMean && weighting == Weighting::kPixel) {
      grid.values.resize(static_cast<std::size_t>(cells));
      pixel_means(fields, layout, grid.values.data());
    } else {
      grid.values.resize(static_cast<std::size_t>(cells));
      float* out = grid.values.data();
      Kokkos::parallel_for("swathgrid::statistic", HostPolicy(0, cells),
                           [&](const std::int64_t c) { out[c] = reader.value(stat, c); });
    }
    grids.push_back(std::move(grid));
  }
  std::int64_t filled = 0;
  Kokkos::parallel_reduce(
      "swathgrid::cells_with_data", HostPolicy(0, cells),
      [&](const std::int64_t c, std::int64_t& local) { local += reader.observations(c) > 0; },
      filled);
  *cells_with_data = filled;
  return grids;
}

}  // namespace swathgrid
