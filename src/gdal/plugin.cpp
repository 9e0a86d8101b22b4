// The GDAL plugin's entry point: the table of plugin_api.hpp, each entry catching what the
// GDAL code throws.

#include "plugin.hpp"

#include <exception>

namespace swathgrid::gdal {

namespace {

template <class Call>
std::string message_of(Call&& call) noexcept {
  try {
    call();
    return "";
  } catch (const std::exception& e) {
    return e.what()[0] != '\0' ? e.what() : "GDAL plugin: error without a message";
  } catch (...) {
    return "GDAL plugin: unknown error";
  }
}

std::string begin_warp_entry(const float* lon, const float* lat, std::size_t lines,
                             std::size_t pixels, const WarpTarget& target, bool pixel_center,
                             WarpSession** session) {
  *session = nullptr;
  return message_of([&] { *session = begin_warp(lon, lat, lines, pixels, target, pixel_center); });
}

std::string warp_layer_entry(const WarpSession* session, const float* values, float* result) {
  return message_of([&] { warp_layer(*session, values, result); });
}

void end_warp_entry(WarpSession* session) { end_warp(session); }

std::string geotiff_entry(const ExportSource& source, const ExportFile& file) {
  return message_of([&] { gdal::write_geotiff(source, file); });
}

std::string quicklook_entry(const ExportSource& source, const ExportFile& file) {
  return message_of([&] { gdal::write_quicklook(source, file); });
}

}  // namespace

}  // namespace swathgrid::gdal

extern "C" __attribute__((visibility("default"))) const swathgrid::GdalPlugin*
swathgrid_gdal_plugin() {
  static const swathgrid::GdalPlugin table{
      swathgrid::kGdalPluginVersion,     swathgrid::gdal::begin_warp_entry,
      swathgrid::gdal::warp_layer_entry, swathgrid::gdal::end_warp_entry,
      swathgrid::gdal::geotiff_entry,    swathgrid::gdal::quicklook_entry};
  return &table;
}
