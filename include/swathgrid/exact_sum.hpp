#pragma once
// Order-independent, exact summation of floating-point values (docs/architecture.md,
// "Reproducibility"). A value v becomes the integer q = round(v * 2^scale_bits); q is split
// into a high part hi = q >> 32 (arithmetic) and a low part lo = q & 0xffffffff, which are
// added into two int64 accumulators. Integer addition is associative, so the total
// hi_sum * 2^32 + lo_sum is the same in any order, on any number of threads and ranks, and
// MPI_SUM on int64 combines it exactly. lo_sum overflows only after 2^31 additions to one
// cell; hi_sum never in practice.

#include <Kokkos_Macros.hpp>
#include <cmath>
#include <cstdint>

namespace swathgrid {

/// The quantum is 2^-40 (~9.1e-13) and |v| must not exceed 2^21 (~2.1e6): enough for every
/// ocean-colour product (chlor_a <= 100 mg m^-3, Rrs < 1 sr^-1, poc < 1e4 mg m^-3). Values
/// beyond are counted as unrepresentable by the kernels, never silently wrapped.
struct ExactSum {
  static constexpr int kScaleBits = 40;
  static constexpr double kMaxAbs = 2097152.0;  ///< 2^21: q stays below 2^61

  KOKKOS_INLINE_FUNCTION static bool representable(double v) { return std::fabs(v) <= kMaxAbs; }
  KOKKOS_INLINE_FUNCTION static std::int64_t quantize(double v) {
    return static_cast<std::int64_t>(std::llround(std::ldexp(v, kScaleBits)));
  }
  KOKKOS_INLINE_FUNCTION static std::int64_t high_part(std::int64_t q) { return q >> 32; }
  KOKKOS_INLINE_FUNCTION static std::int64_t low_part(std::int64_t q) {
    return q & std::int64_t{0xffffffff};
  }
  /// The exact total as a double (one rounding of each part; deterministic).
  KOKKOS_INLINE_FUNCTION static double total(std::int64_t hi_sum, std::int64_t lo_sum) {
    return std::ldexp(static_cast<double>(hi_sum), 32 - kScaleBits) +
           std::ldexp(static_cast<double>(lo_sum), -kScaleBits);
  }
};

}  // namespace swathgrid
