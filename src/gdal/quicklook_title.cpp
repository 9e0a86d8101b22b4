// The quicklook's title, read from the finished netCDF through GDAL's multidimensional API
// (exact indices, no row flipping): the period attribute, the first time step's time_bnds
// (or time_coverage_start/end without a time axis) and the first wavelength of a 3-D variable.

#include <gdal.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "export_util.hpp"
#include "output/quicklook_picture.hpp"
#include "swathgrid/calendar.hpp"

namespace swathgrid::gdal {
namespace {

constexpr const char* kDaysSinceEpoch = "days since 1970-01-01";  // the writer's time units

std::string text_attribute(GDALGroupH group, const char* name) {
  GDALAttributeH attribute = GDALGroupGetAttribute(group, name);
  if (!attribute) return "";
  const char* value = GDALAttributeReadAsString(attribute);
  std::string text = value ? value : "";
  GDALAttributeRelease(attribute);
  return text;
}

std::string array_units(GDALMDArrayH array) {
  const char* units = GDALMDArrayGetUnit(array);
  return units ? units : "";
}

// values[0..count) of a 1-D or 2-D array from index 0 along every dimension; false if absent.
bool read_first(GDALGroupH root, const char* name, std::size_t count, double* values,
                std::string* units = nullptr) {
  GDALMDArrayH array = GDALGroupOpenMDArray(root, name, nullptr);
  if (!array) return false;
  const std::size_t dims = GDALMDArrayGetDimensionCount(array);
  const GUInt64 start[2] = {0, 0};
  const size_t counts[2] = {dims == 2 ? 1 : count, dims == 2 ? count : 1};
  GDALExtendedDataTypeH type = GDALExtendedDataTypeCreate(GDT_Float64);
  const bool ok = dims >= 1 && dims <= 2 &&
                  GDALMDArrayRead(array, start, counts, nullptr, nullptr, type, values, nullptr, 0);
  if (units) *units = array_units(array);
  GDALExtendedDataTypeRelease(type);
  GDALMDArrayRelease(array);
  return ok;
}

bool has_dimension(GDALGroupH root, const std::string& variable, const char* dimension) {
  GDALMDArrayH array = GDALGroupOpenMDArray(root, variable.c_str(), nullptr);
  if (!array) return false;
  size_t count = 0;
  GDALDimensionH* dims = GDALMDArrayGetDimensions(array, &count);
  bool found = false;
  for (size_t d = 0; d < count; ++d)
    found |= std::string(GDALDimensionGetName(dims[d])) == dimension;
  GDALReleaseDimensions(dims, count);
  GDALMDArrayRelease(array);
  return found;
}

std::string iso_date(std::int64_t days) {
  const CivilDate date = civil_from_days(days);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02d", static_cast<long long>(date.year),
                date.month, date.day);
  return text;
}

}  // namespace

std::string read_quicklook_title(const ExportSource& source) {
  QuicklookTitle title;
  title.variable = source.variable;
  GDALDatasetH dataset =
      GDALOpenEx(source.netcdf_path.c_str(), GDAL_OF_MULTIDIM_RASTER | GDAL_OF_READONLY, nullptr,
                 nullptr, nullptr);
  if (!dataset) return quicklook_title(title);
  GDALGroupH root = GDALDatasetGetRootGroup(dataset);
  if (root) {
    title.period = text_attribute(root, "period");
    double bounds[2] = {0.0, 0.0}, centre = 0.0;
    std::string units;  // time_bnds has the units of time (CF 7.1)
    if (has_dimension(root, source.variable, "time") &&
        read_first(root, "time", 1, &centre, &units) && read_first(root, "time_bnds", 2, bounds)) {
      if (units.rfind(kDaysSinceEpoch, 0) == 0 && bounds[1] > bounds[0]) {
        title.first_day = iso_date(static_cast<std::int64_t>(bounds[0]));
        title.last_day = iso_date(static_cast<std::int64_t>(bounds[1]) - 1);  // end exclusive
      }
    } else {
      title.first_day = text_attribute(root, "time_coverage_start").substr(0, 10);
      title.last_day = text_attribute(root, "time_coverage_end").substr(0, 10);
    }
    double nm = 0.0;
    if (has_dimension(root, source.variable, "wavelength") &&
        read_first(root, "wavelength", 1, &nm)) {
      title.has_wavelength = true;
      title.wavelength_nm = nm;
    }
    GDALGroupRelease(root);
  }
  GDALClose(dataset);
  return quicklook_title(title);
}

}  // namespace swathgrid::gdal
