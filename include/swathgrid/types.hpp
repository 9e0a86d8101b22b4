#pragma once
// Kokkos types, declared once (STYLE.md 5).

#include <Kokkos_Core.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;
using HostSpace = Kokkos::HostSpace;

/// Per-pixel arrays of one granule (lines * pixels, row-major), on the device.
using PixelView = Kokkos::View<float*, MemSpace>;
using ConstPixelView = Kokkos::View<const float*, MemSpace>;
/// Pixel positions in grid CRS units (degrees for lat/lon grids, metres when projected).
using PositionView = Kokkos::View<double*, MemSpace>;
using ConstPositionView = Kokkos::View<const double*, MemSpace>;

/// Accumulators per grid cell (row * nx + col), on the device.
using CellView = Kokkos::View<std::int64_t*, MemSpace>;

/// Copies a host array into `device`, reallocating it (without initialisation) only when
/// the size differs, so a view can be reused from granule to granule.
template <typename T>
void copy_to_device(const std::vector<T>& host, Kokkos::View<T*, MemSpace>& device,
                    const std::string& label) {
  if (device.extent(0) != host.size())
    device = Kokkos::View<T*, MemSpace>(Kokkos::view_alloc(Kokkos::WithoutInitializing, label),
                                        host.size());
  Kokkos::deep_copy(
      device, Kokkos::View<const T*, HostSpace, Kokkos::MemoryUnmanaged>(host.data(), host.size()));
}

}  // namespace swathgrid
