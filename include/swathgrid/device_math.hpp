#pragma once
// The math that device code (Kokkos kernels) calls, through Kokkos so that it stays GPU-ready,
// under the names of both Kokkos generations the build supports: Debian's Kokkos 3.4 has the
// functions in Kokkos::Experimental and no round or bit_cast; Kokkos 4 has them in Kokkos
// (bit_cast from 4.1). On the host every one is the std:: function, so results do not change.

#include <Kokkos_Core.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace swathgrid::device {

#if KOKKOS_VERSION >= 40000
using Kokkos::ceil;
using Kokkos::cos;
using Kokkos::exp;
using Kokkos::fabs;
using Kokkos::floor;
using Kokkos::log;
using Kokkos::sin;
using Kokkos::sqrt;
#else
using Kokkos::Experimental::ceil;
using Kokkos::Experimental::cos;
using Kokkos::Experimental::exp;
using Kokkos::Experimental::fabs;
using Kokkos::Experimental::floor;
using Kokkos::Experimental::log;
using Kokkos::Experimental::sin;
using Kokkos::Experimental::sqrt;
#endif

/// Nearest integer, halves away from zero (std::llround).
KOKKOS_INLINE_FUNCTION std::int64_t round_to_int64(double v) {
#if KOKKOS_VERSION >= 40000
  return static_cast<std::int64_t>(Kokkos::round(v));
#else
  return static_cast<std::int64_t>(std::llround(v));
#endif
}

/// The bits of `from` as a `To` of the same size.
template <class To, class From>
KOKKOS_INLINE_FUNCTION To bit_cast(const From& from) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast between types of one size");
#if KOKKOS_VERSION >= 40100
  return Kokkos::bit_cast<To>(from);
#else
  To to;
  __builtin_memcpy(&to, &from, sizeof(To));
  return to;
#endif
}

}  // namespace swathgrid::device
