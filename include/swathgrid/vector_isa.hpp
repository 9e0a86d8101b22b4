#pragma once
// The widest x86-64 vectors this CPU offers, for loops compiled in several copies (AVX2,
// AVX-512F, the portable baseline) and chosen at run time: nearest's survey and scatter,
// the NetCDF-4 writer's shuffle (docs/performance.md, issue 17 sessions 15-16, issue 16
// session 21).

#include <cstdlib>
#include <cstring>

namespace swathgrid {

/// Copies for wider x86-64 vectors can be compiled here (GCC's target attributes).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SWATHGRID_X86_COPIES 1
#endif

enum class VectorIsa { portable, avx2, avx512 };

/// The widest vectors the copies may use on this CPU (__builtin_cpu_supports also checks
/// that the operating system saves the vector registers). SWATHGRID_VECTOR_ISA=portable or
/// avx2 narrows the choice (A/B measurements and tests of one binary), never widens it.
inline VectorIsa vector_isa() {
  VectorIsa isa = VectorIsa::portable;
#if defined(SWATHGRID_X86_COPIES)
  if (__builtin_cpu_supports("avx512f"))
    isa = VectorIsa::avx512;
  else if (__builtin_cpu_supports("avx2"))
    isa = VectorIsa::avx2;
#endif
  const char* asked = std::getenv("SWATHGRID_VECTOR_ISA");
  if (asked != nullptr && std::strcmp(asked, "portable") == 0) return VectorIsa::portable;
  if (asked != nullptr && std::strcmp(asked, "avx2") == 0 && isa == VectorIsa::avx512)
    return VectorIsa::avx2;
  return isa;
}

}  // namespace swathgrid
