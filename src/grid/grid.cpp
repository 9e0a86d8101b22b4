#include "swathgrid/grid.hpp"

#include <cmath>
#include <sstream>
#include <vector>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {
// A width within this fraction of a cell of a whole number of cells is that whole number.
constexpr double kCellSnapTolerance = 1e-9;
}  // namespace

GridSpec GridSpec::from_bbox(const BBox& box, double cell_size) {
  if (!(cell_size > 0.0) || !std::isfinite(cell_size))
    throw UsageError("--res: resolution must be a positive number of degrees, got " +
                     std::to_string(cell_size));
  double width = box.east - box.west;
  if (width <= 0.0) width += 360.0;  // crosses the antimeridian
  const double height = box.north - box.south;
  if (!(height > 0.0) || !(width > 0.0) || width > 360.0)
    throw UsageError("--bbox: empty or inverted box");
  GridSpec grid;
  grid.x_min = box.west;
  grid.y_max = box.north;
  grid.cell_size = cell_size;
  grid.nx = static_cast<std::int64_t>(std::ceil(width / cell_size - kCellSnapTolerance));
  grid.ny = static_cast<std::int64_t>(std::ceil(height / cell_size - kCellSnapTolerance));
  return grid;
}

BBox parse_four_numbers(const std::string& text, const std::string& expected) {
  std::vector<double> parts;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    std::size_t used = 0;
    double value = 0.0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || !std::isfinite(value))
      throw UsageError("--bbox: '" + item + "' is not a number (expected " + expected + ")");
    parts.push_back(value);
  }
  if (parts.size() != 4)
    throw UsageError("--bbox: expected 4 numbers " + expected + ", got '" + text + "'");
  return BBox{parts[0], parts[1], parts[2], parts[3]};
}

BBox parse_bbox(const std::string& text) {
  const BBox box = parse_four_numbers(text, "W,S,E,N in degrees");
  if (box.south < -90.0 || box.north > 90.0 || box.south >= box.north)
    throw UsageError("--bbox: need -90 <= S < N <= 90, got S=" + std::to_string(box.south) +
                     " N=" + std::to_string(box.north));
  if (box.west < -180.0 || box.west > 180.0 || box.east < -180.0 || box.east > 360.0 ||
      box.west == box.east)
    throw UsageError(
        "--bbox: need W and E in [-180, 180] (E > 180 or E < W to cross the "
        "antimeridian), got W=" +
        std::to_string(box.west) + " E=" + std::to_string(box.east));
  return box;
}

}  // namespace swathgrid
