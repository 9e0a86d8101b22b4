#pragma once
// Kokkos types, declared once (STYLE.md 5).

#include <Kokkos_Core.hpp>
#include <cstdint>

namespace swathgrid {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using HostSpace = Kokkos::HostSpace;

/// Per-pixel arrays of one granule (lines * pixels, row-major), on the device.
using PixelView = Kokkos::View<float*, MemSpace>;
using ConstPixelView = Kokkos::View<const float*, MemSpace>;

/// Accumulators per grid cell (row * nx + col), on the device.
using CellView = Kokkos::View<std::int64_t*, MemSpace>;

}  // namespace swathgrid
