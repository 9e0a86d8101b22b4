#include "swathgrid/accumulators.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

constexpr const char* kStatNames[] = {"mean", "count", "stdev", "min", "max", "gmean", "ngranules"};
constexpr Stat kAllStats[] = {Stat::kMean, Stat::kCount, Stat::kStdev,    Stat::kMin,
                              Stat::kMax,  Stat::kGmean, Stat::kNgranules};
/// |ln v| of any positive float is below this.
constexpr double kMaxAbsLog = 104.0;
/// Weights of sqrt weighting are sqrt(pixels of one granule in one cell): at most 2^7 when a
/// granule puts up to 16384 pixels in one cell.
constexpr double kMaxSqrtWeight = 128.0;
/// Without a valid range, values are assumed within ±2^21.
constexpr double kDefaultMaxAbs = 2097152.0;

}  // namespace

std::string stat_name(Stat stat) { return kStatNames[static_cast<int>(stat)]; }

std::vector<Stat> parse_stats(const std::string& text) {
  std::vector<Stat> stats;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    bool found = false;
    for (Stat s : kAllStats) {
      if (item == stat_name(s)) {
        found = true;
        bool duplicate = false;
        for (Stat t : stats) duplicate = duplicate || t == s;
        if (!duplicate) stats.push_back(s);
      }
    }
    if (!found)
      throw UsageError("--stats: unknown statistic '" + item +
                       "' (available: mean,count,stdev,min,max,gmean,ngranules)");
  }
  if (stats.empty()) throw UsageError("--stats: no statistic given");
  return stats;
}

Method parse_method(const std::string& text) {
  if (text == "bin") return Method::kBin;
  if (text == "nearest") return Method::kNearest;
  if (text == "warp") return Method::kWarp;
  throw UsageError("--method: unknown method '" + text + "' (available: bin, nearest, warp)");
}

std::string method_name(Method method) {
  switch (method) {
    case Method::kBin:
      return "bin";
    case Method::kNearest:
      return "nearest";
    case Method::kWarp:
      return "warp";
  }
  return "?";
}

Weighting parse_weighting(const std::string& text) {
  if (text == "pixel") return Weighting::kPixel;
  if (text == "granule") return Weighting::kGranule;
  if (text == "sqrt") return Weighting::kSqrt;
  throw UsageError("--weight: unknown weighting '" + text + "' (available: pixel,granule,sqrt)");
}

std::string weighting_name(Weighting weighting) {
  switch (weighting) {
    case Weighting::kPixel:
      return "pixel";
    case Weighting::kGranule:
      return "granule";
    case Weighting::kSqrt:
      return "sqrt";
  }
  return "?";
}

FieldLayout FieldLayout::for_stats(const std::vector<Stat>& stats, Weighting weighting,
                                   double max_abs_value, bool compact) {
  std::array<bool, kFieldCount> keep{};
  keep[kObservations] = true;
  for (Stat s : stats) {
    if (s == Stat::kMean || s == Stat::kStdev) keep[kSumHi] = keep[kSumLo] = true;
    if (s == Stat::kStdev && weighting == Weighting::kSqrt)  // l2bin: Σ v²/sqrt(n), nscenes
      keep[kSqHi] = keep[kSqLo] = keep[kGranules] = true;
    else if (s == Stat::kStdev)  // Σ q², exact
      keep[kSquare0] = keep[kSquare1] = keep[kSquare2] = keep[kSquare3] = true;
    if (s == Stat::kGmean)
      keep[kLogHi] = keep[kLogLo] = keep[kLogWeightHi] = keep[kLogWeightLo] = true;
    if (s == Stat::kMin) keep[kMinKey] = true;
    if (s == Stat::kMax) keep[kMaxKey] = true;
    if (s == Stat::kNgranules) keep[kGranules] = true;
  }
  if (weighting == Weighting::kGranule && (keep[kSumHi] || keep[kLogHi])) keep[kGranules] = true;
  if (weighting == Weighting::kSqrt && (keep[kSumHi] || keep[kLogHi]))
    keep[kWeightHi] = keep[kWeightLo] = true;

  FieldLayout layout;
  for (int f = 0; f < kFieldCount; ++f) layout.slot[f] = keep[f] ? layout.count++ : -1;
  if (keep[kSumLo]) {  // observations and the low sum in one word (PackedCount)
    layout.packed = true;
    layout.count = 0;
    for (int f = 0; f < kFieldCount; ++f)
      layout.slot[f] = !keep[f] ? -1 : f == kSumLo ? layout.slot[kObservations] : layout.count++;
  }
  const double max_abs = max_abs_value > 0.0 ? max_abs_value : kDefaultMaxAbs;
  const double weight = weighting == Weighting::kSqrt ? kMaxSqrtWeight : 1.0;
  layout.narrow_high = compact && layout.packed;
  layout.value_scale =
      ExactSum::for_max(max_abs * weight, layout.narrow_high ? kCompactTop : ExactSum::kTop);
  layout.square_scale = ExactSum::for_max(max_abs * max_abs * weight);
  layout.log_scale = ExactSum::for_max(kMaxAbsLog * weight);
  layout.weight_scale = ExactSum::for_max(weight);
  return layout;
}

FieldLayout FieldLayout::partial_layout() const {
  FieldLayout partial = *this;
  partial.count = 0;
  partial.packed = false;  // binning adds atomically
  partial.narrow_high = false;
  for (int f = 0; f < kFieldCount; ++f) {
    const bool keep = f != kWeightHi && f != kWeightLo && f != kGranules &&
                      (slot[f] >= 0 || (f == kSumHi || f == kSumLo));  // means need sums
    partial.slot[f] = keep ? partial.count++ : -1;
  }
  return partial;
}

std::string compact_capacity_error() {
  return "a grid cell would get more than " + std::to_string(FieldLayout::kCompactObservations) +
         " observations, the most compact accumulators hold; rerun with --accumulators wide";
}

std::int64_t identity_of(const FieldLayout& layout, int slot) {
  if (slot == layout.slot[kMinKey]) return ordered_key(std::numeric_limits<float>::infinity());
  if (slot == layout.slot[kMaxKey]) return ordered_key(-std::numeric_limits<float>::infinity());
  return 0;
}

}  // namespace swathgrid
