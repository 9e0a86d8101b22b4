// The header of the composite file: its format, CF-1.8 coordinates lat/lon with bounds and a
// WGS 84 grid mapping, one 2-D variable per output field, and the global attributes (CF and
// ACDD names).

#include <pnetcdf.h>

#include <cmath>
#include <cstdint>
#include <limits>

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
constexpr const char* kConventions = "CF-1.8";
constexpr const char* kGranuleSeparator = ", ";
constexpr const char* kCrsName = "crs";
constexpr double kWgs84SemiMajorAxisM = 6378137.0;
constexpr double kWgs84InverseFlattening = 298.257223563;
constexpr const char* kWgs84Wkt =
    "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,"
    "AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,"
    "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\","
    "\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";
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

/// A CF coordinate variable `name(name)` in degrees with its bounds `name_bnds(name, nv)`.
struct AxisText {
  const char* name;           ///< "lat"
  const char* units;          ///< "degrees_north"
  const char* standard_name;  ///< "latitude"
  const char* long_name;      ///< "latitude of cell centre"
  const char* axis;           ///< "Y"
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

/// The CF grid mapping `crs` (WGS 84 latitude/longitude), so that GDAL reports EPSG:4326.
int define_crs(int ncid) {
  const int varid = define_var(ncid, kCrsName, NC_INT, {});
  put_text(ncid, varid, kCrsName, "grid_mapping_name", "latitude_longitude");
  put_double(ncid, varid, kCrsName, "longitude_of_prime_meridian", 0.0);
  put_double(ncid, varid, kCrsName, "semi_major_axis", kWgs84SemiMajorAxisM);
  put_double(ncid, varid, kCrsName, "inverse_flattening", kWgs84InverseFlattening);
  put_text(ncid, varid, kCrsName, "crs_wkt", kWgs84Wkt);
  return varid;
}

int define_field(int ncid, const OutputField& field, int lat_dim, int lon_dim) {
  const nc_type type = field.is_count ? NC_INT : NC_FLOAT;
  const int varid = define_var(ncid, field.name, type, {lat_dim, lon_dim});
  if (!field.is_count) {
    const float fill = kOutputFillValue;
    check_nc(ncmpi_put_att_float(ncid, varid, "_FillValue", NC_FLOAT, kScalar, &fill),
             attribute_label(field.name, "_FillValue"));
  }
  for (const auto& [name, value] : field.attributes) put_text(ncid, varid, field.name, name, value);
  put_text(ncid, varid, field.name, "grid_mapping", kCrsName);
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

void put_global_attributes(int ncid, const GridSpec& grid, const OutputMetadata& meta,
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
  put_double(ncid, kGlobal, global, "geospatial_lat_min", grid.y_min());
  put_double(ncid, kGlobal, global, "geospatial_lat_max", grid.y_max);
  put_double(ncid, kGlobal, global, "geospatial_lon_min", wrap_longitude(grid.x_min, false));
  put_double(ncid, kGlobal, global, "geospatial_lon_max", wrap_longitude(grid.x_max(), true));
  put_text(ncid, kGlobal, global, "geospatial_lat_units", "degrees_north");
  put_text(ncid, kGlobal, global, "geospatial_lon_units", "degrees_east");
  put_double(ncid, kGlobal, global, "geospatial_lat_resolution", grid.cell_size);
  put_double(ncid, kGlobal, global, "geospatial_lon_resolution", grid.cell_size);
  for (const auto& [name, value] : meta.extra) put_text(ncid, kGlobal, global, name, value);
}

}  // namespace

int create_mode(const GridSpec& grid) {
  const auto field_bytes = static_cast<std::uint64_t>(grid.cell_count()) * kFieldElementBytes;
  return NC_CLOBBER | (field_bytes <= kCdf2MaxVariableBytes ? NC_64BIT_OFFSET : NC_64BIT_DATA);
}

HeaderIds define_header(int ncid, const GridSpec& grid, const OutputMetadata& meta,
                        const std::vector<OutputField>& fields, const std::string& date_created) {
  const int lat_dim = define_dim(ncid, "lat", static_cast<MPI_Offset>(grid.ny));
  const int lon_dim = define_dim(ncid, "lon", static_cast<MPI_Offset>(grid.nx));
  const int nv_dim = define_dim(ncid, "nv", kBoundsVertexCount);
  HeaderIds ids;
  define_axis(ncid, {"lat", "degrees_north", "latitude", "latitude of cell centre", "Y"}, lat_dim,
              nv_dim, ids.lat, ids.lat_bnds);
  define_axis(ncid, {"lon", "degrees_east", "longitude", "longitude of cell centre", "X"}, lon_dim,
              nv_dim, ids.lon, ids.lon_bnds);
  ids.crs = define_crs(ncid);
  for (const auto& field : fields)
    ids.fields.push_back(define_field(ncid, field, lat_dim, lon_dim));
  put_global_attributes(ncid, grid, meta, date_created);
  return ids;
}

}  // namespace swathgrid::netcdf
