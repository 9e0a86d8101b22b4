// make_grid (--crs/--bbox/--res) and parse_crs_bbox (--bbox with --bbox-crs).

#include <cmath>
#include <sstream>
#include <vector>

#include "proj_util.hpp"
#include "swathgrid/projection.hpp"

namespace swathgrid {

namespace {

/// A bound within this fraction of a cell of a whole number of cells is that whole number
/// (as in GridSpec::from_bbox).
constexpr double kCellSnapTolerance = 1e-9;
/// Points per edge when transforming a box in degrees to the CRS: 10000 points on a 360
/// degree edge miss the true extent of a circle of latitude by a relative 1e-7 (0.3 m on the
/// 60N circle of EPSG:3413), far below a cell.
constexpr int kBoxDensifyPoints = 10000;
/// A projected box reaching farther than this from the origin has run into a singularity
/// (the opposite pole of a polar stereographic CRS projects to ~1e23 m, not to infinity).
constexpr double kMaxProjectedExtentM = 1.0e8;
constexpr double kFullTurnDeg = 360.0;
constexpr std::size_t kBoxValues = 4;

std::string format_box(const BBox& box) {
  std::ostringstream text;
  text.precision(10);
  text << box.west << "," << box.south << "," << box.east << "," << box.north;
  return text.str();
}

void require_positive_resolution(double resolution, const CrsInfo& info) {
  if (!(resolution > 0.0) || !std::isfinite(resolution)) {
    std::ostringstream message;
    message << "--res: resolution must be a positive number of " << info.unit_name << ", got "
            << resolution;
    throw UsageError(message.str());
  }
}

/// The CRS's area of use (degrees), for a projected grid without --bbox.
BBox area_of_use(const proj::Context& context, const PJ* crs, const std::string& label) {
  BBox box;
  const char* area_name = nullptr;
  const bool ok = proj_get_area_of_use(context.get(), crs, &box.west, &box.south, &box.east,
                                       &box.north, &area_name) != 0;
  if (!ok || !(box.north > box.south) || box.west == box.east)
    throw UsageError("--bbox: " + label + " has no area of use; give --bbox");
  return box;
}

/// Cells [first, last) of size `cell` that cover [low, high], counted from the CRS origin.
struct CellRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

CellRange covering_cells(double low, double high, double cell) {
  CellRange range;
  range.first = static_cast<std::int64_t>(std::floor(low / cell + kCellSnapTolerance));
  range.last = static_cast<std::int64_t>(std::ceil(high / cell - kCellSnapTolerance));
  if (range.last <= range.first) range.last = range.first + 1;
  return range;
}

/// A box in degrees, transformed to the CRS, widened to whole cells from the CRS origin.
GridSpec projected_from_degrees(const proj::Context& context, const PJ* crs, const CrsInfo& info,
                                BBox box, double resolution, const std::string& label) {
  if (box.east <= box.west) box.east += kFullTurnDeg;  // crosses the antimeridian
  const proj::Pj operation = proj::lonlat_to_crs(context, crs);
  BBox xy;  // west = x_min, south = y_min, east = x_max, north = y_max
  const bool ok = proj_trans_bounds(context.get(), operation.get(), PJ_FWD, box.west, box.south,
                                    box.east, box.north, &xy.west, &xy.south, &xy.east, &xy.north,
                                    kBoxDensifyPoints) != 0;
  proj::check<UsageError>(context, ok,
                          "--bbox: cannot transform " + format_box(box) + " to " + label);
  const double limit = kMaxProjectedExtentM / info.metres_per_unit;
  for (const double bound : {xy.west, xy.south, xy.east, xy.north})
    if (!(std::abs(bound) < limit))
      throw UsageError("--bbox: " + format_box(box) + " reaches where " + label +
                       " is not usable (projected extent " + format_box(xy) +
                       "); give a smaller --bbox");
  const CellRange columns = covering_cells(xy.west, xy.east, resolution);
  const CellRange rows = covering_cells(xy.south, xy.north, resolution);
  GridSpec spec;
  spec.cell_size = resolution;
  spec.x_min = static_cast<double>(columns.first) * resolution;
  spec.y_max = static_cast<double>(rows.last) * resolution;
  spec.nx = columns.last - columns.first;
  spec.ny = rows.last - rows.first;
  spec.periodic_x = false;
  return spec;
}

/// A box in CRS units: west and north are the grid's edges, as GridSpec::from_bbox does.
GridSpec projected_from_crs_units(const BBox& box, double resolution) {
  if (!(box.east > box.west) || !(box.north > box.south))
    throw UsageError("--bbox: need XMIN < XMAX and YMIN < YMAX in CRS units, got " +
                     format_box(box));
  GridSpec spec;
  spec.cell_size = resolution;
  spec.x_min = box.west;
  spec.y_max = box.north;
  spec.nx =
      static_cast<std::int64_t>(std::ceil((box.east - box.west) / resolution - kCellSnapTolerance));
  spec.ny = static_cast<std::int64_t>(
      std::ceil((box.north - box.south) / resolution - kCellSnapTolerance));
  spec.periodic_x = false;
  return spec;
}

}  // namespace

BBox parse_crs_bbox(const std::string& text) {
  const BBox box =
      parse_four_numbers(text, "XMIN,YMIN,XMAX,YMAX in CRS units with --bbox-crs");
  if (!(box.east > box.west) || !(box.north > box.south))
    throw UsageError("--bbox: need XMIN < XMAX and YMIN < YMAX, got '" + text + "'");
  return box;
}

GridDefinition make_grid(const std::string& crs, const std::optional<BBox>& bbox,
                         bool bbox_in_crs_units, double resolution) {
  proj::Context context;
  const proj::Pj resolved = proj::create_crs(context, crs);
  const std::string label = "'" + crs + "'";
  const CrsInfo info = proj::describe(context, resolved.get(), proj::crs_label(crs));
  require_positive_resolution(resolution, info);
  GridDefinition grid;
  grid.crs = crs;
  grid.crs_wkt = info.wkt;
  grid.geographic = info.geographic;
  if (info.geographic) {
    grid.spec = GridSpec::from_bbox(bbox.value_or(BBox{}), resolution);
  } else if (bbox_in_crs_units) {
    if (!bbox) throw UsageError("--bbox-crs: needs --bbox XMIN,YMIN,XMAX,YMAX in CRS units");
    grid.spec = projected_from_crs_units(*bbox, resolution);
  } else {
    const proj::Pj base = proj::base_crs(context, resolved.get());
    const BBox box = bbox ? *bbox : area_of_use(context, base.get(), label);
    grid.spec = projected_from_degrees(context, resolved.get(), info, box, resolution, label);
  }
  return grid;
}

}  // namespace swathgrid
