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

/// Checks the result of writing `written` (GDALCreateCopy, GDALClose): GDAL's drivers report
/// a full disk in their own words ("TIFFWriteDirectoryTagData: IO error", "No IDATs written"),
/// so when the file system holding `written` has no free block left, the message says so.
void check_written(bool ok, const std::string& what, const char* call, const std::string& written);

/// Closes a dataset being written (the driver flushes its last blocks then) and throws naming
/// `what` with GDAL's message when that failed: GDAL 3.6's GDALClose returns nothing, so the
/// failure is read from the error state (CPLGetLastErrorType, reset by QuietGdal).
void close_checked(Dataset dataset, const std::string& what, const std::string& written);

/// The quicklook's title for `source`'s first band (quicklook_title.cpp): the variable, its
/// first wavelength, the first time step's period; as much as the file tells.
std::string read_quicklook_title(const ExportSource& source);

}  // namespace swathgrid::gdal
