#pragma once
// Small deterministic random numbers for the synthetic granules: splitmix64 and hashing of
// integer coordinates. Output is fixed by the algorithm, not by a standard library version.

#include <cstdint>

namespace swathgrid::synth_detail {

/// One splitmix64 step applied to `x` (a bijective 64-bit mixer).
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// Hash of a seed and up to three integer coordinates.
inline std::uint64_t hash_coords(std::uint64_t seed, std::int64_t a, std::int64_t b = 0,
                                 std::int64_t c = 0) {
  std::uint64_t h = mix64(seed);
  h = mix64(h ^ static_cast<std::uint64_t>(a));
  h = mix64(h ^ static_cast<std::uint64_t>(b));
  return mix64(h ^ static_cast<std::uint64_t>(c));
}

/// Uniform double in [0, 1) from the top 53 bits of `bits`.
inline double unit_double(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

/// splitmix64 generator: a stream of uniform numbers from one seed.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return unit_double(next()); }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

 private:
  std::uint64_t state_;
};

}  // namespace swathgrid::synth_detail
