// describe_crs and geographic_bounds: what a CRS is (geographic or projected, its unit, its
// WKT) and which lat/lon box a grid covers.

#include <cmath>

#include "proj_util.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

namespace proj {

namespace {

constexpr double kDegreeInRadians = 0.017453292519943295;
constexpr double kUnitTolerance = 1e-9;  // relative, for "is this unit the degree"
const char* const kSingleLineWkt[] = {"MULTILINE=NO", nullptr};

struct AxisUnit {
  double to_si = 1.0;  ///< metres or radians per unit
  std::string name;
};

AxisUnit first_axis_unit(const Context& context, const PJ* crs, const std::string& label) {
  const Pj cs = checked<UsageError>(context, proj_crs_get_coordinate_system(context.get(), crs),
                                    label + ": no axes");
  AxisUnit unit;
  const char* unit_name = nullptr;
  check<UsageError>(context,
                    proj_cs_get_axis_info(context.get(), cs.get(), 0, nullptr, nullptr, nullptr,
                                          &unit.to_si, &unit_name, nullptr, nullptr) != 0,
                    label + ": no axis information");
  unit.name = unit_name != nullptr ? unit_name : "";
  return unit;
}

}  // namespace

CrsInfo describe(const Context& context, const PJ* crs, const std::string& label) {
  const Pj base = base_crs(context, crs);
  CrsInfo info;
  const PJ_TYPE type = proj_get_type(base.get());
  info.geographic = type != PJ_TYPE_PROJECTED_CRS;
  const AxisUnit unit = first_axis_unit(context, base.get(), label);
  info.unit_name = unit.name;
  if (info.geographic) {
    if (std::abs(unit.to_si / kDegreeInRadians - 1.0) > kUnitTolerance)
      throw UsageError(label + ": a geographic CRS in " + unit.name +
                       " (swathgrid's lat/lon grids are in degrees)");
    info.metres_per_unit = 1.0;
  } else {
    info.metres_per_unit = unit.to_si;
  }
  const char* wkt = proj_as_wkt(context.get(), crs, PJ_WKT2_2015, kSingleLineWkt);
  check<UsageError>(context, wkt != nullptr, label + ": cannot be written as WKT2");
  info.wkt = wkt;
  const char* name = proj_get_name(base.get());
  info.name = name != nullptr ? name : "";
  return info;
}

}  // namespace proj

namespace {

// Points per edge when transforming a grid's outline to lat/lon (geospatial_* attributes).
constexpr int kBoundsDensifyPoints = 1000;

}  // namespace

CrsInfo describe_crs(const std::string& crs) {
  proj::Context context;
  const proj::Pj resolved = proj::create_crs(context, crs);
  return proj::describe(context, resolved.get(), proj::crs_label(crs));
}

GridDefinition wgs84_grid(const GridSpec& spec) {
  GridDefinition grid;
  grid.spec = spec;
  grid.crs = kDefaultCrs;
  grid.crs_wkt = describe_crs(kDefaultCrs).wkt;
  grid.geographic = true;
  return grid;
}

BBox geographic_bounds(const GridDefinition& grid) {
  const GridSpec& spec = grid.spec;
  if (grid.geographic) return BBox{spec.x_min, spec.y_min(), spec.x_max(), spec.y_max};
  proj::Context context;
  const proj::Pj crs = proj::create_crs(context, grid.crs_wkt.empty() ? grid.crs : grid.crs_wkt);
  const proj::Pj operation = proj::lonlat_to_crs(context, crs.get());
  BBox box;
  const bool ok = proj_trans_bounds(context.get(), operation.get(), PJ_INV, spec.x_min,
                                    spec.y_min(), spec.x_max(), spec.y_max, &box.west, &box.south,
                                    &box.east, &box.north, kBoundsDensifyPoints);
  proj::check(context,
              ok && std::isfinite(box.west) && std::isfinite(box.east) &&
                  std::isfinite(box.south) && std::isfinite(box.north),
              "lat/lon bounds of the grid in " + grid.crs);
  return box;
}

}  // namespace swathgrid
