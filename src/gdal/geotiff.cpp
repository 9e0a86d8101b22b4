// --geotiff: the composite's variable as a Cloud-Optimised GeoTIFF through GDAL's COG driver.

#include <cpl_string.h>
#include <gdal.h>

#include "export_util.hpp"
#include "plugin.hpp"

namespace swathgrid::gdal {

void write_geotiff(const ExportSource& source, const ExportFile& file) {
  const std::string what = "--geotiff " + file.path;
  QuietGdal gdal;
  const OpenVariable variable = open_variable(source, what);
  GDALDriverH cog = GDALGetDriverByName("COG");
  check(cog != nullptr, what, "GDALGetDriverByName(COG) (GDAL >= 3.1 needed)");
  CPLStringList options;
  options.SetNameValue("COMPRESS", "DEFLATE");  // lossless: values equal the netCDF's
  options.SetNameValue("PREDICTOR", "YES");     // floating-point predictor for floats
  options.SetNameValue("BIGTIFF", "IF_SAFER");
  options.SetNameValue("OVERVIEW_RESAMPLING", "NEAREST");  // overviews keep real values
  Dataset tif(GDALCreateCopy(cog, file.staged.c_str(), variable.view.get(), FALSE, options.List(),
                             nullptr, nullptr));
  check_written(tif != nullptr, what, "GDALCreateCopy(COG)", file.staged);
  close_checked(std::move(tif), what, file.staged);
}

}  // namespace swathgrid::gdal
