// The GDAL plugin (src/gdal/plugin_api.hpp): loaded on first use, found beside the program
// (here: the build tree's tests/ directory), and a clear error naming where it looked when it
// cannot be loaded. Its own process: the plugin, once loaded, stays for the process.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "swathgrid/error.hpp"
#include "swathgrid/export.hpp"
#include "swathgrid/gdal_warp.hpp"
#include "swathgrid/grid.hpp"
#include "test_support.hpp"

namespace swathgrid {
namespace {

/// A 2 x 2 swath around (0.5, 0.5) warped onto a 2 x 2 grid of 0.5 degree cells.
std::vector<float> warp_small_swath() {
  const FloatArray lon{0.25f, 0.75f, 0.25f, 0.75f}, lat{0.75f, 0.75f, 0.25f, 0.25f};
  const FloatArray values{1.0f, 2.0f, 3.0f, 4.0f};
  const GridSpec target = GridSpec::from_bbox(BBox{0.0, 0.0, 1.0, 1.0}, 0.5);
  return warp_granule(lon, lat, values, 2, 2, target, WarpConvention::kPixelCenter);
}

std::string error_of(void (*call)()) {
  try {
    call();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(GdalPlugin, LoadedOnFirstUseOrAnErrorSayingWhereItLooked) {
  test::ScratchDir dir("gdal-plugin");
  // Not there: every GDAL feature says what needs GDAL and the path tried.
  const std::string missing = dir.file("nowhere/libswathgrid_gdal.so");
  ASSERT_EQ(setenv("SWATHGRID_GDAL_PLUGIN", missing.c_str(), 1), 0);
  std::string message = error_of([] { warp_small_swath(); });
  EXPECT_NE(message.find("--method warp needs GDAL"), std::string::npos) << message;
  EXPECT_NE(message.find(missing + ": no such file"), std::string::npos) << message;
  EXPECT_NE(message.find("SWATHGRID_GDAL_PLUGIN"), std::string::npos) << message;
  message = error_of([] {
    write_geotiff(ExportSource{"a.nc", "chlor_a", "", ""}, ExportFile{"a.tif", "a.tif"});
  });
  EXPECT_NE(message.find("--geotiff needs GDAL"), std::string::npos) << message;
  message = error_of([] {
    write_quicklook(ExportSource{"a.nc", "chlor_a", "", ""}, ExportFile{"a.png", "a.png"});
  });
  EXPECT_NE(message.find("--quicklook needs GDAL"), std::string::npos) << message;

  // A file that is no shared library: dlopen's reason.
  const std::string bogus = dir.file("libswathgrid_gdal.so");
  std::ofstream(bogus) << "not a library\n";
  ASSERT_EQ(setenv("SWATHGRID_GDAL_PLUGIN", bogus.c_str(), 1), 0);
  message = error_of([] { warp_small_swath(); });
  EXPECT_NE(message.find(bogus + ": "), std::string::npos) << message;
  EXPECT_EQ(message.find("no such file"), std::string::npos) << message;

  // Without the variable: found beside this program, as the build tree lays it out.
  ASSERT_EQ(unsetenv("SWATHGRID_GDAL_PLUGIN"), 0);
  const std::vector<float> grid = warp_small_swath();
  ASSERT_EQ(grid.size(), 4u);
  EXPECT_EQ(grid, (std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f}));
}

}  // namespace
}  // namespace swathgrid
