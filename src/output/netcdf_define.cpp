// The header of the composite file: its format, CF-1.8 coordinates (lat/lon in degrees, or
// y/x in CRS units for a projected grid) with bounds and the grid mapping `crs`, one 2-D
// variable per output field, and the global attributes (CF and ACDD names).

#include <pnetcdf.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>

#include "netcdf_internal.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/version.hpp"

namespace swathgrid::netcdf {

namespace {

constexpr std::uint64_t kCdf2MaxVariableBytes = 4294967292ULL;  // 2^32 - 4
constexpr std::uint64_t kFieldElementBytes = 4;                 // float32 and int32
constexpr MPI_Offset kBoundsVertexCount = 2;                    // nv: the two edges of a 1-D cell
constexpr int kScalar = 1;                                      // length of a one-value attribute
constexpr int kGlobal = NC_GLOBAL;
constexpr std::size_t kGeoTransformLength = 128;  // 4 doubles of 17 digits and separators
constexpr const char* kConventions = "CF-1.8";
constexpr const char* kGranuleSeparator = ", ";
constexpr double kHalfTurnDeg = 180.0;
constexpr double kFullTurnDeg = 360.0;

/// "attribute chlor_a:units", or "attribute :history" for a global one (messages).
std::string attribute_label(const std::string& owner, const std::string& name) {
  return "attribute " + owner + ":" + name;
}

void put_text(int ncid, int varid, const std::string& owner, const std::string& name,
              const std::string& value) {
  check_nc(ncmpi_put_att_text(ncid, varid, name.c_str(), static_cast<MPI_Offset>(value.size()),
                              value.c_str()),
           attribute_label(owner, name));
}

void put_double(int ncid, int varid, const std::string& owner, const std::string& name,
                double value) {
  check_nc(ncmpi_put_att_double(ncid, varid, name.c_str(), NC_DOUBLE, kScalar, &value),
           attribute_label(owner, name));
}

void put_doubles(int ncid, int varid, const std::string& owner, const std::string& name,
                 const std::vector<double>& values) {
  check_nc(ncmpi_put_att_double(ncid, varid, name.c_str(), NC_DOUBLE,
                                static_cast<MPI_Offset>(values.size()), values.data()),
           attribute_label(owner, name));
}

int define_var(int ncid, const std::string& name, nc_type type, std::vector<int> dims) {
  int varid = -1;
  check_nc(
      ncmpi_def_var(ncid, name.c_str(), type, static_cast<int>(dims.size()), dims.data(), &varid),
      "defining variable " + name);
  return varid;
}

int define_dim(int ncid, const std::string& name, MPI_Offset length) {
  int dimid = -1;
  check_nc(ncmpi_def_dim(ncid, name.c_str(), length, &dimid), "defining dimension " + name);
  return dimid;
}

/// A CF coordinate variable `name(name)` with its bounds `name_bnds(name, nv)`.
struct AxisText {
  std::string name;           ///< "lat", "y"
  std::string units;          ///< "degrees_north", "m"
  std::string standard_name;  ///< "latitude", "projection_y_coordinate"
  std::string long_name;      ///< "latitude of cell centre"
  std::string axis;           ///< "Y"
};

void define_axis(int ncid, const AxisText& text, int dim, int nv_dim, int& varid,
                 int& bounds_varid) {
  const std::string name = text.name;
  const std::string bounds_name = name + "_bnds";
  varid = define_var(ncid, name, NC_DOUBLE, {dim});
  put_text(ncid, varid, name, "units", text.units);
  put_text(ncid, varid, name, "standard_name", text.standard_name);
  put_text(ncid, varid, name, "long_name", text.long_name);
  put_text(ncid, varid, name, "axis", text.axis);
  put_text(ncid, varid, name, "bounds", bounds_name);
  bounds_varid = define_var(ncid, bounds_name, NC_DOUBLE, {dim, nv_dim});
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
int define_crs(int ncid, const GridDefinition& grid, const CfGridMapping& mapping) {
  const std::string name = kCrsVariable;
  const int varid = define_var(ncid, name, NC_INT, {});
  if (!mapping.grid_mapping_name.empty())
    put_text(ncid, varid, name, "grid_mapping_name", mapping.grid_mapping_name);
  for (const auto& [attribute, values] : mapping.parameters)
    put_doubles(ncid, varid, name, attribute, values);
  put_text(ncid, varid, name, kCrsWktAttribute, mapping.crs_wkt);
  put_text(ncid, varid, name, "spatial_ref", mapping.spatial_ref);
  put_text(ncid, varid, name, kGeoTransformAttribute, geo_transform(grid.spec));
  put_text(ncid, varid, name, kUserCrsAttribute, grid.crs);
  return varid;
}

int define_field(int ncid, const OutputField& field, int time_dim, int band_dim, int y_dim,
                 int x_dim) {
  const nc_type type = field.is_count ? NC_INT : NC_FLOAT;
  std::vector<int> dims;
  if (time_dim >= 0) dims.push_back(time_dim);
  if (field.banded) dims.push_back(band_dim);
  dims.push_back(y_dim);
  dims.push_back(x_dim);
  const int varid = define_var(ncid, field.name, type, dims);
  if (!field.is_count) {
    const float fill = kOutputFillValue;
    check_nc(ncmpi_put_att_float(ncid, varid, "_FillValue", NC_FLOAT, kScalar, &fill),
             attribute_label(field.name, "_FillValue"));
  }
  for (const auto& [name, value] : field.attributes) put_text(ncid, varid, field.name, name, value);
  put_text(ncid, varid, field.name, "grid_mapping", kCrsVariable);
  return varid;
}

/// Longitude in [-180, 180) (west edge) or (-180, 180] (east edge), as ACDD wants for
/// geospatial_lon_min/max: min > max then says the grid crosses the antimeridian.
double wrap_longitude(double lon_deg, bool east_edge) {
  double wrapped = lon_deg - kFullTurnDeg * std::floor((lon_deg + kHalfTurnDeg) / kFullTurnDeg);
  if (east_edge && wrapped == -kHalfTurnDeg) wrapped = kHalfTurnDeg;
  return wrapped;
}

std::string join_granules(const std::vector<std::string>& granules) {
  std::string joined;
  for (const auto& name : granules) {
    if (!joined.empty()) joined += kGranuleSeparator;
    joined += name;
  }
  return joined;
}

/// ACDD geospatial_* attributes: the grid's lat/lon box (for a projected grid, through PROJ;
/// left out when PROJ cannot give it) and, for a lat/lon grid, its resolution.
void put_geospatial_attributes(int ncid, const GridDefinition& grid) {
  const std::string global;
  std::optional<BBox> box;
  try {
    box = geographic_bounds(grid);
  } catch (const Error&) {
    return;  // e.g. a grid reaching beyond where its projection can be inverted
  }
  put_double(ncid, kGlobal, global, "geospatial_lat_min", box->south);
  put_double(ncid, kGlobal, global, "geospatial_lat_max", box->north);
  put_double(ncid, kGlobal, global, "geospatial_lon_min", wrap_longitude(box->west, false));
  put_double(ncid, kGlobal, global, "geospatial_lon_max", wrap_longitude(box->east, true));
  put_text(ncid, kGlobal, global, "geospatial_lat_units", "degrees_north");
  put_text(ncid, kGlobal, global, "geospatial_lon_units", "degrees_east");
  if (!grid.geographic) return;
  put_double(ncid, kGlobal, global, "geospatial_lat_resolution", grid.spec.cell_size);
  put_double(ncid, kGlobal, global, "geospatial_lon_resolution", grid.spec.cell_size);
}

void put_global_attributes(int ncid, const GridDefinition& grid, const OutputMetadata& meta,
                           const std::string& date_created) {
  const std::string global;  // owner label of global attributes
  put_text(ncid, kGlobal, global, "Conventions", kConventions);
  put_text(ncid, kGlobal, global, "title", meta.title);
  put_text(ncid, kGlobal, global, "history", meta.history);
  put_text(ncid, kGlobal, global, "source", std::string("swathgrid ") + kVersion);
  put_text(ncid, kGlobal, global, "method", meta.method);
  const auto granule_count = static_cast<long long>(meta.granules.size());
  SWATHGRID_REQUIRE(granule_count <= std::numeric_limits<int>::max(),
                    "too many input granules for an int attribute: " << granule_count);
  const int granule_count_int = static_cast<int>(granule_count);
  check_nc(
      ncmpi_put_att_int(ncid, kGlobal, "input_granule_count", NC_INT, kScalar, &granule_count_int),
      attribute_label(global, "input_granule_count"));
  put_text(ncid, kGlobal, global, "input_granules", join_granules(meta.granules));
  put_text(ncid, kGlobal, global, "date_created", date_created);
  put_geospatial_attributes(ncid, grid);
  for (const auto& [name, value] : meta.extra) put_text(ncid, kGlobal, global, name, value);
}

}  // namespace

int create_mode(const GridSpec& grid, std::size_t planes) {
  const auto field_bytes = static_cast<std::uint64_t>(grid.cell_count()) * kFieldElementBytes *
                           std::max<std::uint64_t>(planes, 1);
  return NC_CLOBBER | (field_bytes <= kCdf2MaxVariableBytes ? NC_64BIT_OFFSET : NC_64BIT_DATA);
}

AxisNames axis_names(bool geographic) {
  return geographic ? AxisNames{"lat", "lon"} : AxisNames{"y", "x"};
}

HeaderIds define_header(int ncid, const GridDefinition& grid, const OutputMetadata& meta,
                        const std::vector<OutputField>& fields, const std::string& date_created) {
  const CfGridMapping mapping = cf_grid_mapping(grid);
  const AxisNames names = axis_names(grid.geographic);
  const int y_dim = define_dim(ncid, names.y, static_cast<MPI_Offset>(grid.spec.ny));
  const int x_dim = define_dim(ncid, names.x, static_cast<MPI_Offset>(grid.spec.nx));
  const int nv_dim = define_dim(ncid, "nv", kBoundsVertexCount);
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
  define_axis(ncid, y_text, y_dim, nv_dim, ids.y, ids.y_bnds);
  define_axis(ncid, x_text, x_dim, nv_dim, ids.x, ids.x_bnds);
  ids.crs = define_crs(ncid, grid, mapping);
  int time_dim = -1, band_dim = -1;
  if (!meta.times.empty()) {
    time_dim = define_dim(ncid, "time", static_cast<MPI_Offset>(meta.times.size()));
    ids.time = define_var(ncid, "time", NC_DOUBLE, {time_dim});
    put_text(ncid, ids.time, "time", "standard_name", "time");
    put_text(ncid, ids.time, "time", "long_name", "centre of the composite period");
    put_text(ncid, ids.time, "time", "units", "days since 1970-01-01 00:00:00");
    put_text(ncid, ids.time, "time", "calendar", "proleptic_gregorian");
    put_text(ncid, ids.time, "time", "axis", "T");
    put_text(ncid, ids.time, "time", "bounds", "time_bnds");
    ids.time_bnds = define_var(ncid, "time_bnds", NC_DOUBLE, {time_dim, nv_dim});
  }
  for (const auto& field : fields) {
    if (field.banded && band_dim < 0) {
      band_dim = define_dim(ncid, "wavelength", static_cast<MPI_Offset>(meta.wavelengths_nm.size()));
      ids.wavelength = define_var(ncid, "wavelength", NC_DOUBLE, {band_dim});
      put_text(ncid, ids.wavelength, "wavelength", "long_name", "band centre wavelength");
      put_text(ncid, ids.wavelength, "wavelength", "standard_name", "radiation_wavelength");
      put_text(ncid, ids.wavelength, "wavelength", "units", "nm");
    }
    ids.fields.push_back(define_field(ncid, field, time_dim, band_dim, y_dim, x_dim));
  }
  put_global_attributes(ncid, grid, meta, date_created);
  return ids;
}

}  // namespace swathgrid::netcdf
