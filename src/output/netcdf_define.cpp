// The header of the composite file: its format, CF-1.8 coordinates (lat/lon in degrees, or
// y/x in CRS units for a projected grid, with 2-D auxiliary lat/lon unless left out) with
// bounds and the grid mapping `crs`, one 2-D variable per output field, and the global
// attributes (CF and ACDD names).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>

#include "output/nc_file.hpp"
#include "output/netcdf_internal.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/text.hpp"
#include "swathgrid/version.hpp"

namespace swathgrid::netcdf {

namespace {

constexpr std::uint64_t kCdf2MaxVariableBytes = 4294967292ULL;  // 2^32 - 4
constexpr std::uint64_t kFieldElementBytes = 4;                 // float32 and int32
constexpr std::uint64_t kLatLonElementBytes = 8;                // 2-D lat/lon: float64
constexpr std::int64_t kBoundsVertexCount = 2;                  // nv: the two edges of a 1-D cell
constexpr int kGlobal = kGlobalVariable;
constexpr std::size_t kGeoTransformLength = 128;  // 4 doubles of 17 digits and separators
constexpr const char* kConventions = "CF-1.8";
constexpr const char* kGranuleSeparator = ", ";
constexpr double kHalfTurnDeg = 180.0;
constexpr double kFullTurnDeg = 360.0;

/// A CF coordinate variable `name(name)` with its bounds `name_bnds(name, nv)`.
struct AxisText {
  std::string name;           ///< "lat", "y"
  std::string units;          ///< "degrees_north", "m"
  std::string standard_name;  ///< "latitude", "projection_y_coordinate"
  std::string long_name;      ///< "latitude of cell centre"
  std::string axis;           ///< "Y"
};

void define_axis(NcFile& file, const AxisText& text, int dim, int nv_dim, int& varid,
                 int& bounds_varid) {
  const std::string name = text.name;
  const std::string bounds_name = name + "_bnds";
  varid = file.def_var(name, NcType::kDouble, {dim});
  file.put_text(varid, "units", text.units);
  file.put_text(varid, "standard_name", text.standard_name);
  file.put_text(varid, "long_name", text.long_name);
  file.put_text(varid, "axis", text.axis);
  file.put_text(varid, "bounds", bounds_name);
  bounds_varid = file.def_var(bounds_name, NcType::kDouble, {dim, nv_dim});
}

/// GDAL's affine transform "x_min cell 0 y_max 0 -cell", exact to the last bit.
std::string geo_transform(const GridSpec& grid) {
  char text[kGeoTransformLength];
  std::snprintf(text, sizeof text, "%.17g %.17g 0 %.17g 0 %.17g", grid.x_min, grid.cell_size,
                grid.y_max, -grid.cell_size);
  return text;
}

/// The grid mapping variable `crs`: CF name and parameters (where CF names the projection),
/// crs_wkt (WKT2), spatial_ref (GDAL's WKT1, which GDAL reads first), GDAL's GeoTransform and
/// the --crs text, so that GDAL, xarray and --grid-like all find the CRS and the grid.
int define_crs(NcFile& file, const GridDefinition& grid, const CfGridMapping& mapping) {
  const std::string name = kCrsVariable;
  const int varid = file.def_var(name, NcType::kInt, {});
  if (!mapping.grid_mapping_name.empty())
    file.put_text(varid, "grid_mapping_name", mapping.grid_mapping_name);
  for (const auto& [attribute, values] : mapping.parameters)
    file.put_doubles(varid, attribute, values);
  file.put_text(varid, kCrsWktAttribute, mapping.crs_wkt);
  file.put_text(varid, "spatial_ref", mapping.spatial_ref);
  file.put_text(varid, kGeoTransformAttribute, geo_transform(grid.spec));
  file.put_text(varid, kUserCrsAttribute, grid.crs);
  return varid;
}

/// The 2-D auxiliary coordinates of a projected grid (CF-1.8 5.6), stored like fields.
void define_latlon(NcFile& file, int y_dim, int x_dim, HeaderIds& ids) {
  struct Text {
    const char* name;
    const char* units;
    const char* standard_name;
    const char* long_name;
    int* varid;
  };
  for (const Text& t :
       {Text{"lat", "degrees_north", "latitude", "latitude of cell centre", &ids.lat},
        Text{"lon", "degrees_east", "longitude", "longitude of cell centre", &ids.lon}}) {
    *t.varid = file.def_var(t.name, NcType::kDouble, {y_dim, x_dim}, /*field=*/true);
    file.put_text(*t.varid, "units", t.units);
    file.put_text(*t.varid, "standard_name", t.standard_name);
    file.put_text(*t.varid, "long_name", t.long_name);
    file.put_doubles(*t.varid, "_FillValue", {kLatLonFill});
  }
}

int define_field(NcFile& file, const OutputField& field, int time_dim, int band_dim, int y_dim,
                 int x_dim, bool latlon) {
  const NcType type = field.is_count ? NcType::kInt : NcType::kFloat;
  std::vector<int> dims;
  if (time_dim >= 0) dims.push_back(time_dim);
  if (field.banded) dims.push_back(band_dim);
  dims.push_back(y_dim);
  dims.push_back(x_dim);
  const int varid = file.def_var(field.name, type, dims, /*field=*/true);
  if (!field.is_count) file.put_float(varid, "_FillValue", kOutputFillValue);
  for (const auto& [name, value] : field.attributes) file.put_text(varid, name, value);
  file.put_text(varid, "grid_mapping", kCrsVariable);
  if (latlon) file.put_text(varid, "coordinates", "lat lon");
  return varid;
}

/// Longitude in [-180, 180) (west edge) or (-180, 180] (east edge), as ACDD wants for
/// geospatial_lon_min/max: min > max then says the grid crosses the antimeridian.
double wrap_longitude(double lon_deg, bool east_edge) {
  double wrapped = lon_deg - kFullTurnDeg * std::floor((lon_deg + kHalfTurnDeg) / kFullTurnDeg);
  if (east_edge && wrapped == -kHalfTurnDeg) wrapped = kHalfTurnDeg;
  return wrapped;
}

/// ACDD geospatial_* attributes: the grid's lat/lon box (for a projected grid, through PROJ;
/// left out when PROJ cannot give it) and, for a lat/lon grid, its resolution.
void put_geospatial_attributes(NcFile& file, const GridDefinition& grid) {
  std::optional<BBox> box;
  try {
    box = geographic_bounds(grid);
  } catch (const Error&) {
    return;  // e.g. a grid reaching beyond where its projection can be inverted
  }
  file.put_doubles(kGlobal, "geospatial_lat_min", {box->south});
  file.put_doubles(kGlobal, "geospatial_lat_max", {box->north});
  file.put_doubles(kGlobal, "geospatial_lon_min", {wrap_longitude(box->west, false)});
  file.put_doubles(kGlobal, "geospatial_lon_max", {wrap_longitude(box->east, true)});
  file.put_text(kGlobal, "geospatial_lat_units", "degrees_north");
  file.put_text(kGlobal, "geospatial_lon_units", "degrees_east");
  if (!grid.geographic) return;
  file.put_doubles(kGlobal, "geospatial_lat_resolution", {grid.spec.cell_size});
  file.put_doubles(kGlobal, "geospatial_lon_resolution", {grid.spec.cell_size});
}

void put_global_attributes(NcFile& file, const GridDefinition& grid, const OutputMetadata& meta,
                           const std::string& date_created) {
  file.put_text(kGlobal, "Conventions", kConventions);
  file.put_text(kGlobal, "title", meta.title);
  file.put_text(kGlobal, "history", meta.history);
  file.put_text(kGlobal, "source", std::string("swathgrid ") + kVersion);
  file.put_text(kGlobal, "method", meta.method);
  const auto granule_count = static_cast<long long>(meta.granules.size());
  SWATHGRID_REQUIRE(granule_count <= std::numeric_limits<int>::max(),
                    "too many input granules for an int attribute: " << granule_count);
  const int granule_count_int = static_cast<int>(granule_count);
  file.put_int(kGlobal, "input_granule_count", granule_count_int);
  file.put_text(kGlobal, "input_granules", join(meta.granules, kGranuleSeparator));
  file.put_text(kGlobal, "date_created", date_created);
  put_geospatial_attributes(file, grid);
  for (const auto& [name, value] : meta.extra) file.put_text(kGlobal, name, value);
}

}  // namespace

bool needs_cdf5(const GridSpec& grid, std::size_t planes, bool latlon) {
  const auto cells = static_cast<std::uint64_t>(grid.cell_count());
  const auto field_bytes = cells * kFieldElementBytes * std::max<std::uint64_t>(planes, 1);
  return field_bytes > kCdf2MaxVariableBytes ||
         (latlon && cells * kLatLonElementBytes > kCdf2MaxVariableBytes);
}

bool has_latlon(const GridDefinition& grid, const OutputEncoding& encoding) {
  return !grid.geographic && encoding.latlon_coordinates;
}

AxisNames axis_names(bool geographic) {
  return geographic ? AxisNames{"lat", "lon"} : AxisNames{"y", "x"};
}

HeaderIds define_header(NcFile& file, const GridDefinition& grid, const OutputMetadata& meta,
                        const std::vector<OutputField>& fields, const std::string& date_created,
                        bool latlon) {
  latlon = latlon && !grid.geographic;
  const CfGridMapping mapping = cf_grid_mapping(grid);
  const AxisNames names = axis_names(grid.geographic);
  const int y_dim = file.def_dim(names.y, static_cast<std::int64_t>(grid.spec.ny));
  const int x_dim = file.def_dim(names.x, static_cast<std::int64_t>(grid.spec.nx));
  const int nv_dim = file.def_dim("nv", kBoundsVertexCount);
  const AxisText y_text =
      grid.geographic
          ? AxisText{names.y, mapping.y_units, "latitude", "latitude of cell centre", "Y"}
          : AxisText{names.y, mapping.y_units, "projection_y_coordinate",
                     "y coordinate of cell centre", "Y"};
  const AxisText x_text =
      grid.geographic
          ? AxisText{names.x, mapping.x_units, "longitude", "longitude of cell centre", "X"}
          : AxisText{names.x, mapping.x_units, "projection_x_coordinate",
                     "x coordinate of cell centre", "X"};
  HeaderIds ids;
  define_axis(file, y_text, y_dim, nv_dim, ids.y, ids.y_bnds);
  define_axis(file, x_text, x_dim, nv_dim, ids.x, ids.x_bnds);
  ids.crs = define_crs(file, grid, mapping);
  if (latlon) define_latlon(file, y_dim, x_dim, ids);
  int time_dim = -1, band_dim = -1;
  if (!meta.times.empty()) {
    time_dim = file.def_dim("time", static_cast<std::int64_t>(meta.times.size()));
    ids.time = file.def_var("time", NcType::kDouble, {time_dim});
    file.put_text(ids.time, "standard_name", "time");
    file.put_text(ids.time, "long_name", "centre of the composite period");
    file.put_text(ids.time, "units", "days since 1970-01-01 00:00:00");
    file.put_text(ids.time, "calendar", "proleptic_gregorian");
    file.put_text(ids.time, "axis", "T");
    file.put_text(ids.time, "bounds", "time_bnds");
    ids.time_bnds = file.def_var("time_bnds", NcType::kDouble, {time_dim, nv_dim});
  }
  for (const auto& field : fields) {
    if (field.banded && band_dim < 0) {
      band_dim = file.def_dim("wavelength", static_cast<std::int64_t>(meta.wavelengths_nm.size()));
      ids.wavelength = file.def_var("wavelength", NcType::kDouble, {band_dim});
      file.put_text(ids.wavelength, "long_name", "band centre wavelength");
      file.put_text(ids.wavelength, "standard_name", "radiation_wavelength");
      file.put_text(ids.wavelength, "units", "nm");
    }
    ids.fields.push_back(define_field(file, field, time_dim, band_dim, y_dim, x_dim, latlon));
  }
  put_global_attributes(file, grid, meta, date_created);
  return ids;
}

}  // namespace swathgrid::netcdf
