#include "export_util.hpp"

#include <cpl_error.h>
#include <ogr_srs_api.h>

#include <filesystem>
#include <mutex>
#include <system_error>
#include <utility>

#include "swathgrid/error.hpp"

namespace swathgrid::gdal {

QuietGdal::QuietGdal() {
  static std::once_flag registered;
  std::call_once(registered, [] { GDALAllRegister(); });
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
}

QuietGdal::~QuietGdal() { CPLPopErrorHandler(); }

void check(bool ok, const std::string& what, const char* call) {
  if (ok) return;
  const char* message = CPLGetLastErrorMsg();
  throw Error(what + ": " + call +
              " failed: " + (message && *message ? message : "(GDAL gave no message)"));
}

OpenVariable open_variable(const ExportSource& source, const std::string& what) {
  const std::string name = "NETCDF:\"" + source.netcdf_path + "\":" + source.variable;
  Dataset netcdf(GDALOpen(name.c_str(), GA_ReadOnly));
  check(netcdf != nullptr, what + ": reading " + source.netcdf_path, "GDALOpen");
  // An in-memory VRT over the netCDF variable: lets us add a CRS without copying pixels.
  GDALDriverH vrt_driver = GDALGetDriverByName("VRT");
  check(vrt_driver != nullptr, what, "GDALGetDriverByName(VRT)");
  Dataset vrt(GDALCreateCopy(vrt_driver, "", netcdf.get(), FALSE, nullptr, nullptr, nullptr));
  check(vrt != nullptr, what + ": reading " + source.netcdf_path, "GDALCreateCopy(VRT)");
  const char* wkt = GDALGetProjectionRef(vrt.get());
  if (!wkt || !*wkt) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    const bool ok = OSRSetFromUserInput(srs, source.crs.c_str()) == OGRERR_NONE &&
                    GDALSetSpatialRef(vrt.get(), srs) == CE_None;
    OSRDestroySpatialReference(srs);
    check(ok, what + ": CRS " + source.crs, "GDALSetSpatialRef");
  }
  double transform[6];
  check(GDALGetGeoTransform(vrt.get(), transform) == CE_None && transform[5] < 0.0,
        what + ": " + source.netcdf_path + " has no north-up geotransform", "GDALGetGeoTransform");
  return OpenVariable{std::move(netcdf), std::move(vrt)};
}

void publish(const std::string& partial, const std::string& path, const std::string& what) {
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (!error) return;
  std::filesystem::remove(partial, error);
  throw Error(what + ": cannot rename " + partial + " to " + path);
}

}  // namespace swathgrid::gdal
