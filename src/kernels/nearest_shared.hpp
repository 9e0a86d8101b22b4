// What the nearest search's two halves share (nearest_kernel.cpp: the survey of a granule's
// pixels; nearest_scatter.cpp: the scatter of its candidates over the cells). Internal.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "swathgrid/nearest_kernel.hpp"
#include "swathgrid/text.hpp"  // kPi
#include "swathgrid/vector_isa.hpp"

namespace swathgrid {
namespace nearest_detail {

inline constexpr double kRadPerDeg = kPi / 180.0;
inline constexpr double kDegPerRad = 180.0 / kPi;
inline constexpr double kFullTurnDeg = 360.0;
inline constexpr double kPoleLatDeg = 90.0;
inline constexpr int kIndexBits = 31;  ///< low bits of a key: the pixel index
inline constexpr std::int64_t kIndexMask = (std::int64_t{1} << kIndexBits) - 1;
inline constexpr std::int64_t kNoKey = std::numeric_limits<std::int64_t>::max();
/// Added to the survey's bounds (degrees): above the rounding of its float arithmetic on
/// degrees up to 360 (< 1e-4), far below a cell (a 100 m band of extra candidates).
inline constexpr float kSurveySlackDeg = 1.0e-3f;

using Policy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<std::int64_t>>;
using DynamicPolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::Schedule<Kokkos::Dynamic>,
                                          Kokkos::IndexType<std::int64_t>>;

/// Unit-sphere chord of a great-circle distance (capped at kMaxReachM).
inline double chord_of_distance(double distance_m) {
  const double capped = distance_m < kMaxReachM ? distance_m : kMaxReachM;
  return 2.0 * std::sin(capped / (2.0 * kEarthRadiusM));
}

KOKKOS_INLINE_FUNCTION bool navigated(float lon, float lat) {
  return lon - lon == 0.0f && lat >= -90.0f && lat <= 90.0f;
}

/// On x86-64 (GCC, host backends) the vectorised loops of the survey (a run's bounds) and of
/// the scatter (a batch's preparation) have copies compiled for AVX2 and AVX-512F, chosen at
/// run time, so that the binary still runs on any x86-64 (docs/performance.md, issue 17,
/// sessions 15 and 16). The same results: their operations (additions, multiplications,
/// divisions, square roots, comparisons, integer minima) are exact or correctly rounded in
/// every ISA, and both files are compiled with -ffp-contract=off (src/CMakeLists.txt), so no
/// a * b + c becomes one rounding in an FMA. Elsewhere (Clang, another architecture, a device
/// backend) the one portable loop.
#if defined(SWATHGRID_X86_COPIES) && !defined(KOKKOS_ENABLE_CUDA) && \
    !defined(KOKKOS_ENABLE_HIP) && !defined(KOKKOS_ENABLE_SYCL) &&   \
    !defined(KOKKOS_ENABLE_OPENMPTARGET)
#define SWATHGRID_X86_DISPATCH 1
#endif

/// `view` if it holds n elements, else a new one that does (its contents undefined).
template <class View>
inline void grow(View& view, std::int64_t n, const char* label) {
  if (static_cast<std::int64_t>(view.extent(0)) >= n) return;
  view = View();  // free before allocating: the peak is one buffer, not two
  view = View(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)),
              static_cast<std::size_t>(n));
}

}  // namespace nearest_detail
}  // namespace swathgrid
