// --geotiff: the composite's variable as a Cloud-Optimised GeoTIFF through GDAL's COG driver.

#include <cpl_string.h>
#include <gdal.h>

#include "export_util.hpp"
#include "plugin.hpp"

namespace swathgrid::gdal {

void write_geotiff(const ExportSource& source, const std::string& tif_path) {
  const std::string what = "--geotiff " + tif_path;
  QuietGdal gdal;
  const OpenVariable variable = open_variable(source, what);
  GDALDriverH cog = GDALGetDriverByName("COG");
  check(cog != nullptr, what, "GDALGetDriverByName(COG) (GDAL >= 3.1 needed)");
  CPLStringList options;
  options.SetNameValue("COMPRESS", "DEFLATE");  // lossless: values equal the netCDF's
  options.SetNameValue("PREDICTOR", "YES");     // floating-point predictor for floats
  options.SetNameValue("BIGTIFF", "IF_SAFER");
  options.SetNameValue("OVERVIEW_RESAMPLING", "NEAREST");  // overviews keep real values
  const std::string partial = tif_path + ".partial";
  Dataset tif(GDALCreateCopy(cog, partial.c_str(), variable.view.get(), FALSE, options.List(),
                             nullptr, nullptr));
  check(tif != nullptr, what, "GDALCreateCopy(COG)");
  tif.reset();  // flush and close before the rename
  publish(partial, tif_path, what);
}

}  // namespace swathgrid::gdal
