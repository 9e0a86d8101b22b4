#pragma once
// Shared by the GDAL exports (geotiff.cpp, quicklook.cpp): one checking wrapper for
// GDAL results, RAII for datasets, and the composite's variable opened through GDAL's
// netCDF driver with its CRS.

#include <gdal.h>

#include <memory>
#include <string>

#include "swathgrid/export.hpp"

namespace swathgrid::gdal {

struct DatasetCloser {
  void operator()(void* dataset) const { GDALClose(static_cast<GDALDatasetH>(dataset)); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;

/// For the lifetime of the object: GDAL's drivers registered, its messages recorded (for
/// check()) rather than printed.
class QuietGdal {
 public:
  QuietGdal();
  ~QuietGdal();
  QuietGdal(const QuietGdal&) = delete;
  QuietGdal& operator=(const QuietGdal&) = delete;
};

/// The one checking wrapper: throws "<what>: <call> failed: <GDAL's last message>" unless
/// `ok`.
void check(bool ok, const std::string& what, const char* call);

/// The composite's variable opened through GDAL: `view` is a virtual (VRT) dataset over
/// `netcdf`, north-up, with the file's CRS or, when GDAL finds none, ExportSource::crs.
/// The VRT refers to the netCDF dataset, so it is declared (and destroyed) after it.
struct OpenVariable {
  Dataset netcdf;
  Dataset view;
};

/// Opens `source.variable` of the composite; throws naming the file when it cannot.
OpenVariable open_variable(const ExportSource& source, const std::string& what);

/// Renames `partial` to `path`; throws naming `what` when it cannot (and removes `partial`).
void publish(const std::string& partial, const std::string& path, const std::string& what);

}  // namespace swathgrid::gdal
