#pragma once
// GDAL outputs made from a finished composite (DESIGN.md 2, "optional GeoTIFF / PNG
// quicklook"): rank 0 reads the netCDF back through GDAL's netCDF driver
// (NETCDF:"file.nc":variable) after the write, so these files show exactly what the
// netCDF holds.

#include <string>

namespace swathgrid {

/// What to export: one variable of a swathgrid output file.
struct ExportSource {
  std::string netcdf_path;  ///< the finished composite
  std::string variable;     ///< e.g. "chlor_a" (its time / wavelength steps become bands)
  std::string units;        ///< e.g. "mg m^-3": chlorophyll gets a log colour scale
  std::string crs;          ///< the grid's CRS as given, used when GDAL finds none in the file
};

/// Where an export goes: the user's path (named in messages) and the file actually written,
/// the run's staged temporary (include/swathgrid/staged_outputs.hpp), renamed to `path` by the
/// caller when the whole run is complete.
struct ExportFile {
  std::string path;    ///< e.g. "chl.tif", as the user gave it
  std::string staged;  ///< the file written
};

/// Writes `source` as a Cloud-Optimised GeoTIFF (GDAL's COG driver, DEFLATE): float32, one
/// band per time step / wavelength, the grid's CRS and geotransform, nodata = the variable's
/// _FillValue, into file.staged, closed and checked. Throws swathgrid::Error naming
/// file.path and the cause.
void write_geotiff(const ExportSource& source, const ExportFile& file);

/// Writes a PNG picture of the first band of `source`: a title (variable, wavelength, period)
/// above, one image pixel per grid cell, and a colour bar legend with units below it; log10 colour
/// scale for chlorophyll (variable chlor_a or units mg m^-3), linear otherwise, from the 2nd to the
/// 98th percentile of the values; cells without data fully transparent (alpha 0). Throws
/// swathgrid::Error on failure.
void write_quicklook(const ExportSource& source, const ExportFile& file);

/// True for variables shown on a log scale: chlor_a (and its statistics), or units of
/// mg m^-3; never for units of "1" (counts).
bool uses_log_scale(const std::string& variable, const std::string& units);

}  // namespace swathgrid
