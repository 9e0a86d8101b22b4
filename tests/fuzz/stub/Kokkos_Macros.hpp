#pragma once
// The fuzzer compiles the granule reader alone, with clang and without Kokkos: the one macro
// the reader's headers (swathgrid/grid.hpp) use, as host-only Kokkos defines it.
#define KOKKOS_INLINE_FUNCTION inline
