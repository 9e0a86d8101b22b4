// The population standard deviation from exact integer sums, without cancellation: the
// integer D = n Σq² - (Σq)² (up to ~2^185) in 256-bit arithmetic, then the float nearest to
// sqrt(D) / (n 2^bits), chosen by exact comparisons with the float midpoints (host code).

#include "swathgrid/exact_stdev.hpp"

#include <cassert>
#include <cmath>
#include <limits>

namespace swathgrid {

namespace {

using u128 = unsigned __int128;

/// An unsigned 256-bit integer, words[0] least significant.
struct U256 {
  std::uint64_t words[4] = {0, 0, 0, 0};

  /// Adds v * 2^(64 word).
  void add_at(u128 v, int word) {
    for (int i = word; i < 4 && v != 0; ++i) {
      const u128 sum = static_cast<u128>(words[i]) + static_cast<std::uint64_t>(v);
      words[i] = static_cast<std::uint64_t>(sum);
      v = (v >> 64) + (sum >> 64);
    }
    assert(v == 0);
  }
  /// Adds v * 2^shift_bits (shift_bits a multiple of 32).
  void add_shifted(std::uint64_t v, int shift_bits) {
    add_at(static_cast<u128>(v) << (shift_bits % 64), shift_bits / 64);
  }
  U256 times(std::uint64_t m) const {
    U256 r;
    for (int i = 0; i < 4; ++i) r.add_at(static_cast<u128>(words[i]) * m, i);
    return r;
  }
  static U256 square(u128 x) {
    const std::uint64_t x0 = static_cast<std::uint64_t>(x),
                        x1 = static_cast<std::uint64_t>(x >> 64);
    U256 r;
    r.add_at(static_cast<u128>(x0) * x0, 0);
    r.add_at(static_cast<u128>(x0) * x1, 1);
    r.add_at(static_cast<u128>(x0) * x1, 1);
    r.add_at(static_cast<u128>(x1) * x1, 2);
    return r;
  }
  /// this - b, b <= this.
  U256 minus(const U256& b) const {
    U256 r;
    std::uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
      const u128 sub = static_cast<u128>(b.words[i]) + borrow;
      r.words[i] = words[i] - static_cast<std::uint64_t>(sub);
      borrow = static_cast<u128>(words[i]) < sub ? 1 : 0;
    }
    assert(borrow == 0);
    return r;
  }
  int bit_length() const {
    for (int i = 3; i >= 0; --i)
      if (words[i] != 0) return 64 * i + 64 - __builtin_clzll(words[i]);
    return 0;
  }
  bool is_zero() const { return bit_length() == 0; }
  /// this * 2^s; the result must fit (bit_length() + s <= 256).
  U256 shifted_left(int s) const {
    U256 r;
    const int word = s / 64, bit = s % 64;
    for (int i = 3; i >= word; --i) {
      std::uint64_t v = words[i - word] << bit;
      if (bit != 0 && i - word - 1 >= 0) v |= words[i - word - 1] >> (64 - bit);
      r.words[i] = v;
    }
    return r;
  }
  int compare(const U256& b) const {
    for (int i = 3; i >= 0; --i)
      if (words[i] != b.words[i]) return words[i] < b.words[i] ? -1 : 1;
    return 0;
  }
  long double to_long_double() const {
    long double v = 0;
    for (int i = 3; i >= 0; --i) v = v * 18446744073709551616.0L + words[i];
    return v;
  }
};

/// The sign of a * 2^e - d (a < 2^128).
int compare_scaled(u128 a, int e, const U256& d) {
  U256 lhs;
  lhs.add_at(a, 0);
  if (e >= 0) {
    if (lhs.bit_length() + e > 255) return 1;  // above 2^255 > d
    return lhs.shifted_left(e).compare(d);
  }
  if (d.bit_length() - e > 255) return -1;  // d 2^-e above 2^255 > a
  return lhs.compare(d.shifted_left(-e));
}

}  // namespace

float exact_stdev(std::int64_t n, std::int64_t sum_high, std::int64_t sum_low,
                  const std::int64_t (&square_limbs)[SquareLimbs::kLimbs], int bits, int ddof) {
  assert(n > 0 && n < (std::int64_t{1} << 31) && (ddof == 0 || ddof == 1));
  if (n - ddof <= 0) return std::numeric_limits<float>::quiet_NaN();  // one value, ddof 1
  const __int128 sum = static_cast<__int128>(sum_high) * (__int128{1} << 32) + sum_low;
  U256 squares;
  for (int k = 0; k < SquareLimbs::kLimbs; ++k)
    squares.add_shifted(static_cast<std::uint64_t>(square_limbs[k]), 32 * k);
  const u128 magnitude = sum < 0 ? static_cast<u128>(-sum) : static_cast<u128>(sum);
  const U256 d = squares.times(static_cast<std::uint64_t>(n)).minus(U256::square(magnitude));
  if (d.is_zero()) return 0.0f;
  // stdev = sqrt(d / (n (n - ddof))) / 2^bits. A float midpoint mid = m 2^k lies above it
  // when m^2 n (n - ddof) 2^(2k + 2 bits) > d; m < 2^26 and n < 2^31 keep the product of the
  // integers below 2^114.
  const u128 divisor = static_cast<u128>(n) * static_cast<std::uint64_t>(n - ddof);
  const auto side = [&](std::int64_t m, int k) {
    const u128 m2 = static_cast<u128>(m) * static_cast<std::uint64_t>(m);
    return compare_scaled(m2 * divisor, 2 * k + 2 * bits, d);
  };
  float f = static_cast<float>(
      std::ldexp(std::sqrt(d.to_long_double() / static_cast<long double>(divisor)), -bits));
  for (int step = 0; step < 4; ++step) {  // the estimate is within an ulp: a step at most
    int e = 0;
    const float fraction = std::frexp(f, &e);  // f = fraction 2^e, fraction in [0.5, 1)
    const auto mantissa =
        static_cast<std::int64_t>(std::ldexp(fraction, 24));  // f = mantissa 2^(e-24)
    const bool odd = (mantissa & 1) != 0;
    const int up = side(2 * mantissa + 1, e - 25);
    const int down = mantissa == (std::int64_t{1} << 23) ? side(4 * mantissa - 1, e - 26)
                                                         : side(2 * mantissa - 1, e - 25);
    if (up < 0 || (up == 0 && odd))  // ties to even
      f = std::nextafter(f, std::numeric_limits<float>::infinity());
    else if (down > 0 || (down == 0 && odd))
      f = std::nextafter(f, 0.0f);
    else
      return f;
  }
  assert(false && "exact_stdev: the estimate did not converge");
  return f;
}

}  // namespace swathgrid
