#include "export_util.hpp"

#include <cpl_error.h>
#include <ogr_srs_api.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
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

void check_written(bool ok, const std::string& what, const char* call, const std::string& written) {
  if (ok) return;
  struct statvfs disk {};
  const std::string directory = std::filesystem::path(written).parent_path().string();
  if (::statvfs(directory.empty() ? "." : directory.c_str(), &disk) == 0 && disk.f_bavail == 0)
    check(false, what + ": " + std::strerror(ENOSPC), call);
  check(false, what, call);
}

void close_checked(Dataset dataset, const std::string& what, const std::string& written) {
  dataset.reset();
  check_written(CPLGetLastErrorType() < CE_Failure, what, "writing (GDALClose)", written);
}

}  // namespace swathgrid::gdal
