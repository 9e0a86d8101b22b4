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

/// Writes `source` as a Cloud-Optimised GeoTIFF (GDAL's COG driver, DEFLATE): float32, one
/// band per time step / wavelength, the grid's CRS and geotransform, nodata = the variable's
/// _FillValue. Written under a temporary name and renamed when complete. Throws
/// swathgrid::Error naming the file and the cause.
void write_geotiff(const ExportSource& source, const std::string& tif_path);

/// Writes a PNG picture of the first band of `source`: one image pixel per grid cell plus a
/// colour bar legend below it; log10 colour scale for chlorophyll (variable chlor_a or units
/// mg m^-3), linear otherwise, from the 2nd to the 98th percentile of the values; cells
/// without data fully transparent (alpha 0). Throws swathgrid::Error on failure.
void write_quicklook(const ExportSource& source, const std::string& png_path);

/// True for variables shown on a log scale: chlor_a (and its statistics), or units of
/// mg m^-3; never for units of "1" (counts).
bool uses_log_scale(const std::string& variable, const std::string& units);

}  // namespace swathgrid
