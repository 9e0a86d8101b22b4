#pragma once
// The boundary between swathgrid and its GDAL plugin, libswathgrid_gdal.so (this folder).
//
// GDAL brings about 110 shared libraries (codecs, PDF, HEIF, ...); linked into swathgrid they
// cost every MPI rank ~0.14 s to load at start, and every component Open MPI then loads
// looks its symbols up through all of them. Only --method warp, --geotiff and --quicklook use
// GDAL, so its calls live in a plugin that src/output/gdal_plugin.cpp loads (dlopen) the first
// time one of them runs.
//
// The table below is all that crosses: plain pointers and standard types, built by the same
// compiler in the same build. Exceptions do not cross: each entry returns "" on success and
// the error's message otherwise, which the caller throws as swathgrid::Error again.

#include <cstddef>
#include <cstdint>
#include <string>

#include "swathgrid/export.hpp"

namespace swathgrid {

/// Changed with the table, so that a plugin of another build is refused, not misused.
inline constexpr int kGdalPluginVersion = 3;

/// A warp's target grid: GridSpec's numbers (grid.hpp needs Kokkos; the plugin does not).
struct WarpTarget {
  double x_min;
  double y_max;
  double cell_size;
  std::int64_t nx;
  std::int64_t ny;
};

/// A granule's warp state inside the plugin (gdal::WarpSession).
namespace gdal {
class WarpSession;
}
using WarpSession = gdal::WarpSession;

struct GdalPlugin {
  int version;
  /// warp_granule's GDAL part, in three steps so that one geolocation transformer (most of a
  /// warp's cost) serves every layer of a granule. begin_warp: from lines x pixels lon and
  /// lat onto `target`, the lat/lon values at pixel centres (GEOREFERENCING_CONVENTION=
  /// PIXEL_CENTER) or at the pixels' top-left corners (GDAL's default); sets *session.
  /// warp_layer: one layer's values warped into `result` (nx * ny floats, NaN on entry).
  /// end_warp: releases the session (nullptr: nothing).
  std::string (*begin_warp)(const float* lon, const float* lat, std::size_t lines,
                            std::size_t pixels, const WarpTarget& target, bool pixel_center,
                            WarpSession** session);
  std::string (*warp_layer)(const WarpSession* session, const float* values, float* result);
  void (*end_warp)(WarpSession* session);
  std::string (*write_geotiff)(const ExportSource& source, const ExportFile& file);
  std::string (*write_quicklook)(const ExportSource& source, const ExportFile& file);
};

}  // namespace swathgrid

/// The plugin's one exported symbol.
#define SWATHGRID_GDAL_PLUGIN_ENTRY "swathgrid_gdal_plugin"
extern "C" const swathgrid::GdalPlugin* swathgrid_gdal_plugin();
