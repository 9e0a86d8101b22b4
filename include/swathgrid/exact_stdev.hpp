#pragma once
// The population standard deviation of exactly accumulated values (host code): exact in
// integers up to one final rounding (docs/user-guide.md, "Statistics").

#include <cstdint>

#include "swathgrid/exact_sum.hpp"

namespace swathgrid {

/// sqrt(D / (n (n - ddof))) / 2^bits, D = n Σq² - (Σq)², rounded once to the nearest float
/// (ties to even), for n values v = q 2^-bits with Σq = sum_high 2^32 + sum_low and Σq² in
/// `square_limbs` (SquareLimbs): ddof 0 is the population stdev, 1 the sample stdev. Exactly 0
/// when the values are equal (ddof 0: one value included; ddof 1: NaN for one value).
/// 0 < n < 2^31.
float exact_stdev(std::int64_t n, std::int64_t sum_high, std::int64_t sum_low,
                  const std::int64_t (&square_limbs)[SquareLimbs::kLimbs], int bits, int ddof);

}  // namespace swathgrid
