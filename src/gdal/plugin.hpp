#pragma once
// Inside the GDAL plugin (plugin_api.hpp says why it is one): the functions plugin.cpp puts
// in the table. They throw swathgrid::Error; plugin.cpp turns that into the returned message.

#include <cstddef>
#include <string>

#include "plugin_api.hpp"
#include "swathgrid/export.hpp"

namespace swathgrid::gdal {

/// See GdalPlugin::begin_warp, warp_layer and end_warp.
WarpSession* begin_warp(const float* lon, const float* lat, std::size_t lines, std::size_t pixels,
                        const WarpTarget& target, bool pixel_center);
void warp_layer(const WarpSession& session, const float* values, float* result);
void end_warp(WarpSession* session);

/// The composite's variable as a Cloud-Optimised GeoTIFF (--geotiff).
void write_geotiff(const ExportSource& source, const ExportFile& file);

/// A PNG picture of the composite's first band with a colour bar (--quicklook).
void write_quicklook(const ExportSource& source, const ExportFile& file);

}  // namespace swathgrid::gdal
