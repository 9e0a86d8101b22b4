// grid_like (--grid-like FILE): the grid of an existing swathgrid output (classic or
// NetCDF-4), read back with netCDF-C on this process alone from the `crs` variable (crs_wkt,
// GeoTransform, swathgrid_crs) and the coordinate dimensions, falling back to the coordinate bounds
// when GeoTransform is missing.

#include <netcdf.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "output/netcdf_internal.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

namespace {

void check_nc(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + nc_strerror(status));
}

constexpr std::size_t kGeoTransformValues = 6;
constexpr std::size_t kBoundsVertexCount = 2;
/// Relative tolerance for "the cells of the coordinate bounds are all alike".
constexpr double kSpacingTolerance = 1e-9;

/// A netCDF file opened read-only on this process alone.
class InputFile {
 public:
  explicit InputFile(const std::string& path) {
    check_nc(nc_open(path.c_str(), NC_NOWRITE, &ncid_), "cannot open");
  }
  ~InputFile() { nc_close(ncid_); }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  bool has_var(const std::string& name) const {
    int varid = -1;
    return nc_inq_varid(ncid_, name.c_str(), &varid) == NC_NOERR;
  }
  int var(const std::string& name) const {
    int varid = -1;
    check_nc(nc_inq_varid(ncid_, name.c_str(), &varid), "no variable " + name);
    return varid;
  }
  std::size_t dim(const std::string& name) const {
    int dimid = -1;
    std::size_t length = 0;
    check_nc(nc_inq_dimid(ncid_, name.c_str(), &dimid), "no dimension " + name);
    check_nc(nc_inq_dimlen(ncid_, dimid, &length), "dimension " + name);
    return length;
  }
  bool has_text(const std::string& var_name, const std::string& att) const {
    nc_type type = NC_NAT;
    std::size_t length = 0;
    return nc_inq_att(ncid_, var(var_name), att.c_str(), &type, &length) == NC_NOERR &&
           type == NC_CHAR;
  }
  std::string text(const std::string& var_name, const std::string& att) const {
    const std::string label = "attribute " + var_name + ":" + att;
    std::size_t length = 0;
    check_nc(nc_inq_attlen(ncid_, var(var_name), att.c_str(), &length), label);
    std::string value(static_cast<std::size_t>(length), '\0');
    check_nc(nc_get_att_text(ncid_, var(var_name), att.c_str(), value.data()), label);
    return value;
  }
  std::vector<double> doubles(const std::string& name, std::size_t size) const {
    std::vector<double> values(size);
    check_nc(nc_get_var_double(ncid_, var(name), values.data()), "reading " + name);
    return values;
  }

 private:
  int ncid_ = -1;
};

/// x_min, cell and y_max from GDAL's "x_min cell 0 y_max 0 -cell" (written with 17 digits).
bool spec_from_geo_transform(const std::string& text, GridSpec& spec) {
  std::istringstream stream(text);
  std::vector<double> values;
  double value = 0.0;
  while (stream >> value) values.push_back(value);
  if (!stream.eof() || values.size() != kGeoTransformValues) return false;
  if (values[2] != 0.0 || values[4] != 0.0 || values[5] != -values[1] || !(values[1] > 0.0))
    throw Error("GeoTransform '" + text + "' is not a north-up grid of square cells");
  spec.x_min = values[0];
  spec.cell_size = values[1];
  spec.y_max = values[3];
  return true;
}

/// x_min, cell and y_max from the bounds variables (files without GeoTransform).
void spec_from_bounds(const InputFile& file, const netcdf::AxisNames& names, GridSpec& spec) {
  const std::string x_bounds = std::string(names.x) + "_bnds";
  const std::string y_bounds = std::string(names.y) + "_bnds";
  const auto x = file.doubles(x_bounds, static_cast<std::size_t>(spec.nx * kBoundsVertexCount));
  const auto y = file.doubles(y_bounds, static_cast<std::size_t>(spec.ny * kBoundsVertexCount));
  const double cell_x = (x.back() - x.front()) / static_cast<double>(spec.nx);
  const double cell_y = (y.front() - y.back()) / static_cast<double>(spec.ny);
  if (!(cell_x > 0.0) || !(cell_y > 0.0))
    throw Error("coordinates are not increasing in x and decreasing in y (north-up)");
  if (std::abs(cell_x - cell_y) > kSpacingTolerance * cell_x)
    throw Error("cells are not square (" + std::to_string(cell_x) + " by " +
                std::to_string(cell_y) + ")");
  spec.x_min = x.front();
  spec.y_max = y.front();
  spec.cell_size = cell_x;
}

GridDefinition read_grid(const std::string& path) {
  const InputFile file(path);
  const std::string crs_var = netcdf::kCrsVariable;
  if (!file.has_var(crs_var)) throw Error("no variable " + crs_var + " (not a swathgrid output?)");
  GridDefinition grid;
  grid.crs_wkt = file.text(crs_var, netcdf::kCrsWktAttribute);
  grid.crs = file.has_text(crs_var, netcdf::kUserCrsAttribute)
                 ? file.text(crs_var, netcdf::kUserCrsAttribute)
                 : grid.crs_wkt;
  grid.geographic = describe_crs(grid.crs_wkt).geographic;
  const netcdf::AxisNames names = netcdf::axis_names(grid.geographic);
  grid.spec.nx = file.dim(names.x);
  grid.spec.ny = file.dim(names.y);
  grid.spec.periodic_x = grid.geographic;
  if (grid.spec.nx <= 0 || grid.spec.ny <= 0) throw Error("empty grid");
  const bool exact =
      file.has_text(crs_var, netcdf::kGeoTransformAttribute) &&
      spec_from_geo_transform(file.text(crs_var, netcdf::kGeoTransformAttribute), grid.spec);
  if (!exact) spec_from_bounds(file, names, grid.spec);
  return grid;
}

}  // namespace

GridDefinition grid_like(const std::string& path) {
  try {
    return read_grid(path);
  } catch (const Error& error) {
    throw Error("--grid-like " + path + ": " + error.what());
  }
}

}  // namespace swathgrid
