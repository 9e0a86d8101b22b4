// swathgrid's side of the GDAL plugin (src/gdal/plugin_api.hpp says why there is one): finds
// and loads libswathgrid_gdal.so the first time a GDAL feature runs, and the public functions
// of gdal_warp.hpp and export.hpp that call into it.

#include <dlfcn.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "gdal/plugin_api.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/export.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/plugin_paths.hpp"

namespace swathgrid {

namespace {

constexpr const char* kPluginFile = "libswathgrid_gdal.so";

/// Where the plugin may be: $SWATHGRID_GDAL_PLUGIN (a file) when set, and only there;
/// otherwise beside the running program as installed or built (<program dir>/<bin-to-plugin
/// dir>/, the same relative path in the build tree: CMake puts the plugin there), then the
/// configured install directory.
std::vector<std::string> plugin_candidates() {
  if (const char* file = std::getenv("SWATHGRID_GDAL_PLUGIN"); file && *file) return {file};
  std::vector<std::string> paths;
  std::error_code ec;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec)
    paths.push_back((program.parent_path() / kPluginRelativeDir / kPluginFile).lexically_normal());
  paths.push_back(std::string(kPluginInstallDir) + "/" + kPluginFile);
  return paths;
}

const GdalPlugin* load_plugin(std::string& failure) {
  for (const std::string& path : plugin_candidates()) {
    if (!std::filesystem::exists(path)) {
      failure += "\n  " + path + ": no such file";
      continue;
    }
    // Never unloaded: GDAL keeps drivers and caches until exit.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      failure += "\n  " + path + ": " + (why ? why : "dlopen failed");
      continue;
    }
    using Entry = const GdalPlugin* (*)();
    const auto entry = reinterpret_cast<Entry>(dlsym(handle, SWATHGRID_GDAL_PLUGIN_ENTRY));
    const GdalPlugin* plugin = entry ? entry() : nullptr;
    if (plugin && plugin->version == kGdalPluginVersion) return plugin;
    failure += "\n  " + path + ": not a GDAL plugin of this swathgrid build";
  }
  return nullptr;
}

/// The plugin, loaded on first use (any thread); throws Error saying where it looked, and
/// looks again next time.
const GdalPlugin& gdal_plugin(const char* feature) {
  static std::mutex mutex;
  static const GdalPlugin* plugin = nullptr;
  const std::lock_guard<std::mutex> lock(mutex);
  if (plugin) return *plugin;
  std::string failure;
  plugin = load_plugin(failure);
  if (!plugin)
    throw Error(std::string(feature) + " needs GDAL, but swathgrid's GDAL plugin (" + kPluginFile +
                ") could not be loaded; tried:" + failure +
                "\n(set SWATHGRID_GDAL_PLUGIN to its path if it was moved)");
  return *plugin;
}

void throw_if_failed(const std::string& message) {
  if (!message.empty()) throw Error(message);
}

void check_sizes(const FloatArray& lon, const FloatArray& lat, std::size_t values,
                 std::size_t lines, std::size_t pixels, const GridSpec& target) {
  SWATHGRID_REQUIRE(
      lines >= 2 && pixels >= 2 && lines <= INT_MAX && pixels <= INT_MAX,
      "warp: granule of " << lines << " x " << pixels << " pixels (need at least 2 x 2)");
  const std::size_t count = lines * pixels;
  SWATHGRID_REQUIRE(lon.size() == count && lat.size() == count && values == count,
                    "warp: arrays of " << lon.size() << ", " << lat.size() << " and " << values
                                       << " elements for " << lines << " x " << pixels
                                       << " pixels");
  SWATHGRID_REQUIRE(target.nx > 0 && target.ny > 0 && target.nx <= INT_MAX &&
                        target.ny <= INT_MAX && target.cell_size > 0.0,
                    "warp: invalid target grid " << target.nx << " x " << target.ny << " cells of "
                                                 << target.cell_size);
}

}  // namespace

WarpConvention parse_warp_convention(const std::string& text) {
  if (text == "top-left-corner") return WarpConvention::kTopLeftCorner;
  if (text == "pixel-center") return WarpConvention::kPixelCenter;
  throw UsageError("--warp-convention: expected top-left-corner or pixel-center, got '" + text +
                   "'");
}

const char* warp_convention_name(WarpConvention convention) {
  return convention == WarpConvention::kPixelCenter ? "pixel-center" : "top-left-corner";
}

GranuleWarper::GranuleWarper(const FloatArray& lon, const FloatArray& lat, std::size_t lines,
                             std::size_t pixels, const GridSpec& target, WarpConvention convention)
    : cells_(static_cast<std::size_t>(target.cell_count())) {
  check_sizes(lon, lat, lines * pixels, lines, pixels, target);
  plugin_ = &gdal_plugin("--method warp");
  const WarpTarget grid{target.x_min, target.y_max, target.cell_size, target.nx, target.ny};
  throw_if_failed(plugin_->begin_warp(lon.data(), lat.data(), lines, pixels, grid,
                                      convention == WarpConvention::kPixelCenter, &session_));
}

GranuleWarper::~GranuleWarper() { plugin_->end_warp(session_); }

std::vector<float> GranuleWarper::warp(const float* values) const {
  std::vector<float> result(cells_, std::numeric_limits<float>::quiet_NaN());
  throw_if_failed(plugin_->warp_layer(session_, values, result.data()));
  return result;
}

std::vector<float> warp_granule(const FloatArray& lon, const FloatArray& lat,
                                const FloatArray& values, std::size_t lines, std::size_t pixels,
                                const GridSpec& target, WarpConvention convention) {
  check_sizes(lon, lat, values.size(), lines, pixels, target);
  return GranuleWarper(lon, lat, lines, pixels, target, convention).warp(values.data());
}

void write_geotiff(const ExportSource& source, const ExportFile& file) {
  throw_if_failed(gdal_plugin("--geotiff").write_geotiff(source, file));
}

void write_quicklook(const ExportSource& source, const ExportFile& file) {
  throw_if_failed(gdal_plugin("--quicklook").write_quicklook(source, file));
}

}  // namespace swathgrid
