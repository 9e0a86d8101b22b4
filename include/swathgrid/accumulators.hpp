#pragma once
// Per-cell accumulators of the composite statistics, and the per-granule partials they are
// built from. Every quantity is an int64 (exact fixed-point sums, counts, ordered float keys
// for min/max), so any order of accumulation gives the same bits.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "swathgrid/exact_sum.hpp"
#include "swathgrid/types.hpp"

namespace swathgrid {

/// Statistics a user can ask for (--stats).
enum class Stat { kMean, kCount, kStdev, kMin, kMax, kGmean, kNgranules };

/// Parses "mean,count,..."; throws UsageError("--stats: ...") on an unknown name.
std::vector<Stat> parse_stats(const std::string& text);
std::string stat_name(Stat stat);

/// How granules are weighted (--weight): pixel (each pixel counts 1), granule (per-granule
/// cell mean, granules averaged equally), sqrt (per-granule mean weighted by sqrt of its pixel
/// count, as NASA's l2bin).
enum class Weighting { kPixel, kGranule, kSqrt };

/// --method: bin (every valid pixel adds to the cell holding its centre), nearest (each cell
/// takes its nearest pixel per granule), warp (GDAL's geolocation warper, as the notebook).
enum class Method { kBin, kNearest, kWarp };
Method parse_method(const std::string& text);
std::string method_name(Method method);
Weighting parse_weighting(const std::string& text);
std::string weighting_name(Weighting weighting);

/// The form of --stats stdev with pixel and granule weighting (--stdev): population (ddof 0,
/// divide by n) or sample (ddof 1, by n - 1). sqrt weighting has NASA's own form.
enum class StdevForm { kPopulation, kSample };

/// The int64 fields accumulated per cell.
enum Field : int {
  kObservations = 0,  ///< pixels (bin) or granule values (nearest, warp) that fell in the cell
  kSumHi,
  kSumLo,  ///< Σ w·v
  kSqHi,
  kSqLo,  ///< Σ over granules of Σ v² / sqrt(n)   (stdev, sqrt weighting: l2bin's sum2)
  kLogHi,
  kLogLo,  ///< Σ w·ln v, v > 0   (gmean)
  kLogWeightHi,
  kLogWeightLo,  ///< Σ w over v > 0 (gmean)
  kWeightHi,
  kWeightLo,  ///< Σ w (sqrt weighting; pixel: = observations; granule: = granules)
  kMinKey,
  kMaxKey,    ///< ordered_key(min v), ordered_key(max v)
  kGranules,  ///< granules that gave the cell a value
  kSquare0,   ///< Σ q² of the integers q added to Σ w·v (stdev, pixel and granule weighting),
  kSquare1,   ///< exact: four 32-bit limbs (SquareLimbs), limb k counting 2^(32 k)
  kSquare2,
  kSquare3,
  kFieldCount
};

/// Which fields a run needs, their slot in a Fields view, and the fixed-point scales.
struct FieldLayout {
  std::array<int, kFieldCount> slot{};  ///< -1 when the field is not kept
  int count = 0;                        ///< fields kept
  /// kObservations and kSumLo share one slot as a PackedCount word (accumulators of a run
  /// with a mean: only non-atomic folds and CAS loops update it); partials never pack.
  bool packed = false;
  /// Compact accumulators (--accumulators, docs/architecture.md "Memory per rank"): the high
  /// part of Σ w·v is an int32 per cell (12 bytes per cell for mean,count instead of 16).
  /// value_scale keeps |q| <= 2^kCompactTop, so a cell's sum fits while it has at most
  /// kCompactObservations observations; more is an error (bin_pixels, combine_values).
  /// Only with `packed`, and only where bin adds straight into the accumulators (no fold).
  bool narrow_high = false;
  static constexpr int kCompactTop = 40;
  static constexpr std::int64_t kCompactObservations = (std::int64_t{1} << 23) - 1;
  ExactSum value_scale;                 ///< Σ v and Σ w·v
  ExactSum square_scale;                ///< Σ v² / sqrt(n) (sqrt weighting)
  ExactSum log_scale;                   ///< Σ ln v
  ExactSum weight_scale;                ///< Σ w

  /// `max_abs_value`: bound of |v| (from valid_min/valid_max; 0 when unknown). `compact`:
  /// narrow_high where the layout is packed.
  static FieldLayout for_stats(const std::vector<Stat>& stats, Weighting weighting,
                               double max_abs_value, bool compact = false);
  /// The fields of one granule's partials (pixel-level; no weights, no granule count).
  FieldLayout partial_layout() const;
  KOKKOS_INLINE_FUNCTION bool has(Field f) const { return slot[f] >= 0; }
  /// The observations of a cell, from the word in slot[kObservations].
  KOKKOS_INLINE_FUNCTION std::int64_t observations(std::int64_t word) const {
    return packed ? PackedCount::observations(word) : word;
  }
  /// The low part of Σ w·v of a cell, from the word in slot[kSumLo].
  KOKKOS_INLINE_FUNCTION std::int64_t sum_low(std::int64_t word) const {
    return packed ? PackedCount::low_sum(word) : word;
  }
  /// The low part of the sum `hi` belongs to (sum_low for kSumHi, the word itself otherwise).
  KOKKOS_INLINE_FUNCTION std::int64_t low_of(Field hi, std::int64_t word) const {
    return hi == kSumHi ? sum_low(word) : word;
  }
};

/// Accumulated fields of a run of cells: fields(slot, cell).
using Fields = Kokkos::View<std::int64_t**, Kokkos::LayoutRight, MemSpace>;

/// The error text when a cell would pass FieldLayout::kCompactObservations.
std::string compact_capacity_error();

/// The identity of the field in slot `slot`: 0 for sums and counts, the ordered key of +inf
/// (min) or -inf (max).
std::int64_t identity_of(const FieldLayout& layout, int slot);

}  // namespace swathgrid
