#pragma once
// Order-independent, exact summation of floating-point values (docs/architecture.md,
// "Reproducibility"). A value v becomes the integer q = round(v * 2^bits); q is split into a
// high part hi = q >> 32 (arithmetic) and a low part lo = q & 0xffffffff, which are added into
// two int64 accumulators. Integer addition is associative, so the total hi_sum * 2^32 + lo_sum
// is the same in any order, on any number of threads and ranks, and adding two ranks' sums
// combines them exactly. lo_sum overflows only after 2^31 additions to one cell; hi_sum never
// in practice.

#include <Kokkos_Macros.hpp>
#include <cmath>
#include <cstdint>

#include "swathgrid/device_math.hpp"

namespace swathgrid {

/// The fixed-point scale of one accumulated quantity. The quantum is 2^-bits; |v| must not
/// exceed max_abs() = 2^(top - bits) so that |q| stays within 2^top (2^61, or 2^40 for the
/// compact sums of FieldLayout::narrow_high). Values beyond are counted as unrepresentable by
/// the kernels, never silently wrapped.
struct ExactSum {
  static constexpr int kFinestBits = 40;  ///< quantum 9.1e-13: below float precision of 1e-5
  static constexpr int kTop = 61;         ///< |q| <= 2^61: 2^31 values fit an int64 hi + lo
  int bits = kFinestBits;
  int top = kTop;

  /// The finest scale that represents every |v| <= max_abs_value (at most 2^-40) with
  /// |q| <= 2^top.
  static ExactSum for_max(double max_abs_value, int top = kTop) {
    ExactSum s;
    s.top = top;
    if (max_abs_value > 0.0 && std::isfinite(max_abs_value)) {
      const int needed = static_cast<int>(std::ceil(std::log2(max_abs_value)));
      s.bits = needed < top - kFinestBits ? kFinestBits : (needed > top ? 0 : top - needed);
    }
    return s;
  }

  KOKKOS_INLINE_FUNCTION double max_abs() const {
    return static_cast<double>(std::int64_t{1} << (top - bits));  // 2^(top - bits), no call
  }
  KOKKOS_INLINE_FUNCTION bool representable(double v) const { return device::fabs(v) <= max_abs(); }
  KOKKOS_INLINE_FUNCTION std::int64_t quantize(double v) const {
    // v * 2^bits is exact (a power of two; |v| <= max_abs()), as ldexp but without a call.
    return device::round_to_int64(v * static_cast<double>(std::int64_t{1} << bits));
  }
  KOKKOS_INLINE_FUNCTION static std::int64_t high_part(std::int64_t q) { return q >> 32; }
  KOKKOS_INLINE_FUNCTION static std::int64_t low_part(std::int64_t q) {
    return q & std::int64_t{0xffffffff};
  }
  /// The exact total as a double (one rounding of each part; deterministic).
  KOKKOS_INLINE_FUNCTION double total(std::int64_t hi_sum, std::int64_t lo_sum) const {
    return static_cast<double>(hi_sum) * power_of_two(32 - bits) +
           static_cast<double>(lo_sum) * power_of_two(-bits);
  }
  /// 2^k for |k| <= 62, exactly: a product with it is ldexp's (no call; the finalize of a
  /// global 1 km grid spent ~6 % of its time in scalbn), as the results stay normal numbers.
  KOKKOS_INLINE_FUNCTION static double power_of_two(int k) {
    return k >= 0 ? static_cast<double>(std::int64_t{1} << k)
                  : 1.0 / static_cast<double>(std::int64_t{1} << -k);
  }
};

/// q² of a quantum q (|q| <= 2^61) as four limbs below 2^32, q² = Σ limb[k] 2^(32 k): each
/// limb adds into an int64 without loss for 2^31 values, so Σ q² is exact (the exact
/// variance of docs/user-guide.md "Statistics"). Only 64-bit unsigned arithmetic: any device.
struct SquareLimbs {
  static constexpr int kLimbs = 4;
  KOKKOS_INLINE_FUNCTION static void split(std::int64_t q, std::int64_t (&limb)[kLimbs]) {
    constexpr std::uint64_t kMask = 0xffffffff;
    const std::uint64_t magnitude =
        q < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(q) : static_cast<std::uint64_t>(q);
    const std::uint64_t a = magnitude >> 32, b = magnitude & kMask;     // |q| = a 2^32 + b
    const std::uint64_t low = b * b, middle = 2 * a * b, high = a * a;  // < 2^64, 2^62, 2^58
    const std::uint64_t t1 = (low >> 32) + (middle & kMask);
    const std::uint64_t t2 = (t1 >> 32) + (middle >> 32) + (high & kMask);
    limb[0] = static_cast<std::int64_t>(low & kMask);
    limb[1] = static_cast<std::int64_t>(t1 & kMask);
    limb[2] = static_cast<std::int64_t>(t2 & kMask);
    limb[3] = static_cast<std::int64_t>((t2 >> 32) + (high >> 32));
  }
};

/// An accumulator word holding two counts (docs/architecture.md, "Memory per rank"): the
/// observations n of a cell in the high 32 bits and the low part of its Σ w·v, kept in
/// [0, 2^32), in the low 32 bits. Adding to it carries what leaves the low part into the high
/// part of the sum (a separate int64), so (n, Σ) stay exact: 16 bytes per cell for the mean
/// instead of 24. n must stay below 2^31 (2 billion observations in one cell).
struct PackedCount {
  static constexpr std::int64_t kLowMask = 0xffffffff;

  KOKKOS_INLINE_FUNCTION static std::int64_t observations(std::int64_t word) { return word >> 32; }
  KOKKOS_INLINE_FUNCTION static std::int64_t low_sum(std::int64_t word) { return word & kLowMask; }
  /// Adds n observations and low_sum (>= 0, any size) to `word`; returns the carry to add to
  /// the high part of the sum.
  KOKKOS_INLINE_FUNCTION static std::int64_t add(std::int64_t& word, std::int64_t n,
                                                 std::int64_t low_sum) {
    const std::int64_t low = (word & kLowMask) + low_sum;
    word = ((observations(word) + n) << 32) | (low & kLowMask);
    return low >> 32;
  }
};

/// a + b modulo 2^32: the int32 high sums of compact accumulators (FieldLayout::narrow_high)
/// add this way, without signed overflow, so partial totals may wrap in any order and the
/// final one, which fits, comes out exact.
KOKKOS_INLINE_FUNCTION std::int32_t wrapping_add(std::int32_t a, std::int64_t b) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
}

/// Floats as int64 keys whose integer order is the float order (for atomic min/max).
KOKKOS_INLINE_FUNCTION std::int64_t ordered_key(float v) {
  const auto bits = device::bit_cast<std::int32_t>(v);
  return bits >= 0 ? bits : static_cast<std::int32_t>(bits ^ 0x7fffffff);
}
KOKKOS_INLINE_FUNCTION float from_ordered_key(std::int64_t key) {
  std::int32_t bits = static_cast<std::int32_t>(key);
  if (bits < 0) bits ^= 0x7fffffff;
  return device::bit_cast<float>(bits);
}

}  // namespace swathgrid
