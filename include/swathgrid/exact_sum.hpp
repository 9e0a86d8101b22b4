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

struct ExactSum {
  int scale_bits = 40;  ///< quantum 2^-40 (~9e-13) by default
  double max_abs = 0.0; ///< largest |v| representable: q must stay below 2^61

  /// Chooses the finest quantum for values bounded by `max_abs_value` (0: unknown, use 2^-40
  /// and the range it allows, about 2.1e6).
  static ExactSum for_range(double max_abs_value);

  KOKKOS_INLINE_FUNCTION bool representable(double v) const { return std::fabs(v) <= max_abs; }
  KOKKOS_INLINE_FUNCTION std::int64_t quantize(double v) const {
    return static_cast<std::int64_t>(std::llround(std::ldexp(v, scale_bits)));
  }
  KOKKOS_INLINE_FUNCTION static std::int64_t high_part(std::int64_t q) { return q >> 32; }
  KOKKOS_INLINE_FUNCTION static std::int64_t low_part(std::int64_t q) {
    return q & std::int64_t{0xffffffff};
  }
  /// The exact total as a double (one rounding of each part; deterministic).
  double total(std::int64_t hi_sum, std::int64_t lo_sum) const {
    return std::ldexp(static_cast<double>(hi_sum), 32 - scale_bits) +
           std::ldexp(static_cast<double>(lo_sum), -scale_bits);
  }
};

}  // namespace swathgrid
