// --quicklook: a PNG picture of the composite's first band, read back through GDAL, with a
// title and a colour bar with units (pixels drawn by quicklook_picture.cpp).

#include <cpl_conv.h>
#include <cpl_string.h>
#include <gdal.h>

#include <algorithm>
#include <cmath>

#include "output/quicklook_picture.hpp"
#include "export_util.hpp"
#include "plugin.hpp"

namespace swathgrid::gdal {

namespace {

/// Pictures of larger grids are reduced (nearest cell) to this many pixels on the long side.
constexpr int kMaxQuicklookSide = 4096;

/// GDAL_PAM_ENABLED=NO on this thread while the object lives: no .aux.xml beside the PNG.
class NoSidecar {
 public:
  NoSidecar() { CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO"); }
  ~NoSidecar() { CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nullptr); }
};

}  // namespace

void write_quicklook(const ExportSource& source, const ExportFile& file) {
  const std::string what = "--quicklook " + file.path;
  QuietGdal gdal;
  NoSidecar no_sidecar;
  const OpenVariable variable = open_variable(source, what);
  const int nx = GDALGetRasterXSize(variable.view.get()),
            ny = GDALGetRasterYSize(variable.view.get());
  const double shrink = std::max(1.0, static_cast<double>(std::max(nx, ny)) / kMaxQuicklookSide);
  const int width = std::max(1, static_cast<int>(nx / shrink));
  const int height = std::max(1, static_cast<int>(ny / shrink));

  GDALRasterBandH band = GDALGetRasterBand(variable.view.get(), 1);
  std::vector<float> values(static_cast<std::size_t>(width) * height);
  check(GDALRasterIO(band, GF_Read, 0, 0, nx, ny, values.data(), width, height, GDT_Float32, 0,
                     0) == CE_None,
        what + ": reading " + source.netcdf_path, "GDALRasterIO");
  int has_nodata = 0;
  const double nodata = GDALGetRasterNoDataValue(band, &has_nodata);
  std::vector<bool> valid(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    valid[i] = std::isfinite(values[i]) && !(has_nodata && values[i] == static_cast<float>(nodata));

  const bool log10 = uses_log_scale(source.variable, source.units);
  const QuicklookScale scale = quicklook_scale(values, valid, log10);
  const std::string title = read_quicklook_title(source);
  std::vector<std::uint8_t> rgba =
      quicklook_rgba(values, valid, width, height, scale, source.units, title);

  const int rows = kTitleRows + height + kLegendRows;
  GDALDriverH mem_driver = GDALGetDriverByName("MEM");
  GDALDriverH png_driver = GDALGetDriverByName("PNG");
  check(mem_driver && png_driver, what, "GDALGetDriverByName(MEM, PNG)");
  Dataset picture(GDALCreate(mem_driver, "", width, rows, 4, GDT_Byte, nullptr));
  check(picture != nullptr, what, "GDALCreate(MEM)");
  check(GDALDatasetRasterIO(picture.get(), GF_Write, 0, 0, width, rows, rgba.data(), width, rows,
                            GDT_Byte, 4, nullptr, 4, 4 * width, 1) == CE_None,
        what, "GDALDatasetRasterIO");
  const GDALColorInterp colours[] = {GCI_RedBand, GCI_GreenBand, GCI_BlueBand, GCI_AlphaBand};
  for (int b = 0; b < 4; ++b)
    GDALSetRasterColorInterpretation(GDALGetRasterBand(picture.get(), b + 1), colours[b]);
  CPLStringList metadata;
  metadata.SetNameValue("variable", source.variable.c_str());
  metadata.SetNameValue("units", source.units.c_str());
  metadata.SetNameValue("colour_scale", log10 ? "log10" : "linear");
  metadata.SetNameValue("colour_map", "viridis");
  metadata.SetNameValue("value_low", CPLSPrintf("%.9g", scale.low));
  metadata.SetNameValue("value_high", CPLSPrintf("%.9g", scale.high));
  metadata.SetNameValue("title", title.c_str());
  metadata.SetNameValue("title_rows", CPLSPrintf("%d", kTitleRows));
  metadata.SetNameValue("legend_rows", CPLSPrintf("%d", kLegendRows));
  GDALSetMetadata(picture.get(), metadata.List(), nullptr);

  CPLStringList options;
  options.SetNameValue("WRITE_METADATA_AS_TEXT", "YES");
  Dataset png(GDALCreateCopy(png_driver, file.staged.c_str(), picture.get(), FALSE, options.List(),
                             nullptr, nullptr));
  check_written(png != nullptr, what, "GDALCreateCopy(PNG)", file.staged);
  close_checked(std::move(png), what, file.staged);
}

}  // namespace swathgrid::gdal
