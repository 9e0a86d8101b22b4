#pragma once
// A regular latitude/longitude grid: north-up, row 0 is the northernmost row, cells are
// half-open in the GDAL affine sense (a pixel at longitude x lies in column
// floor((x - west) / res); at latitude y in row floor((north - y) / res)).

#include <Kokkos_Macros.hpp>
#include <cmath>
#include <cstdint>
#include <string>

namespace swathgrid {

/// West, south, east, north in degrees. west > east means the box crosses the antimeridian.
struct BBox {
  double west = -180.0, south = -90.0, east = 180.0, north = 90.0;
};

struct GridSpec {
  double west_deg = 0.0;   ///< longitude of the west edge of column 0
  double north_deg = 0.0;  ///< latitude of the north edge of row 0
  double res_deg = 0.0;    ///< cell size in degrees (square cells)
  std::int64_t nx = 0;     ///< columns
  std::int64_t ny = 0;     ///< rows

  /// Builds the grid covering `box` at `res_deg`: nx = ceil(width / res) (to within 1e-9 of a
  /// cell), so the east/south edges may move outwards to a whole number of cells.
  /// Throws UsageError on a degenerate box or non-positive resolution.
  static GridSpec from_bbox(const BBox& box, double res_deg);

  std::int64_t cell_count() const { return nx * ny; }
  double east_deg() const { return west_deg + static_cast<double>(nx) * res_deg; }
  double south_deg() const { return north_deg - static_cast<double>(ny) * res_deg; }
  double lon_center(std::int64_t col) const { return west_deg + (static_cast<double>(col) + 0.5) * res_deg; }
  double lat_center(std::int64_t row) const { return north_deg - (static_cast<double>(row) + 0.5) * res_deg; }

  /// Flat cell index (row * nx + col) of the cell containing (lon, lat), or -1 when the point
  /// lies outside the grid or is not finite. Longitudes are taken modulo 360 relative to the
  /// west edge, so -170 and 190 are the same place.
  KOKKOS_INLINE_FUNCTION std::int64_t locate(double lon, double lat) const {
    if (!(lon == lon) || !(lat == lat)) return -1;  // NaN
    double dx = lon - west_deg;
    if (dx < 0.0 || dx >= 360.0) dx -= 360.0 * std::floor(dx / 360.0);
    const double col_f = std::floor(dx / res_deg);
    const double row_f = std::floor((north_deg - lat) / res_deg);
    if (col_f < 0.0 || row_f < 0.0 || col_f >= static_cast<double>(nx) ||
        row_f >= static_cast<double>(ny))
      return -1;
    return static_cast<std::int64_t>(row_f) * nx + static_cast<std::int64_t>(col_f);
  }
};

/// Parses "W,S,E,N" (degrees). Throws UsageError naming the option on bad syntax or values.
BBox parse_bbox(const std::string& text);

}  // namespace swathgrid
